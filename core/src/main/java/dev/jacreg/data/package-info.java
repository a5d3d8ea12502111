/**
 * Images and labels: the built-in synthetic digits (generated from font outlines shipped in the jar, the same on
 * every machine), MNIST-format IDX files and Debian's Fashion-MNIST, the pixel-noise corruptions of
 * docs/experiment.md §2, and {@link dev.jacreg.data.DeviceDataset}, a whole set copied to the device once; for data
 * of any shape, {@link dev.jacreg.data.Dataset}, {@link dev.jacreg.data.InMemoryDataset},
 * {@link dev.jacreg.data.DataLoader} and {@link dev.jacreg.data.Transform}.
 */
package dev.jacreg.data;
