/** Infini-attention inference on DJL (PyTorch): the exceptions every package throws and DJL's quiet defaults. */
package dev.infini.engine;
