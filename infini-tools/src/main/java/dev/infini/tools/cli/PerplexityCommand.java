package dev.infini.tools.cli;

import com.google.gson.JsonObject;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code infini perplexity}: streams a text or token-id file of any length through the model, one segment at a
 * time, so memory stays bounded whatever the file's size.
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a text file (or a file of token ids) of any length, streamed through segments.")
final class PerplexityCommand implements Callable<Integer> {

    /** Characters of text tokenized at once; cut at whitespace so words are not split. */
    private static final int TEXT_CHUNK = 16 * 1024;

    @Mixin
    ModelOptions modelOptions;

    @Parameters(index = "0", paramLabel = "FILE", description = "UTF-8 text, or with --ids whitespace-separated token ids.")
    Path file;

    @Option(names = "--ids", description = "FILE holds token ids, not text.")
    boolean ids;

    @Option(names = "--max-tokens", defaultValue = "0", description = "Stop after this many tokens; 0 reads the whole file.")
    long maxTokens;

    @Option(names = "--json", description = "Print one JSON line: tokens, perplexity, tokens_per_second, ...")
    boolean json;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    private double sumLogProb;
    private long scored;
    private long fed;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) {
            System.err.println("error: " + file + " is not a readable file");
            return 2;
        }
        long size = Files.size(file);
        try (InfiniModel model = modelOptions.load(); Session session = new Session(model);
             BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Progress progress = noProgress ? null : new Progress(System.err, "perplexity", size);
            CountingReader counting = new CountingReader(reader);
            long start = System.nanoTime();
            boolean first = true;
            while (maxTokens == 0 || fed < maxTokens) {
                int[] chunk = ids ? readIds(counting, model.segmentLength()) : readText(counting, model, first);
                if (chunk == null) {
                    break;
                }
                first = false;
                if (chunk.length == 0) {
                    continue;
                }
                if (maxTokens > 0 && fed + chunk.length > maxTokens) {
                    chunk = Arrays.copyOf(chunk, (int) (maxTokens - fed));
                }
                feed(session, chunk, model.segmentLength());
                if (progress != null) {
                    progress.update(counting.chars, fed, String.format("ppl %.3f", perplexity()));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (progress != null) {
                progress.finish(size, fed, String.format("ppl %.3f", perplexity()));
            }
            if (fed == 0) {
                System.err.println("error: " + file + " holds no tokens");
                return 2;
            }
            if (json) {
                JsonObject out = new JsonObject();
                out.addProperty("tokens", fed);
                out.addProperty("scored_tokens", scored);
                out.addProperty("perplexity", perplexity());
                out.addProperty("tokens_per_second", fed / seconds);
                out.addProperty("seconds", seconds);
                out.addProperty("segments_folded", session.segmentsFolded());
                out.addProperty("state_bytes", StateCodec.encodedSize(model));
                System.out.println(out);
            } else {
                System.out.printf("tokens: %d%nperplexity: %.4f%ntokens/s: %.1f%n", fed, perplexity(), fed / seconds);
            }
        }
        return 0;
    }

    private void feed(Session session, int[] tokens, int segmentLength) {
        // One segment at a time keeps the native working set at one segment whatever the input's size.
        for (int from = 0; from < tokens.length; from += segmentLength) {
            int[] part = Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + segmentLength));
            for (double logProb : session.appendScored(part)) {
                if (!Double.isNaN(logProb)) {
                    sumLogProb += logProb;
                    scored++;
                }
            }
            fed += part.length;
        }
    }

    private double perplexity() {
        return scored == 0 ? Double.NaN : Math.exp(-sumLogProb / scored);
    }

    private static int[] readIds(CountingReader reader, int count) throws IOException {
        int[] out = new int[count];
        int n = 0;
        StringBuilder token = new StringBuilder();
        int c;
        while (n < count && (c = reader.read()) != -1) {
            if (Character.isWhitespace(c) || c == ',') {
                if (token.length() > 0) {
                    out[n++] = parseId(token);
                    token.setLength(0);
                }
            } else {
                token.append((char) c);
            }
        }
        if (token.length() > 0) {
            out[n++] = parseId(token);
        }
        return n == 0 ? null : Arrays.copyOf(out, n);
    }

    private static int parseId(CharSequence token) {
        try {
            return Integer.parseInt(token.toString());
        } catch (NumberFormatException e) {
            throw new dev.infini.engine.InvalidInputException("\"" + token + "\" is not a token id");
        }
    }

    private static int[] readText(CountingReader reader, InfiniModel model, boolean first) throws IOException {
        StringBuilder text = new StringBuilder();
        int c;
        while ((c = reader.read()) != -1) {
            text.append((char) c);
            if (text.length() >= TEXT_CHUNK && Character.isWhitespace(c)) {
                break;
            }
        }
        if (text.length() == 0) {
            return null;
        }
        // BOS only at the very start: later chunks continue the same text.
        return model.tokenizer().encode(text.toString(), first);
    }

    /** Counts characters read, for the progress bar (close to bytes for mostly-ASCII text). */
    private static final class CountingReader {
        private final Reader reader;
        long chars;

        CountingReader(Reader reader) {
            this.reader = reader;
        }

        int read() throws IOException {
            int c = reader.read();
            if (c != -1) {
                chars++;
            }
            return c;
        }
    }
}
