package dev.infini.spring.autoconfigure;

import dev.infini.spring.InfiniConversations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Up when the model is loaded and the conversation store answers; down with the store's error otherwise. */
public class InfiniHealthIndicator implements HealthIndicator {

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
                .withDetail("stateBytes", model.stateBytes())
                .withDetail("store", conversations.store().name());
        try {
            conversations.store().ping();
            return builder.up().build();
        } catch (RuntimeException e) {
            return builder.down(e).build();
        }
    }
}
