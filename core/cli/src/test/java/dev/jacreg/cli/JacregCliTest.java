package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.experiment.ModelCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Argument handling: help, version, and every kind of bad input → one clear line and the right exit code. */
class JacregCliTest {
    @TempDir
    Path dir;

    /** Exit code, stdout and stderr of one CLI run. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = JacregCli.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A one-line error on stderr naming the problem, no stack trace, nothing on stdout. */
    private static void assertError(Run r, int code, String... mentions) {
        assertEquals(code, r.code(), () -> "exit code; stderr:\n" + r.err());
        String err = r.err().strip();
        assertFalse(err.isEmpty(), "no error message");
        // Progress lines may come first; the error is the last line, and the only one.
        assertEquals(1, err.lines().filter(l -> l.contains("error:")).count(), () -> "one error line expected:\n" + err);
        assertTrue(err.lines().reduce((a, b) -> b).orElseThrow().contains("error:"), () -> "error must come last:\n" + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), () -> "stack trace or exception name leaked:\n" + err);
        for (String m : mentions) assertTrue(err.contains(m), () -> "'" + m + "' not in: " + err);
        assertEquals("", r.out(), "nothing on stdout for an error");
    }

    @Test
    void helpMentionsEveryCommand() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String command : new String[]{"experiment", "train", "evaluate"}) assertTrue(r.out().contains(command), command);
        assertTrue(r.out().contains("Exit status"), r.out());
    }

    @Test
    void noCommandPrintsUsage() {
        Run r = run();
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: jacreg"), r.out());
        assertTrue(r.out().contains("experiment"));
    }

    /** The --models help is derived from the catalog: every recipe with its help, in order, and nothing else. */
    @Test
    void modelsHelpListsExactlyTheCatalog() {
        String help = run("experiment", "--help").out().replaceAll("\\s+", " ");
        int start = help.indexOf("--models=NAME[,NAME...] ");
        assertTrue(start >= 0, help);
        String text = help.substring(start, help.indexOf(" When reference is among them", start));
        List<String> listed = new ArrayList<>();
        Matcher m = Pattern.compile("(?:: |, )([a-z][a-z0-9-]*) \\(").matcher(text);
        while (m.find()) listed.add(m.group(1));
        assertEquals(ModelCatalog.NAMES, listed, text);
        for (ModelCatalog.Declaration d : ModelCatalog.RECIPES) {
            assertTrue(text.contains(d.name() + " (" + d.help() + ")"), d.name() + ": " + text);
        }
    }

    @ParameterizedTest
    @CsvSource({"experiment", "train", "evaluate"})
    void commandHelpShowsDefaultsAndOutputs(String command) {
        Run r = run(command, "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: jacreg " + command), r.out());
        assertTrue(r.out().contains("Writes into --out"), r.out());
        assertTrue(r.out().contains("--data"), r.out());
        if (!command.equals("evaluate")) {
            assertTrue(r.out().contains("--epochs=N") && r.out().contains("(default: 15)"), r.out());
            assertTrue(r.out().contains("(default: 0.01)") && r.out().contains("(default: 0.9)"), r.out());
        }
        // Help text is plain ASCII so that it prints on any terminal.
        assertTrue(r.out().chars().allMatch(c -> c < 128), "non-ASCII characters in help");
    }

    @Test
    void versionNamesJacregAndLibtorch() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("jacreg 0.1"), r.out());
        assertTrue(r.out().matches("(?s).*libtorch \\d+\\.\\d+.*"), r.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "experiment --bogus                 | Unknown option: '--bogus'",
            "experiment --epohs 3               | --epochs",
            "experiment --epochs 0              | epochs must be >= 1",
            "experiment --epochs many           | --epochs",
            "experiment --batch-size 0          | --batch-size must be >= 1, got 0",
            "experiment --lambda -1             | --lambda must be a finite number >= 0",
            "train --lambda -1                  | --lambda must be a finite number >= 0",
            "experiment --projections 0         | projections",
            "experiment --lr 0                  | --lr must be a finite number > 0",
            "experiment --momentum 1            | momentum",
            "experiment --data nonsense         | unknown data source 'nonsense'",
            "experiment --data synthetic:10     | synthetic:TRAIN,TEST",
            "experiment --noise-levels 0,1.5    | noise levels must be in [0, 1]",
            "experiment --eval-chunk 0          | --eval-chunk must be >= 1, got 0",
            "experiment --dtype float16         | float16",
            "experiment --target probs          | probs",
            "experiment --device tpu            | unknown device 'tpu'",
            "experiment --threads 0             | --threads must be >= 1",
            "train --name ../x                  | --name",
            "evaluate                           | --model",
            "evaluate --model /no/such/file.safetensors | /no/such/file.safetensors",
            "frobnicate                         | unknown command 'frobnicate'",
    })
    void usageErrorsExitTwoWithOneLine(String args, String mention) {
        assertError(run(args.trim().split("\\s+")), JacregCli.USAGE_ERROR, mention);
    }

    @Test
    void missingIdxFolderIsAUsageError() {
        Path missing = dir.resolve("no-such-mnist");
        assertError(run("experiment", "--data", "idx:" + missing), JacregCli.USAGE_ERROR, missing.toString(),
                "does not exist");
    }

    @Test
    void idxFolderWithoutFilesIsARuntimeError() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-mnist"));
        Run r = run("train", "--data", "idx:" + empty, "--out", dir.resolve("out").toString());
        assertError(r, JacregCli.RUNTIME_ERROR, "file not found", "train-images-idx3-ubyte");
    }

    @Test
    void corruptWeightsFileIsARuntimeError() throws IOException {
        Path bad = dir.resolve("broken.safetensors");
        Files.write(bad, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertError(run("evaluate", "--model", bad.toString(), "--out", dir.toString()), JacregCli.RUNTIME_ERROR,
                bad.toString());
    }

    @Test
    void foreignSafetensorsFileIsARuntimeError() throws IOException {
        // A valid safetensors file that is not a jacreg network.
        Path other = dir.resolve("other.safetensors");
        dev.jacreg.io.SafeTensors.write(other, java.util.List.of(
                dev.jacreg.io.SafeTensorsEntry.of("weight", new float[]{1, 2}, 2)));
        assertError(run("evaluate", "--model", other.toString(), "--out", dir.resolve("out").toString()),
                JacregCli.RUNTIME_ERROR, "not a jacreg network");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path bad = dir.resolve("broken.safetensors");
        Files.write(bad, new byte[]{1, 2, 3});
        Run r = run("evaluate", "--verbose", "--model", bad.toString(), "--out", dir.toString());
        assertEquals(JacregCli.RUNTIME_ERROR, r.code());
        assertTrue(r.err().contains("\tat dev.jacreg"), r.err());
    }
}
