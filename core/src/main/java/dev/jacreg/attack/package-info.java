/**
 * Adversarial attacks on any model with a B×C output: FGSM and PGD under L∞ and L2, on inputs kept in [0, 1], and
 * sweeps of an attack over its strengths. Library code, used by the experiment's robustness sweeps.
 */
package dev.jacreg.attack;
