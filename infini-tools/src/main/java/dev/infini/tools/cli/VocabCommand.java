package dev.infini.tools.cli;

import dev.infini.engine.config.ModelConfig;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.engine.weights.Checkpoint;
import dev.infini.engine.weights.LlamaLayout;
import dev.infini.tools.checkpoint.SafetensorsWriter;
import dev.infini.tools.eval.ChatScript;
import dev.infini.tools.eval.OpenData;
import dev.infini.tools.train.ProseCorpus;
import dev.infini.tools.train.RecallData;
import dev.infini.tools.train.TrainingData;
import dev.infini.tools.vocab.BpeExtension;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code infini vocab}: a checkpoint with a larger vocabulary. The tokenizer's BPE training continues on the text the
 * trainer learns from (prose, chats, passkey prompts); each new token's embedding starts as the mean of the
 * embeddings of the old tokens it joins, so the model starts close to where it was and is then trained further.
 */
@Command(name = "vocab", mixinStandardHelpOptions = true,
        description = "Grow a checkpoint's BPE vocabulary by continuing its merges on the training text (prose, chats,"
                + " passkey prompts); new embeddings start as the mean of their parts. Train the result further.")
final class VocabCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Checkpoint to extend.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Folder for the extended checkpoint (created; must not hold a checkpoint already).")
    Path output;

    @Option(names = "--add", required = true, paramLabel = "N", description = "New tokens to learn.")
    int add;

    @Option(names = "--min-frequency", defaultValue = "2",
            description = "Fewest occurrences of a pair worth a token; fewer new tokens are learned when the text runs"
                    + " out of such pairs (default: ${DEFAULT-VALUE}).")
    int minFrequency;

    @Option(names = "--chats", defaultValue = "2000", description = "Generated chats of 1,024 tokens in the text,"
            + " without --recall-data (default: ${DEFAULT-VALUE}).")
    int chats;

    @Option(names = "--passkeys", defaultValue = "200", description = "Generated passkey prompts of 1,024 tokens in"
            + " the text, without --recall-data (default: ${DEFAULT-VALUE}).")
    int passkeys;

    @Option(names = "--recall-data", paramLabel = "DIR",
            description = "Learn the merges on the text of train --recall-data DIR instead (the train parts only:"
                    + " chats 60 %%, pass keys in documents 20 %%, prose 20 %%, no copy streams), so that a general"
                    + " recall model's new tokens come from what it trains on and never from a test part. DIR is the"
                    + " npm cache of the open lists and corpora; --prose-tokens sets the prose it loads.")
    Path recallData;

    @Option(names = "--recall-sequences", defaultValue = "3000", paramLabel = "N",
            description = "With --recall-data: sequences of 1,024 tokens drawn (default: ${DEFAULT-VALUE}).")
    int recallSequences;

    @picocli.CommandLine.Mixin
    CorpusOptions corpusOptions;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed of the generated text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (add < 1) {
            throw new IllegalArgumentException("--add must be at least 1, got " + add);
        }
        if (Files.exists(output.resolve("model.safetensors")) || Files.exists(output.resolve("config.json"))) {
            throw new IllegalArgumentException(output + " already holds a checkpoint: choose another folder");
        }
        ModelConfig config = ModelConfig.read(model);
        BpeExtension extension = BpeExtension.read(model);
        if (extension.vocabSize() != config.vocabSize()) {
            throw new IllegalArgumentException(model + ": tokenizer.json has " + extension.vocabSize()
                    + " tokens but config.json says vocab_size " + config.vocabSize());
        }
        List<int[]> streams = new ArrayList<>();
        try (InfiniTokenizer tokenizer = InfiniTokenizer.load(model, config.vocabSize())) {
            if (recallData != null) {
                streams.addAll(recallText(tokenizer, config));
            } else if (corpusOptions.proseTokens > 0) {
                streams.add(ProseCorpus.tokens(tokenizer,
                        ProseCorpus.texts(corpusOptions.corpus, corpusOptions.corpusCache), corpusOptions.proseTokens));
            }
            if (recallData == null) {
                TrainingData data = new TrainingData(tokenizer, config.bosTokenId(), eos(config), segment(config),
                        new TrainingData.Mix(0, 1, 0, 1f, 5, 1, 0), new int[0]);
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < chats; i++) {
                    streams.add(data.chat(random, 1024).ids());
                }
                for (int i = 0; i < passkeys; i++) {
                    streams.add(data.passkey(random, 1024, true).ids());
                }
            }
            long tokens = streams.stream().mapToLong(s -> s.length).sum();
            Progress progress = new Progress(System.err, "vocab", add, "tokens");
            BpeExtension.Learned learned = extension.learn(streams, add, minFrequency,
                    n -> progress.update(n, n, "tokens"));
            List<BpeExtension.Merge> added = learned.newTokens();
            progress.finish(added.size(), added.size(), "done");
            Files.createDirectories(output);
            extension.writeTokenizer(output.resolve("tokenizer.json"), learned);
            for (String file : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
                if (Files.isRegularFile(model.resolve(file))) {
                    Files.copy(model.resolve(file), output.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            ModelConfig grown = config.withVocabSize(config.vocabSize() + added.size());
            writeWeights(config, grown, added);
            Files.writeString(output.resolve("config.json"), new com.google.gson.GsonBuilder().setPrettyPrinting()
                    .create().toJson(grown.toJson()));
            System.out.printf("learned %,d merges (%,d new tokens) from %,d tokens of text: vocabulary %,d -> %,d;"
                    + " wrote %s%n", learned.merges().size(), added.size(), tokens, config.vocabSize(), grown.vocabSize(), output);
            try (InfiniTokenizer extended = InfiniTokenizer.load(output, grown.vocabSize())) {
                System.out.println("tokens per chat slot word, after a space (before -> after):");
                for (String word : ChatScript.words()) {
                    System.out.printf("  %-8s %d -> %d%n", word, tokenizer.encodeAfterSpace(word).length,
                            extended.encodeAfterSpace(word).length);
                }
            }
        }
        return 0;
    }

    /** The recall mixture's training sequences, without its copy streams (their random tokens are no words). */
    private List<int[]> recallText(InfiniTokenizer tokenizer, ModelConfig config)
            throws IOException, InterruptedException {
        if (recallSequences < 1) {
            throw new IllegalArgumentException("--recall-sequences must be at least 1, got " + recallSequences);
        }
        RecallData data = new RecallData(tokenizer, config.bosTokenId(), eos(config), config.vocabSize(),
                segment(config), new RecallData.Mix(0, 0, 0.6, 0.2, corpusOptions.proseTokens > 0 ? 0.2 : 0, 1f, 1f,
                0.5, 0.3, 2, 1), OpenData.load(recallData), corpusOptions.proseTokens);
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> streams = new ArrayList<>();
        for (int i = 0; i < recallSequences; i++) {
            streams.add(data.sample(random, 1024, 0).ids());
        }
        return streams;
    }

    private static int eos(ModelConfig config) {
        return config.eosTokenIds().isEmpty() ? 2 : config.eosTokenIds().iterator().next();
    }

    private static int segment(ModelConfig config) {
        return config.infini() != null ? config.infini().segmentLength() : 64;
    }

    /** Copies every tensor; the embeddings (and an untied LM head) get one row per new token: the mean of its parts. */
    private void writeWeights(ModelConfig config, ModelConfig grown, List<BpeExtension.Merge> newTokens)
            throws IOException {
        Checkpoint checkpoint = Checkpoint.open(model);
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        for (String name : checkpoint.names().stream().sorted().toList()) {
            long[] shape = checkpoint.info(name).shape();
            FloatBuffer buffer = checkpoint.readFloats(name, shape);
            float[] data = new float[buffer.remaining()];
            buffer.get(data);
            if (name.equals(LlamaLayout.EMBEDDINGS) || name.equals(LlamaLayout.LM_HEAD)) {
                int h = config.hiddenSize();
                float[] rows = java.util.Arrays.copyOf(data, grown.vocabSize() * h);
                for (BpeExtension.Merge t : newTokens) {
                    for (int part : t.parts()) {
                        for (int j = 0; j < h; j++) {
                            rows[t.id() * h + j] += data[part * h + j] / t.parts().length;
                        }
                    }
                }
                tensors.put(name, new SafetensorsWriter.Tensor(new long[] {grown.vocabSize(), h}, rows));
            } else {
                tensors.put(name, new SafetensorsWriter.Tensor(shape, data));
            }
        }
        SafetensorsWriter.write(output.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }
}
