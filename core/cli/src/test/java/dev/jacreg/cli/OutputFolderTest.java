package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCliTest.Run;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 19 item 3: no command overwrites an earlier run. Each command with no --out, an existing empty --out, an --out
 * that holds an earlier run, and that with --overwrite; every earlier file is hashed (SHA-256) before and after. Runs
 * without --out go to a folder of the test's (the CLI's runs root) rather than the working folder's results/. All runs
 * are tiny: 64 + 32 synthetic images, one epoch.
 */
class OutputFolderTest {
    private static final String DATA = "synthetic:64,32";
    /** COMMAND-UTC-TIMESTAMP, and -N when that second was taken. */
    private static final String STAMP = "-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d(-\\d+)?";

    @TempDir
    static Path dir;

    /** An earlier train run's folder: the weights that evaluate reads and the run the others must not touch. */
    private static Path source() {
        return dir.resolve("source");
    }

    @BeforeAll
    static void trainTheSource() {
        Run r = run(dir.resolve("unused-runs"), args("train", "--out", source().toString()));
        assertEquals(JacregCli.OK, r.code(), r.err());
    }

    /** The command on tiny data, plus {@code more}. */
    private static List<String> args(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--cache-dir", dir.resolve("cache").toString()));
        switch (command) {
            case "experiment" -> args.addAll(List.of("--data", DATA, "--epochs", "1", "--noise-levels", "0,0.5",
                    "--no-diagnostics"));
            case "train" -> args.addAll(List.of("--data", DATA, "--epochs", "1"));
            case "evaluate" -> args.addAll(List.of("--model", source().resolve("jacobian.safetensors").toString(),
                    "--noise-levels", "0,0.5"));
            default -> throw new IllegalArgumentException(command);
        }
        args.addAll(List.of(more));
        return args;
    }

    /** Files every successful run of the command writes. */
    private static List<String> written(String command) {
        return switch (command) {
            case "experiment" -> List.of("report.md", "accuracy.csv", "jacobian.safetensors", "reference.safetensors");
            case "train" -> List.of("jacobian.safetensors", "training-loss.csv");
            case "evaluate" -> List.of("accuracy.csv", "accuracy.png");
            default -> throw new IllegalArgumentException(command);
        };
    }

