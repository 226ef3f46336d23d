package dev.infini.sample.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses, with a 400 problem, request paths that name a resource in more than one way: path parameters
 * ({@code ;}), percent-encoding, backslashes, empty or dot segments. No path of this app needs them (ids are
 * {@code [A-Za-z0-9._-]}), and accepting them let {@code /api/conversations/a;b} address {@code a} and let other
 * spellings of {@code /api} past a check made on the raw URI.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class StrictPathFilter extends OncePerRequestFilter {

    private final JsonMapper json;

    public StrictPathFilter(JsonMapper json) {
        this.json = json;
    }

    /** Why a raw request path is refused, or null if it is accepted. */
    static String refusal(String rawPath) {
        if (rawPath.indexOf(';') >= 0) {
            return "path parameters (';') are not accepted";
        }
        if (rawPath.indexOf('%') >= 0) {
            return "percent-encoded characters are not accepted in the path";
        }
        if (rawPath.indexOf('\\') >= 0) {
            return "backslashes are not accepted in the path";
        }
        if (rawPath.contains("//") || rawPath.contains("/./") || rawPath.contains("/../")
                || rawPath.endsWith("/.") || rawPath.endsWith("/..")) {
            return "empty or dot segments are not accepted in the path";
        }
        return null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String refusal = refusal(request.getRequestURI());
        if (refusal == null) {
            chain.doFilter(request, response);
            return;
        }
        // The problem names no instance: the refused path is not echoed back.
        var problem = Problems.of(HttpStatus.BAD_REQUEST, "invalid_path", "The request path is not valid: "
                + refusal, null);
        response.setStatus(HttpStatus.BAD_REQUEST.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(json.writeValueAsString(problem));
    }
}
