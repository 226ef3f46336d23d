/** Text to token ids and back, and the chat format the default model was trained on. */
package dev.infini.engine.tokenizer;
