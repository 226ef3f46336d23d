/**
 * Benchmarks ({@code infini bench}): throughput against the machine's ceilings, turn cost over long conversations,
 * conversation stores, a million tokens in constant memory; results as JSON and plots.
 */
package dev.infini.tools.bench;
