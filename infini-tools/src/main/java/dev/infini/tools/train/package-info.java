/**
 * Training ({@code infini train}): the model with trainable weights, back-propagating through the compressive
 * memory across segments, the optimizer, the loop and the training data.
 */
package dev.infini.tools.train;
