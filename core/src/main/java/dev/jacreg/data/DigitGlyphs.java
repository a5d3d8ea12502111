package dev.jacreg.data;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outlines of the digits 0-9 in several "fonts", normalised so that each outline is centred on
 * the origin and its larger side is 1. The renderer then only has to rotate, scale and fill them.
 *
 * <p>Outlines are computed once and shared by all threads (they are only read afterwards).
 * Fonts come from the JDK's logical families, which exist on every JDK; the hand-made
 * pen-stroke digits are always included too, and are all that is left if the platform has no
 * usable fonts at all (e.g. a minimal container without fontconfig), so generation never fails.
 */
final class DigitGlyphs {

    /** Logical families guaranteed by the JDK (their physical fonts vary by platform). */
    static final List<String> FONT_FAMILIES = List.of("Serif", "SansSerif", "Monospaced", "Dialog", "DialogInput");

    static final List<Integer> FONT_STYLES = List.of(Font.PLAIN, Font.BOLD, Font.ITALIC, Font.BOLD | Font.ITALIC);

    /** Width of the hand-made pen strokes relative to the digit height. */
    private static final float PEN_WIDTH = 0.11f;

    /** One font: the ten digit outlines, indexed by digit. */
    record Glyphs(String name, Shape[] digits) {
    }

    private DigitGlyphs() {
    }

    /** All available fonts (JDK fonts that rendered, then the pen-stroke digits). */
    static List<Glyphs> all() {
        return Holder.ALL;
    }

    /** Holder idiom: computed on first use, thread-safely, without locking afterwards. */
    private static final class Holder {
        static final List<Glyphs> ALL = buildAll();
    }

    private static List<Glyphs> buildAll() {
        List<Glyphs> result = new ArrayList<>(fontGlyphs());
        result.add(penGlyphs());
        return Collections.unmodifiableList(result);
    }

    /** Outlines from the JDK's logical fonts; fonts that fail or draw nothing are skipped. */
    static List<Glyphs> fontGlyphs() {
        List<Glyphs> result = new ArrayList<>();
        // Identity transform, antialiased, fractional metrics: no display or Toolkit needed (headless-safe).
        FontRenderContext frc = new FontRenderContext(null, true, true);
        for (String family : FONT_FAMILIES) {
            for (int style : FONT_STYLES) {
                try {
                    Font font = new Font(family, style, 100);
                    Shape[] digits = new Shape[10];
                    boolean ok = true;
                    for (int d = 0; d < 10 && ok; d++) {
                        Shape outline = font.createGlyphVector(frc, Integer.toString(d)).getOutline();
                        digits[d] = normalise(outline);
                        ok = digits[d] != null;
                    }
                    if (ok) {
                        result.add(new Glyphs(family + "-" + styleName(style), digits));
                    }
                } catch (RuntimeException | Error e) {
                    // A JDK without fonts (missing fontconfig/freetype) throws here; the pen digits remain.
                }
            }
        }
        return result;
    }

    /** Simple pen-drawn digits, hand-made from lines, curves and ellipses (box 0.6 wide, 1 high). */
    static Glyphs penGlyphs() {
        Shape[] centrelines = new Shape[10];
        centrelines[0] = new Ellipse2D.Double(0.02, 0.0, 0.56, 1.0);

        Path2D one = new Path2D.Double();
        one.moveTo(0.12, 0.2);
        one.lineTo(0.35, 0.0);
        one.lineTo(0.35, 1.0);
        centrelines[1] = one;

        Path2D two = new Path2D.Double();
        two.moveTo(0.03, 0.22);
        two.curveTo(0.08, -0.06, 0.58, -0.06, 0.56, 0.26);
        two.curveTo(0.54, 0.5, 0.2, 0.7, 0.0, 1.0);
        two.lineTo(0.6, 1.0);
        centrelines[2] = two;

        Path2D three = new Path2D.Double();
        three.moveTo(0.04, 0.12);
        three.curveTo(0.2, -0.06, 0.58, 0.0, 0.55, 0.24);
        three.curveTo(0.52, 0.42, 0.35, 0.46, 0.22, 0.47);
        three.curveTo(0.46, 0.48, 0.62, 0.6, 0.58, 0.78);
        three.curveTo(0.54, 1.03, 0.14, 1.04, 0.02, 0.87);
        centrelines[3] = three;

        Path2D four = new Path2D.Double();
        four.moveTo(0.45, 1.0);
        four.lineTo(0.45, 0.0);
        four.lineTo(0.0, 0.68);
        four.lineTo(0.6, 0.68);
        centrelines[4] = four;

        Path2D five = new Path2D.Double();
        five.moveTo(0.55, 0.0);
        five.lineTo(0.1, 0.0);
        five.lineTo(0.06, 0.45);
        five.curveTo(0.3, 0.34, 0.6, 0.44, 0.58, 0.7);
        five.curveTo(0.56, 1.03, 0.14, 1.04, 0.02, 0.87);
        centrelines[5] = five;

        Path2D six = new Path2D.Double();
        six.moveTo(0.5, 0.03);
        six.curveTo(0.2, 0.1, 0.02, 0.4, 0.04, 0.72);
        six.append(new Ellipse2D.Double(0.04, 0.46, 0.52, 0.54), false);
        centrelines[6] = six;

        Path2D seven = new Path2D.Double();
        seven.moveTo(0.0, 0.0);
        seven.lineTo(0.6, 0.0);
        seven.lineTo(0.2, 1.0);
        centrelines[7] = seven;

        Path2D eight = new Path2D.Double();
        eight.append(new Ellipse2D.Double(0.09, 0.0, 0.42, 0.46), false);
        eight.append(new Ellipse2D.Double(0.03, 0.46, 0.54, 0.54), false);
        centrelines[8] = eight;

        Path2D nine = new Path2D.Double();
        nine.append(new Ellipse2D.Double(0.04, 0.0, 0.52, 0.54), false);
        nine.moveTo(0.56, 0.28);
        nine.curveTo(0.58, 0.6, 0.45, 0.9, 0.12, 0.99);
        centrelines[9] = nine;

        BasicStroke pen = new BasicStroke(PEN_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        Shape[] digits = new Shape[10];
        for (int d = 0; d < 10; d++) {
            digits[d] = normalise(pen.createStrokedShape(centrelines[d]));
        }
        return new Glyphs("Pen", digits);
    }

    /** Centres the outline on the origin and scales its larger side to 1; null if it is empty. */
    static Shape normalise(Shape outline) {
        Rectangle2D b = outline.getBounds2D();
        double side = Math.max(b.getWidth(), b.getHeight());
        if (!(side > 0)) {
            return null;
        }
        AffineTransform t = AffineTransform.getScaleInstance(1 / side, 1 / side);
        t.translate(-b.getCenterX(), -b.getCenterY());
        // Path2D.Double copy: a plain geometric path that is safe to share read-only between threads.
        return new Path2D.Double(outline, t);
    }

    private static String styleName(int style) {
        return switch (style) {
            case Font.BOLD -> "Bold";
            case Font.ITALIC -> "Italic";
            case Font.BOLD | Font.ITALIC -> "BoldItalic";
            default -> "Plain";
        };
    }
}
