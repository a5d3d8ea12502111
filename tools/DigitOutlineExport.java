import java.awt.Font;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.geom.PathIterator;
import java.awt.geom.Rectangle2D;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the outlines of the digits 0-9 of the given font files as plain text, the resource that
 * jacreg's synthetic digit generator draws from (core/src/main/resources/dev/jacreg/data/digit-outlines.txt).
 * Shipping outlines instead of reading installed fonts makes a seed give the same images on every machine.
 *
 * <p>Run with a JDK >= 22 as a single-file program (no build needed); `make digit-outlines` does it
 * with Debian's fonts-urw-base35:
 * <pre>java -Djava.awt.headless=true tools/DigitOutlineExport.java OUT.txt FONT.otf...</pre>
 *
 * <p>Format: '#' comment lines, then one line per glyph:
 * {@code FONTNAME DIGIT WINDING op...} with ops {@code M x y}, {@code L x y}, {@code Q x1 y1 x y},
 * {@code C x1 y1 x2 y2 x y}, {@code Z}; coordinates are centred on the glyph's box, its larger side is 1,
 * y points down, rounded to 1e-5.
 */
public final class DigitOutlineExport {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: DigitOutlineExport OUT.txt FONT.otf...");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        FontRenderContext frc = new FontRenderContext(null, true, true);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            w.println("# Digit outlines for jacreg's synthetic digits, exported by tools/DigitOutlineExport.java");
            w.println("# from these font files (Debian fonts-urw-base35, (c) URW++, AGPL-3.0 with font exception):");
            for (int i = 1; i < args.length; i++) w.println("#   " + new File(args[i]).getName());
            for (int i = 1; i < args.length; i++) {
                Font font = Font.createFont(Font.TRUETYPE_FONT, new File(args[i])).deriveFont(1000f);
                String name = font.getFontName().replace(' ', '-');
                for (int d = 0; d < 10; d++) {
                    Shape outline = font.createGlyphVector(frc, Integer.toString(d)).getOutline();
                    w.println(name + " " + d + " " + describe(normalise(outline)));
                }
            }
        }
        System.err.println("wrote " + out);
    }

    static Shape normalise(Shape outline) throws IOException {
        Rectangle2D b = outline.getBounds2D();
        double side = Math.max(b.getWidth(), b.getHeight());
        if (!(side > 0)) throw new IOException("empty glyph");
        AffineTransform t = AffineTransform.getScaleInstance(1 / side, 1 / side);
        t.translate(-b.getCenterX(), -b.getCenterY());
        return new Path2D.Double(outline, t);
    }

    static String describe(Shape shape) {
        PathIterator it = shape.getPathIterator(null);
        StringBuilder s = new StringBuilder(it.getWindingRule() == PathIterator.WIND_EVEN_ODD ? "evenodd" : "nonzero");
        double[] c = new double[6];
        for (; !it.isDone(); it.next()) {
            int type = it.currentSegment(c);
            int points = switch (type) {
                case PathIterator.SEG_MOVETO -> { s.append(" M"); yield 1; }
                case PathIterator.SEG_LINETO -> { s.append(" L"); yield 1; }
                case PathIterator.SEG_QUADTO -> { s.append(" Q"); yield 2; }
                case PathIterator.SEG_CUBICTO -> { s.append(" C"); yield 3; }
                default -> { s.append(" Z"); yield 0; }
            };
            for (int k = 0; k < 2 * points; k++) s.append(' ').append(String.format(Locale.ROOT, "%.5f", c[k]));
        }
        return s.toString();
    }
}
