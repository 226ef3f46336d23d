/**
 * Conversations on a model: appending, scoring and generating tokens segment by segment, snapshots as plain arrays
 * and their versioned binary format.
 */
package dev.infini.engine.session;
