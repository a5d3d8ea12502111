package dev.jacreg.distributed;

import dev.jacreg.Torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the shim under test should have Gloo, known apart from the shim's own answer so that a build that lost it
 * fails the tests instead of passing them as a no-Gloo build: -Djacreg.test.gloo=true|false when given, else the record
 * the Makefile writes beside the shim (config.mk lists -DUSE_C10D_GLOO when it compiled Gloo in), else yes.
 */
final class ShimBuild {
    static final String PROPERTY = "jacreg.test.gloo";
    static final String BUILD_RECORD = "config.mk";

    private ShimBuild() {}

    static boolean expectsGloo() {
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) return Boolean.parseBoolean(given.strip());
        Path record = record();
        if (!Files.isRegularFile(record)) return true;
        try {
            return Files.readString(record).contains("-DUSE_C10D_GLOO");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the expectation came from, for failure messages. */
    static String describe() {
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) return "-D" + PROPERTY + "=" + given;
        Path record = record();
        return Files.isRegularFile(record) ? "build record " + record : "shim " + Torch.libraryPath() + ", no build record";
    }

    private static Path record() {
        return Torch.libraryPath().toAbsolutePath().resolveSibling(BUILD_RECORD);
    }
}
