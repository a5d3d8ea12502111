package dev.jacreg.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.font.LineMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tiles grayscale images (e.g. 28 x 28 digits) into a grid with optional captions under each tile and an optional
 * title above, upscaled by nearest neighbour; rendered with Java2D (headless, logical font "SansSerif").
 *
 * <p>Pixels are row-major floats in [0, 1]: 0 is black, 1 white; values outside are clamped, NaN is rejected.
 * Tile {@code k} goes to row {@code k / columns}, column {@code k % columns}. A cell is as wide as the upscaled tile
 * or its widest caption line, whichever is larger; tiles are centred in their cells and framed by a thin grey line
 * drawn just outside them. Captions may hold several lines separated by '\n'.
 *
 * <p>To put several grids side by side with titles, use {@link PanelRow} or {@link #sideBySide}.
 */
public final class ImageGrid {
    private static final Color TEXT = ChartStyle.TEXT;
    private static final Color TILE_FRAME = new Color(0xaaaaaa);

    private final int tileHeight;
    private final int tileWidth;
    private int columns = 8;
    private int scale = 4;
    private int spacing = 10;
    private int margin = 12;
    private boolean frame = true;
    private String title;
    private float captionFontSize = 13f;
    private float titleFontSize = 16f;
    private final List<float[]> images = new ArrayList<>();
    private final List<String> captions = new ArrayList<>();
    private final List<Color> captionColors = new ArrayList<>();

    /** A grid of images of {@code tileHeight x tileWidth} pixels each. */
    public ImageGrid(int tileHeight, int tileWidth) {
        if (tileHeight <= 0 || tileWidth <= 0) {
            throw new IllegalArgumentException("tile size must be positive, got " + tileHeight + "x" + tileWidth);
        }
        this.tileHeight = tileHeight;
        this.tileWidth = tileWidth;
    }

    /** Number of columns (default 8); with fewer images the grid is one row of just those. */
    public ImageGrid columns(int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        this.columns = columns;
        return this;
    }

    /** Nearest-neighbour upscaling factor (default 4, at most 64). */
    public ImageGrid scale(int scale) {
        if (scale < 1 || scale > 64) {
            throw new IllegalArgumentException("scale must be in 1..64, got " + scale);
        }
        this.scale = scale;
        return this;
    }

    /** Pixels between cells (default 10, at least 2 so tile frames do not touch). */
    public ImageGrid spacing(int spacing) {
        if (spacing < 2) {
            throw new IllegalArgumentException("spacing must be >= 2, got " + spacing);
        }
        this.spacing = spacing;
        return this;
    }

    /** Blank border around everything (default 12, at least 2). */
    public ImageGrid margin(int margin) {
        if (margin < 2) {
            throw new IllegalArgumentException("margin must be >= 2, got " + margin);
        }
        this.margin = margin;
        return this;
    }

    /** Whether tiles get a thin grey frame (default true). */
    public ImageGrid frame(boolean frame) {
        this.frame = frame;
        return this;
    }

    /** Title centred above the grid (null for none; '\n' starts a new line). */
    public ImageGrid title(String title) {
        this.title = title;
        return this;
    }

    /** Caption font size in pixels (default 13). */
    public ImageGrid captionFontSize(float size) {
        if (!(size > 0) || !Float.isFinite(size)) {
            throw new IllegalArgumentException("font size must be > 0, got " + size);
        }
        this.captionFontSize = size;
        return this;
    }

    /** Title font size in pixels (default 16, bold). */
    public ImageGrid titleFontSize(float size) {
        if (!(size > 0) || !Float.isFinite(size)) {
            throw new IllegalArgumentException("font size must be > 0, got " + size);
        }
        this.titleFontSize = size;
        return this;
    }

    /** Adds an image without caption. */
    public ImageGrid add(float[] pixels) {
        return add(pixels, null, null);
    }

    /** Adds an image with a caption (null for none; '\n' separates lines). */
    public ImageGrid add(float[] pixels, String caption) {
        return add(pixels, caption, null);
    }

    /**
     * Adds an image (copied) with a caption in the given colour (null for the default dark grey).
     *
     * @throws IllegalArgumentException when the pixel count is not {@code tileHeight * tileWidth} or a pixel is NaN
     */
    public ImageGrid add(float[] pixels, String caption, Color captionColor) {
        int index = images.size();
        if (pixels == null) {
            throw new IllegalArgumentException("image " + index + " is null");
        }
        if (pixels.length != tileHeight * tileWidth) {
            throw new IllegalArgumentException("image " + index + " has " + pixels.length + " pixels, expected "
                    + tileHeight + "x" + tileWidth + " = " + tileHeight * tileWidth);
        }
        for (int i = 0; i < pixels.length; i++) {
            if (Float.isNaN(pixels[i])) {
                throw new IllegalArgumentException("image " + index + " pixel " + i + " (row " + i / tileWidth
                        + ", column " + i % tileWidth + ") is NaN");
            }
        }
        images.add(pixels.clone());
        captions.add(caption);
        captionColors.add(captionColor);
        return this;
    }

    /** Adds images from a batch stored contiguously, {@code count} images starting at image {@code first}. */
    public ImageGrid addBatch(float[] batch, int first, int count) {
        Objects.requireNonNull(batch, "batch");
        int n = tileHeight * tileWidth;
        if (first < 0 || count < 0 || (long) (first + count) * n > batch.length) {
            throw new IllegalArgumentException("batch of " + batch.length / n + " images has no images " + first
                    + ".." + (first + count - 1));
        }
        for (int k = 0; k < count; k++) {
            float[] img = new float[n];
            System.arraycopy(batch, (first + k) * n, img, 0, n);
            add(img);
        }
        return this;
    }

    /** Number of images added. */
    public int size() {
        return images.size();
    }

    /** Places this grid and others side by side; see {@link PanelRow}. */
    public static BufferedImage sideBySide(ImageGrid... grids) {
        PanelRow row = new PanelRow();
        for (ImageGrid g : grids) {
            row.add(g);
        }
        return row.render();
    }

    /** Writes {@link #render()} as a PNG, atomically (see {@link Png#write}). */
    public void writePng(Path path) throws IOException {
        Png.write(render(), path);
    }

    /**
     * The pixel rectangle that tile {@code k} occupies in {@link #render()}'s image (upscaled size, frame excluded).
     */
    public Rectangle tileBounds(int k) {
        if (k < 0 || k >= images.size()) {
            throw new IndexOutOfBoundsException("tile " + k + " of " + images.size());
        }
        return layout(scratchFrc()).tile(k);
    }

    /**
     * Renders the grid into a new RGB image.
     *
     * @throws IllegalArgumentException when no image was added
     */
    public BufferedImage render() {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("image grid has no images");
        }
        Layout L = layout(scratchFrc());
        BufferedImage img = new BufferedImage(L.width, L.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            applyHints(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, L.width, L.height);
            int tw = tileWidth * scale;
            int[] row = new int[tw];
            for (int k = 0; k < images.size(); k++) {
                Rectangle r = L.tile(k);
                float[] px = images.get(k);
                for (int y = 0; y < tileHeight; y++) {
                    for (int x = 0; x < tileWidth; x++) {
                        float v = Math.max(0f, Math.min(1f, px[y * tileWidth + x]));
                        int gray = Math.round(v * 255f);
                        int rgb = gray << 16 | gray << 8 | gray;
                        for (int j = 0; j < scale; j++) {
                            row[x * scale + j] = rgb;
                        }
                    }
                    for (int j = 0; j < scale; j++) {
                        img.setRGB(r.x, r.y + y * scale + j, tw, 1, row, 0, tw);
                    }
                }
                if (frame) {
                    g.setColor(TILE_FRAME);
                    g.drawRect(r.x - 1, r.y - 1, r.width + 1, r.height + 1);
                }
                drawCaption(g, L, k, r);
            }
            if (!blank(title)) {
                g.setFont(L.titleFont);
                g.setColor(TEXT);
                String[] lines = title.split("\n", -1);
                LineMetrics lm = L.titleFont.getLineMetrics("Ag", L.frc);
                for (int i = 0; i < lines.length; i++) {
                    double w = L.titleFont.getStringBounds(lines[i], L.frc).getWidth();
                    g.drawString(lines[i], (float) ((L.width - w) / 2),
                            (float) (margin + i * L.titleLineH + lm.getAscent()));
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private void drawCaption(Graphics2D g, Layout L, int k, Rectangle tile) {
        String caption = captions.get(k);
        if (blank(caption)) {
            return;
        }
        g.setFont(L.captionFont);
        Color c = captionColors.get(k);
        g.setColor(c == null ? TEXT : c);
        LineMetrics lm = L.captionFont.getLineMetrics("Ag", L.frc);
        String[] lines = caption.split("\n", -1);
        double cx = tile.getCenterX();
        for (int i = 0; i < lines.length; i++) {
            double w = L.captionFont.getStringBounds(lines[i], L.frc).getWidth();
            double base = tile.getMaxY() + L.captionGap + i * L.captionLineH + lm.getAscent();
            g.drawString(lines[i], (float) (cx - w / 2), (float) base);
        }
    }

    // ---------------------------------------------------------------- layout

    private record Layout(int width, int height, int cols, int cellW, int cellH, int gridX, int gridY, int tileW,
                          int tileH, int spacing, double titleLineH, double captionLineH, double captionGap, Font titleFont,
                          Font captionFont, FontRenderContext frc) {
        Rectangle tile(int k) {
            int col = k % cols;
            int row = k / cols;
            int x = gridX + col * (cellW + spacing) + (cellW - tileW) / 2;
            int y = gridY + row * (cellH + spacing);
            return new Rectangle(x, y, tileW, tileH);
        }
    }

    private Layout layout(FontRenderContext frc) {
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font captionFont = base.deriveFont(captionFontSize);
        Font titleFont = base.deriveFont(Font.BOLD, titleFontSize);
        int n = images.size();
        int cols = Math.max(1, Math.min(columns, n));
        int rows = (n + cols - 1) / cols;
        int tw = tileWidth * scale;
        int th = tileHeight * scale;
        double captionLineH = lineHeight(captionFont, frc);
        double captionGap = 4;
        int maxLines = 0;
        double maxCaptionW = 0;
        for (String c : captions) {
            if (!blank(c)) {
                String[] lines = c.split("\n", -1);
                maxLines = Math.max(maxLines, lines.length);
                for (String l : lines) {
                    maxCaptionW = Math.max(maxCaptionW, captionFont.getStringBounds(l, frc).getWidth());
                }
            }
        }
        int cellW = Math.max(tw, (int) Math.ceil(maxCaptionW) + 4);
        int cellH = th + (maxLines == 0 ? 0 : (int) Math.ceil(captionGap + maxLines * captionLineH));
        double titleLineH = lineHeight(titleFont, frc);
        int titleH = 0;
        double titleW = 0;
        if (!blank(title)) {
            String[] lines = title.split("\n", -1);
            titleH = (int) Math.ceil(lines.length * titleLineH + 8);
            for (String l : lines) {
                titleW = Math.max(titleW, titleFont.getStringBounds(l, frc).getWidth());
            }
        }
        int gridW = cols * cellW + (cols - 1) * spacing;
        int gridH = rows * cellH + (rows - 1) * spacing;
        int width = Math.max(gridW, (int) Math.ceil(titleW)) + 2 * margin;
        int height = gridH + titleH + 2 * margin;
        int gridX = (width - gridW) / 2;
        int gridY = margin + titleH;
        return new Layout(width, height, cols, cellW, cellH, gridX, gridY, tw, th, spacing, titleLineH, captionLineH,
                captionGap, titleFont, captionFont, frc);
    }

    static void applyHints(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    }

    static FontRenderContext scratchFrc() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            applyHints(g);
            return g.getFontRenderContext();
        } finally {
            g.dispose();
        }
    }

    static double lineHeight(Font f, FontRenderContext frc) {
        LineMetrics m = f.getLineMetrics("Ag", frc);
        return m.getAscent() + m.getDescent() + m.getLeading();
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
