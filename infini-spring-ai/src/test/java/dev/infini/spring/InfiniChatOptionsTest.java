package dev.infini.spring;

import dev.infini.engine.sampling.GenerationOptions;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InfiniChatOptionsTest {

    @Test
    void mutateCopiesEveryValueAndLeavesTheOriginalUnchanged() {
        InfiniChatOptions options = InfiniChatOptions.builder().conversationId("c").temperature(0.3).maxTokens(12)
                .topK(5).topP(0.8).repetitionPenalty(1.2).noRepeatNgramSize(3).seed(7L).stopSequences(List.of("END"))
                .build();
        InfiniChatOptions copy = options.mutate().build();
        assertThat(copy).isEqualTo(options).isNotSameAs(options);
        InfiniChatOptions changed = options.mutate().conversationId("d").build();
        assertThat(changed.getConversationId()).isEqualTo("d");
        assertThat(options.getConversationId()).isEqualTo("c");
        assertThat(changed.getTemperature()).isEqualTo(0.3);
    }

    @Test
    void combiningTakesTheOtherNonNullValuesPortableOnesToo() {
        InfiniChatOptions defaults = InfiniChatOptions.builder().temperature(0.7).maxTokens(100).seed(1L).build();
        InfiniChatOptions merged = defaults.mutate()
                .combineWith(InfiniChatOptions.builder().conversationId("c").seed(2L).noRepeatNgramSize(4))
                .combineWith(ChatOptions.builder().temperature(0.1)).build();
        assertThat(merged.getConversationId()).isEqualTo("c");
        assertThat(merged.getSeed()).isEqualTo(2L);
        assertThat(merged.getNoRepeatNgramSize()).isEqualTo(4);
        assertThat(merged.getTemperature()).isEqualTo(0.1);
        assertThat(merged.getMaxTokens()).isEqualTo(100);
        assertThat(InfiniChatOptions.from(ChatOptions.builder().topK(3).build()).getTopK()).isEqualTo(3);
    }

    @Test
    void generationOptionsTakeUnsetValuesFromTheDefaultsAndKeepTheirStopStrings() {
        GenerationOptions defaults = GenerationOptions.builder().maxTokens(50).temperature(0.7).topK(40).topP(0.9)
                .stopStrings(List.of("\nUser:")).build();
        GenerationOptions effective = InfiniChatOptions.builder().temperature(0.0).stopSequences(List.of("THE END"))
                .noRepeatNgramSize(3).build().toGenerationOptions(defaults);
        assertThat(effective.temperature()).isZero();
        assertThat(effective.maxTokens()).isEqualTo(50);
        assertThat(effective.topK()).isEqualTo(40);
        assertThat(effective.noRepeatNgramSize()).isEqualTo(3);
        assertThat(InfiniChatOptions.builder().build().toGenerationOptions(defaults).noRepeatNgramSize()).isZero();
        assertThat(effective.stopStrings()).containsExactly("\nUser:", "THE END");
    }
}
