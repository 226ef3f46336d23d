package dev.infini.sample.web;

import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

import dev.infini.engine.InvalidInputException;
import dev.infini.sample.chat.ChatService;
import dev.infini.spring.InfiniConversationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the API as JSON ({@code application/problem+json}): the API's own refusals, Spring MVC's (malformed
 * JSON, wrong method or media type, unknown path), and anything unexpected as a 500 that reveals no internals.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e, HttpServletRequest request) {
        return ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.of(e.status(), e.code(), e.getMessage(), request.getRequestURI()));
    }

    @ExceptionHandler({InfiniConversationException.class, InvalidInputException.class})
    ResponseEntity<ProblemDetail> infini(RuntimeException e, HttpServletRequest request) {
        String id = e instanceof InfiniConversationException c ? c.conversationId() : null;
        RuntimeException translated = ChatService.translate(id, e);
        if (translated instanceof ApiException api) {
            return api(api, request);
        }
        return unexpected(e, request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("Request {} {} failed", request.getMethod(), request.getRequestURI(), e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR,
                "internal_error", "The server failed to answer; see its log", request.getRequestURI()));
    }

    /** Spring MVC's own errors keep their status and detail and gain a code, e.g. 415 becomes unsupported_media_type. */
    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body,
            HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            if (problem.getProperties() == null || !problem.getProperties().containsKey("code")) {
                HttpStatus status = HttpStatus.resolve(statusCode.value());
                String code = status == null ? "error" : status.name().toLowerCase(Locale.ROOT);
                if (ex instanceof org.springframework.http.converter.HttpMessageNotReadableException) {
                    code = "malformed_json";
                    problem.setDetail("The request body is not valid JSON of the expected shape, e.g. {\"message\":\"Hello\"}");
                }
                problem.setProperty("code", code);
            }
            if (request instanceof ServletWebRequest servlet) {
                problem.setInstance(java.net.URI.create(servlet.getRequest().getRequestURI()));
            }
            // Without this a mapping's produces=application/json would label the problem as plain JSON.
            return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
        }
        return response;
    }
}
