/** The tools' charts, drawn by XChart and written as PNG: lines for the benchmarks, and what they share. */
package dev.infini.tools.plot;
