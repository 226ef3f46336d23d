package dev.infini.spring;

import dev.infini.spring.autoconfigure.InfiniAutoConfiguration;
import dev.infini.spring.store.ConversationStore;
import dev.infini.spring.store.RedisConversationStore;
import dev.infini.spring.support.RealRedisCluster;
import dev.infini.spring.support.SharedModels;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.List;
import java.util.stream.IntStream;

import static dev.infini.spring.support.Instances.TURNS;
import static dev.infini.spring.support.Instances.say;
import static org.assertj.core.api.Assertions.assertThat;

/** The starter on a real three-primary Redis Cluster, configured only through spring.data.redis.cluster.nodes. */
class RedisClusterConversationsTest {

    @Test
    void conversationsSpreadOverTheClusterAreServedListedAndDeleted() throws Exception {
        try (RealRedisCluster cluster = RealRedisCluster.start()) {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                            InfiniAutoConfiguration.class))
                    .withPropertyValues("infini.model.path=" + SharedModels.stories260k(), "infini.model.device=cpu",
                            "infini.model.threads=1",
                            "infini.chat.temperature=0", "infini.chat.max-tokens=6",
                            "spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes()))
                    .run(ctx -> {
                        assertThat(ctx.getBean(ConversationStore.class)).isInstanceOf(RedisConversationStore.class);
                        InfiniChatModel model = ctx.getBean(InfiniChatModel.class);
                        InfiniConversations conversations = ctx.getBean(InfiniConversations.class);
                        // enough ids to land on every primary's slots
                        List<String> ids = IntStream.range(0, 12).mapToObj(i -> "cluster-" + i).toList();
                        for (String id : ids) {
                            say(model, id, TURNS.get(0));
                            conversations.putMetadata(id, "owner", "o-" + id);
                        }
                        say(model, ids.get(0), TURNS.get(1));
                        assertThat(conversations.stats(ids.get(0)).orElseThrow().version()).isEqualTo(2);
                        assertThat(conversations.conversationIds()).containsExactlyInAnyOrderElementsOf(ids);
                        assertThat(conversations.metadata(ids.get(5))).containsEntry("owner", "o-cluster-5");
                        assertThat(conversations.delete(ids.get(3))).isTrue();
                        assertThat(conversations.conversationIds()).hasSize(11).doesNotContain(ids.get(3));
                    });
        }
    }
}
