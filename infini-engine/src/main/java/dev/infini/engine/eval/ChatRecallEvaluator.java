package dev.infini.engine.eval;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.GenerationOptions;
import dev.infini.engine.sampling.GenerationResult;
import dev.infini.engine.session.Session;
import dev.infini.engine.session.SessionState;
import dev.infini.engine.session.StateCodec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Chat recall through the engine: a user states a fact in the first turn, then talks about other things for at
 * least {@code minSegments} segments (the model writes its own replies), then asks for the fact. Between turns the
 * conversation's whole state leaves the session as bytes ({@link StateCodec}) and a new session is restored from
 * them, as a store would do. A trial is correct when the last reply contains the fact's value.
 * <p>
 * Turns are rendered with the sample app's default template, one piece per message part as the starter does:
 * {@code {system}\n\n}, {@code User: {content}\n}, then {@code Assistant:}, the generated reply, EOS, {@code \n}.
 */
public final class ChatRecallEvaluator {

    /** One conversation's outcome. */
    public record Trial(int trial, String fact, String value, String question, String reply, boolean correct,
                        long segmentsBetween, int turns) {
    }

    private final InfiniModel model;
    private final int minSegments;
    private final int maxReplyTokens;
    private final int eos;

    public ChatRecallEvaluator(InfiniModel model, int minSegments, int maxReplyTokens) {
        this.model = model;
        this.minSegments = minSegments;
        this.maxReplyTokens = maxReplyTokens;
        this.eos = model.config().eosTokenIds().isEmpty() ? -1 : model.config().eosTokenIds().iterator().next();
    }

    /** Runs {@code trials} conversations with seeded facts. */
    public List<Trial> run(int trials, long seed, java.util.function.Consumer<Trial> listener) {
        List<Trial> out = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            Trial trial = runTrial(t, new SplittableRandom(seed * 7919 + t));
            out.add(trial);
            listener.accept(trial);
        }
        return out;
    }

    private Trial runTrial(int index, SplittableRandom random) {
        ChatScript.Fact fact = ChatScript.facts(random).get(0);
        byte[] state;
        try (Session session = model.newSession()) {
            session.append(model.tokenizer().encode(ChatScript.SYSTEM + "\n\n", true));
            state = StateCodec.encode(session.snapshot());
        }
        state = turn(state, fact.tell()).state;
        long factSegment = segments(state);
        int turns = 1;
        while (segments(state) - factSegment < minSegments) {
            state = turn(state, ChatScript.smallTalkQuestion(random)).state;
            turns++;
        }
        long between = segments(state) - factSegment;
        Reply last = turn(state, fact.ask());
        boolean correct = mentions(last.text, fact.value());
        return new Trial(index, fact.tell(), fact.value(), fact.ask(), last.text.strip(), correct, between, turns + 1);
    }

    /** Whether a reply contains the value as a whole word, ignoring case: the scoring rule. */
    public static boolean mentions(String reply, String value) {
        return reply.toLowerCase(Locale.ROOT).matches("(?s).*\\b"
                + java.util.regex.Pattern.quote(value.toLowerCase(Locale.ROOT)) + "\\b.*");
    }

    private record Reply(byte[] state, String text) {
    }

    /** One user turn on a restored session: message, generation prompt, greedy reply, closing piece. */
    private Reply turn(byte[] stored, String userMessage) {
        SessionState restored = StateCodec.decode(stored);
        try (Session session = model.restore(restored)) {
            session.append(model.tokenizer().encode("User: " + userMessage + "\n", false));
            session.append(model.tokenizer().encode("Assistant:", false));
            GenerationResult result = session.generate(GenerationOptions.builder().maxTokens(maxReplyTokens)
                    .stopStrings(List.of("\nUser:")).build(), (id, piece) -> { });
            if (result.finishReason() != dev.infini.engine.sampling.FinishReason.EOS && eos >= 0) {
                session.append(new int[] {eos});
            }
            session.append(model.tokenizer().encode("\n", false));
            return new Reply(StateCodec.encode(session.snapshot()), result.text());
        }
    }

    private static long segments(byte[] state) {
        return StateCodec.decode(state).segmentsFolded();
    }
}
