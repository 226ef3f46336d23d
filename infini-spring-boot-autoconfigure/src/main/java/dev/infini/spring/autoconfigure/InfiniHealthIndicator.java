package dev.infini.spring.autoconfigure;

import dev.infini.spring.InfiniConversations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Up when the model is loaded and the conversation store answers; down with the store's error otherwise. */
public class InfiniHealthIndicator implements HealthIndicator {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InfiniHealthIndicator.class);

    private final InfiniConversations conversations;

    public InfiniHealthIndicator(InfiniConversations conversations) {
        this.conversations = conversations;
    }

    @Override
    public Health health() {
        var model = conversations.model();
        Health.Builder builder = Health.unknown()
                .withDetail("model", model.fingerprintHex().substring(0, 16))
                .withDetail("device", model.device().toString())
                .withDetail("parameters", model.parameterCount())
                .withDetail("segmentLength", model.segmentLength())
                .withDetail("stateBytes", conversations.stateBytes())
                .withDetail("store", conversations.store().name());
        try {
            conversations.store().ping();
            return builder.up().build();
        } catch (RuntimeException e) {
            // The details are public on many deployments: the cause goes to the log, not to the response.
            log.warn("Infini health check: the conversation store does not answer: {}", e.getMessage());
            return builder.down().withDetail("error", "the conversation store does not answer; see the server log")
                    .build();
        }
    }
}
