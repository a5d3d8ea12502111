package dev.jacreg.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Against a second source: the kernel's resident page count in /proc/self/statm (no ps: a minimal Debian lacks it). */
    @Test
    void thisProcessPeakIsAtLeastWhatItHoldsNow() throws Exception {
        String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        long pageBytes = 4096;  // x86-64 Linux, the only platform the shim is built for
        long nowBytes = Long.parseLong(statm[1]) * pageBytes;  // read first: the peak can only have grown since
        OptionalLong peak = PeakMemory.residentBytes();
        assertTrue(peak.isPresent());
        assertTrue(peak.getAsLong() >= nowBytes, peak + " < " + nowBytes);
        assertTrue(nowBytes > 10L << 20, "a JVM holds more than 10 MiB: " + nowBytes);
    }
}
