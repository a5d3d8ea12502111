package dev.jacreg.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
    @TempDir
    Path dir;

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static void assertUniform(BufferedImage img, Rectangle r, int rgb, String what) {
        for (int y = r.y; y < r.y + r.height; y++) {
            for (int x = r.x; x < r.x + r.width; x++) {
                assertEquals(rgb, img.getRGB(x, y) & 0xffffff,
                        what + ": pixel (" + x + ", " + y + ") = " + Integer.toHexString(img.getRGB(x, y)));
            }
        }
    }

    @Test
    void tilesGoWhereExpected() {
        // 4 high x 5 wide tiles, scale 3 -> 15 x 12 pixels; margin 12, spacing 10, 2 columns
        ImageGrid grid = new ImageGrid(4, 5).columns(2).scale(3)
                .add(filled(20, 1f)).add(filled(20, 0f)).add(filled(20, 0.5f));
        Rectangle t0 = new Rectangle(12, 12, 15, 12);
        Rectangle t1 = new Rectangle(12 + 15 + 10, 12, 15, 12);
        Rectangle t2 = new Rectangle(12, 12 + 12 + 10, 15, 12);
        assertEquals(t0, grid.tileBounds(0));
        assertEquals(t1, grid.tileBounds(1));
        assertEquals(t2, grid.tileBounds(2));
        BufferedImage img = grid.render();
        assertEquals(12 + 15 + 10 + 15 + 12, img.getWidth());
        assertEquals(12 + 12 + 10 + 12 + 12, img.getHeight());
        assertUniform(img, t0, 0xffffff, "tile of 1.0");
        assertUniform(img, t1, 0x000000, "tile of 0.0");
        assertUniform(img, t2, 0x808080, "tile of 0.5");
        // the frame just outside the white tile is not white, so the tile is visible on the white page
        assertTrue((img.getRGB(t0.x - 1, t0.y + 3) & 0xffffff) != 0xffffff);
    }

    @Test
    void nearestNeighbourUpscalingKeepsPixelOrder() {
        float[] px = new float[6]; // 2 x 3, row-major
        for (int i = 0; i < 6; i++) {
            px[i] = i / 5f;
        }
        ImageGrid grid = new ImageGrid(2, 3).scale(4).frame(false).add(px);
        BufferedImage img = grid.render();
        Rectangle t = grid.tileBounds(0);
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                int gray = Math.round(px[r * 3 + c] * 255);
                assertUniform(img, new Rectangle(t.x + c * 4, t.y + r * 4, 4, 4), gray * 0x010101,
                        "pixel " + r + "," + c);
            }
        }
    }

    @Test
    void valuesOutsideUnitRangeAreClamped() {
        ImageGrid grid = new ImageGrid(2, 2).add(filled(4, 3f)).add(filled(4, -2f))
                .add(new float[] {Float.POSITIVE_INFINITY, 1, 1, 1});
        BufferedImage img = grid.render();
        assertUniform(img, grid.tileBounds(0), 0xffffff, "clamped high");
        assertUniform(img, grid.tileBounds(1), 0x000000, "clamped low");
        assertUniform(img, grid.tileBounds(2), 0xffffff, "infinity");
    }

    @Test
    void captionsAndTitleAreDrawnOutsideTheTiles() {
        ImageGrid plain = new ImageGrid(28, 28).columns(2).scale(4).add(filled(784, 0f)).add(filled(784, 1f));
        ImageGrid captioned = new ImageGrid(28, 28).columns(2).scale(4).title("clean")
                .add(filled(784, 0f), "true 7 | Jacobian: 7 | Reference: 3\nsecond line", Color.RED)
                .add(filled(784, 1f), "7");
        BufferedImage a = plain.render();
        BufferedImage b = captioned.render();
        assertTrue(b.getHeight() > a.getHeight(), "captions and title add height");
        assertTrue(b.getWidth() > a.getWidth(), "a long caption widens its cell");
        Rectangle t0 = captioned.tileBounds(0);
        assertUniform(b, t0, 0x000000, "captioned tile");
        assertUniform(b, captioned.tileBounds(1), 0xffffff, "captioned white tile");
        assertTrue(t0.y > 20, "title above the tiles");
        // some red caption text under tile 0
        boolean red = false;
        for (int y = t0.y + t0.height + 2; y < b.getHeight(); y++) {
            for (int x = 0; x < b.getWidth(); x++) {
                Color c = new Color(b.getRGB(x, y));
                red |= c.getRed() > 200 && c.getGreen() < 80 && c.getBlue() < 80;
            }
        }
        assertTrue(red, "red caption drawn below the tile");
    }

    @Test
    void badInputIsRejected() {
        ImageGrid grid = new ImageGrid(4, 5);
        assertEquals("image 0 has 10 pixels, expected 4x5 = 20",
                assertThrows(IllegalArgumentException.class, () -> grid.add(new float[10])).getMessage());
        float[] nan = filled(20, 0.5f);
        nan[7] = Float.NaN;
        String msg = assertThrows(IllegalArgumentException.class, () -> grid.add(nan)).getMessage();
        assertTrue(msg.contains("pixel 7") && msg.contains("NaN"), msg);
        assertThrows(IllegalArgumentException.class, () -> grid.add(null));
        assertEquals("image grid has no images",
                assertThrows(IllegalArgumentException.class, grid::render).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageGrid(0, 5));
        assertThrows(IllegalArgumentException.class, () -> grid.columns(0));
        assertThrows(IllegalArgumentException.class, () -> grid.scale(0));
        assertThrows(IllegalArgumentException.class, () -> grid.addBatch(new float[40], 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> grid.tileBounds(0));
        assertThrows(IllegalArgumentException.class, () -> new PanelRow().render());
    }

    @Test
    void addBatchSplitsContiguousImages() {
        float[] batch = new float[3 * 20];
        Arrays.fill(batch, 20, 40, 1f);
        ImageGrid grid = new ImageGrid(4, 5).addBatch(batch, 0, 3);
        assertEquals(3, grid.size());
        BufferedImage img = grid.render();
        assertUniform(img, grid.tileBounds(0), 0x000000, "image 0");
        assertUniform(img, grid.tileBounds(1), 0xffffff, "image 1");
    }

    @Test
    void panelsSideBySide() {
        ImageGrid clean = new ImageGrid(28, 28).columns(4).scale(2).title("clean");
        ImageGrid noisy = new ImageGrid(28, 28).columns(4).scale(2).title("noise p = 0.1");
        for (int k = 0; k < 16; k++) {
            clean.add(filled(784, 1f), String.valueOf(k % 10));
            noisy.add(filled(784, 0f), String.valueOf(k % 10));
        }
        BufferedImage left = clean.render();
        BufferedImage right = noisy.render();
        PanelRow row = new PanelRow().title("16 clean vs 16 noisy").add(clean).add(noisy);
        BufferedImage img = row.render();
        Rectangle b0 = row.panelBounds(0);
        Rectangle b1 = row.panelBounds(1);
        assertTrue(b1.x >= b0.x + b0.width, "second panel right of the first");
        assertEquals(b0.y, b1.y);
        assertTrue(b0.y > 10, "room for the title");
        assertTrue(img.getWidth() >= b1.x + b1.width && img.getHeight() >= b0.y + b0.height);
        for (int k : new int[] {0, 5, 15}) {
            Rectangle t = clean.tileBounds(k);
            assertUniform(img, new Rectangle(b0.x + t.x, b0.y + t.y, t.width, t.height), 0xffffff, "left tile " + k);
            Rectangle u = noisy.tileBounds(k);
            assertUniform(img, new Rectangle(b1.x + u.x, b1.y + u.y, u.width, u.height), 0x000000, "right tile " + k);
        }
        BufferedImage plain = ImageGrid.sideBySide(clean, noisy);
        assertEquals(left.getWidth() + right.getWidth() + 16 + 2 * 8, plain.getWidth());
    }

    @Test
    void writePngProducesAReadableImage() throws IOException {
        ImageGrid grid = new ImageGrid(28, 28).columns(2).scale(4).add(filled(784, 1f), "a").add(filled(784, 0f), "b");
        Path p = dir.resolve("grid.png");
        grid.writePng(p);
        BufferedImage back = ImageIO.read(p.toFile());
        assertNotNull(back);
        BufferedImage direct = grid.render();
        assertEquals(direct.getWidth(), back.getWidth());
        assertEquals(direct.getHeight(), back.getHeight());
        assertEquals(0xffffff, back.getRGB(grid.tileBounds(0).x + 5, grid.tileBounds(0).y + 5) & 0xffffff);
        Path q = dir.resolve("row.png");
        new PanelRow().add(grid).add(grid).writePng(q);
        assertNotNull(ImageIO.read(q.toFile()));
    }
}
