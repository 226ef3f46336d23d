package dev.infini.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.infini.sample.support.HeadlessChromium;
import dev.infini.spring.support.RealRedis;
import dev.infini.sample.support.RunningApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real headless Chromium against the app on the real model and a real Redis: a message gets a
 * streamed reply, the memory panel fills in, and after the app restarts on the same Redis the conversation is still
 * there and continues.
 */
class BrowserIT {

    /** Short segments, so that a few turns already fold segments into the memory. */
    private static final Map<String, Object> SETTINGS = Map.of("infini.sample.max-reply-tokens", 40,
            "infini.model.segment-length", 64);

    @TempDir
    Path temp;

    private RealRedis redis;
    private RunningApp app;
    private ChromeDriver browser;

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (app != null) {
            app.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aStreamedReplyFillsTheMemoryPanelAndTheConversationContinuesAfterARestart() throws Exception {
        redis = RealRedis.start();
        String prefix = "browser-it-" + UUID.randomUUID() + ":";
        int port = RealRedis.freePort();
        app = RunningApp.onRedis(redis, prefix, port, SETTINGS);
        browser = HeadlessChromium.start(temp.resolve("chromium-profile"));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));

        browser.get(app.url("/"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("engine-info"), "stories260k"));
        assertThat(browser.findElement(By.id("engine-info")).getText()).contains("redis at");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-conversations")));

