package dev.jacreg.cli;

import dev.jacreg.Torch;
import dev.jacreg.cli.JacregCliTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 19, items 4 and 7: every bad value or pointless combination a careful new user tried is a row (command line →
 * exit code → the key words of its one line). Each must fail from the arguments alone: exit 2, stderr exactly one line
 * naming the option, nothing on stdout, no --out folder, no JVM crash file (and so no "starting N ranks" line). None of these rows may get as
 * far as loading data (they would then print progress lines and fail the one-line check). The legitimate neighbours of
 * the rules pass the table silently, and the warnings are one line each.
 */
class OptionRulesTableTest {
    @TempDir
    static Path dir;

    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();
    private static final int CAP = OptionRules.OVERSUBSCRIPTION * PROCESSORS;
    private static final String TINY = "synthetic:64,32";

    record Row(List<String> args, List<String> mentions) {
        static Row of(String args, String... mentions) {
            return new Row(List.of(args.split(" ")), List.of(mentions));
        }

        Row withArgs(List<String> replaced) {
            return new Row(replaced, mentions);
        }
    }

    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>(List.of(
                // item 4: --nproc and data-parallel runs, all decided before a JVM is started
                Row.of("train --nproc " + (CAP + 1), "--nproc " + (CAP + 1), PROCESSORS + " available processors"),
                Row.of("train --nproc 0", "--nproc must be >= 1, got 0"),
                Row.of("train --sync-batch-norm", "--sync-batch-norm needs --nproc or --world-size"),
                Row.of("train --nproc 3", "--batch-size 32 is not a multiple of --nproc 3"),
                Row.of("train --nproc 2 --batch-size 31", "--batch-size 31 is not a multiple of --nproc 2"),
                Row.of("train --world-size 3 --rank 0 --master 127.0.0.1:29500", "--batch-size 32", "--world-size 3"),
                Row.of("train --world-size 0 --rank 0 --master 127.0.0.1:29500", "--world-size must be >= 1, got 0"),
                Row.of("train --world-size 2 --rank 0 --master 127.0.0.1:70000", "--master", "70000"),
                Row.of("train --nproc 2 --data idx:" + dir.resolve("no-such-folder"), "--data", "does not exist"),
                Row.of("experiment --nproc 2 --models jacobian,reference,dropout", "--models", "unknown model 'dropout'"),
                Row.of("train --nproc 2 --dist-timeout NaN", "--dist-timeout", "NaN"),
                Row.of("train --nproc 2 --dist-timeout 1e300", "--dist-timeout", "1.0E300"),
                Row.of("train --nproc 2 --dist-timeout -1", "--dist-timeout", "-1.0"),
                Row.of("train --world-size 2 --rank 1 --master 127.0.0.1:29500 --master-wait NaN", "--master-wait", "NaN"),
                Row.of("train --world-size 2 --rank 1 --master no-such-host.invalid:29500", "--master", "cannot be resolved"),
                Row.of("train --dist-timeout 60", "--dist-timeout has no effect without --nproc or --world-size"),
                // item 7: threads
                Row.of("train --threads " + Math.max(1000, CAP + 1), "--threads " + Math.max(1000, CAP + 1), "at most " + CAP),
                Row.of("train --threads 0", "--threads must be >= 1, got 0"),
                // nonsense that used to run
                Row.of("train --cache-dir=", "--cache-dir"),
                Row.of("train --cache-dir " + dir.resolve("a-file").resolve("cache"), "--cache-dir", "is a file, not a folder"),
                Row.of("experiment --attacks pgd --pgd-step-size NaN", "--pgd-step-size", "NaN"),
                Row.of("experiment --attacks pgd --pgd-step-size -1", "--pgd-step-size", "-1.0"),
                Row.of("experiment --attacks fgsm --epsilons 2", "--epsilons 2.0", "[0, 1]"),
                Row.of("experiment --attacks fgsm --epsilons -0.1", "--epsilons", "-0.1"),
                Row.of("train --lr-schedule step:5,2:0.1", "--lr-schedule step:5,2:0.1", "--epochs 1"),
                Row.of("train --epochs 6 --lr-schedule step:5,2:0.1", "--lr-schedule step:5,2:0.1", "increase"),
                Row.of("train --penalty-warmup 5", "--penalty-warmup 5", "--epochs 1"),
                Row.of("experiment --attacks fgsm,pgd,FGSM", "--attacks lists 'fgsm' twice"),
                Row.of("experiment --corruption gaussian,gaussian", "--corruption lists 'gaussian' twice"),
                Row.of("evaluate --model x.safetensors --corruption replace,replace", "--corruption lists 'replace' twice"),
                // options that would be silently ignored: an error naming both options
                Row.of("experiment --no-diagnostics --gradient-split-every 5", "--gradient-split-every", "--no-diagnostics"),
                Row.of("train --gradient-split-every 5", "--gradient-split-every", "--diagnostics"),
                Row.of("train --lambda 0 --target logits", "--target has no effect with --lambda 0"),
                Row.of("train --lambda 0 --projections 3", "--projections has no effect with --lambda 0"),
                Row.of("experiment --lambda 0 --penalty-bn eval", "--penalty-bn has no effect with --lambda 0"),
                Row.of("train --lambda 0 --penalty-warmup 1", "--penalty-warmup has no effect with --lambda 0"),
                Row.of("experiment --epsilons 0.1", "--epsilons has no effect without --attacks"),
                Row.of("experiment --attack-norm l2", "--attack-norm has no effect without --attacks"),
                Row.of("experiment --pgd-random-start", "--pgd-random-start has no effect without --attacks"),
                Row.of("evaluate --model x.safetensors --pgd-steps 5", "--pgd-steps has no effect without --attacks"),
                Row.of("experiment --attacks fgsm --pgd-steps 5", "--pgd-steps has no effect with --attacks fgsm"),
                Row.of("experiment --attacks apgd-ce --pgd-steps 5", "--pgd-steps has no effect with --attacks apgd-ce"),
                Row.of("experiment --attacks pgd --square-queries 100", "--square-queries has no effect with --attacks pgd"),
                Row.of("experiment --attacks square --apgd-iterations 10", "--apgd-iterations has no effect with --attacks square"),
                Row.of("experiment --attacks fab-t --square-queries 100", "--square-queries has no effect with --attacks fab-t"),
                Row.of("experiment --apgd-iterations 10", "--apgd-iterations has no effect without --attacks"),
                Row.of("experiment --robust-epsilon 0.05", "--robust-epsilon has no effect without pgd-at or trades in --models"),
                Row.of("experiment --models jacobian,noise-augment --robust-steps 3",
                        "--robust-steps has no effect without pgd-at or trades in --models (got jacobian,noise-augment)"),
                Row.of("experiment --models pgd-at --trades-beta 2", "--trades-beta has no effect without trades in --models"),
                // the robust recipes' settings
                Row.of("experiment --models pgd-at --robust-epsilon 0", "--robust-epsilon must be", "(0, 1]", "got 0.0"),
                Row.of("experiment --models pgd-at --robust-epsilon 1.5", "--robust-epsilon must be", "got 1.5"),
                Row.of("experiment --models trades --robust-epsilon NaN", "--robust-epsilon must be", "got NaN"),
                Row.of("experiment --models trades --robust-steps 0", "--robust-steps must be in [1, 100], got 0"),
                Row.of("experiment --models pgd-at --robust-steps 101", "--robust-steps must be in [1, 100], got 101"),
                Row.of("experiment --models pgd-at --robust-steps x", "--robust-steps", "'x'"),
                Row.of("experiment --models trades --trades-beta 0", "--trades-beta must be a finite number > 0, got 0.0"),
                Row.of("experiment --models trades --trades-beta -1", "--trades-beta must be a finite number > 0, got -1.0"),
                Row.of("experiment --models trades --trades-beta Infinity", "--trades-beta", "got Infinity"),
                // unclear messages, now naming the option and the value
                Row.of("train --lr 1e300", "--lr", "1.0E300"),
                Row.of("train --lr Infinity", "--lr", "Infinity"),
                Row.of("train --lr NaN", "--lr", "NaN"),
                Row.of("train --lambda Infinity", "--lambda", "Infinity"),
                Row.of("train --clip-grad-norm NaN", "--clip-grad-norm", "NaN"),
                Row.of("train --momentum 1", "--momentum", "1.0"),
                Row.of("train --eval-chunk 0", "--eval-chunk must be >= 1, got 0"),
                Row.of("evaluate --model x.safetensors --eval-chunk 0", "--eval-chunk must be >= 1, got 0"),
                Row.of("train --data synthetic:0,10", "--data synthetic:0,10"),
                Row.of("experiment --jobs 0", "--jobs must be >= 1, got 0"),
                Row.of("experiment --replicates 0", "--replicates must be >= 1, got 0")));
        if (!Torch.cudaAvailable()) rows.add(Row.of("train --device cuda", "--device cuda:0", "no CUDA"));
        return rows;
    }

    @Test
    void everyRowFailsFromTheArgumentsAloneWithOneLine() throws IOException {
        Files.writeString(dir.resolve("a-file"), "in the way of a cache folder");
        List<String> problems = new ArrayList<>();
        int i = 0;
        for (Row row : rows()) {
            Path out = dir.resolve("out-" + i++).resolve("nested");
            List<String> args = new ArrayList<>(row.args());
            if (!args.contains("--data") && !args.get(0).equals("evaluate")) args.addAll(List.of("--data", TINY));
            if (!args.contains("--epochs") && !args.get(0).equals("evaluate")) args.addAll(List.of("--epochs", "1"));
            args.addAll(List.of("--out", out.toString()));
            if (args.stream().noneMatch(a -> a.startsWith("--cache-dir"))) args.addAll(List.of("--cache-dir", dir.resolve("cache").toString()));
            String line = String.join(" ", row.args());
            Run r = JacregCliTest.run(args.toArray(String[]::new));
            List<String> errLines = r.err().strip().lines().toList();
            if (r.code() != JacregCli.USAGE_ERROR) problems.add(line + ": exit " + r.code() + ": " + r.err());
            if (errLines.size() != 1) problems.add(line + ": " + errLines.size() + " lines on stderr: " + r.err());
            if (!r.out().isEmpty()) problems.add(line + ": stdout: " + r.out());
            String err = r.err();
            if (!err.startsWith("jacreg " + row.args().get(0) + ": error: ")) problems.add(line + ": not an error line: " + err);
            if (err.contains("\tat ") || err.contains("Exception")) problems.add(line + ": stack trace: " + err);
            for (String m : row.mentions()) if (!err.contains(m)) problems.add(line + ": '" + m + "' not in: " + err);
            if (Files.exists(out.getParent())) problems.add(line + ": left " + out.getParent() + " behind");
        }
        assertEquals(List.of(), problems);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList());
        }
    }

    @Test
    void theLegitimateNeighboursOfTheRulesPassSilently() {
        List<String> legitimate = new ArrayList<>(List.of(
                "train --epochs 1 --penalty-warmup 1",
                "train --epochs 2 --lr-schedule step:1:0.1",
                "train --epochs 15 --lr-schedule step:10,13:0.1",
                "train --lambda 0",
                "train --lambda 0 --lr 0.1 --momentum 0",
                "train --diagnostics --gradient-split-every 5",
                "experiment --gradient-split-every 5",
                "experiment --lambda 0 --models jacobian,reference,logits --projections 2",
                "experiment --attacks fgsm,pgd --pgd-steps 3 --epsilons 0,0.1",
                "experiment --attacks autoattack --apgd-iterations 10 --square-queries 100 --epsilons 0,0.1",
                "experiment --attacks fab-t --apgd-iterations 10 --epsilons 0,0.1",
                "experiment --attacks pgd --attack-norm l2 --epsilons 2 --pgd-step-size 0.5 --pgd-random-start",
                "experiment --corruption replace,gaussian",
                "experiment --models pgd-at --robust-epsilon 1 --robust-steps 100",
                "experiment --models trades --robust-steps 1 --trades-beta 0.5",
                "experiment --models jacobian,reference,PGD-AT,trades --robust-epsilon 0.05 --robust-steps 3 --trades-beta 2",
                "evaluate --model x.safetensors --attacks fgsm --epsilons 1",
                "train --threads " + PROCESSORS,
                "train --clip-grad-norm 0 --lambda 0 --lr 3.4e38"));
        if (2 <= PROCESSORS) legitimate.add("train --nproc 2 --batch-size 32 --dist-timeout 60");
        for (String line : legitimate) {
            Checked c = check(line);
            assertNull(c.error(), line);
            assertEquals("", c.err(), line);
        }
    }

    @Test
    void moreThreadsOrRanksThanProcessorsRunWithOneWarning() {
        Checked threads = check("train --threads " + (PROCESSORS + 1));
        assertNull(threads.error());
        assertEquals("jacreg: warning: --threads " + (PROCESSORS + 1) + " is more than the " + PROCESSORS
                + " available processors: the threads will take turns and the run will be slower", threads.err().strip());

        int ranks = PROCESSORS + 1;
        Checked nproc = check("train --nproc " + ranks + " --batch-size " + (8 * ranks));
        assertNull(nproc.error());
        assertEquals(1, nproc.err().strip().lines().count(), nproc.err());
        assertTrue(nproc.err().contains("--nproc " + ranks + " is more than the " + PROCESSORS), nproc.err());

        Checked both = check("train --nproc 2 --threads " + PROCESSORS);
        assertNull(both.error());
        assertTrue(both.err().contains("--threads " + PROCESSORS + " on each of 2 ranks"), both.err());
    }

    /** The table's verdict on a command line (the rules only; nothing runs): its error, and what it printed. */
    private record Checked(String error, String err) {}

    private static Checked check(String line) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ParseResult parsed = JacregCli.commandLine(err, err, () -> false).parseArgs(line.split(" ")).subcommand();
            try {
                OptionRules.check(parsed.commandSpec(), parsed, err);
                return new Checked(null, bytes.toString(StandardCharsets.UTF_8));
            } catch (UsageException e) {
                return new Checked(e.getMessage(), bytes.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
