package dev.jacreg.experiment;

import dev.jacreg.io.AtomicFile;
import dev.jacreg.report.LineChart;
import dev.jacreg.report.MarkdownWriter;
import dev.jacreg.report.Report;
import dev.jacreg.stats.ConfidenceInterval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a replicated experiment. Every run (one replicate too) gets the per-seed tables
 * {@value #REPLICATES_CSV} and {@value #NORMS_CSV}; with several replicates the folder also gets the summary
 * ({@value #SUMMARY_CSV}), the accuracy chart with 95 % bands ({@code accuracy.png}) and {@code report.md},
 * while each replicate's full single-run report sits in its own {@code seed-S/} subfolder.
 */
public final class ReplicateReport {
    public static final String REPLICATES_CSV = "replicates.csv";
    public static final String NORMS_CSV = "jacobian-norms.csv";
    public static final String SUMMARY_CSV = "accuracy-summary.csv";
    /** The headers of {@value #REPLICATES_CSV}, {@value #NORMS_CSV} and {@value #SUMMARY_CSV} for the default pair. */
    public static final String REPLICATES_HEADER = "seed,noise,accuracy_jacobian,accuracy_reference";
    public static final String NORMS_HEADER = "seed,norm_jacobian,norm_reference";
    public static final String SUMMARY_HEADER = "noise,replicates,mean_jacobian,ci_low_jacobian,ci_high_jacobian,"
            + "mean_reference,ci_low_reference,ci_high_reference,mean_difference,ci_low_difference,ci_high_difference,"
            + "jacobian_ahead";

    private ReplicateReport() {}

    /** The subfolder of one replicate's full report. */
    public static Path seedFolder(Path out, long seed) {
        return out.resolve("seed-" + seed);
    }

    /**
     * {@value #REPLICATES_CSV} ({@code seed,noise,accuracy_<model>...}) and {@value #NORMS_CSV}
     * ({@code seed,norm_<model>...}): one row per replicate and noise level, one per replicate.
     */
    public static List<Path> writeTables(Path out, List<Replicates.Run> runs) throws IOException {
        Files.createDirectories(out);
        List<String> names = runs.get(0).result().names();
        StringBuilder acc = new StringBuilder("seed,noise");
        StringBuilder norms = new StringBuilder("seed");
        for (String name : names) {
            acc.append(",accuracy_").append(name);
            norms.append(",norm_").append(name);
        }
        acc.append('\n');
        norms.append('\n');
        for (Replicates.Run run : runs) {
            ExperimentResult r = run.result();
            double[] levels = r.noiseLevels();
            for (int i = 0; i < levels.length; i++) {
                acc.append(run.seed()).append(',').append(Formats.number(levels[i]));
                for (ModelResult m : r.models()) acc.append(',').append(Formats.fraction(m.accuracy()[i]));
                acc.append('\n');
            }
            norms.append(run.seed());
            for (ModelResult m : r.models()) norms.append(',').append(Formats.cell(m.jacobianNorm()));
            norms.append('\n');
        }
        Path a = out.resolve(REPLICATES_CSV), n = out.resolve(NORMS_CSV);
        AtomicFile.writeString(a, acc.toString());
        AtomicFile.writeString(n, norms.toString());
        return List.of(a, n);
    }

    /**
     * The tables, the summary CSV, the band chart and report.md of several replicates (the seed-S/ folders are
     * written as each replicate finishes, see {@link Replicates#run}).
     */
    public static List<Path> write(Path out, Replicates.Outcome outcome, ReplicateSummary summary) throws IOException {
        return write(out, outcome, summary, List.of());
    }

    /** As above, with {@code extra} sections (the models compared, the sweeps' summaries) before the Settings. */
    public static List<Path> write(Path out, Replicates.Outcome outcome, ReplicateSummary summary,
                                   List<Report.Section> extra) throws IOException {
        List<Path> written = new ArrayList<>(writeTables(out, outcome.runs()));
        Path recipes = out.resolve(ReportWriter.RECIPES_CSV);
        ReportWriter.writeRecipesCsv(recipes, outcome.runs().get(0).result().models().stream().map(ModelResult::recipe).toList());
        written.add(recipes);
        Path csv = out.resolve(SUMMARY_CSV);
        writeSummaryCsv(csv, summary);
        written.add(csv);
        Path png = out.resolve(ReportWriter.ACCURACY_PNG);
        writeBandChart(png, summary, outcome.runs().get(0).result().environment().testCount());
        written.add(png);
        Path md = out.resolve(ReportWriter.REPORT_MD);
        AtomicFile.writeString(md, MarkdownWriter.render(ReplicateMarkdown.report(outcome, summary)
                .insertBefore(ReportMarkdown.SETTINGS, extra)));
        written.add(md);
        return written;
    }

    /**
     * {@code noise,replicates}, then {@code mean_<model>,ci_low_<model>,ci_high_<model>} per model, then per model
     * compared with the baseline {@code mean_difference,ci_low_difference,ci_high_difference,<model>_ahead} (the
     * difference columns suffixed {@code _<model>} when several models are compared).
     */
    private static void writeSummaryCsv(Path file, ReplicateSummary s) throws IOException {
        StringBuilder csv = new StringBuilder("noise,replicates");
        for (ReplicateSummary.Model m : s.models()) {
            csv.append(",mean_").append(m.name()).append(",ci_low_").append(m.name()).append(",ci_high_").append(m.name());
        }
        for (ReplicateSummary.Comparison c : s.compared()) {
            String suffix = s.compared().size() == 1 ? "" : "_" + c.name();
            csv.append(",mean_difference").append(suffix).append(",ci_low_difference").append(suffix)
                    .append(",ci_high_difference").append(suffix).append(',').append(c.name()).append("_ahead");
        }
        csv.append('\n');
        for (int i = 0; i < s.levels().length; i++) {
            csv.append(Formats.number(s.levels()[i])).append(',').append(s.count());
            for (ReplicateSummary.Model m : s.models()) appendInterval(csv, m.accuracy().get(i));
            for (ReplicateSummary.Comparison c : s.compared()) {
                appendInterval(csv, c.difference().get(i));
                csv.append(',').append(c.ahead()[i]);
            }
            csv.append('\n');
        }
        AtomicFile.writeString(file, csv.toString());
    }

    private static void appendInterval(StringBuilder csv, ConfidenceInterval ci) {
        csv.append(',').append(Formats.cell(ci.mean())).append(',').append(Formats.cell(ci.lower())).append(',')
                .append(Formats.cell(ci.upper()));
    }

    /** Mean accuracy (%) of each model against the noise, with its 95 % confidence band (none for one replicate). */
    private static void writeBandChart(Path file, ReplicateSummary s, int testCount) throws IOException {
        double[] levels = s.levels();
        double maxLevel = 0;
        for (double p : levels) maxLevel = Math.max(maxLevel, p);
        LineChart chart = new LineChart()
                .title("Mean accuracy of " + s.count() + " replicates, 95 % confidence bands (" + Formats.count(testCount)
                        + " test images)")
                .xLabel("noise proportion p (share of pixels replaced)").yLabel("accuracy (%)")
                .xRange(0, Math.max(0.5, maxLevel)).yRange(0, 100).yTickSpacing(10)
                .xTickSpacing(maxLevel > 0.5 ? 0.1 : 0.05).legend(LineChart.LegendPosition.LOWER_LEFT);
        for (int k = 0; k < s.models().size(); k++) {
            ReplicateSummary.Model m = s.models().get(k);
            chart.add(SweepReport.style(bandSeries(m.label(), levels, m.accuracy()), m.label(), k));
        }
        chart.writePng(file);
    }

    private static LineChart.Series bandSeries(String name, double[] levels, List<ConfidenceInterval> cis) {
        double[] mean = new double[levels.length], low = new double[levels.length], high = new double[levels.length];
        for (int i = 0; i < levels.length; i++) {
            mean[i] = cis.get(i).mean() * 100;
            low[i] = cis.get(i).lower() * 100;
            high[i] = cis.get(i).upper() * 100;
        }
        return LineChart.Series.of(name + " (mean)", levels, mean).band(low, high);
    }
}
