/**
 * A loaded model and the per-conversation state it runs: {@code forward(state, ids)} and {@code fold(state)}. The
 * model knows nothing of sessions; {@code session} builds on it.
 */
package dev.infini.engine.model;
