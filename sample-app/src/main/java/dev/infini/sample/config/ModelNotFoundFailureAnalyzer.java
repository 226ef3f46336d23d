package dev.infini.sample.config;

import java.nio.file.Path;
import java.util.stream.Collectors;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a missing model into a startup message that says where the app looked and what to do. */
public class ModelNotFoundFailureAnalyzer extends AbstractFailureAnalyzer<ModelNotFoundException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ModelNotFoundException cause) {
        if (cause.configured()) {
            return new FailureAnalysis("infini.model.path is " + cause.looked().get(0)
                    + ", but that folder holds no model: it needs config.json, the weights (model.safetensors) and "
                    + "tokenizer.json.", "Point infini.model.path (or INFINI_MODEL_PATH) at a model folder.", cause);
        }
        String looked = cause.looked().stream().map(Path::toString).map(p -> "    " + p)
                .collect(Collectors.joining("\n"));
        return new FailureAnalysis(
                "The sample app found no model. It looked for a directory holding config.json in:\n" + looked,
                "Point it at a model: --infini.model.path=/path/to/model (or INFINI_MODEL_PATH=...), "
                        + "or put the default model in models/infini-default at the repository root.",
                cause);
    }
}
