package dev.jacreg.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.font.FontRenderContext;
import java.awt.font.LineMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Places rendered panels (image grids, charts, any image) side by side in one row, top-aligned, with an optional
 * overall title; e.g. a grid titled "clean" next to a grid titled "noise p = 0.1".
 */
public final class PanelRow {
    private static final Color TEXT = ChartStyle.TEXT;

    private final List<BufferedImage> panels = new ArrayList<>();
    private String title;
    private int gap = 16;
    private int margin = 8;
    private float titleFontSize = 18f;

    /** Title centred above all panels (null for none; '\n' starts a new line). */
    public PanelRow title(String title) {
        this.title = title;
        return this;
    }

    /** Pixels between panels (default 16). */
    public PanelRow gap(int gap) {
        if (gap < 0) {
            throw new IllegalArgumentException("gap must be >= 0, got " + gap);
        }
        this.gap = gap;
        return this;
    }

    /** Blank border around the row (default 8). */
    public PanelRow margin(int margin) {
        if (margin < 0) {
            throw new IllegalArgumentException("margin must be >= 0, got " + margin);
        }
        this.margin = margin;
        return this;
    }

    /** Title font size in pixels (default 18, bold). */
    public PanelRow titleFontSize(float size) {
        if (!(size > 0) || !Float.isFinite(size)) {
            throw new IllegalArgumentException("font size must be > 0, got " + size);
        }
        this.titleFontSize = size;
        return this;
    }

    /** Adds a grid, rendered now (later changes to the grid do not show). */
    public PanelRow add(ImageGrid grid) {
        return add(Objects.requireNonNull(grid, "grid").render());
    }

    /** Adds a chart rendered now at the given size. */
    public PanelRow add(LineChart chart, int width, int height) {
        return add(Objects.requireNonNull(chart, "chart").render(width, height));
    }

    /** Adds an already rendered panel. */
    public PanelRow add(BufferedImage panel) {
        panels.add(Objects.requireNonNull(panel, "panel"));
        return this;
    }

    /** Where panel {@code k} is placed in {@link #render()}'s image. */
    public Rectangle panelBounds(int k) {
        if (k < 0 || k >= panels.size()) {
            throw new IndexOutOfBoundsException("panel " + k + " of " + panels.size());
        }
        FontRenderContext frc = ImageGrid.scratchFrc();
        int x = margin + (contentWidth(frc) - rowWidth()) / 2;
        for (int i = 0; i < k; i++) {
            x += panels.get(i).getWidth() + gap;
        }
        return new Rectangle(x, margin + titleHeight(frc), panels.get(k).getWidth(),
                panels.get(k).getHeight());
    }

    /**
     * Renders the row into a new RGB image on a white background.
     *
     * @throws IllegalArgumentException when no panel was added
     */
    public BufferedImage render() {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("panel row has no panels");
        }
        FontRenderContext frc = ImageGrid.scratchFrc();
        Font font = titleFont();
        int titleH = titleHeight(frc);
        int rowW = rowWidth();
        int rowH = 0;
        for (BufferedImage p : panels) {
            rowH = Math.max(rowH, p.getHeight());
        }
        String[] lines = ImageGrid.blank(title) ? new String[0] : title.split("\n", -1);
        int width = contentWidth(frc) + 2 * margin;
        int height = rowH + titleH + 2 * margin;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            ImageGrid.applyHints(g);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x = margin + (width - 2 * margin - rowW) / 2;
            for (BufferedImage p : panels) {
                g.drawImage(p, x, margin + titleH, null);
                x += p.getWidth() + gap;
            }
            if (lines.length > 0) {
                g.setFont(font);
                g.setColor(TEXT);
                LineMetrics lm = font.getLineMetrics("Ag", frc);
                double lh = ImageGrid.lineHeight(font, frc);
                for (int i = 0; i < lines.length; i++) {
                    double w = font.getStringBounds(lines[i], frc).getWidth();
                    g.drawString(lines[i], (float) ((width - w) / 2), (float) (margin + 4 + i * lh + lm.getAscent()));
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Writes {@link #render()} as a PNG, atomically (see {@link Png#write}). */
    public void writePng(Path path) throws IOException {
        Png.write(render(), path);
    }

    private int rowWidth() {
        int w = gap * (panels.size() - 1);
        for (BufferedImage p : panels) {
            w += p.getWidth();
        }
        return w;
    }

    /** Width inside the margins: the row or the title, whichever is wider. */
    private int contentWidth(FontRenderContext frc) {
        double titleW = 0;
        if (!ImageGrid.blank(title)) {
            for (String l : title.split("\n", -1)) {
                titleW = Math.max(titleW, titleFont().getStringBounds(l, frc).getWidth());
            }
        }
        return Math.max(rowWidth(), (int) Math.ceil(titleW));
    }

    private Font titleFont() {
        return new Font(Font.SANS_SERIF, Font.BOLD, 12).deriveFont(titleFontSize);
    }

    private int titleHeight(FontRenderContext frc) {
        if (ImageGrid.blank(title)) {
            return 0;
        }
        int lines = title.split("\n", -1).length;
        return (int) Math.ceil(lines * ImageGrid.lineHeight(titleFont(), frc) + 8);
    }
}
