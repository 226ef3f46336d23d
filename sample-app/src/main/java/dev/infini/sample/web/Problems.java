package dev.infini.sample.web;

import java.net.URI;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Builds the API's error bodies: RFC 9457 problems with a {@code code} a client can switch on. */
final class Problems {

    private Problems() {
    }

    static ProblemDetail of(HttpStatusCode status, String code, String detail, String path) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setProperty("code", code);
        if (path != null) {
            problem.setInstance(URI.create(path));
        }
        return problem;
    }
}
