/**
 * Application layer: the study of docs/experiment.md and its extensions (replicates, model comparisons, robustness
 * sweeps), their results and the reports written from them. Built on the library packages, never the other way
 * round: this module, core/cli (jacreg-cli), depends on jacreg-core, which cannot see it.
 */
package dev.jacreg.experiment;
