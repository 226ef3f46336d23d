package dev.infini.tools.bench;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What every benchmark mode shares: how models are loaded, the shape of a turn, where Redis comes from and where
 * plots go.
 *
 * @param smoke          a run of seconds that checks the plumbing, not the machine
 * @param device         cpu, gpu or auto
 * @param gateInit       β for checkpoints without memory gates (their memory is switched on with it)
 * @param segmentLength  N for the Infini model; 0 keeps the checkpoint's
 * @param threads        PyTorch intra-op threads; 0 keeps the backend's default (one per core)
 * @param turnIn         tokens a user turn appends
 * @param turnOut        tokens a turn generates
 * @param redisServer    the redis-server executable to spawn
 * @param plotsDir       where PNG plots go, or null for none
 * @param log            progress lines (stderr)
 */
public record BenchOptions(boolean smoke, String device, float gateInit, int segmentLength, int threads, int turnIn,
                           int turnOut, String redisServer, Path plotsDir, PrintStream log) {
}
