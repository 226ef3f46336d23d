package dev.infini.spring;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.infini.engine.InvalidInputException;
import dev.infini.engine.model.InfiniModel;
import dev.infini.engine.sampling.FinishReason;
import dev.infini.engine.tokenizer.ChatFormat;
import dev.infini.engine.tokenizer.InfiniTokenizer;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.ToolResponseMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders chat messages into the token stream a conversation's session gets, with a Hugging Face style Jinja chat
 * template (the checkpoint's {@code tokenizer_config.json} {@code chat_template}, a configured one, or
 * {@link #DEFAULT_TEMPLATE}) run by Jinjava with {@code trim_blocks} and {@code lstrip_blocks} on, as Hugging Face
 * does.
 * <p>
 * <b>The token stream.</b> A conversation is cut into pieces, and each piece is tokenized on its own (without
 * special tokens; BOS is put before the very first piece unless the template writes it), so the stream never
 * depends on how the conversation was split into turns:
 * <ul>
 * <li>a system, user or tool message is its own piece: the text the template adds for it, found as the difference
 * between rendering the conversation with and without it;</li>
 * <li>an assistant message is three pieces: the generation prompt (what {@code add_generation_prompt} adds), the
 * reply (what the model generates: its tokens are appended by the engine as they are sampled), and the closing
 * text the template puts after the content (e.g. {@code </s>\n}). When the reply ended with the end-of-sequence
 * token, that token is already in the stream and the closing piece starts after the EOS text.</li>
 * </ul>
 * A turn therefore appends: its new messages' pieces, then the generation prompt; after generation, the closing
 * piece. Rendering turn by turn gives exactly the tokens of rendering the whole conversation at once
 * ({@link #conversationTokens}), as long as the template renders a message the same way whatever came before it
 * except at the very start; to keep that true for templates that treat the first message specially, the new
 * messages of a running conversation are rendered after a stand-in exchange, never as the first messages.
 */
public final class InfiniChatTemplate {

    /**
     * The template used for checkpoints without a chat template: the format the project's default model was
     * trained on, {@link ChatFormat#TEMPLATE} ({@code {system}\n\n} for the system message,
     * {@code User: {content}\n} for the user, {@code Assistant: {content}{eos}\n} for the assistant, generation
     * prompt {@code Assistant:}).
     */
    public static final String DEFAULT_TEMPLATE = ChatFormat.TEMPLATE;

    /** Stop strings of the default template: the model starting the next user turn on its own. */
    public static final List<String> DEFAULT_STOP_STRINGS = ChatFormat.STOP_STRINGS;

    // printable, no spaces at its ends: templates trim and escape content
    private static final String SENTINEL = "INFINI-REPLY-SENTINEL-5d1c";
    private static final List<ChatMessage> STAND_IN = List.of(new ChatMessage("user", "…"),
            new ChatMessage("assistant", "…"));

    private final String source;
    private final InfiniTokenizer tokenizer;
    private final List<String> stopStrings;
    private final String bosText;
    private final String eosText;
    private final int[] bosIds;
    private final Jinjava jinjava;

    /**
     * @param source      Jinja source of the template
     * @param tokenizer   the checkpoint's tokenizer
     * @param bosText     the beginning-of-sequence token text (null if the model has none)
     * @param eosText     the end-of-sequence token text, {@code eos_token} in the template
     * @param stopStrings strings that end generation besides the EOS token
     */
    public InfiniChatTemplate(String source, InfiniTokenizer tokenizer, String bosText, String eosText,
                              List<String> stopStrings) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.bosText = bosText;
        this.eosText = eosText == null ? "" : eosText;
        this.stopStrings = List.copyOf(stopStrings);
        this.bosIds = bosText == null ? new int[0] : tokenizer.encode(bosText, false);
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                InfiniChatTemplate.class, "raiseException", String.class));
        render(List.of(new ChatMessage("user", "x")), true);
    }

    /**
     * The template for a model: {@code override} if given, else the checkpoint's {@code chat_template}, else
     * {@link #DEFAULT_TEMPLATE}.
     *
     * @param stopStrings stop strings; null for {@link #DEFAULT_STOP_STRINGS} with the default template and none
     *                    otherwise
     */
    public static InfiniChatTemplate forModel(InfiniModel model, String override, List<String> stopStrings) {
        InfiniTokenizer tokenizer = model.tokenizer();
        String source = override != null && !override.isBlank() ? override
                : tokenizer.chatTemplate().orElse(DEFAULT_TEMPLATE);
        List<String> stops = stopStrings != null ? stopStrings
                : source.equals(DEFAULT_TEMPLATE) ? DEFAULT_STOP_STRINGS : List.of();
        List<Integer> eosIds = List.copyOf(model.config().eosTokenIds());
        String eos = tokenizer.eosToken().orElseGet(() -> eosIds.isEmpty() ? ""
                : tokenizer.decode(new int[] {eosIds.get(0)}, false));
        return new InfiniChatTemplate(source, tokenizer, tokenizer.bosToken().orElse(null), eos, stops);
    }

    /** Called by templates as {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new InvalidInputException("chat template: " + message);
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /** Strings that end generation besides the EOS token. */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /**
     * One message as the template sees it.
     *
     * @param role    {@code system}, {@code user}, {@code assistant} or {@code tool}
     * @param content its text
     */
    public record ChatMessage(String role, String content) {

        public ChatMessage {
            content = content == null ? "" : content;
        }

        /** Converts a Spring AI message. */
        public static ChatMessage of(Message message) {
            MessageType type = message.getMessageType();
            String role = switch (type) {
                case SYSTEM -> "system";
                case USER -> "user";
                case ASSISTANT -> "assistant";
                case TOOL -> "tool";
            };
            String text = message instanceof ToolResponseMessage tool
                    ? tool.getResponses().stream().map(ToolResponseMessage.ToolResponse::responseData)
                    .collect(Collectors.joining("\n"))
                    : message.getText();
            return new ChatMessage(role, text);
        }

        /** Converts a list of Spring AI messages. */
        public static List<ChatMessage> of(List<Message> messages) {
            return messages.stream().map(ChatMessage::of).toList();
        }

        boolean isAssistant() {
            return "assistant".equals(role);
        }
    }

    /** The template's text for these messages. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = messages.stream()
                .map(m -> Map.<String, Object>of("role", m.role(), "content", m.content())).toList();
        Map<String, Object> context = new java.util.HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosText == null ? "" : bosText);
        context.put("eos_token", eosText);
        RenderResult result = jinjava.renderForResult(source, context);
        if (result.hasErrors()) {
            for (Throwable t = result.getErrors().get(0).getException(); t != null; t = t.getCause()) {
                if (t instanceof InvalidInputException invalid) {
                    throw invalid;
                }
            }
            throw new InvalidInputException("chat template failed: " + result.getErrors().get(0).getMessage());
        }
        return result.getOutput();
    }

    /**
     * The messages of a prompt that a conversation has not seen: every message when it starts; otherwise those
     * after the last assistant message (history a chat-memory advisor re-sends is not fed twice), without system
     * messages (the system prompt is part of the conversation from its start).
     */
    public static List<ChatMessage> newMessages(List<ChatMessage> prompt, boolean conversationStarts) {
        if (conversationStarts) {
            return prompt;
        }
        int lastAssistant = -1;
        for (int i = 0; i < prompt.size(); i++) {
            if (prompt.get(i).isAssistant()) {
                lastAssistant = i;
            }
        }
        return prompt.subList(lastAssistant + 1, prompt.size()).stream()
                .filter(m -> !"system".equals(m.role())).toList();
    }

    /**
     * Plans one turn: the tokens to append before generating, and what to append after.
     *
     * @param prompt            every message of the prompt
     * @param conversationStarts whether the conversation has no tokens yet
     * @throws InvalidInputException if the prompt has nothing new to answer
     */
    public Turn turn(List<ChatMessage> prompt, boolean conversationStarts) {
        List<ChatMessage> fresh = newMessages(prompt, conversationStarts);
        if (fresh.isEmpty() || fresh.get(fresh.size() - 1).isAssistant()) {
            throw new InvalidInputException("nothing to answer: the prompt must end with a new user (or tool) message");
        }
        List<ChatMessage> context = conversationStarts ? List.of() : STAND_IN;
        Tokens tokens = new Tokens();
        pieces(context, fresh, conversationStarts, tokens);
        List<ChatMessage> all = concat(context, fresh);
        tokens.add(generationPrompt(all), false);
        return new Turn(tokens.toArray(), all);
    }

    /**
     * The whole conversation's tokens, as if rendered at once; ends with the generation prompt unless the last
     * message is the assistant's.
     */
    public int[] conversationTokens(List<ChatMessage> messages) {
        Tokens tokens = new Tokens();
        pieces(List.of(), messages, true, tokens);
        if (!messages.isEmpty() && !messages.get(messages.size() - 1).isAssistant()) {
            tokens.add(generationPrompt(messages), false);
        }
        return tokens.toArray();
    }

    private void pieces(List<ChatMessage> context, List<ChatMessage> messages, boolean start, Tokens tokens) {
        List<ChatMessage> before = new ArrayList<>(context);
        String rendered = render(before, false);
        for (ChatMessage m : messages) {
            boolean first = start && tokens.isEmpty();
            if (m.isAssistant()) {
                AssistantParts parts = assistantParts(before);
                tokens.add(parts.generationPrompt(), first);
                tokens.add(parts.bodyPrefix() + m.content(), false);
                tokens.add(parts.closing(), false);
            }
            before.add(m);
            String next = render(before, false);
            if (!next.startsWith(rendered)) {
                throw new InvalidInputException("chat template is not incremental: rendering a conversation with one"
                        + " more message changes the text of the earlier ones, so turns cannot be appended");
            }
            if (!m.isAssistant()) {
                tokens.add(next.substring(rendered.length()), first);
            }
            rendered = next;
        }
    }

    private String generationPrompt(List<ChatMessage> context) {
        String without = render(context, false);
        String with = render(context, true);
        if (!with.startsWith(without)) {
            throw new InvalidInputException("chat template is not incremental: add_generation_prompt changes the"
                    + " text of the conversation before it");
        }
        return with.substring(without.length());
    }

    private record AssistantParts(String generationPrompt, String bodyPrefix, String closing) {
    }

    private AssistantParts assistantParts(List<ChatMessage> context) {
        String g = generationPrompt(context);
        String without = render(context, false);
        String with = render(concat(context, List.of(new ChatMessage("assistant", SENTINEL))), false);
        String unit = with.startsWith(without) ? with.substring(without.length()) : null;
        int at = unit == null ? -1 : unit.indexOf(SENTINEL);
        if (at < 0 || !unit.startsWith(g) || at < g.length()) {
            throw new InvalidInputException("chat template does not render an assistant message as its generation"
                    + " prompt followed by the content: replies cannot be appended turn by turn");
        }
        return new AssistantParts(g, unit.substring(g.length(), at), unit.substring(at + SENTINEL.length()));
    }

    private static List<ChatMessage> concat(List<ChatMessage> a, List<ChatMessage> b) {
        List<ChatMessage> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** What one turn appends. */
    public final class Turn {

        private final int[] promptTokens;
        private final List<ChatMessage> context;

        private Turn(int[] promptTokens, List<ChatMessage> context) {
            this.promptTokens = promptTokens;
            this.context = context;
        }

        /** Tokens to append before generating: the new messages and the generation prompt. */
        public int[] promptTokens() {
            return promptTokens.clone();
        }

        /**
         * Tokens to append after the reply, closing the assistant message; when the reply ended with the EOS token
         * (already appended by the engine), the EOS text is left out of the closing piece.
         */
        public int[] closingTokens(FinishReason finishReason) {
            String closing = assistantParts(context).closing();
            if (finishReason == FinishReason.EOS && !eosText.isEmpty() && closing.startsWith(eosText)) {
                closing = closing.substring(eosText.length());
            }
            Tokens tokens = new Tokens();
            tokens.add(closing, false);
            return tokens.toArray();
        }

        /** The tokens the whole-conversation rendering gives a reply with this text (between prompt and closing). */
        public int[] replyTokens(String content) {
            Tokens tokens = new Tokens();
            tokens.add(assistantParts(context).bodyPrefix() + content, false);
            return tokens.toArray();
        }
    }

    private final class Tokens {
        private int[] ids = new int[0];

        boolean isEmpty() {
            return ids.length == 0;
        }

        void add(String text, boolean conversationStart) {
            if (conversationStart && bosIds.length > 0 && !(bosText != null && text.startsWith(bosText))) {
                append(bosIds);
            }
            if (!text.isEmpty()) {
                append(tokenizer.encode(text, false));
            }
        }

        private void append(int[] more) {
            int[] grown = Arrays.copyOf(ids, ids.length + more.length);
            System.arraycopy(more, 0, grown, ids.length, more.length);
            ids = grown;
        }

        int[] toArray() {
            return ids.clone();
        }
    }
}
