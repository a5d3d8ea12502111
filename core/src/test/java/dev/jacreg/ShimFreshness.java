package dev.jacreg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether the shim under test was built from this checkout's native sources, by make's own rule: it is stale when a
 * file it is built from (native/src, native/include) changed after it, as after merging a branch that changed them
 * without running `make native`. Tests of native behaviour would then fail with the old code's symptoms (the
 * world-size check of an earlier protocol, say) instead of naming the cause.
 */
public final class ShimFreshness {
    static final Path PROJECT = Path.of(System.getProperty("jacreg.project", "..")).toAbsolutePath().normalize();
    static final List<String> SOURCE_FOLDERS = List.of("native/src", "native/include");

    private ShimFreshness() {}

    /**
     * Why the loaded shim is older than its sources ("... run 'make native'"), or empty when it is not, or when the
     * shim loaded is not this checkout's build (-Djacreg.native naming another), which has no sources here.
     */
    public static Optional<String> staleness() {
        Path shim = Torch.libraryPath().toAbsolutePath().normalize();
        if (!shim.equals(PROJECT.resolve("native/build/libjacreg.so"))) return Optional.empty();
        return staleness(shim, PROJECT);
    }

    /** Why shim is older than the newest file of project's native sources, or empty when it is not. */
    static Optional<String> staleness(Path shim, Path project) {
        try {
            List<Path> sources = new ArrayList<>();
            for (String folder : SOURCE_FOLDERS) {
                try (Stream<Path> files = Files.walk(project.resolve(folder))) {
                    files.filter(Files::isRegularFile).forEach(sources::add);
                }
            }
            Optional<Path> newest = sources.stream().max(Comparator.comparing(ShimFreshness::modified));
            FileTime built = Files.getLastModifiedTime(shim);
            if (newest.isEmpty() || modified(newest.get()).compareTo(built) <= 0) return Optional.empty();
            return Optional.of("the shim " + shim + " (built " + built + ") is older than " + project.relativize(newest.get())
                    + " (changed " + modified(newest.get()) + "): run 'make native'");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails (as an AssertionError naming the cause) when {@link #staleness()} finds the loaded shim stale. */
    public static void assertFresh() {
        staleness().ifPresent(why -> {
            throw new AssertionError(why);
        });
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
