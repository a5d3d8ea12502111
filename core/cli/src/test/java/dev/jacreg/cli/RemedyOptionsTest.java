package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The remedy and diagnostics options: bad values are usage errors, good ones reach the training and the outputs. */
class RemedyOptionsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--lr-schedule|linear|constant, cosine or step",
            "--lr-schedule|step:0:0.1|epochs must be >= 1",
            "--penalty-bn|both|--penalty-bn",
            "--clip-grad-norm|-1|--clip-grad-norm must be a finite number >= 0",
            "--penalty-warmup|-2|--penalty-warmup must be >= 0, got -2",
            "--gradient-split-every|0|--gradient-split-every must be >= 1, got 0"})
    void badValuesAreUsageErrors(String option, String value, String mention) {
        Run r = JacregCliTest.run("train", option, value, "--data", "synthetic:200,100", "--out", dir.toString(),
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(mention), r.err());
    }

    @Test
    void trainRecordsTheRemediesAndTheDiagnosticsWhenAsked() throws IOException {
        Run r = JacregCliTest.run("train", "--data", "synthetic:200,100", "--epochs", "2", "--out", dir.toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--penalty-bn", "eval", "--clip-grad-norm", "2.5",
                "--lr-schedule", "step:1:0.5", "--penalty-warmup", "1", "--diagnostics", "--gradient-split-every", "3");
        assertEquals(0, r.code(), r.err());
        Map<String, String> meta = SafeTensors.read(dir.resolve("jacobian.safetensors")).metadata();
        assertEquals("eval", meta.get("penalty_bn"));
        assertEquals("2.5", meta.get("clip_grad_norm"));
        assertEquals("step:1:0.5", meta.get("lr_schedule"));
        assertEquals("1", meta.get("penalty_warmup_epochs"));

        List<String> csv = Files.readAllLines(dir.resolve("training-loss.csv"));
        List<String> header = List.of(csv.get(0).split(","));
        assertTrue(header.containsAll(List.of("cross_entropy_jacobian", "grad_norm_total_jacobian", "bn3_min_var_jacobian",
                "lr_jacobian", "lambda_jacobian")), csv.get(0));
        int lr = header.indexOf("lr_jacobian"), lambda = header.indexOf("lambda_jacobian");
        int ce = header.indexOf("grad_norm_ce_jacobian"), pen = header.indexOf("grad_norm_penalty_jacobian");
        int perEpoch = 200 / 32;
        for (int i = 1; i < csv.size(); i++) {
            String[] row = csv.get(i).split(",", -1);
            int t = i - 1;  // 0-based iteration
            assertEquals(t < perEpoch ? 0.01 : 0.005, Double.parseDouble(row[lr]), 1e-9, "lr of iteration " + i);
            assertEquals(Math.min(1.0, (double) t / perEpoch), Double.parseDouble(row[lambda]), 1e-5, "lambda of iteration " + i);
            // The gradient is split into its parts on iterations 0, 3, 6, ... only.
            assertEquals(t % 3 == 0, !row[ce].isEmpty(), "grad_norm_ce of iteration " + i);
            assertEquals(t % 3 == 0, !row[pen].isEmpty(), "grad_norm_penalty of iteration " + i);
        }
    }

    @Test
    void trainHasNoDiagnosticsByDefault() throws IOException {
        Run r = JacregCliTest.run("train", "--data", "synthetic:200,100", "--epochs", "1", "--out", dir.toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--lambda", "0");
        assertEquals(0, r.code(), r.err());
        assertEquals("iteration,epoch,loss_reference", Files.readAllLines(dir.resolve("training-loss.csv")).get(0));
    }
}
