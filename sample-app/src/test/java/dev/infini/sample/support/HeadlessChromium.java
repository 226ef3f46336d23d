package dev.infini.sample.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven by the system chromedriver (Debian's {@code chromium} and {@code chromium-driver}).
 * Both binaries are given explicitly, so Selenium Manager never downloads anything. Missing binaries skip the test
 * with the reason shown, except under {@code CI=true}, where they fail it.
 */
public final class HeadlessChromium {

    private HeadlessChromium() {
    }

    public static ChromeDriver start(Path userDataDir) throws IOException {
        Path driver = firstExisting(System.getProperty("webdriver.chrome.driver"), "/usr/bin/chromedriver",
                "/usr/lib/chromium/chromedriver");
        Path browser = firstExisting(System.getProperty("infini.test.chromium"), "/usr/bin/chromium",
                "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser");
        if (driver == null || browser == null) {
            String reason = "Chromium or chromedriver missing (apt-get install -y chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("A real browser is required under CI: " + reason);
            }
            Assumptions.abort("Skipped, needs a real browser: " + reason);
        }
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

    private static Path firstExisting(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && new File(candidate).canExecute()) {
                return Path.of(candidate);
            }
        }
        return null;
    }
}
