package dev.infini.tools.eval;

import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.session.Session;
import dev.infini.engine.tokenizer.ChatFormat;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import dev.infini.tools.train.TrainingData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Replies to ordinary messages: conversations of messages, the model writing every reply, for reading (are they
 * grammatical and on topic?) and for one measure that needs no reader: of the messages whose topic is known, how many
 * replies name it again.
 * <p>
 * The messages come from a file in the user's own words ({@link #conversations(List)}), or from the test part of
 * {@link TopicTalk} ({@link #topicTalk}): by default its test part, topics and phrasings that training never showed,
 * each message with its topic and a reference reply; its train part tells whether a model learned what it was shown
 * at all. The references give a second measure, which moves before the greedy replies do: the nats
 * per token the model gives them, teacher-forced ({@link #referenceNll}).
 */
public final class RepliesEvaluator {

    /**
     * A user message.
     *
     * @param topic     what an on-topic reply names, or null when not known
     * @param reference a reply written for it, or null
     */
    public record Message(String text, String topic, String reference) {
    }

    /** One turn's outcome. */
    public record Turn(int conversation, String message, String topic, String reply) {

        /** True when the message's topic is known and the reply names it (the topic's article aside). */
        public boolean onTopic() {
            return topic != null && ChatRecallEvaluator.mentions(reply, topic.replaceFirst("^the ", ""));
        }
    }

    private final ChatRecallEvaluator.Chat chat;

    public RepliesEvaluator(ChatRecallEvaluator.Chat chat) {
        this.chat = chat;
    }

    /**
     * Conversations from lines of text: one message per line, a blank line between conversations, lines starting
     * with {@code #} ignored. Messages read from a file have no known topic.
     */
    public static List<List<Message>> conversations(List<String> lines) {
        List<List<Message>> conversations = new ArrayList<>();
        List<Message> current = new ArrayList<>();
        for (String line : lines) {
            String text = line.strip();
            if (text.isEmpty()) {
                if (!current.isEmpty()) {
                    conversations.add(current);
                    current = new ArrayList<>();
                }
            } else if (!text.startsWith("#")) {
                current.add(new Message(text, null, null));
            }
        }
        if (!current.isEmpty()) {
            conversations.add(current);
        }
        if (conversations.isEmpty()) {
            throw new IllegalArgumentException("no messages: one message per line, a blank line between conversations");
        }
        return conversations;
    }

    /** {@code count} conversations of {@code turns} topic-talk messages each of one part, seeded. */
    public static List<List<Message>> topicTalk(HeldOut part, int count, int turns, long seed) {
        if (count < 1 || turns < 1) {
            throw new IllegalArgumentException("need at least one conversation of one turn, got " + count
                    + " of " + turns);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<TopicTalk.Kind> kinds = TopicTalk.kinds(part);
        List<List<Message>> conversations = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            List<Message> messages = new ArrayList<>();
            for (int t = 0; t < turns; t++) {
                TopicTalk.Pair pair = TopicTalk.pair(random, kinds);
                messages.add(new Message(pair.message(), pair.topic(), pair.reply()));
            }
            conversations.add(messages);
        }
        return conversations;
    }

    /** Plays the conversations (ids {@code replies-c}, each started afresh) and returns every turn. */
    public List<Turn> run(List<List<Message>> conversations, Consumer<Turn> listener) {
        List<Turn> turns = new ArrayList<>();
        for (int c = 0; c < conversations.size(); c++) {
            String id = "replies-" + c;
            chat.forget(id);
            for (Message m : conversations.get(c)) {
                Turn turn = new Turn(c, m.text(), m.topic(), chat.reply(id, m.text()).text().strip());
                turns.add(turn);
                listener.accept(turn);
            }
        }
        return turns;
    }

    /**
     * The reference replies' nats per token, teacher-forced: over all their tokens (and the end-of-sequence token), and
     * over the tokens where a reply names its message's topic again, the one thing a reply to a message never seen
     * can only get right by reading the message.
     *
     * @param topicTokens how many topic tokens were scored (a topic whose tokens the reply splits otherwise is left out)
     */
    public record ReferenceNll(double perToken, double topicPerToken, int topicTokens) {
    }

    /**
     * Scores the reference replies: each conversation in one session, in the sample app's format, the references
     * standing as the assistant's turns.
     */
    public static ReferenceNll referenceNll(InfiniModel model, List<List<Message>> conversations) {
        InfiniTokenizer tokenizer = model.tokenizer();
        int eos = model.config().eosTokenIds().isEmpty() ? -1 : model.config().eosTokenIds().iterator().next();
        int[] prefix = tokenizer.encode(ChatFormat.ASSISTANT, false);
        double sum = 0;
        long count = 0;
        double topicSum = 0;
        int topicCount = 0;
        for (List<Message> conversation : conversations) {
            try (Session session = new Session(model)) {
                session.append(tokenizer.encode(ChatFormat.system(ChatScript.SYSTEM), true));
                for (Message m : conversation) {
                    if (m.reference() == null) {
                        throw new IllegalArgumentException("no reference reply for \"" + m.text() + "\"");
                    }
                    session.append(tokenizer.encode(ChatFormat.user(m.text()), false));
                    // encoded whole, as training encodes an assistant turn, then split after the prefix
                    int[] turn = tokenizer.encode(ChatFormat.assistant(m.reference()), false);
                    if (!Arrays.equals(turn, 0, prefix.length, prefix, 0, prefix.length)) {
                        throw new IllegalStateException("the tokenizer joins \"" + ChatFormat.ASSISTANT
                                + "\" with the reply that follows it");
                    }
                    session.append(prefix);
                    int[] reply = Arrays.copyOfRange(turn, prefix.length, turn.length + (eos >= 0 ? 1 : 0));
                    if (eos >= 0) {
                        reply[reply.length - 1] = eos;
                    }
                    double[] logProbs = session.appendScored(reply);
                    for (double logProb : logProbs) {
                        sum -= logProb;
                        count++;
                    }
                    int[] topic = topicSpan(tokenizer, reply, m.topic());
                    for (int t = topic[0]; t < topic[1]; t++) {
                        topicSum -= logProbs[t];
                        topicCount++;
                    }
                    session.append(tokenizer.encode(ChatFormat.TURN_END, false));
                }
            }
        }
        return new ReferenceNll(sum / count, topicCount == 0 ? Double.NaN : topicSum / topicCount, topicCount);
    }

    /** Where the topic's tokens stand in the reply, as written or capitalised: [from, to), empty when not found. */
    static int[] topicSpan(InfiniTokenizer tokenizer, int[] reply, String topic) {
        if (topic == null) {
            return new int[2];
        }
        for (String form : List.of(topic, Character.toUpperCase(topic.charAt(0)) + topic.substring(1))) {
            int[] tokens = tokenizer.encodeAfterSpace(form);
            int at = TrainingData.indexOf(reply, tokens, 0);
            if (at >= 0) {
                return new int[] {at, at + tokens.length};
            }
        }
        return new int[2];
    }

    /** The turns as a Markdown list, conversation by conversation, then the on-topic line when topics are known. */
    public static String report(List<Turn> turns, String label) {
        StringBuilder out = new StringBuilder();
        int conversation = -1;
        for (Turn t : turns) {
            if (t.conversation() != conversation) {
                conversation = t.conversation();
                out.append(String.format(Locale.ROOT, "%nConversation %d%n%n", conversation + 1));
            }
            out.append("- user: ").append(t.message()).append('\n')
                    .append("  - model: ").append(t.reply().replace("\n", " ")).append('\n');
        }
        long known = turns.stream().filter(t -> t.topic() != null).count();
        if (known > 0) {
            long on = turns.stream().filter(Turn::onTopic).count();
            out.append(String.format(Locale.ROOT, "%nreplies naming the message's topic (%s): %d/%d = %.0f%%%n",
                    label, on, known, 100.0 * on / known));
        }
        return out.toString();
    }
}
