/**
 * The statistics the studies report: Student's t and Beta distributions and confidence intervals for means and
 * proportions, written here so the library needs no statistics dependency.
 */
package dev.jacreg.stats;
