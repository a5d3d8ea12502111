package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.Report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@link SweepTable}s: {@code <name>.csv} ({@code <level>,accuracy_<net>...}), {@code <name>.png}, and a
 * report section with one table and figure per sweep, for report.md ({@code jacreg experiment}) or robustness.md
 * ({@code jacreg evaluate}).
 */
public final class SweepReport {
    /** The section's heading; report.md gets it before its settings. */
    public static final String HEADING = "Robustness: other corruptions and attacks";
    /** Where {@code jacreg evaluate} writes the section. */
    public static final String ROBUSTNESS_MD = "robustness.md";

    private SweepReport() {}

    /** The CSV and PNG of every table; returns the files written. */
    public static List<Path> write(Path out, List<SweepTable> tables) throws IOException {
        List<Path> written = new ArrayList<>();
        for (SweepTable t : tables) {
            Path csv = out.resolve(t.name() + ".csv"), png = out.resolve(t.name() + ".png");
            writeCsv(csv, t);
            writeChart(png, t);
            written.add(csv);
            written.add(png);
        }
        return written;
    }

    public static void writeCsv(Path file, SweepTable t) throws IOException {
        StringBuilder csv = new StringBuilder(t.levelColumn());
        for (String column : t.columns()) csv.append(",accuracy_").append(column);
        csv.append('\n');
        double[] levels = t.levels();
        for (int i = 0; i < levels.length; i++) {
            csv.append(Formats.number(levels[i]));
            for (double[] acc : t.accuracies()) csv.append(',').append(Formats.fraction(acc[i]));
            csv.append('\n');
        }
        AtomicFile.writeString(file, csv.toString());
    }

    public static void writeChart(Path file, SweepTable t) throws IOException {
        double max = 0;
        for (double v : t.levels()) max = Math.max(max, v);
        LineChart chart = new LineChart().title(t.title()).xLabel(t.axisLabel()).yLabel("accuracy (%)")
                .xRange(0, max > 0 ? max : 1).yRange(0, 100).yTickSpacing(10).legend(LineChart.LegendPosition.LOWER_LEFT);
        for (int k = 0; k < t.labels().size(); k++) {
            double[] percent = t.accuracies().get(k).clone();
            for (int i = 0; i < percent.length; i++) percent[i] *= 100;
            chart.add(style(LineChart.Series.of(t.labels().get(k), t.levels(), percent), t.labels().get(k), k));
        }
        chart.writePng(file);
    }

    private static final LineChart.Marker[] MARKERS = {LineChart.Marker.CIRCLE, LineChart.Marker.SQUARE,
            LineChart.Marker.TRIANGLE, LineChart.Marker.DIAMOND};
    /** After the report's blue (regularized) and red (reference): the rest of matplotlib's tab10. */
    private static final Color[] OTHER_COLORS = {new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f)};

    /**
     * The look of the k-th net's curve: the report's colours ({@link #color}); markers cycle.
     */
    static LineChart.Series style(LineChart.Series s, String label, int k) {
        return s.marker(MARKERS[k % MARKERS.length]).lineWidth(2.5f).markerSize(8).color(color(label, k));
    }

    /**
     * The k-th net's colour: blue for the regularized net and red for the reference wherever they appear, then
     * distinct colours for further models.
     */
    static Color color(String label, int k) {
        if (label.startsWith(ReportWriter.JACOBIAN_LABEL + " ") || label.equals(ReportWriter.JACOBIAN_LABEL)) {
            return new Color(0x1f77b4);
        }
        if (label.startsWith(ReportWriter.REFERENCE_LABEL)) return new Color(0xd62728);
        return OTHER_COLORS[Math.floorMod(k - 2, OTHER_COLORS.length)];
    }

    /**
     * The report section: what was done ({@code description}, one paragraph), then per table the accuracies in percent,
     * the figure and a link to the CSV.
     */
    public static Report.Section section(List<SweepTable> tables, String description) {
        List<String> blocks = new ArrayList<>(List.of(description));
        for (SweepTable t : tables) {
            StringBuilder md = new StringBuilder("### ").append(t.title()).append("\n\n| ").append(t.levelColumn());
            for (String label : t.labels()) md.append(" | ").append(label);
            md.append(" |\n|---:");
            md.append("|---:".repeat(t.labels().size())).append("|\n");
            double[] levels = t.levels();
            for (int i = 0; i < levels.length; i++) {
                md.append("| ").append(Formats.number(levels[i]));
                for (double[] acc : t.accuracies()) md.append(" | ").append(Formats.percent(acc[i] * 100, 1));
                md.append(" |\n");
            }
            md.append("\n![").append(t.title()).append("](").append(t.name()).append(".png)\n\nRaw numbers: [")
                    .append(t.name()).append(".csv](").append(t.name()).append(".csv).");
            blocks.add(md.toString());
        }
        return new Report.Section(HEADING, blocks);
    }
}
