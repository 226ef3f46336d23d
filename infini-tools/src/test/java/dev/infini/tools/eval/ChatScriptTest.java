package dev.infini.tools.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ChatScriptTest {

    private static final Pattern ANIMAL_ASKED = Pattern.compile("(?:story about a|Can a) (\\w+)");
    private static final Pattern THING_ASKED = Pattern.compile("(?:with my|play with a) (\\w+)\\?");
    private static final Pattern FEELING_TOLD = Pattern.compile("I feel (\\w+) today\\.");

    @Test
    void smallTalkRepliesAreAboutWhatTheMessageNames() {
        SplittableRandom random = new SplittableRandom(3);
        int[] kinds = new int[3];
        for (int i = 0; i < 400; i++) {
            ChatScript.SmallTalk talk = ChatScript.smallTalk(random);
            Matcher animal = ANIMAL_ASKED.matcher(talk.question());
            Matcher thing = THING_ASKED.matcher(talk.question());
            Matcher feeling = FEELING_TOLD.matcher(talk.question());
            if (animal.find()) {
                assertThat(talk.answer()).as(talk.question()).containsAnyOf(" " + animal.group(1) + " ", " " + animal.group(1) + ".");
                kinds[0]++;
            }
            if (thing.find()) {
                assertThat(talk.answer()).as(talk.question()).contains(" " + thing.group(1) + " ");
                kinds[1]++;
            }
            if (feeling.find()) {
                assertThat(talk.answer()).as(talk.question()).contains("feel " + feeling.group(1) + ".");
                kinds[2]++;
            }
        }
        assertThat(java.util.Arrays.stream(kinds).min().orElseThrow()).as("every kind drawn").isGreaterThan(50);
    }
}
