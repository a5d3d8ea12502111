package dev.jacreg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the Python scripts of bench/baselines/python with Debian's {@code /usr/bin/python3} and PyTorch, for the weights
 * interop tests. Where that interpreter or its torch is missing, {@link #assumeAvailable()} skips the test with a
 * message saying what to install.
 */
public final class PythonTorch {
    public static final String PYTHON = "/usr/bin/python3";
    private static final Path PROJECT = Path.of(System.getProperty("jacreg.project", "..")).toAbsolutePath().normalize();
    private static volatile String unavailable;  // null: not checked yet; "": available

    private PythonTorch() {}

    /** Skips the calling test unless {@code /usr/bin/python3 -c 'import torch'} works. */
    public static void assumeAvailable() {
        if (unavailable == null) unavailable = check();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "skipped: needs " + PYTHON + " with PyTorch ('" + PYTHON
                + " -c \"import torch\"' " + unavailable + "); on Debian/Ubuntu install python3-torch");
    }

    private static String check() {
        if (!Files.isExecutable(Path.of(PYTHON))) return "failed: no such interpreter";
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "did not finish";
            }
            return p.exitValue() == 0 ? "" : "failed: " + out.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue());
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "was interrupted";
        }
    }

    /** bench/baselines/python/NAME in the project. */
    public static Path script(String name) {
        Path script = PROJECT.resolve("bench").resolve("baselines").resolve("python").resolve(name);
        if (!Files.isRegularFile(script)) throw new IllegalStateException("no " + script + " (-Djacreg.project=" + PROJECT + ")");
        return script;
    }

    /** Runs a bench/baselines/python script with 1 torch thread; returns its stdout and fails the test (with its stderr) on a non-zero exit. */
    public static String run(Path workDir, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON, script(script).toString()));
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile(workDir, "python-", ".err");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectError(stderr.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertEquals(0, code, () -> String.join(" ", command) + " failed:\n" + read(stderr));
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
