package dev.jacreg.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 8.5: what a killed writer leaves behind is cleaned up (PngTest in core/cli: PNG output needs no ImageIO cache file). */
class AtomicFileStaleTest {
    @TempDir
    Path dir;

    @Test
    void aKilledWritersTemporaryIsRemovedByTheNextWrite() throws IOException {
        Path target = dir.resolve("report.md");
        Path stale = dir.resolve(".report.md." + UUID.randomUUID() + ".tmp");
        Path otherTarget = dir.resolve(".accuracy.csv." + UUID.randomUUID() + ".tmp");
        Path lookalike = dir.resolve(".report.md.notes.tmp");
        for (Path p : new Path[]{stale, otherTarget, lookalike}) Files.writeString(p, "half written");

        AtomicFile.writeString(target, "done");

        assertEquals("done", Files.readString(target));
        assertFalse(Files.exists(stale), "the stale temporary of this target must be gone");
        assertTrue(Files.exists(otherTarget), "another target's temporary is that writer's business");
        assertTrue(Files.exists(lookalike), "only .NAME.UUID.tmp names are jacreg's");
    }

    @Test
    void aTemporaryStillBeingWrittenIsLeftAlone() throws IOException {
        Path target = dir.resolve("weights.safetensors");
        Path live = dir.resolve(".weights.safetensors." + UUID.randomUUID() + ".tmp");
        try (FileChannel channel = FileChannel.open(live, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            AtomicFile.writeString(target, "other writer");
            assertTrue(Files.exists(live), "a locked temporary belongs to a live writer");
        }
    }
}
