package dev.infini.sample.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class SampleDefaultsTest {

    @TempDir
    Path root;

    @Test
    void findsTheDefaultModelInTheWorkingDirectoryOrAnyAboveIt() throws IOException {
        Path model = model(root.resolve("models/infini-default"));
        Path sampleApp = Files.createDirectories(root.resolve("sample-app"));

        assertThat(SampleDefaults.findModel(sampleApp, null)).isEqualTo(new SampleDefaults.ModelChoice(model, "default"));
        assertThat(SampleDefaults.findModel(root, null).path()).isEqualTo(model);
    }

    @Test
    void fallsBackToTheSharedModelWhenTheDefaultIsAbsent() throws IOException {
        Path checkout = Files.createDirectories(root.resolve("main/sample-app"));
        Path shared = model(root.resolve("shared/models/stories260k"));

        assertThat(SampleDefaults.findModel(checkout, null)).isEqualTo(new SampleDefaults.ModelChoice(shared, "fallback"));
        assertThat(SampleDefaults.findModel(checkout, root.resolve("shared").toString()).path()).isEqualTo(shared);
    }

    @Test
    void aDirectoryWithoutConfigJsonIsNotAModel() throws IOException {
        Files.createDirectories(root.resolve("models/infini-default"));
        Path shared = model(root.resolve("shared/models/stories260k"));

        assertThat(SampleDefaults.findModel(root, null).path()).isEqualTo(shared);
    }

    @Test
    void noModelAnywhereFailsWithAnAnalysisNamingEveryPlaceItLooked() {
        Path empty = root.resolve("nothing");

        assertThatThrownBy(() -> SampleDefaults.findModel(empty, root.resolve("no-shared").toString()))
                .isInstanceOfSatisfying(ModelNotFoundException.class, e -> {
                    assertThat(e.looked()).contains(empty.resolve("models/infini-default"),
                            root.resolve("no-shared/models/stories260k"));
                    FailureAnalysis analysis = new ModelNotFoundFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription()).contains(empty.resolve("models/infini-default").toString());
                    assertThat(analysis.getAction()).contains("infini.model.path");
                });
    }

    @Test
    void aConfiguredFolderWithoutAModelFailsWithAnAnalysisNamingIt() {
        Path empty = root.resolve("not-a-model");

        assertThatThrownBy(() -> environment(Map.of("infini.model.path", empty.toString())))
                .isInstanceOfSatisfying(ModelNotFoundException.class, e -> {
                    FailureAnalysis analysis = new ModelNotFoundFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription()).contains(empty.toString(), "config.json");
                    assertThat(analysis.getAction()).contains("infini.model.path");
                });
    }

    @Test
    void putsTheFileStoreInTheUsersHomeAndLeavesTheStoreChoiceToTheStarter() throws IOException {
        String m = model(root.resolve("m")).toString();
        StandardEnvironment plain = environment(Map.of("infini.model.path", m));

        assertThat(plain.getProperty(SampleDefaults.FILE_STORE_DIR)).endsWith(".infini/sample-app/conversations");
        assertThat(plain.getProperty("infini.store.type")).isNull();
        assertThat(plain.getProperty(SampleDefaults.MODEL_SOURCE)).isEqualTo("configured");
    }

    @Test
    void neverOverridesWhatTheUserSet() throws IOException {
        String m = model(root.resolve("m")).toString();
        StandardEnvironment environment = environment(Map.of("infini.model.path", m,
                "spring.data.redis.host", "r", SampleDefaults.FILE_STORE_DIR, "/d"));

        assertThat(environment.getProperty("infini.model.path")).isEqualTo(m);
        assertThat(environment.getProperty(SampleDefaults.FILE_STORE_DIR)).isEqualTo("/d");
    }

    private static StandardEnvironment environment(Map<String, Object> userProperties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("user", userProperties));
        new SampleDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    private static Path model(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{}");
        return dir;
    }
}
