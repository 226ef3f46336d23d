package dev.infini.sample.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatServiceTitleTest {

    @Test
    void aLongTitleIsCutBetweenCharactersNeverInsideASurrogatePair() {
        String title = ChatService.title("😀".repeat(70));
        assertThat(title.codePointCount(0, title.length())).isEqualTo(60);
        assertThat(title).endsWith("…").startsWith("😀".repeat(59));
        // a lone surrogate would not survive UTF-8
        byte[] utf8 = title.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(new String(utf8, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(title);
    }

    @Test
    void aShortTitleKeepsItsTextWithWhitespaceCollapsed() {
        assertThat(ChatService.title("  Hi\n  there ✓ ")).isEqualTo("Hi there ✓");
    }
}
