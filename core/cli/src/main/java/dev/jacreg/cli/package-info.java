/**
 * Application layer: the {@code jacreg} command line (picocli): {@code experiment}, {@code train} and
 * {@code evaluate}, their options, progress display, Ctrl-C handling and the local multi-process launcher.
 */
package dev.jacreg.cli;
