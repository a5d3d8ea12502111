package dev.jacreg.distributed;

import dev.jacreg.cli.JacregCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two machines rehearsed on one ({@code make test-multihost}, root only): two network namespaces joined by a veth
 * pair, each with an address of its own, and in each one rank of {@code jacreg train --world-size 2 --rank R
 * --master 10.213.0.1:29500} as docs/cli.md shows for two machines. The ranks reach each other only over that link,
 * so taking it down is what a pulled cable or a dead switch does to a real pair of machines.
 *
 * <p>Left out of {@code make test} by core/pom.xml's surefire excludes (it needs root and changes the network
 * configuration); {@code -Dtest=TwoMachinesTest} runs it. Without root or iproute2's {@code ip} it skips, saying so.
 */
class TwoMachinesTest {
    /** Rank 0's machine and the other's; a /30 of their own (each namespace sees only its own link, so runs at once never meet). */
    static final String MASTER_IP = "10.213.0.1", WORKER_IP = "10.213.0.2";
    /** The docs' port: nothing else listens in a namespace of its own. */
    static final String MASTER = MASTER_IP + ":29500";
    /** The link's name inside both namespaces, so that one GLOO_SOCKET_IFNAME serves both ranks, as on real machines. */
    static final String LINK = "jr0";
    /** --dist-timeout of the run whose link goes down, and what a slow machine may add (a step to finish, the JVM to end). */
    static final int DIST_TIMEOUT_SECONDS = 10, MARGIN_SECONDS = 60;
    /** A hang guard for runs that should finish: far above what they take on a busy machine. */
    static final long GUARD_SECONDS = 600;
    /** Small, and the same for every run here: one intra-op thread, so nothing but the network differs. */
    static final List<String> TRAINING = List.of("--data", "synthetic:256,64", "--epochs", "1", "--batch-size", "32",
            "--threads", "1");

