package dev.jacreg.data;

import java.awt.BasicStroke;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outlines of the digits 0-9 in several fonts, normalised so that each outline is centred on
 * the origin and its larger side is 1. The renderer then only has to rotate, scale and fill them.
 *
 * <p>The font outlines are shipped with jacreg ({@code digit-outlines.txt}, exported from Debian's
 * fonts-urw-base35 by {@code tools/DigitOutlineExport.java}) rather than read from the fonts a system
 * happens to have: the JDK's logical fonts map to different physical fonts on different machines, so a
 * seed would not give the same images everywhere. Hand-made pen-stroke digits are added to them.
 * Outlines are parsed once and shared by all threads (they are only read afterwards).
 */
final class DigitGlyphs {

    /** The shipped outlines, a classpath resource next to this class. */
    static final String OUTLINES_RESOURCE = "digit-outlines.txt";

    /** Width of the hand-made pen strokes relative to the digit height. */
    private static final float PEN_WIDTH = 0.11f;

    /** One font: the ten digit outlines, indexed by digit; bold for the heavy weights (Bold, Demi). */
    record Glyphs(String name, Shape[] digits) {
        boolean bold() {
            return name.contains("Bold") || name.contains("Demi");
        }
    }

    private DigitGlyphs() {
    }

    /** All fonts: the shipped font outlines, then the pen-stroke digits. */
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

    /** The shipped font outlines, in file order. */
    static List<Glyphs> fontGlyphs() {
        try (InputStream in = DigitGlyphs.class.getResourceAsStream(OUTLINES_RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + OUTLINES_RESOURCE + " is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OUTLINES_RESOURCE, e);
        }
    }

    /** Parses the outline format written by tools/DigitOutlineExport.java (see there). */
    static List<Glyphs> parse(String text) {
        Map<String, Shape[]> fonts = new LinkedHashMap<>();
        String[] lines = text.split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] t = line.split(" ");
            try {
                int digit = Integer.parseInt(t[1]);
                Path2D.Double path = new Path2D.Double(switch (t[2]) {
                    case "nonzero" -> Path2D.WIND_NON_ZERO;
                    case "evenodd" -> Path2D.WIND_EVEN_ODD;
                    default -> throw new IllegalArgumentException("winding rule " + t[2]);
                });
                int i = 3;
                while (i < t.length) {
                    switch (t[i++]) {
                        case "M" -> path.moveTo(num(t[i++]), num(t[i++]));
                        case "L" -> path.lineTo(num(t[i++]), num(t[i++]));
                        case "Q" -> path.quadTo(num(t[i++]), num(t[i++]), num(t[i++]), num(t[i++]));
                        case "C" -> path.curveTo(num(t[i++]), num(t[i++]), num(t[i++]), num(t[i++]), num(t[i++]), num(t[i++]));
                        case "Z" -> path.closePath();
                        default -> throw new IllegalArgumentException("path operator " + t[i - 1]);
                    }
                }
                Shape shape = normalise(path);
                if (shape == null) throw new IllegalArgumentException("empty outline");
                fonts.computeIfAbsent(t[0], k -> new Shape[10])[digit] = shape;
            } catch (RuntimeException e) {
                throw new IllegalStateException(OUTLINES_RESOURCE + " line " + (n + 1) + ": " + e.getMessage(), e);
            }
        }
        List<Glyphs> result = new ArrayList<>();
        fonts.forEach((name, digits) -> {
            for (int d = 0; d < 10; d++) {
                if (digits[d] == null) throw new IllegalStateException(OUTLINES_RESOURCE + ": font " + name + " lacks digit " + d);
            }
            result.add(new Glyphs(name, digits));
        });
        return result;
    }

    private static double num(String s) {
        return Double.parseDouble(s);
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
}
