package dev.jacreg.data;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import java.util.Objects;

/** Converts dataset images to {@link BufferedImage}s (for previews and debugging) and copies single images out. */
public final class DigitImages {

    private DigitImages() {
    }

    /**
     * An 8-bit gray image of {@code h*w} pixels read row-major from {@code pixels[offset..]}; values
     * in [0,1] map to 0..255 (values outside are clamped).
     *
     * @param pixels the values, row-major
     * @param offset where the image starts in {@code pixels}
     * @param h the image height
     * @param w the image width
     * @return a TYPE_BYTE_GRAY image
     */
    public static BufferedImage toImage(float[] pixels, int offset, int h, int w) {
        Objects.checkFromIndexSize(offset, h * w, pixels.length);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                row[x] = toByte(pixels[offset + y * w + x]);
            }
            raster.setSamples(0, y, w, 1, 0, row);
        }
        return image;
    }

    /**
     * A copy of image {@code index} of the dataset (row-major, height*width values).
     *
     * @param d the dataset
     * @param index the image, in [0, d.count())
     * @return the copy
     */
    public static float[] image(DigitDataset d, int index) {
        Objects.checkIndex(index, d.count());
        int size = d.imageSize();
        return Arrays.copyOfRange(d.pixels(), index * size, (index + 1) * size);
    }

    /**
     * Images {@code [first, first + n)} tiled in a grid of {@code columns} columns, each enlarged
     * {@code zoom} times (nearest neighbour) and separated by a 1-pixel gray line: a quick visual check.
     *
     * @param d the dataset
     * @param first the first image shown
     * @param n how many images are shown
     * @param columns images per row
     * @param zoom the enlargement factor, &gt;= 1
     * @return a gray image of the grid
     */
    public static BufferedImage grid(DigitDataset d, int first, int n, int columns, int zoom) {
        Objects.checkFromIndexSize(first, n, d.count());
        if (columns <= 0 || zoom <= 0) {
            throw new IllegalArgumentException("columns and zoom must be positive");
        }
        int rows = (n + columns - 1) / columns;
        int cellW = d.width() * zoom + 1;
        int cellH = d.height() * zoom + 1;
        BufferedImage out = new BufferedImage(columns * cellW + 1, Math.max(1, rows) * cellH + 1,
                BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = out.getRaster();
        for (int y = 0; y < out.getHeight(); y++) { // separator colour everywhere, cells overwrite it
            for (int x = 0; x < out.getWidth(); x++) {
                raster.setSample(x, y, 0, 96);
            }
        }
        float[] pixels = d.pixels();
        for (int k = 0; k < n; k++) {
            int x0 = (k % columns) * cellW + 1;
            int y0 = (k / columns) * cellH + 1;
            int base = (first + k) * d.imageSize();
            for (int y = 0; y < d.height() * zoom; y++) {
                for (int x = 0; x < d.width() * zoom; x++) {
                    raster.setSample(x0 + x, y0 + y, 0, toByte(pixels[base + (y / zoom) * d.width() + x / zoom]));
                }
            }
        }
        return out;
    }

    private static int toByte(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }
}
