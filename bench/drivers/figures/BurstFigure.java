import dev.jacreg.report.LineChart;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The "Stabilised training" figures of docs/results.md, from two training-loss.csv files written by `jacreg experiment`
 * (diagnostics on): one trained with --seed-algorithm, one with the stabilised defaults. Run after `make build`:
 * <pre>java -cp 'core/cli/target/classes:core/target/classes:core/cli/target/lib/*' bench/drivers/figures/BurstFigure.java SEED.csv STABILISED.csv OUT_PREFIX</pre>
 * writes OUT_PREFIX-loss.png (the regularized net's loss, both loops, and the reference's) and
 * OUT_PREFIX-gradients.png (the seed loop's cross-entropy and penalty gradient norms).
 */
public final class BurstFigure {
    public static void main(String[] args) throws Exception {
        Table seed = Table.read(Path.of(args[0]));
        Table stabilised = Table.read(Path.of(args[1]));
        String prefix = args[2];
        new LineChart().title("Training loss of the regularized net, seed 0")
                .xLabel("iteration").yLabel("loss (log scale)").logY(true).autoXRange().autoYRange()
                .add(LineChart.Series.of("specification's loop (--seed-algorithm)", seed.column("loss_jacobian"))
                        .color(new Color(0xD6, 0x27, 0x28)).smoothing(25).rawAlpha(0.25f))
                .add(LineChart.Series.of("stabilised (default)", stabilised.column("loss_jacobian"))
                        .color(new Color(0x1F, 0x77, 0xB4)).smoothing(25).rawAlpha(0.25f))
                .add(LineChart.Series.of("reference net (specification's loop)", seed.column("loss_reference"))
                        .color(new Color(0x7F, 0x7F, 0x7F)).smoothing(25).rawAlpha(0.25f))
                .writePng(Path.of(prefix + "-loss.png"), 900, 420);
        new LineChart().title("Gradient norms of the regularized net, specification's loop, seed 0")
                .xLabel("iteration").yLabel("L2 norm (log scale)").logY(true).autoXRange().autoYRange()
                .add(LineChart.Series.of("penalty part (λ/2)·∇R", seed.column("grad_norm_penalty_jacobian"))
                        .color(new Color(0xD6, 0x27, 0x28)).smoothing(25).rawAlpha(0.3f))
                .add(LineChart.Series.of("cross-entropy part", seed.column("grad_norm_ce_jacobian"))
                        .color(new Color(0x2C, 0xA0, 0x2C)).smoothing(25).rawAlpha(0.3f))
                .add(LineChart.Series.of("clipping threshold of the stabilised loop", constant(seed.rows(), 5))
                        .color(Color.BLACK).dashed(true))
                .writePng(Path.of(prefix + "-gradients.png"), 900, 420);
    }

    private static double[] constant(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** A CSV with a header row; empty cells are NaN. */
    record Table(List<String> header, List<double[]> rows0) {
        static Table read(Path file) throws Exception {
            List<String> lines = Files.readAllLines(file);
            List<String> header = Arrays.asList(lines.get(0).split(","));
            List<double[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", -1);
                double[] row = new double[header.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = i < cells.length && !cells[i].isEmpty() ? Double.parseDouble(cells[i]) : Double.NaN;
                }
                rows.add(row);
            }
            return new Table(header, rows);
        }

        int rows() {
            return rows0.size();
        }

        double[] column(String name) {
            int k = header.indexOf(name);
            if (k < 0) throw new IllegalArgumentException("no column " + name + " in " + header);
            return rows0.stream().mapToDouble(r -> r[k]).toArray();
        }
    }
}
