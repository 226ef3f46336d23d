/** The {@code infini} command line ({@code bin/infini}): one picocli command per class. */
package dev.infini.tools.cli;
