package dev.infini.sample.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.infini.sample.config.SampleProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.HandlerInterceptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * Guards {@code /api/**} when {@code infini.sample.api-keys} is set: a request must carry one of the keys in
 * {@code X-API-Key}, and the SHA-256 of that key becomes the request's owner (see {@link #owner}), which the
 * conversations it creates record. Keys are compared by their hashes in constant time. Without configured keys the
 * API is open and requests have no owner.
 * <p>
 * It is a Spring MVC interceptor mapped to {@code /api/**} ({@link WebConfig}), not a servlet filter, so the path it
 * is decided on is the path Spring routes: path parameters ({@code /api;x=1/...}) and encoded names
 * ({@code /%61pi/...}) reach the same handlers and the same check. {@link StrictPathFilter} refuses such paths
 * before that anyway.
 */
public class ApiKeyInterceptor implements HandlerInterceptor {

    /** The request header that carries the key. */
    public static final String HEADER = "X-API-Key";
    private static final String OWNER_ATTRIBUTE = ApiKeyInterceptor.class.getName() + ".owner";

    private final List<byte[]> keyHashes;
    private final JsonMapper json;

    public ApiKeyInterceptor(SampleProperties properties, JsonMapper json) {
        this.keyHashes = properties.apiKeys().stream().map(ApiKeyInterceptor::sha256).toList();
        this.json = json;
    }

    /** Whether keys are configured, i.e. whether the interceptor has anything to check. */
    public boolean enabled() {
        return !keyHashes.isEmpty();
    }

    /** The hex SHA-256 of the key the request was let in with, or null when the API is open. */
    public static String owner(HttpServletRequest request) {
        return (String) request.getAttribute(OWNER_ATTRIBUTE);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        String key = request.getHeader(HEADER);
        if (key == null || key.isBlank()) {
            reject(request, response, "api_key_missing", "This API needs a key in the " + HEADER + " header");
            return false;
        }
        byte[] hash = sha256(key.strip());
        boolean known = false;
        for (byte[] candidate : keyHashes) {
            known |= MessageDigest.isEqual(candidate, hash);
        }
        if (!known) {
            reject(request, response, "api_key_invalid", "The key in the " + HEADER + " header is not accepted");
            return false;
        }
        request.setAttribute(OWNER_ATTRIBUTE, HexFormat.of().formatHex(hash));
        return true;
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, String code, String detail)
            throws IOException {
        ProblemDetail problem = Problems.of(HttpStatus.UNAUTHORIZED, code, detail, request.getRequestURI());
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(json.writeValueAsString(problem));
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
