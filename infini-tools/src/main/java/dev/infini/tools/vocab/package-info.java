/** Growing a BPE vocabulary and a checkpoint's embeddings with it ({@code infini vocab}). */
package dev.infini.tools.vocab;
