package dev.jacreg.cli;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Idx;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8.5: a table of bad command lines and bad files. Each must exit with its code, print one line naming
 * the file or argument, no stack trace and nothing raw from the file name, and leave no --out folder and no
 * partial file behind. Nothing here trains for long: the only runs that get past loading use 64 + 32 images.
 */
class CliBadInputTableTest {
    @TempDir
    static Path dir;

    record Case(String name, int code, List<String> args, List<String> mentions) {}

    private static Path cache() {
        return dir.resolve("cache");
    }

    @BeforeAll
    static void files() throws IOException {
        writeIdx(dir.resolve("mixed-sizes"), "train", 8, 8);
        writeIdx(dir.resolve("mixed-sizes"), "test", 7, 7);
        writeIdx(dir.resolve("tiny"), "train", 4, 4);
        writeIdx(dir.resolve("tiny"), "test", 4, 4);
        Files.createDirectories(dir.resolve("empty\u001b[2J"));  // an idx folder with a crafted name and no files
        Files.writeString(dir.resolve("a-file"), "not a folder");
        saveNet(dir.resolve("banana-seed.safetensors"), Map.of("seed", "banana", "data", "synthetic:64,32"), false);
        saveNet(dir.resolve("nan-weights.safetensors"), Map.of("seed", "0", "data", "synthetic:64,32"), true);
    }

    private static List<Case> cases() {
        String tiny = "synthetic:64,32";
        String file = dir.resolve("a-file").toString();
        List<Case> cases = new ArrayList<>(List.of(
                new Case("threads", JacregCli.USAGE_ERROR, List.of("train", "--data", tiny, "--epochs", "1", "--threads", "0"),
                        List.of("--threads")),
                new Case("idx-is-a-file", JacregCli.USAGE_ERROR, List.of("train", "--data", "idx:" + file),
                        List.of(file, "is a file")),
                new Case("out-is-a-file", JacregCli.USAGE_ERROR, List.of("train", "--data", tiny, "--out", file),
                        List.of(file, "is a file")),
                new Case("mixed-sizes", JacregCli.RUNTIME_ERROR, List.of("train", "--data", "idx:" + dir.resolve("mixed-sizes"),
                        "--epochs", "1"), List.of("t10k-images-idx3-ubyte", "train-images-idx3-ubyte", "7×7", "8×8")),
                new Case("tiny-images", JacregCli.RUNTIME_ERROR, List.of("experiment", "--data", "idx:" + dir.resolve("tiny"),
                        "--epochs", "1"), List.of("train-images-idx3-ubyte", "4×4", "at least 5×5")),
                new Case("banana-seed", JacregCli.RUNTIME_ERROR, List.of("evaluate", "--model",
                        dir.resolve("banana-seed.safetensors").toString()), List.of("banana-seed.safetensors", "seed", "banana")),
                new Case("nan-weights", JacregCli.RUNTIME_ERROR, List.of("evaluate", "--model",
                        dir.resolve("nan-weights.safetensors").toString(), "--data", tiny),
                        List.of("nan-weights.safetensors", "fc.bias", "non-finite")),
                new Case("control-chars", JacregCli.USAGE_ERROR, List.of("evaluate", "--model",
                        dir.resolve("x\u001b[2J\u0007y.safetensors").toString()), List.of("\\u001b[2J\\u0007y.safetensors")),
                new Case("control-chars-in-data", JacregCli.RUNTIME_ERROR, List.of("train", "--data",
                        "idx:" + dir.resolve("empty\u001b[2J")), List.of("\\u001b[2J"))));
        // --models: an unknown name, a repeat, an empty list or name, a list without the pair the report compares
        cases.add(new Case("models-unknown", JacregCli.USAGE_ERROR, List.of("experiment", "--data", tiny, "--models",
                "jacobian,reference,dropout"), List.of("--models", "unknown model 'dropout'", "noise-augment")));
        cases.add(new Case("models-twice", JacregCli.USAGE_ERROR, List.of("experiment", "--data", tiny, "--models",
                "jacobian,reference,Jacobian"), List.of("--models lists 'jacobian' twice")));
        cases.add(new Case("models-empty", JacregCli.USAGE_ERROR, List.of("experiment", "--data", tiny, "--models", ""),
                List.of("--models")));
        cases.add(new Case("models-empty-name", JacregCli.USAGE_ERROR, List.of("experiment", "--data", tiny, "--models",
                "jacobian,,reference"), List.of("--models has an empty name")));
        if (Files.isDirectory(Path.of("/proc/self"))) {
            cases.add(new Case("out-in-proc", JacregCli.RUNTIME_ERROR, List.of("train", "--data", tiny, "--out", "/proc/jacreg-x"),
                    List.of("cannot create the output folder /proc/jacreg-x")));
        }
        if (!Torch.cudaAvailable()) {
            cases.add(new Case("cuda", JacregCli.USAGE_ERROR, List.of("train", "--data", tiny, "--device", "cuda"),
                    List.of("--device cuda:0", "no CUDA support")));
        }
        return cases;
    }

