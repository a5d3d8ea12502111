package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.Report;
import dev.jacreg.stats.ConfidenceInterval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The robustness sweeps of several replicates together: per sweep, every seed's numbers
 * ({@code <name>-replicates.csv}: {@code seed,<level>,accuracy_<net>...}), the mean and 95 % confidence interval
 * over seeds ({@code <name>-summary.csv}: {@code <level>,replicates,mean_<net>,ci_low_<net>,ci_high_<net>...}), a chart
 * of the means with bands ({@code <name>.png}) and a Markdown section.
 */
public final class SweepSummary {
    private SweepSummary() {}

    /** The files written and the report section. */
    public record Written(List<Path> files, Report.Section section) {}

    /**
     * @param perSeed every replicate's tables, by seed; each seed has the same sweeps in the same order
     */
    public static Written write(Path out, SortedMap<Long, List<SweepTable>> perSeed, String description) throws IOException {
        List<Path> files = new ArrayList<>();
        StringBuilder md = new StringBuilder(description)
                .append(" Mean over ").append(perSeed.size()).append(" replicates ± half-width of the 95 % confidence "
                        + "interval (Student t); each seed's tables are in its seed-S/ folder.\n\n");
        List<SweepTable> first = perSeed.values().iterator().next();
        for (int t = 0; t < first.size(); t++) {
            SweepTable shape = first.get(t);
            int nets = shape.columns().size();
            double[] levels = shape.levels();
            // values[net][level][replicate]
            double[][][] values = new double[nets][levels.length][perSeed.size()];
            StringBuilder all = new StringBuilder("seed," + shape.levelColumn());
            for (String c : shape.columns()) all.append(",accuracy_").append(c);
            all.append('\n');
            int r = 0;
            for (Map.Entry<Long, List<SweepTable>> seed : perSeed.entrySet()) {
                SweepTable table = seed.getValue().get(t);
                for (int i = 0; i < levels.length; i++) {
                    all.append(seed.getKey()).append(',').append(Formats.number(levels[i]));
                    for (int k = 0; k < nets; k++) {
                        values[k][i][r] = table.accuracies().get(k)[i];
                        all.append(',').append(Formats.fraction(values[k][i][r]));
                    }
                    all.append('\n');
                }
                r++;
            }
            Path allFile = out.resolve(shape.name() + "-replicates.csv");
            AtomicFile.writeString(allFile, all.toString());
            files.add(allFile);

            StringBuilder summary = new StringBuilder(shape.levelColumn() + ",replicates");
            for (String c : shape.columns()) summary.append(",mean_").append(c).append(",ci_low_").append(c).append(",ci_high_").append(c);
            summary.append('\n');
            md.append("### ").append(shape.title()).append("\n\n| ").append(shape.levelColumn());
            for (String label : shape.labels()) md.append(" | ").append(label);
            md.append(" |\n|---:").append("|---:".repeat(nets)).append("|\n");
            LineChart chart = new LineChart().title(shape.title() + ", " + perSeed.size() + " replicates")
                    .xLabel(shape.axisLabel()).yLabel("accuracy (%), mean and 95 % interval").yRange(0, 100)
                    .yTickSpacing(10).legend(LineChart.LegendPosition.LOWER_LEFT);
            double max = 0;
            for (double v : levels) max = Math.max(max, v);
            chart.xRange(0, max > 0 ? max : 1);
            ConfidenceInterval[][] ci = new ConfidenceInterval[nets][levels.length];
            for (int i = 0; i < levels.length; i++) {
                summary.append(Formats.number(levels[i])).append(',').append(perSeed.size());
                md.append("| ").append(Formats.number(levels[i]));
                for (int k = 0; k < nets; k++) {
                    ci[k][i] = ConfidenceInterval.of(values[k][i], 0.95);
                    summary.append(',').append(Formats.fraction(ci[k][i].mean())).append(',')
                            .append(Formats.fraction(ci[k][i].lower())).append(',').append(Formats.fraction(ci[k][i].upper()));
                    md.append(" | ").append(Formats.percent(ci[k][i].mean() * 100, 1));
                    if (Double.isFinite(ci[k][i].halfWidth())) md.append(" ± ").append(Formats.number(
                            Math.round(ci[k][i].halfWidth() * 1000) / 10.0));
                }
                summary.append('\n');
                md.append(" |\n");
            }
            Path summaryFile = out.resolve(shape.name() + "-summary.csv");
            AtomicFile.writeString(summaryFile, summary.toString());
            files.add(summaryFile);
            for (int k = 0; k < nets; k++) {
                double[] mean = new double[levels.length], low = new double[levels.length], high = new double[levels.length];
                for (int i = 0; i < levels.length; i++) {
                    mean[i] = ci[k][i].mean() * 100;
                    // a single replicate has no interval: the band collapses onto the line
                    low[i] = Double.isFinite(ci[k][i].lower()) ? ci[k][i].lower() * 100 : mean[i];
                    high[i] = Double.isFinite(ci[k][i].upper()) ? ci[k][i].upper() * 100 : mean[i];
                }
                chart.add(SweepReport.style(LineChart.Series.of(shape.labels().get(k), levels, mean).band(low, high),
                        shape.labels().get(k), k));
            }
            Path png = out.resolve(shape.name() + ".png");
            chart.writePng(png);
            files.add(png);
            md.append("\n![").append(shape.title()).append("](").append(shape.name()).append(".png)\n\nRaw numbers: [")
                    .append(shape.name()).append("-summary.csv](").append(shape.name()).append("-summary.csv), [")
                    .append(shape.name()).append("-replicates.csv](").append(shape.name()).append("-replicates.csv).\n\n");
            int reference = shape.columns().indexOf(REFERENCE_COLUMN);
            if (reference >= 0 && nets > 1 && perSeed.size() > 1) {
                files.add(writeDifferences(out, shape, values, reference, perSeed.size(), md));
            }
        }
        return new Written(files, Report.Section.of(SweepReport.HEADING, md.toString()));
    }

