/**
 * Reading weights: the tensors of a Llama-family checkpoint by name and shape ({@link
 * dev.infini.engine.weights.LlamaLayout}), and safetensors files, memory-mapped, widened to float32.
 */
package dev.infini.engine.weights;
