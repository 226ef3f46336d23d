/** Evaluations through the inference engine: passkey retrieval and chat recall, scripted and held out. */
package dev.infini.tools.eval;
