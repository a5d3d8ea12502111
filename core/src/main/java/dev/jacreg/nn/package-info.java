/**
 * Layers and models: {@link dev.jacreg.nn.Module} (parameters, buffers, training mode), the layers (convolution,
 * linear, batch norm, pooling, dropout, activations), {@link dev.jacreg.nn.Sequential} to compose them, and
 * {@link dev.jacreg.nn.SeedNetwork}, the convolutional net of docs/experiment.md §3. Initialisation follows
 * {@link dev.jacreg.nn.Init} (Glorot-uniform, as the specification asks).
 */
package dev.jacreg.nn;