    @Test
    void everyBadInputFailsCleanlyAndLeavesNothing() {
        List<String> problems = new ArrayList<>();
        for (Case c : cases()) {
            Path out = dir.resolve("out-" + c.name()).resolve("nested");  // both levels are new
            List<String> args = new ArrayList<>(c.args());
            if (!args.contains("--out")) args.addAll(List.of("--out", out.toString()));
            args.addAll(List.of("--cache-dir", cache().toString()));
            Run r = JacregCliTest.run(args.toArray(String[]::new));
            String err = r.err().strip();
            List<String> errorLines = err.lines().filter(l -> l.contains("error:")).toList();
            if (r.code() != c.code()) problems.add(c.name() + ": exit " + r.code() + " instead of " + c.code() + ": " + err);
            if (errorLines.size() != 1) problems.add(c.name() + ": " + errorLines.size() + " error lines: " + err);
            if (err.contains("\tat ") || err.contains("Exception")) problems.add(c.name() + ": stack trace: " + err);
            if (err.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\r')) problems.add(c.name() + ": raw control character");
            for (String m : c.mentions()) if (!err.contains(m)) problems.add(c.name() + ": '" + m + "' not in: " + err);
            if (Files.exists(out.getParent())) problems.add(c.name() + ": left " + out.getParent() + " behind");
        }
        assertEquals(List.of(), problems);
        assertEquals(List.of(), leftovers(), "temporary files left behind");
    }

    @Test
    void aStoppedRunWritesItsResultsAndExits130() throws IOException {
        Path out = dir.resolve("stopped");
        Run r = runStopped("train", "--data", "synthetic:64,32", "--epochs", "1", "--out", out.toString(),
                "--cache-dir", cache().toString());
        assertEquals(JacregCli.STOPPED, r.code(), r.err());
        assertTrue(r.out().contains("STOPPED EARLY"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("jacobian.safetensors")));
    }

    @Test
    void ctrlCStopsGracefullyOnlyWhileTraining() {
        StopSignal stop = StopSignal.manual(System.err);
        var listener = StopSignal.tracking(new dev.jacreg.experiment.ExperimentListener() {}, stop);
        assertFalse(stop.stopsGracefully(), "before training a Ctrl-C must quit at once");
        listener.iteration("net", null);
        assertTrue(stop.stopsGracefully());
        listener.trainingEnded("net", null);
        assertFalse(stop.stopsGracefully(), "during evaluation and the report a Ctrl-C must quit at once");
    }

    private static Run runStopped(String... args) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int code;
        try (var o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
             var e = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)) {
            code = JacregCli.run(args, o, e, () -> true);
        }
        return new Run(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static List<Path> leftovers() {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void writeIdx(Path folder, String split, int height, int width) throws IOException {
        int count = 20;
        float[] pixels = new float[count * height * width];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        Files.createDirectories(folder);
        Idx.writeDirectory(new DigitDataset(count, height, width, pixels, labels, null), folder, split, false);
    }

    private static void saveNet(Path file, Map<String, String> metadata, boolean nanBias) throws IOException {
        try (TensorScope scope = TensorScope.open();
             Sequential net = SeedNetwork.create(Tensor.zeros(1, 1, 28, 28), 28, 28, DType.FLOAT32)) {
            if (nanBias) {
                try (var off = dev.jacreg.Autograd.noGrad()) {
                    net.parameters().get("fc.bias").fillInPlace(Double.NaN);
                }
            }
            ModelFiles.save(net, file, metadata);
        }
    }
}
