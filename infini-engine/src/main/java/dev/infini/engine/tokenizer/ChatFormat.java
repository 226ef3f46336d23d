package dev.infini.engine.tokenizer;

import java.util.List;

/**
 * The chat format the project's default model was trained on, written down once: the trainer writes its chats in
 * it, the evaluators talk to the model in it, and the starter renders it ({@link #TEMPLATE}) for checkpoints without
 * a chat template of their own. A conversation reads
 * <pre>
 * {system}\n\n
 * User: {content}\n
 * Assistant: {content}{eos}\n
 * ...
 * Assistant:                 (the generation prompt)
 * </pre>
 * Changing any piece here drifts from what the model learned.
 */
public final class ChatFormat {

    /** Ends the system message. */
    public static final String SYSTEM_END = "\n\n";
    /** Starts a user turn. */
    public static final String USER = "User: ";
    /** Ends a user turn, and an assistant turn after its end-of-sequence token. */
    public static final String TURN_END = "\n";
    /** Starts an assistant turn: the generation prompt, after which the model writes {@code " "} and its reply. */
    public static final String ASSISTANT = "Assistant:";
    /**
     * The model starting the next user turn, or another assistant turn, on its own ends a reply: a small model that
     * skips its end-of-sequence token writes "Your name?\n Assistant: Your name is …", and what follows the new
     * "Assistant:" is not a reply to anything the user said. Sentencepiece tokenizers may put a space before a word
     * that starts a line ({@code "\n User:"}), so both spellings count.
     */
    public static final List<String> STOP_STRINGS = List.of(TURN_END + USER.strip(), TURN_END + " " + USER.strip(),
            TURN_END + ASSISTANT, TURN_END + " " + ASSISTANT);
    /** The format as a Jinja chat template, as Hugging Face's {@code tokenizer_config.json} holds one. */
    public static final String TEMPLATE = "{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ message['content'] }}" + SYSTEM_END
            + "{% elif message['role'] == 'user' %}" + USER + "{{ message['content'] }}" + TURN_END
            + "{% elif message['role'] == 'assistant' %}" + ASSISTANT + " {{ message['content'] }}{{ eos_token }}"
            + TURN_END
            + "{% else %}{{ raise_exception('the default chat template has no role ' + message['role']) }}"
            + "{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}" + ASSISTANT + "{% endif %}";

    private ChatFormat() {
    }

    /** The system message's text. */
    public static String system(String content) {
        return content + SYSTEM_END;
    }

    /** A user turn's text. */
    public static String user(String content) {
        return USER + content + TURN_END;
    }

    /** An assistant turn's text up to its end-of-sequence token, which {@link #TURN_END} follows. */
    public static String assistant(String content) {
        return ASSISTANT + " " + content;
    }
}
