/**
 * Application layer: the study of docs/experiment.md and its extensions (replicates, model comparisons, robustness
 * sweeps), their results and the reports written from them. Built on the library packages, never the other way
 * round (LibraryLayeringTest enforces it).
 */
package dev.jacreg.experiment;