    private Link link;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void twoMachines() throws Exception {
        assumeTrue(Link.possible(), Link.SKIP_REASON);
        link = Link.create();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) p.destroyForcibly();
        for (Process p : started) p.waitFor(30, TimeUnit.SECONDS);
        if (link != null) link.close();
    }

    @Test
    void ranksOnTwoMachinesTrainTheWeightsOfALoopbackRun(@TempDir Path dir) throws Exception {
        Path loopback = dir.resolve("loopback"), rank0 = dir.resolve("rank0"), rank1 = dir.resolve("rank1");
        List<String> viaLoopback = new ArrayList<>(List.of("train", "--nproc", "2", "--dist-timeout", "300",
                "--out", loopback.toString()));
        viaLoopback.addAll(TRAINING);
        Process launcher = start(null, viaLoopback, dir.resolve("loopback.log"), dir);
        assertFinished(launcher, JacregCli.OK, dir.resolve("loopback.log"));

        Process master = startRank(0, rank0, TRAINING, "300", dir);
        Process worker = startRank(1, rank1, TRAINING, "300", dir);
        assertFinished(master, JacregCli.OK, dir.resolve("rank-0.log"));
        assertFinished(worker, JacregCli.OK, dir.resolve("rank-1.log"));

        assertFalse(Files.exists(rank1), "ranks other than 0 write nothing, and make no folder");
        assertEquals(names(loopback), names(rank0), "the same files");
        for (String name : List.of("jacobian.safetensors", "training-loss.csv")) {
            byte[] expected = Files.readAllBytes(loopback.resolve(name));
            assertTrue(expected.length > 100, name + " has " + expected.length + " bytes");
            // Bit for bit: two ranks sum their gradients in the same order whatever carries them, and one thread each.
            assertArrayEquals(expected, Files.readAllBytes(rank0.resolve(name)), name + " over the link vs loopback");
        }
    }

    @Test
    void aLinkTakenDownMidTrainingFailsBothRanksWithinTheTimeoutAndLeavesNoFile(@TempDir Path dir) throws Exception {
        Path rank0 = dir.resolve("rank0"), rank1 = dir.resolve("rank1");
        // Long enough that the link goes down well before the end: 2 epochs of 94 penalized iterations.
        List<String> training = List.of("--data", "synthetic:3000,64", "--epochs", "2", "--batch-size", "32",
                "--threads", "1");
        String timeout = Integer.toString(DIST_TIMEOUT_SECONDS);
        Process master = startRank(0, rank0, training, timeout, dir);
        Process worker = startRank(1, rank1, training, timeout, dir);
        awaitProgressLine(master, dir.resolve("rank-0.log"));

        link.takeDown();
        long wait = DIST_TIMEOUT_SECONDS + MARGIN_SECONDS;
        for (int r = 0; r < 2; r++) {
            Process rank = r == 0 ? master : worker;
            Path log = dir.resolve("rank-" + r + ".log");
            assertTrue(rank.waitFor(wait, TimeUnit.SECONDS), "rank " + r + " still runs " + wait + " s after the link went "
                    + "down (a hang; --dist-timeout " + timeout + "):\n" + Files.readString(log));
            String text = Files.readString(log);
            assertEquals(JacregCli.RUNTIME_ERROR, rank.exitValue(), "exit code of rank " + r + ":\n" + text);
            List<String> errors = text.lines().filter(l -> l.contains(": error: ")).toList();
            assertEquals(1, errors.size(), "one error line from rank " + r + ":\n" + text);
            // Whichever exchange the link went down in: the gradients' all-reduce, or the buffers' broadcast from rank 0.
            assertTrue(errors.get(0).matches("jacreg train: error: rank " + r + " of 2: "
                    + "(all-reduce|broadcast from rank 0|barrier) failed: .+"), errors.get(0));
            assertFalse(text.contains("\tat "), "no stack trace:\n" + text);
        }
        // Rank 0 made its --out and wrote nothing into it before failing, so it removed it again; rank 1 makes none.
        assertFalse(Files.exists(rank0), () -> "rank 0's folder is left with " + names(rank0));
        assertFalse(Files.exists(rank1), "rank 1 made a folder");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList(), "JVM crashes");
        }
    }

    /** Rank r on its machine: `jacreg train --world-size 2 --rank r --master 10.213.0.1:29500 ...`, output to rank-r.log. */
    private Process startRank(int r, Path out, List<String> training, String distTimeout, Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--world-size", "2", "--rank", Integer.toString(r),
                "--master", MASTER, "--dist-timeout", distTimeout, "--out", out.toString()));
        args.addAll(training);
        return start(r == 0 ? link.master : link.worker, args, dir.resolve("rank-" + r + ".log"), dir);
    }

    /** The CLI in a new JVM with this one's options and class path, in namespace {@code ns} (null: this machine's). */
    private Process start(String ns, List<String> args, Path log, Path dir) throws IOException {
        List<String> command = new ArrayList<>();
        if (ns != null) command.addAll(List.of("ip", "netns", "exec", ns));
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JacregCli.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())  // where an hs_err file would go
                .redirectErrorStream(true).redirectOutput(log.toFile());
        if (ns != null) builder.environment().put("GLOO_SOCKET_IFNAME", LINK);
        Process p = builder.start();
        started.add(p);
        return p;
    }

    private static void assertFinished(Process p, int code, Path log) throws Exception {
        assertTrue(p.waitFor(GUARD_SECONDS, TimeUnit.SECONDS), "still running after " + GUARD_SECONDS + " s:\n"
                + Files.readString(log));
        assertEquals(code, p.exitValue(), () -> "exit code; its output:\n" + read(log));
    }

    /** Returns once rank 0 has logged a training iteration (its first progress line). */
    private static void awaitProgressLine(Process rank, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!read(log).contains(" iteration ")) {
            assertTrue(rank.isAlive(), () -> "rank 0 ended before training:\n" + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no progress line in " + GUARD_SECONDS + " s:\n" + read(log));
            Thread.sleep(100);
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static TreeSet<String> names(Path folder) {
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        } catch (IOException e) {
            names.add("(unreadable: " + e.getMessage() + ")");
        }
        return names;
    }

    /**
     * Two network namespaces, {@code jacreg-mh-PID-N-a} (rank 0's machine, {@value #MASTER_IP}) and {@code ...-b}
     * ({@value #WORKER_IP}), joined by a veth pair named {@value #LINK} on both sides. The names carry this JVM's process
     * id, so parallel runs never clash, and {@link #create} first removes those of JVMs that no longer run (killed
     * before they could clean up). {@link #close} removes both namespaces, and the link with them; a shutdown hook does
     * it too when the JVM is ended early.
     */
    static final class Link implements AutoCloseable {
        static final String PREFIX = "jacreg-mh-";
        static final String SKIP_REASON = "two machines on one need root and iproute2's ip (network namespaces); skipped";
        private static int count;

        final String master, worker;
        private final String vethA, vethB;
        private final Thread onExit;

        private Link(String master, String worker, String vethA, String vethB) {
            this.master = master;
            this.worker = worker;
            this.vethA = vethA;
            this.vethB = vethB;
            this.onExit = new Thread(this::remove);
            Runtime.getRuntime().addShutdownHook(onExit);
        }

        static boolean possible() {
            try {
                // /proc/self belongs to this process's effective user
                if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) return false;
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, "ip"))) return true;
            }
            return Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"));
        }

        static synchronized Link create() throws Exception {
            removeStale();
            long pid = ProcessHandle.current().pid();
            int n = ++count;
            String base = PREFIX + pid + "-" + n;
            // Interface names have at most 15 characters: the ends have short names until they are moved and renamed.
            Link link = new Link(base + "-a", base + "-b", "jr" + pid + "a" + n, "jr" + pid + "b" + n);
            try {
                ip("netns", "add", link.master);
                ip("netns", "add", link.worker);
                ip("link", "add", link.vethA, "type", "veth", "peer", "name", link.vethB);
                ip("link", "set", link.vethA, "netns", link.master);
                ip("link", "set", link.vethB, "netns", link.worker);
                for (String[] side : new String[][]{{link.master, link.vethA, MASTER_IP}, {link.worker, link.vethB, WORKER_IP}}) {
                    ip("-n", side[0], "link", "set", side[1], "name", LINK);
                    ip("-n", side[0], "addr", "add", side[2] + "/30", "dev", LINK);
                    ip("-n", side[0], "link", "set", "lo", "up");
                    ip("-n", side[0], "link", "set", LINK, "up");
                }
            } catch (Exception | AssertionError e) {
                link.close();
                throw e;
            }
            return link;
        }

        /** As a cable pulled out of rank 0's machine: its end of the link goes down, and the other loses its carrier. */
        void takeDown() throws Exception {
            ip("-n", master, "link", "set", LINK, "down");
        }

        @Override
        public void close() {
            remove();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException e) {
                // the JVM is ending already; the hook does the same
            }
        }

        /** Both namespaces (with the link in them) and, had creation stopped before the move, the link itself. */
        private void remove() {
            for (String ns : List.of(master, worker)) quietly("netns", "delete", ns);
            quietly("link", "delete", vethA);
        }

        /** Namespaces of earlier runs whose JVM ended without removing them. */
        private static void removeStale() throws Exception {
            for (String line : ip("netns", "list").lines().toList()) {
                String name = line.split(" ")[0];
                if (!name.startsWith(PREFIX)) continue;
                String[] parts = name.substring(PREFIX.length()).split("-");
                try {
                    long pid = Long.parseLong(parts[0]);
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                } catch (NumberFormatException e) {
                    continue;  // not one of ours
                }
                quietly("netns", "delete", name);
            }
        }

        /** Runs ip with these arguments; fails with its output when it does. */
        static String ip(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of("ip"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end in 60 s");
            }
            if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed: " + output.strip());
            return output;
        }

        private static void quietly(String... args) {
            try {
                List<String> command = new ArrayList<>(List.of("ip"));
                command.addAll(List.of(args));
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (IOException e) {
                // nothing to remove without ip
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
