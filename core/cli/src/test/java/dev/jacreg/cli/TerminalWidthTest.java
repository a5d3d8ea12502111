package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal width JLine reads for the live progress line. The width a pseudo-terminal was given with
 * {@code stty cols} is the independent truth; util-linux's {@code script} (present on every Debian-like system)
 * provides the pseudo-terminal.
 */
class TerminalWidthTest {
    @TempDir
    Path dir;

    /** Prints what {@link ProgressDisplay#stderrWidth()} says, or "none", on stdout. */
    public static void main(String[] args) {
        var width = ProgressDisplay.stderrWidth();
        System.out.println("width=" + (width.isPresent() ? Integer.toString(width.getAsInt()) : "none"));
    }

    @Test
    void aPipeIsNotATerminal() {
        // Surefire's forked JVM writes stderr into a pipe: no width, and no exception or output.
        assertTrue(ProgressDisplay.stderrWidth().isEmpty());
    }

    @Test
    void readsTheWidthOfThePseudoTerminalOnStderr() throws Exception {
        assertEquals("width=123", probe("stty cols 123 rows 40; ", ""));
        assertEquals("width=57", probe("stty cols 57 rows 20; ", ""));
    }

    @Test
    void stderrRedirectedAwayFromTheTerminalGivesNoWidth() throws Exception {
        assertEquals("width=none", probe("stty cols 123 rows 40; ", " 2>" + dir.resolve("err.txt")));
    }

    /** Runs {@link #main} in a pseudo-terminal set up by {@code setup}; returns its "width=" line. */
    private String probe(String setup, String redirect) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = setup + "exec '" + java + "' --enable-native-access=ALL-UNNAMED -cp '"
                + System.getProperty("java.class.path") + "' " + TerminalWidthTest.class.getName() + redirect;
        Path log = dir.resolve("typescript");
        Process p = new ProcessBuilder("script", "-qec", command, log.toString())
                .redirectInput(ProcessBuilder.Redirect.PIPE).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        List<String> lines = out.lines().map(String::strip).filter(l -> l.startsWith("width=")).toList();
        assertEquals(1, lines.size(), "probe output: " + out + "\n" + Files.readString(log));
        return lines.get(0);
    }
}
