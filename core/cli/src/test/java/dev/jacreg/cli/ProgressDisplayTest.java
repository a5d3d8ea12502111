package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.train.TrainingProgress;
import dev.jacreg.train.TrainingResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    private static final long MS = 1_000_000L;

    private static TrainingProgress progress(int i, int total, int epochs, double loss) {
        int perEpoch = total / epochs;
        return new TrainingProgress(i, total, (i - 1) / perEpoch + 1, epochs, loss, Double.NaN, i * 50 * MS);
    }

    @Test
    void logsGetOneLineEveryFivePercent() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        display.phase("training");
        for (int i = 1; i <= 2340; i++) display.iteration("jacobian", progress(i, 2340, 15, 1.0 / i));
        display.trainingEnded("jacobian", new TrainingResult(new double[2340], new double[2340], new long[2340], 2340, false));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("jacreg: training", lines.get(0));
        assertEquals(1 + 21 + 1, lines.size(), String.join("\n", lines));  // phase, iteration 1 + each 5 %, summary
        assertFalse(bytes.toString(StandardCharsets.UTF_8).contains("\r"));
        String half = lines.stream().filter(l -> l.contains("iteration 1170/2340")).findFirst().orElseThrow();
        assertTrue(half.startsWith("jacobian  epoch  8/15  iteration 1170/2340  50.0%  loss 0.0009"), half);
        assertTrue(half.contains("0:59 elapsed, ETA 0:59"), half);
        assertTrue(lines.get(lines.size() - 1).startsWith("jacreg: jacobian: trained 2340 iterations"), lines.toString());
    }

    @Test
    void terminalRedrawsOneLineAtMostTenTimesASecond() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 200,
                now::get);
        for (int i = 1; i <= 100; i++) {
            now.addAndGet(20 * MS);  // 50 iterations a second → a redraw every 5th
            display.iteration("reference", progress(i, 100, 2, 0.5));
        }
        display.trainingEnded("reference", new TrainingResult(new double[40], new double[40], new long[40], 100, true));
        String text = bytes.toString(StandardCharsets.UTF_8);
        long redraws = text.chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 20 && redraws <= 22, "redraws: " + redraws);
        assertTrue(text.contains("[########################]"), "full bar at the end");
        assertTrue(text.contains("epoch 2/2  iteration 100/100 100.0%"), text);
        for (String drawn : text.split("\r")) assertTrue(drawn.lines().findFirst().orElse("").length() < 200, drawn);
        assertTrue(text.endsWith("jacreg: reference: stopped early after 40 of 100 iterations in 0:00 (median 0.0 ms per "
                + "iteration)" + System.lineSeparator()), text);
    }

    @Test
    void liveLineFitsNarrowTerminals() {
        for (int columns : new int[]{200, 100, 80, 60, 40}) {
            ProgressDisplay display = new ProgressDisplay(new PrintStream(new ByteArrayOutputStream()), true, columns,
                    System::nanoTime);
            display.iteration("reference", progress(1, 2340, 15, 2.5));
            String line = display.compactLine("reference", progress(1234, 2340, 15, 0.01234));
            assertTrue(line.length() < columns, columns + ": " + line);
            assertTrue(line.startsWith("reference "), line);
            if (columns >= 80) assertTrue(line.contains("1234/2340") && line.contains("[") && line.contains("ETA"), line);
        }
    }

    @Test
    void durations() {
        assertEquals("0:00", ProgressDisplay.duration(0.2));
        assertEquals("1:05", ProgressDisplay.duration(65));
        assertEquals("1:01:01", ProgressDisplay.duration(3661));
    }
}