    /** The column of the net every other is compared with. */
    static final String REFERENCE_COLUMN = Experiment.REFERENCE;

    /**
     * Each other net minus the reference, paired by seed (same images, same noise), with its 95 % interval and how
     * many replicates had that net strictly ahead: {@code <name>-difference.csv} and a table in {@code md}.
     */
    private static Path writeDifferences(Path out, SweepTable shape, double[][][] values, int reference, int replicates,
                                         StringBuilder md) throws IOException {
        double[] levels = shape.levels();
        StringBuilder csv = new StringBuilder(shape.levelColumn() + ",replicates");
        md.append("Paired difference from the reference (percentage points, same seed and same images; mean ± 95 % "
                + "interval) and how many of the ").append(replicates).append(" replicates each model was ahead:\n\n| ")
                .append(shape.levelColumn());
        for (int k = 0; k < shape.columns().size(); k++) {
            if (k == reference) continue;
            String c = shape.columns().get(k);
            csv.append(",mean_difference_").append(c).append(",ci_low_difference_").append(c).append(",ci_high_difference_")
                    .append(c).append(",ahead_").append(c);
            md.append(" | ").append(shape.labels().get(k)).append(" − reference | ahead");
        }
        csv.append('\n');
        md.append(" |\n|---:").append("|---:|---:".repeat(shape.columns().size() - 1)).append("|\n");
        for (int i = 0; i < levels.length; i++) {
            csv.append(Formats.number(levels[i])).append(',').append(replicates);
            md.append("| ").append(Formats.number(levels[i]));
            for (int k = 0; k < shape.columns().size(); k++) {
                if (k == reference) continue;
                ConfidenceInterval d = ConfidenceInterval.paired(values[k][i], values[reference][i], 0.95);
                int ahead = 0;
                for (int r = 0; r < replicates; r++) if (values[k][i][r] > values[reference][i][r]) ahead++;
                csv.append(',').append(Formats.cell(d.mean())).append(',').append(Formats.cell(d.lower())).append(',')
                        .append(Formats.cell(d.upper())).append(',').append(ahead);
                md.append(" | ").append(Formats.signed(d.mean() * 100));
                if (Double.isFinite(d.halfWidth())) md.append(String.format(java.util.Locale.ROOT, " ± %.1f", d.halfWidth() * 100));
                md.append(" | ").append(ahead).append(" of ").append(replicates);
            }
            csv.append('\n');
            md.append(" |\n");
        }
        md.append("\nRaw numbers: [").append(shape.name()).append("-difference.csv](").append(shape.name())
                .append("-difference.csv).\n\n");
        Path file = out.resolve(shape.name() + "-difference.csv");
        AtomicFile.writeString(file, csv.toString());
        return file;
    }
}
