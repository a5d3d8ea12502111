package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8 item 3: a diverging run exits with its own code, says where and why, and writes no weights. */
class NonFiniteLossCliTest {
    @TempDir
    Path dir;

    private Run run(String command, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--lambda", "1e300", "--data", "synthetic:200,100",
                "--epochs", "1", "--out", out.toString(), "--cache-dir", dir.resolve("cache").toString()));
        args.addAll(List.of(more));
        return JacregCliTest.run(args.toArray(String[]::new));
    }

    private Run train(Path out) {
        return run("train", out);
    }

    private static String lastLine(Run r) {
        return r.err().strip().lines().reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void trainStopsWithExitCode3AndWritesNoWeights() throws IOException {
        Path out = dir.resolve("fresh");
        Run r = train(out);
        assertEquals(JacregCli.NON_FINITE_LOSS, r.code(), r.err());
        String last = lastLine(r);
        assertTrue(last.contains("error: training diverged: net jacobian: non-finite weighted penalty")
                && last.contains("iteration 1 (epoch 1)"), last);
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertFalse(Files.exists(out.resolve("jacobian.safetensors")), "no weights for a diverged net");
        assertFalse(Files.exists(out.resolve("training-loss.csv")));
        // The post-mortem table under its own name: no iteration was finite, so only the header.
        assertEquals(List.of("iteration,epoch,loss_jacobian,penalty_jacobian"),
                Files.readAllLines(out.resolve("jacobian-diverged-training-loss.csv")));
    }

    @Test
    void experimentStopsWithExitCode3NamesTheNetAndWritesNoReport() throws IOException {
        Path out = dir.resolve("experiment");
        Run r = run("experiment", out);
        assertEquals(JacregCli.NON_FINITE_LOSS, r.code(), r.err());
        assertTrue(lastLine(r).contains("training diverged: net jacobian: non-finite"), lastLine(r));
        try (var files = Files.list(out)) {
            assertEquals(List.of("jacobian-diverged-training-loss.csv"),
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void existingOutputsWithTheSameNameStayUntouched() throws IOException {
        Path out = Files.createDirectories(dir.resolve("existing"));
        byte[] weights = {1, 2, 3, 4}, loss = "iteration,epoch,loss_jacobian\n1,1,0.5\n".getBytes();
        Files.write(out.resolve("jacobian.safetensors"), weights);
        Files.write(out.resolve("training-loss.csv"), loss);
        Run r = run("train", out, "--overwrite");  // without it the folder is refused before training
        assertEquals(JacregCli.NON_FINITE_LOSS, r.code(), r.err());
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("jacobian.safetensors")));
        assertArrayEquals(loss, Files.readAllBytes(out.resolve("training-loss.csv")));
    }
}
