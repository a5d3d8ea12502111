package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peak resident memory the reports give: VmHWM of /proc/self/status, or "n/a" where there is none. */
class PeakMemoryTest {
    @TempDir
    Path dir;

    @Test
    void readsVmHwmInKibibytes() throws IOException {
        Path status = dir.resolve("status");
        Files.write(status, List.of("Name:\tjava", "VmPeak:\t 9000000 kB", "VmHWM:\t  729424 kB", "VmRSS:\t  512000 kB"));
        assertEquals(OptionalLong.of(729424L * 1024), PeakMemory.read(status));
        assertEquals("712.3 MiB", PeakMemory.describe(PeakMemory.read(status)));
        assertEquals("1.50 GiB", PeakMemory.describe(OptionalLong.of(1536L * 1024 * 1024)));
    }

    @Test
    void noStatusFileOrNoLineIsNotApplicable() throws IOException {
        assertEquals(OptionalLong.empty(), PeakMemory.read(dir.resolve("missing")));
        assertEquals("n/a", PeakMemory.describe(PeakMemory.read(dir.resolve("missing"))));
        Path other = dir.resolve("other");
        Files.write(other, List.of("Name:\tjava", "VmRSS:\t  512000 kB"));
        assertEquals(OptionalLong.empty(), PeakMemory.read(other));
    }

    @Test
    void thisProcessPeakIsAtLeastWhatPsSaysItHoldsNow() throws Exception {
        assumeTrue(Files.isReadable(PeakMemory.STATUS), "not Linux");
        Process ps = new ProcessBuilder("ps", "-o", "rss=", "-p", Long.toString(ProcessHandle.current().pid())).start();
        String rss = new String(ps.getInputStream().readAllBytes()).trim();
        assumeTrue(ps.waitFor() == 0 && !rss.isEmpty(), "no ps");
        long nowBytes = Long.parseLong(rss) * 1024;  // read first: the peak can only have grown since
        OptionalLong peak = PeakMemory.residentBytes();
        assertTrue(peak.isPresent());
        assertTrue(peak.getAsLong() >= nowBytes, peak + " < " + nowBytes);
    }
}
