package dev.infini.engine.kernels;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.infini.engine.DjlDefaults;

import java.util.Locale;

/** Where PyTorch runs: the one place a device name ({@code cpu}, {@code gpu}, {@code auto}) becomes a DJL device. */
public final class Devices {

    private Devices() {
    }

    /**
     * {@code cpu}; {@code gpu}, which must exist; or {@code auto}, the GPU when DJL sees one and the CPU otherwise.
     *
     * @param choice the name, any case; null means {@code auto}
     * @return the DJL device
     * @throws IllegalArgumentException for any other name
     * @throws IllegalStateException    when {@code gpu} is asked for and DJL sees none
     */
    public static Device resolve(String choice) {
        String name = choice == null ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        if (!name.equals("gpu") && !name.equals("auto")) {
            throw new IllegalArgumentException("a device is cpu, gpu or auto, not \"" + choice + "\"");
        }
        DjlDefaults.apply();
        int gpus = Engine.getInstance().getGpuCount();
        if (name.equals("gpu") && gpus == 0) {
            throw new IllegalStateException("device gpu was asked for but DJL sees no GPU: add the CUDA "
                    + "PyTorch native artifact (see README) and check the driver");
        }
        return gpus > 0 ? Device.gpu() : Device.cpu();
    }
}
