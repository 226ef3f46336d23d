/** Choosing the next token from logits, and turning generated tokens into streamed text with stop strings. */
package dev.infini.engine.sampling;