        WebElement first = send(wait, "Once upon a time there was a little cat.", 1);
        assertThat(Integer.parseInt(first.getDomAttribute("data-token-events")))
                .as("the reply arrived as several streamed token events").isGreaterThan(1);
        assertThat(first.getText()).isNotBlank();
        long tokensAfterFirst = number("stat-tokens");
        assertThat(tokensAfterFirst).isPositive();
        String stateSize = browser.findElement(By.id("stat-bytes")).getText();
        assertThat(stateSize).matches("[0-9.]+ (B|KiB|MiB|GiB)");
        assertThat(browser.findElements(By.cssSelector("#latency-chart circle"))).hasSize(1);
        assertThat(browser.findElement(By.id("latency-caption")).getText()).startsWith("Last turn");
        String id = browser.getCurrentUrl().substring(browser.getCurrentUrl().indexOf('#') + 1);
        assertThat(id).matches("c-[0-9a-f]{12}");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("conversation-list"),
                "Once upon a time"));

        send(wait, "The cat found a red ball in the garden.", 2);
        long tokensAfterSecond = number("stat-tokens");
        assertThat(tokensAfterSecond).isGreaterThan(tokensAfterFirst);
        assertThat(browser.findElement(By.id("stat-bytes")).getText()).as("the state does not grow")
                .isEqualTo(stateSize);
        assertThat(browser.findElements(By.cssSelector("#latency-chart circle"))).hasSize(2);
        assertThat(browser.findElements(By.cssSelector("#latency-chart polyline"))).hasSize(1);
        screenshot("chat.png");

        app.close();
        app = RunningApp.onRedis(redis, prefix, port, SETTINGS);
        browser.navigate().refresh();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("conversation-list"),
                "Once upon a time"));
        wait.until(d -> number("stat-tokens") == tokensAfterSecond);
        assertThat(browser.findElements(By.cssSelector("#transcript .message"))).hasSize(4);
        assertThat(browser.findElements(By.cssSelector("#latency-chart circle"))).hasSize(2);

        send(wait, "Where did the cat put the ball?", 3);
        assertThat(number("stat-tokens")).isGreaterThan(tokensAfterSecond);
        long full = number("stat-tokens") / 64;
        assertThat(number("stat-segments")).as("segments folded into memory").isPositive().isBetween(full - 1, full);
        assertThat(browser.findElement(By.id("stat-bytes")).getText()).isEqualTo(stateSize);
        assertThat(browser.findElement(By.id("key-form")).isDisplayed()).as("no key needed").isFalse();
        assertThat(browser.findElements(By.cssSelector("#latency-chart circle"))).hasSize(3);
        assertThat(browser.findElement(By.cssSelector("#conversation-list button[aria-current='true'] .meta"))
                .getText()).contains("3 turns");
        assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
        screenshot("chat-after-restart.png");
    }

    @Test
    void withApiKeysThePageAsksForAKeyAndShowsEachKeyOnlyItsConversations() throws Exception {
        redis = RealRedis.start();
        app = RunningApp.onRedis(redis, "browser-keys-" + UUID.randomUUID() + ":", 0,
                Map.of("infini.sample.max-reply-tokens", 12, "infini.sample.api-keys", "key-of-ann,key-of-ben"));
        browser = HeadlessChromium.start(temp.resolve("chromium-profile"));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));

        browser.get(app.url("/"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-form")));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "X-API-Key"));

        useKey(wait, "key-of-ann");
        send(wait, "Ann's first message", 1);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("conversation-list"),
                "Ann's first message"));
        String annsLink = browser.getCurrentUrl();

        browser.get(app.url("/"));
        useKey(wait, "key-of-ben");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-conversations")));
        assertThat(browser.findElement(By.id("conversation-list")).getText()).doesNotContain("Ann");

        // Ann's link, opened with Ben's key, finds nothing and starts a new conversation instead.
        browser.get(annsLink);
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("error"), "No conversation"));
        assertThat(browser.findElement(By.id("conversation-title")).getText()).isEqualTo("New conversation");
        assertThat(browser.findElements(By.cssSelector("#transcript .message"))).isEmpty();
    }

    @Test
    void withTranscriptsKeptByTheServerAnotherBrowserShowsTheConversation() throws Exception {
        redis = RealRedis.start();
        app = RunningApp.onRedis(redis, "browser-transcript-" + UUID.randomUUID() + ":", 0,
                Map.of("infini.sample.max-reply-tokens", 12, "infini.conversation.transcript", true));
        browser = HeadlessChromium.start(temp.resolve("first-browser"));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get(app.url("/"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("engine-info"), "stories260k"));
        String told = "Hi! My name is Lucy and my favourite colour is green.";
        String answered = send(wait, told, 1).getText();
        String link = browser.getCurrentUrl();
        browser.quit();

        // Another browser (a fresh profile: nothing in its local storage) opens the conversation's link.
        browser = HeadlessChromium.start(temp.resolve("second-browser"));
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get(link);
        wait.until(d -> d.findElements(By.cssSelector("#transcript .message")).size() == 2);
        List<WebElement> messages = browser.findElements(By.cssSelector("#transcript .message"));
        assertThat(messages.get(0).getDomAttribute("data-role")).isEqualTo("user");
        assertThat(messages.get(0).getText()).isEqualTo(told);
        assertThat(messages.get(1).getDomAttribute("data-role")).isEqualTo("assistant");
        assertThat(messages.get(1).getText()).isNotBlank();
        assertThat(answered).as("the first browser's bubble adds the turn's stats")
                .startsWith(messages.get(1).getText());
        assertThat(browser.findElements(By.cssSelector("#transcript .notice"))).isEmpty();
        screenshot("transcript-other-browser.png");
    }

    private void useKey(WebDriverWait wait, String key) {
        WebElement field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        field.clear();
        field.sendKeys(key, Keys.ENTER);
        wait.until(d -> !d.findElement(By.id("error")).isDisplayed());
    }

    /** Types a message, sends it with Enter and waits for the {@code n}th reply to finish streaming. */
    private WebElement send(WebDriverWait wait, String text, int n) {
        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
        try {
            wait.until(d -> d.findElements(By.cssSelector("#transcript .message.assistant[data-done='true']"))
                    .size() >= n || d.findElement(By.id("error")).isDisplayed());
        } catch (TimeoutException e) {
            throw new AssertionError("no reply " + n + " within the timeout; page shows: "
                    + browser.findElement(By.id("transcript")).getText(), e);
        }
        assertThat(browser.findElement(By.id("error")).isDisplayed())
                .as("error shown: %s", browser.findElement(By.id("error")).getText()).isFalse();
        // The memory panel refreshes after the reply: wait until its chart shows this turn.
        wait.until(d -> d.findElements(By.cssSelector("#latency-chart circle")).size() == n);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("send")));
        List<WebElement> mine = browser.findElements(By.cssSelector("#transcript .message.user"));
        assertThat(mine.get(mine.size() - 1).getText()).isEqualTo(text);
        List<WebElement> replies = browser.findElements(By.cssSelector("#transcript .message.assistant"));
        return replies.get(replies.size() - 1);
    }

    private long number(String id) {
        return Long.parseLong(browser.findElement(By.id(id)).getText().replace(",", ""));
    }

    private void screenshot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        Files.write(dir.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }
}
