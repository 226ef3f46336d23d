package dev.infini.sample.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

import org.junit.jupiter.api.Assertions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven by the system chromedriver (Debian's {@code chromium} and {@code chromium-driver}).
 * Both binaries are given explicitly, so Selenium Manager never downloads anything. A missing binary fails the test
 * with a message naming it and how to install it, on every machine: a skipped browser test would let
 * {@code ./mvnw verify} pass without checking the page.
 */
public final class HeadlessChromium {

    private HeadlessChromium() {
    }

    public static ChromeDriver start(Path userDataDir) throws IOException {
        Path driver = require("chromedriver", System.getProperty("webdriver.chrome.driver"), "chromedriver",
                "/usr/lib/chromium/chromedriver");
        Path browser = require("chromium", System.getProperty("infini.test.chromium"), "chromium",
                "chromium-browser", "/usr/lib/chromium/chromium");
        Files.createDirectories(userDataDir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1360,860", "--user-data-dir=" + userDataDir);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(60))
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * The first candidate that is executable: an absolute path as it is, a bare name looked up on the {@code PATH}
     * (a candidate may be null: a system property that is not set). Else the test fails naming what is missing.
     */
    private static Path require(String what, String... candidates) {
        String path = System.getenv("PATH");
        for (String candidate : candidates) {
            if (candidate == null) {
                continue;
            }
            if (candidate.contains("/")) {
                if (Files.isExecutable(Path.of(candidate))) {
                    return Path.of(candidate);
                }
                continue;
            }
            for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
                Path onPath = Path.of(d.isEmpty() ? "." : d, candidate);
                if (Files.isExecutable(onPath)) {
                    return onPath;
                }
            }
        }
        return Assertions.fail("A real headless browser is required and " + what + " was not found (looked for "
                + String.join(", ", Arrays.stream(candidates).filter(Objects::nonNull).toList())
                + " on the PATH " + path + "). Install it with: apt-get install -y chromium chromium-driver");
    }
}