    /** The CLI in this process, with runs without --out going into {@code runs}. */
    private static Run run(Path runs, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = JacregCli.commandLine(new JacregCli(o, e, () -> false, runs)).execute(args.toArray(String[]::new));
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every entry under {@code folder}: a file's SHA-256, a link's target, "folder" for a folder. */
    private static Map<String, String> hashes(Path folder) {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> entries = Files.walk(folder)) {
            for (Path p : entries.filter(p -> !p.equals(folder)).toList()) {
                String name = folder.relativize(p).toString();
                if (Files.isSymbolicLink(p)) all.put(name, "link to " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p)) all.put(name, "folder");
                else all.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        return all;
    }

    /** The run folders under {@code runs}, sorted. */
    private static List<String> runFolders(Path runs) throws IOException {
        try (Stream<Path> entries = Files.list(runs)) {
            return entries.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The run folder results/latest names: the link's target, else the LATEST file's text. */
    private static String latest(Path runs) throws IOException {
        Path link = runs.resolve(LatestRun.LINK);
        if (Files.isSymbolicLink(link)) return Files.readSymbolicLink(link).toString();
        return Files.readString(runs.resolve(LatestRun.FILE)).strip();
    }

    /** A usage error (exit 2) of one line on stderr, nothing else there or on stdout: refused before any work. */
    private static void assertRefused(Run r, String... mentions) {
        assertEquals(JacregCli.USAGE_ERROR, r.code(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), "one line and no progress: " + r.err());
        assertTrue(lines.get(0).contains("error:"), r.err());
        for (String m : mentions) assertTrue(lines.get(0).contains(m), "'" + m + "' not in: " + r.err());
        assertEquals("", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment", "train", "evaluate"})
    void withoutOutEveryRunGetsANewFolderAndLatestPointsAtTheNewest(String command) throws IOException {
        Path runs = dir.resolve("runs-" + command);
        Map<String, String> sourceBefore = hashes(source());

        Run first = run(runs, args(command));
        assertEquals(JacregCli.OK, first.code(), first.err());
        List<String> one = runFolders(runs);
        assertEquals(1, one.size(), one.toString());
        String firstName = one.get(0);
        assertTrue(firstName.matches(command + STAMP), firstName);
        Path firstFolder = runs.toAbsolutePath().resolve(firstName);
        // The path is printed at the start (stderr, before any work) and at the end (stdout, with what was written).
        assertTrue(first.err().contains("writing to " + firstFolder), first.err());
        assertTrue(first.out().contains(firstFolder.toString()), first.out());
        for (String name : written(command)) assertTrue(Files.isRegularFile(firstFolder.resolve(name)), name);
        assertEquals(firstName, latest(runs));
        Map<String, String> firstBefore = hashes(firstFolder);

        Run second = run(runs, args(command));
        assertEquals(JacregCli.OK, second.code(), second.err());
        List<String> two = runFolders(runs);
        assertEquals(2, two.size(), two.toString());
        String secondName = two.stream().filter(n -> !n.equals(firstName)).findFirst().orElseThrow();
        assertTrue(secondName.matches(command + STAMP), secondName);
        for (String name : written(command)) assertTrue(Files.isRegularFile(runs.resolve(secondName).resolve(name)), name);
        assertEquals(secondName, latest(runs));
        assertEquals(firstBefore, hashes(firstFolder), "the first run's files");
        // evaluate never writes beside the weights it reads
        assertEquals(sourceBefore, hashes(source()), "the weights' folder");
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment", "train", "evaluate"})
    void anExistingEmptyOutIsUsed(String command) throws IOException {
        Path out = Files.createDirectories(dir.resolve("empty-" + command));
        Path runs = dir.resolve("never-" + command);
        Run r = run(runs, args(command, "--out", out.toString()));
        assertEquals(JacregCli.OK, r.code(), r.err());
        for (String name : written(command)) assertTrue(Files.isRegularFile(out.resolve(name)), name);
        assertFalse(Files.exists(runs), "an explicit --out makes no run folder");
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment", "train", "evaluate"})
    void anOutThatHoldsAnEarlierRunIsRefusedAndLeftAsItWas(String command) {
        Path runs = dir.resolve("never-refused-" + command);
        Map<String, String> before = hashes(source());
        // For evaluate this is also the folder its input weights came from.
        Run r = run(runs, args(command, "--out", source().toString()));
        assertRefused(r, "--out " + source(), "already holds files", "jacobian.safetensors", "--overwrite");
        assertEquals(before, hashes(source()));
        assertFalse(Files.exists(runs));
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment", "train", "evaluate"})
    void overwriteWritesIntoAnEarlierRunAndKeepsWhatItDoesNotWrite(String command) throws IOException {
        Path out = Files.createDirectories(dir.resolve("overwrite-" + command));
        for (String name : List.of("jacobian.safetensors", "training-loss.csv")) {
            Files.copy(source().resolve(name), out.resolve(name));
        }
        Files.writeString(out.resolve("notes.txt"), "the user's own notes\n");
        Map<String, String> before = hashes(out);
        Map<String, String> sourceBefore = hashes(source());

        // Another seed, so that a rewritten net differs from the copied one.
        Run r = run(dir.resolve("never-overwrite-" + command), args(command, "--out", out.toString(), "--overwrite",
                "--seed", "1"));
        assertEquals(JacregCli.OK, r.code(), r.err());
        Map<String, String> after = hashes(out);
        for (String name : written(command)) assertTrue(after.containsKey(name), name);
        assertEquals(before.get("notes.txt"), after.get("notes.txt"));
        if (!command.equals("evaluate")) {
            assertNotEquals(before.get("jacobian.safetensors"), after.get("jacobian.safetensors"), "rewritten");
        } else {
            assertEquals(before.get("jacobian.safetensors"), after.get("jacobian.safetensors"), "only read");
        }
        assertEquals(sourceBefore, hashes(source()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment", "train", "evaluate"})
    void anEmptyOutIsRefused(String command) {
        Path runs = dir.resolve("never-empty-" + command);
        for (String blank : List.of("", " ")) {
            assertRefused(run(runs, args(command, "--out", blank)), "--out '" + blank + "'", "names no folder");
            assertRefused(run(runs, args(command, "--out=" + blank)), "--out '" + blank + "'");
        }
        assertFalse(Files.exists(runs));
    }

    @Test
    void aFailedRunWithoutOutLeavesNothingAndLatestAsItWas() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("no-mnist"));
        List<String> failing = List.of("train", "--data", "idx:" + empty, "--epochs", "1");

        Path fresh = dir.resolve("runs-failed-fresh");
        Run r = run(fresh, failing);
        assertEquals(JacregCli.RUNTIME_ERROR, r.code(), r.err());
        assertFalse(Files.exists(fresh), "the runs folder this run made, removed again");

        Path runs = dir.resolve("runs-failed");
        Run earlier = run(runs, args("train"));
        assertEquals(JacregCli.OK, earlier.code(), earlier.err());
        Map<String, String> before = hashes(runs);
        r = run(runs, failing);
        assertEquals(JacregCli.RUNTIME_ERROR, r.code(), r.err());
        assertEquals(before, hashes(runs), "the earlier run, and latest pointing at it");
    }

    @Test
    void runsStartedInTheSameSecondNeverShareAFolder() throws Exception {
        Path runs = dir.resolve("same-second");
        Instant now = Instant.parse("2026-12-07T01:02:03.456Z");
        assertEquals(runs.toAbsolutePath().resolve("train-2026-12-07T01-02-03"), OutFolder.newRun(runs, "train", now).path());
        assertEquals(runs.toAbsolutePath().resolve("train-2026-12-07T01-02-03-2"), OutFolder.newRun(runs, "train", now).path());
        Files.writeString(runs.resolve("train-2026-12-07T01-02-03-3"), "anything of that name is skipped");
        assertEquals(runs.toAbsolutePath().resolve("train-2026-12-07T01-02-03-4"), OutFolder.newRun(runs, "train", now).path());

        // Many at once (as from several processes): each gets a folder of its own.
        int count = 8;
        Set<Path> made = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                all.add(pool.submit(() -> {
                    start.await();
                    return made.add(OutFolder.newRun(runs, "experiment", now).path());
                }));
            }
            start.countDown();
            for (Future<?> f : all) assertEquals(true, f.get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(count, made.size());
        assertTrue(made.stream().allMatch(Files::isDirectory));
    }

    @Test
    void evaluateReadsTheNewestRunThroughLatestAndWritesElsewhere() throws IOException {
        Path runs = dir.resolve("runs-latest");
        Run train = run(runs, args("train"));
        assertEquals(JacregCli.OK, train.code(), train.err());
        String trained = latest(runs);
        Map<String, String> before = hashes(runs.resolve(trained));

        // As the help's example: the weights through results/latest, which moves only once evaluate has succeeded.
        Run r = run(runs, List.of("evaluate", "--model", runs.resolve(LatestRun.LINK).resolve("jacobian.safetensors").toString(),
                "--noise-levels", "0,0.5", "--cache-dir", dir.resolve("cache").toString()));
        assertEquals(JacregCli.OK, r.code(), r.err());
        String evaluated = latest(runs);
        assertTrue(evaluated.matches("evaluate" + STAMP), evaluated);
        assertTrue(Files.isRegularFile(runs.resolve(evaluated).resolve("accuracy.csv")));
        assertEquals(before, hashes(runs.resolve(trained)));
    }

    @Test
    void nprocWithoutOutWritesIntoOneNewFolder() throws IOException {
        Path runs = dir.resolve("runs-nproc");
        Run r = run(runs, args("train", "--nproc", "2", "--batch-size", "16", "--dist-timeout", "60"));
        assertEquals(JacregCli.OK, r.code(), r.err());
        List<String> folders = runFolders(runs);
        assertEquals(1, folders.size(), "rank 0 writes into the launcher's folder: " + folders);
        assertEquals(folders.get(0), latest(runs));
        for (String name : written("train")) assertTrue(Files.isRegularFile(runs.resolve(folders.get(0)).resolve(name)), name);
    }

    @Test
    void theLauncherHandsRankZeroItsFolder() {
        Path folder = dir.resolve("launched").toAbsolutePath();
        assertEquals(List.of("train", "--nproc", "2", "--epochs", "1", "--out", folder.toString(), "--overwrite"),
                LocalLauncher.withOut(List.of("train", "--nproc", "2", "--out", "x", "--overwrite", "--epochs", "1",
                        "--out=y"), folder));
    }
}
