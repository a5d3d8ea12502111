/**
 * Files: safetensors read and written by hand (the format PyTorch and Hugging Face read), model weights with their
 * metadata ({@link dev.jacreg.io.ModelFiles}), a small JSON reader and writer, and atomic file replacement so a crash
 * never leaves a half-written file.
 */
package dev.jacreg.io;
