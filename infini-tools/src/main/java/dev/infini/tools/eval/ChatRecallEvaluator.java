package dev.infini.tools.eval;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.StateCodec;
import dev.infini.engine.tokenizer.ChatFormat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Chat recall: a user states a fact in the first turn, then talks about other things for at least
 * {@code minSegments} segments (the model writes its own replies), then asks for the fact. A trial is correct when
 * the last reply contains the fact's value ({@link #mentions}). With 0 segments the question follows the fact's turn
 * at once, so that the fact is usually still in the open segment: recall by local attention, the baseline.
 * <p>
 * The script and the scoring live here; the conversation goes through a {@link Chat}. {@link #engine} talks to the
 * engine directly: between turns the conversation's whole state leaves the session as bytes ({@link StateCodec})
 * and a new session is restored from them, as a store would do. The starter's {@code dev.infini.spring.eval.ChatRecall}
 * talks through its Spring AI {@code ChatModel}, with the state in a conversation store.
 * <p>
 * Trial {@code t} of seed {@code s} is the conversation {@code chat-recall-s-t}; its fact and talk depend only on
 * the seed and the trial, so every {@link Chat} plays the same script.
 */
public final class ChatRecallEvaluator {

    /**
     * One conversation's outcome.
     *
     * @param segmentsBetween segments folded after the fact's turn and before the question
     * @param turns           user turns, the fact and the question included
     */
    public record Trial(int trial, String fact, String value, String question, String reply, boolean correct,
                        long segmentsBetween, int turns) {
    }

    /**
     * One turn's outcome.
     *
     * @param text           the assistant's reply
     * @param segmentsFolded segments the conversation has folded into memory after this turn
     */
    public record Reply(String text, long segmentsFolded) {
    }

    /** Where the conversations of the evaluation take place. */
    public interface Chat {

        /**
         * Plays one user turn of a conversation: the conversation starts with the system message
         * {@link ChatScript#SYSTEM} when the id is new, then gets the user message and a greedy reply.
         */
        Reply reply(String conversationId, String userMessage);

        /** Drops a conversation, so that a trial never continues a conversation left by an earlier run. */
        void forget(String conversationId);
    }

    private final Chat chat;
    private final int minSegments;

    /** An evaluation through the engine directly, the state round-tripping through bytes every turn. */
    public ChatRecallEvaluator(InfiniModel model, int minSegments, int maxReplyTokens) {
        this(engine(model, maxReplyTokens), minSegments);
    }

    /** An evaluation through any chat. */
    public ChatRecallEvaluator(Chat chat, int minSegments) {
        if (minSegments < 0) {
            throw new IllegalArgumentException("min segments must be at least 0, got " + minSegments);
        }
        this.chat = chat;
        this.minSegments = minSegments;
    }

    /** Runs {@code trials} conversations with seeded facts. */
    public List<Trial> run(int trials, long seed, Consumer<Trial> listener) {
        List<Trial> out = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            String id = "chat-recall-" + seed + "-" + t;
            chat.forget(id);
            Trial trial = runTrial(t, id, new SplittableRandom(seed * 7919 + t));
            out.add(trial);
            listener.accept(trial);
        }
        return out;
    }

    private Trial runTrial(int index, String id, SplittableRandom random) {
        ChatScript.Fact fact = ChatScript.facts(random).get(0);
        long factSegment = chat.reply(id, fact.tell()).segmentsFolded();
        long segments = factSegment;
        int turns = 1;
        while (segments - factSegment < minSegments) {
            segments = chat.reply(id, ChatScript.smallTalk(random).question()).segmentsFolded();
            turns++;
        }
        String last = chat.reply(id, fact.ask()).text();
        return new Trial(index, fact.tell(), fact.value(), fact.ask(), last.strip(), mentions(last, fact.value()),
                segments - factSegment, turns + 1);
    }

    /** Whether a reply contains the value as a whole word, ignoring case: the scoring rule. */
    public static boolean mentions(String reply, String value) {
        return reply.toLowerCase(Locale.ROOT).matches("(?s).*\\b"
                + Pattern.quote(value.toLowerCase(Locale.ROOT)) + "\\b.*");
    }

    /** The results as a Markdown table, then the score line {@code chat recall (label): c/n = p%}. */
    public static String report(List<Trial> trials, String label) {
        StringBuilder out = new StringBuilder("| fact | question | reply | segments between | correct |\n")
                .append("|---|---|---|---:|:---:|\n");
        for (Trial t : trials) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s |\n", t.fact(), t.question(),
                    t.reply().replace("|", "\\|").replace("\n", " "), t.segmentsBetween(), t.correct() ? "yes" : "no"));
        }
        long correct = trials.stream().filter(Trial::correct).count();
        out.append(String.format(Locale.ROOT, "\nchat recall (%s): %d/%d = %.0f%%\n", label, correct, trials.size(),
                trials.isEmpty() ? 0.0 : 100.0 * correct / trials.size()));
        return out.toString();
    }

    /**
     * The engine as a chat: each turn restores a new session from the conversation's state bytes and encodes the
     * state again afterwards. Turns are rendered with the sample app's default template, one piece per message part
     * as the starter does: {@code {system}\n\n}, {@code User: {content}\n}, then {@code Assistant:}, the generated
     * reply, EOS, {@code \n}.
     */
    public static Chat engine(InfiniModel model, int maxReplyTokens) {
        return engine(model, maxReplyTokens, 0);
    }

    /**
     * The same with no {@code noRepeatNgram} tokens in a row twice within one reply (0: no limit; see
     * {@link GenerationOptions#noRepeatNgramSize()}).
     */
    public static Chat engine(InfiniModel model, int maxReplyTokens, int noRepeatNgram) {
        return new EngineChat(model, GenerationOptions.builder().maxTokens(maxReplyTokens)
                .noRepeatNgramSize(noRepeatNgram).stopStrings(ChatFormat.STOP_STRINGS).build());
    }

    private static final class EngineChat implements Chat {
        private final InfiniModel model;
        private final GenerationOptions options;
        private final int eos;
        private final Map<String, byte[]> states = new HashMap<>();

        EngineChat(InfiniModel model, GenerationOptions options) {
            this.model = model;
            this.options = options;
            this.eos = model.config().eosTokenIds().isEmpty() ? -1 : model.config().eosTokenIds().iterator().next();
        }

        @Override
        public Reply reply(String conversationId, String userMessage) {
            byte[] stored = states.get(conversationId);
            try (Session session = stored == null ? new Session(model) : Session.restore(model, StateCodec.decode(stored))) {
                if (stored == null) {
                    session.append(model.tokenizer().encode(ChatFormat.system(ChatScript.SYSTEM), true));
                }
                session.append(model.tokenizer().encode(ChatFormat.user(userMessage), false));
                session.append(model.tokenizer().encode(ChatFormat.ASSISTANT, false));
                GenerationResult result = session.generate(options, (id, piece) -> { });
                if (result.finishReason() != FinishReason.EOS && eos >= 0) {
                    session.append(new int[] {eos});
                }
                session.append(model.tokenizer().encode(ChatFormat.TURN_END, false));
                states.put(conversationId, StateCodec.encode(session.snapshot()));
                return new Reply(result.text(), session.segmentsFolded());
            }
        }

        @Override
        public void forget(String conversationId) {
            states.remove(conversationId);
        }
    }
}
