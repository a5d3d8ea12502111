/**
 * Application layer: figures for the reports (line charts through JFreeChart, image grids, PNG writing).
 */
package dev.jacreg.report;
