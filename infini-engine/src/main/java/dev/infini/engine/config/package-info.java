/** What a checkpoint is ({@code config.json} with its {@code infini_attention} settings) and how to run it. */
package dev.infini.engine.config;
