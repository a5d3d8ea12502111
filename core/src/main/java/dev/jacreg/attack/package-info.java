/**
 * Adversarial attacks on any model with a B×C output, on inputs kept in [0, 1]: FGSM and PGD (with restarts) under L∞
 * and L2, APGD-CE and APGD-T, FAB-T, the Square attack (L∞ and L2) and AutoAttack; sweeps of an attack over its
 * strengths, and the sanity checks of Carlini et al. 2019 over a sweep's accuracies. Library code, used by the
 * experiment's robustness sweeps.
 */
package dev.jacreg.attack;
