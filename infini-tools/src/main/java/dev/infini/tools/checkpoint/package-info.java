/** Writing checkpoints: safetensors files and randomly initialised models of any shape ({@code infini init}). */
package dev.infini.tools.checkpoint;
