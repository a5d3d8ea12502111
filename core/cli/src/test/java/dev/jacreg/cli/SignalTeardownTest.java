package dev.jacreg.cli;

import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Idx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 19: a run ended from outside ends cleanly. SIGTERM while a net trains on as many libtorch threads as the CLI
 * allows exits 143 with no JVM crash file and no --out folder left; a --nproc launch whose ranks fail leaves no rank
 * logs in the temporary folder. The commands run in child JVMs (this test's java, JVM options and class path); the
 * waits are generous and nothing about timing is asserted.
 */
class SignalTeardownTest {
    private static final long PATIENCE_SECONDS = 300;

    @TempDir
    Path dir;

    @Test
    void sigtermDuringTrainingExits143WithoutACrashOrLeftovers() throws Exception {
        Path out = dir.resolve("results");
        int threads = OptionRules.OVERSUBSCRIPTION * Runtime.getRuntime().availableProcessors();  // the most allowed
        Path err = dir.resolve("stderr.txt");
        Process child = start(err, "train", "--data", "synthetic:256,32", "--epochs", "1000", "--threads",
                Integer.toString(threads), "--out", out.toString(), "--cache-dir", dir.resolve("cache").toString());
        try {
            awaitLine(child, err, "iteration");  // training is under way: a thread is inside libtorch
            assertTrue(Files.isDirectory(out), "the run made its --out folder");
            child.destroy();  // SIGTERM
            assertTrue(child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS), "still running after SIGTERM");
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(JacregCli.TERMINATED, child.exitValue(), stderr);
            assertTrue(stderr.strip().endsWith("jacreg: terminated"), stderr);
            assertEquals(List.of(), crashFiles(), "JVM crash file");
            assertFalse(Files.exists(out), "the empty --out folder this run made is removed");
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aFailedLaunchLeavesNoRankLogs() throws Exception {
        // Both ranks pass the option rules, then fail loading: the images of the two sets differ in size.
        Path data = dir.resolve("mixed-sizes");
        writeIdx(data, "train", 8, 8);
        writeIdx(data, "test", 7, 7);
        Path err = dir.resolve("stderr.txt");
        Path out = dir.resolve("results");
        List<Path> before = rankFolders();
        Process child = start(err, "train", "--nproc", "2", "--data", "idx:" + data, "--epochs", "1", "--batch-size", "4",
                "--dist-timeout", "120", "--out", out.toString());
        try {
            assertTrue(child.waitFor(PATIENCE_SECONDS, TimeUnit.SECONDS), "the launch did not end");
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(JacregCli.RUNTIME_ERROR, child.exitValue(), stderr);
            assertTrue(stderr.contains("starting 2 ranks"), stderr);
            assertTrue(stderr.contains("7×7"), "the failing rank's reason is shown: " + stderr);
            assertEquals(List.of(), crashFiles(), "JVM crash file");
            for (Path folder : rankFolders()) {
                assertFalse(!before.contains(folder) && mentions(folder, data.toString()), "rank logs left in " + folder);
            }
            assertFalse(Files.exists(out), "--out folder left behind");
        } finally {
            child.destroyForcibly();
        }
    }

    /** This test JVM's java, options and class path running the CLI in {@link #dir}; stdout and stderr to a file. */
    private Process start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JacregCli.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(Process child, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (!Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
            assertTrue(child.isAlive(), () -> "the run ended early: " + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no '" + text + "' yet: " + read(log));
            Thread.sleep(200);
        }
    }

    private List<Path> crashFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
        }
    }

    private static List<Path> rankFolders() throws IOException {
        try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.filter(p -> p.getFileName().toString().startsWith("jacreg-ranks-")).toList();
        }
    }

    /** Whether a rank log in the folder names {@code text} (this test's own folder: only its launch does). */
    private static boolean mentions(Path folder, String text) {
        try (Stream<Path> logs = Files.list(folder)) {
            return logs.anyMatch(log -> read(log).contains(text));
        } catch (IOException e) {
            return false;  // gone meanwhile
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void writeIdx(Path folder, String split, int height, int width) throws IOException {
        int count = 16;
        float[] pixels = new float[count * height * width];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        Files.createDirectories(folder);
        Idx.writeDirectory(new DigitDataset(count, height, width, pixels, labels, null), folder, split, false);
    }
}
