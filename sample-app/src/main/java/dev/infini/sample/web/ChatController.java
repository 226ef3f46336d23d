package dev.infini.sample.web;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.HttpServletRequest;

import dev.infini.sample.chat.ChatService;
import dev.infini.sample.chat.ChatService.StreamEvent;
import dev.infini.sample.config.Deployment;
import dev.infini.sample.web.Dtos.ChatReply;
import dev.infini.sample.web.Dtos.Conversation;
import dev.infini.sample.web.Dtos.ConversationList;
import dev.infini.sample.web.Dtos.Info;
import dev.infini.sample.web.Dtos.MessageRequest;
import dev.infini.sample.web.Dtos.Transcript;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.Disposable;

/** The chatbot's REST API; see docs/sample-app.md for the reference with curl examples. */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
class ChatController {

    private static final Logger log = LoggerFactory.getLogger(ChatController.class);

    private final ChatService chat;
    private final Deployment deployment;

    ChatController(ChatService chat, Deployment deployment) {
        this.chat = chat;
        this.deployment = deployment;
    }

    @GetMapping("/info")
    Info info() {
        return deployment.info();
    }

    @GetMapping("/conversations")
    ConversationList list(HttpServletRequest request) {
        return new ConversationList(chat.list(ApiKeyInterceptor.owner(request)));
    }

    @PostMapping("/conversations")
    ResponseEntity<Conversation> create(HttpServletRequest request) {
        Conversation created = chat.create(ApiKeyInterceptor.owner(request));
        return ResponseEntity.created(URI.create("/api/conversations/" + created.id())).body(created);
    }

    @GetMapping("/conversations/{id}")
    Conversation get(@PathVariable String id, HttpServletRequest request) {
        return chat.get(id, ApiKeyInterceptor.owner(request));
    }

    /** The messages the server kept for display ({@code infini.conversation.transcript}); the model never reads them */
    @GetMapping("/conversations/{id}/messages")
    Transcript messages(@PathVariable String id, HttpServletRequest request) {
        return chat.transcript(id, ApiKeyInterceptor.owner(request));
    }

    @DeleteMapping("/conversations/{id}")
    ResponseEntity<Void> delete(@PathVariable String id, HttpServletRequest request) {
        chat.delete(id, ApiKeyInterceptor.owner(request));
        return ResponseEntity.noContent().build();
    }

    @PostMapping(path = "/conversations/{id}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
    ChatReply send(@PathVariable String id, @RequestBody MessageRequest body, HttpServletRequest request) {
        return chat.send(id, ApiKeyInterceptor.owner(request), body.message());
    }

    /**
     * The same turn as Server-Sent Events: {@code token} events ({@code {"text": "..."}}) as the reply is sampled,
     * then one {@code done} event with the body {@link #send} answers, or one {@code error} event with a problem.
     */
    @PostMapping(path = "/conversations/{id}/messages/stream", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {MediaType.TEXT_EVENT_STREAM_VALUE, MediaType.APPLICATION_JSON_VALUE})
    SseEmitter stream(@PathVariable String id, @RequestBody MessageRequest body, HttpServletRequest request) {
        var events = chat.stream(id, ApiKeyInterceptor.owner(request), body.message());
        // The timeout is spring.mvc.async.request-timeout: a turn still running then is cancelled.
        SseEmitter emitter = new SseEmitter();
        String path = request.getRequestURI();
        // Once the client is gone (a send fails) or the stream timed out, the subscription is cancelled, which
        // aborts the turn at its next token; events already on their way are then ignored.
        AtomicBoolean open = new AtomicBoolean(true);
        AtomicReference<Disposable> subscription = new AtomicReference<>();
        Runnable cancel = () -> {
            open.set(false);
            Disposable running = subscription.get();
            if (running != null) {
                running.dispose();
            }
        };
        emitter.onTimeout(cancel);
        emitter.onError(e -> cancel.run());
        subscription.set(events.subscribe(event -> {
            if (!open.get()) {
                return;
            }
            try {
                if (event instanceof StreamEvent.Token token) {
                    emitter.send(SseEmitter.event().name("token")
                            .data(Map.of("text", token.text()), MediaType.APPLICATION_JSON));
                } else if (event instanceof StreamEvent.Done done) {
                    emitter.send(SseEmitter.event().name("done").data(done.reply(), MediaType.APPLICATION_JSON));
                }
            } catch (IOException | IllegalStateException e) {
                cancel.run();
            }
        }, error -> {
            if (!open.get()) {
                return;
            }
            var problem = error instanceof ApiException api
                    ? Problems.of(api.status(), api.code(), api.getMessage(), path)
                    : Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                            "The reply failed; see the server log", path);
            if (!(error instanceof ApiException)) {
                log.error("Streaming turn of conversation {} failed", id, error);
            }
            try {
                emitter.send(SseEmitter.event().name("error").data(problem, MediaType.APPLICATION_JSON));
                emitter.complete();
            } catch (IOException | IllegalStateException e) {
                emitter.completeWithError(e);
            }
        }, () -> {
            if (open.get()) {
                emitter.complete();
            }
        }));
        if (!open.get()) {
            cancel.run(); // the client left before the subscription was recorded
        }
        return emitter;
    }
}
