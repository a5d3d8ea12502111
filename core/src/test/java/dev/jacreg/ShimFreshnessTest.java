package dev.jacreg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The shim under test is built from the native sources beside it, and a stale one is told apart by make's rule. */
class ShimFreshnessTest {
    @Test
    void theLoadedShimIsNotOlderThanItsSources() {
        ShimFreshness.assertFresh();
    }

    @Test
    void aSourceChangedAfterTheShimMakesItStale(@TempDir Path project) throws IOException {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Path source = touch(project.resolve("native/src/distributed.cpp"), t0);
        Path header = touch(project.resolve("native/include/jacreg.h"), t0);
        Path shim = touch(project.resolve("native/build/libjacreg.so"), t0);
        assertEquals(Optional.empty(), ShimFreshness.staleness(shim, project), "built in the same instant");

        touch(shim, t0.plusSeconds(10));
        assertEquals(Optional.empty(), ShimFreshness.staleness(shim, project), "built after every source");

        touch(header, t0.plusSeconds(20));  // e.g. a merge rewrote it
        String why = ShimFreshness.staleness(shim, project).orElseThrow();
        assertTrue(why.startsWith("the shim " + shim + " (built 2026-01-01T00:00:10Z) is older than native/include/jacreg.h "
                + "(changed 2026-01-01T00:00:20Z)"), why);
        assertTrue(why.endsWith("run 'make native'"), why);

        touch(source, t0.plusSeconds(30));  // the newest one is named
        assertTrue(ShimFreshness.staleness(shim, project).orElseThrow().contains("older than native/src/distributed.cpp"));
    }

    private static Path touch(Path file, Instant time) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) Files.writeString(file, file.getFileName().toString());
        Files.setLastModifiedTime(file, FileTime.from(time));
        return file;
    }
}
