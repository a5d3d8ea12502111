package dev.jacreg.internal;

import dev.jacreg.bindings.jacreg_h;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads the shim (libjacreg.so) once. The generated bindings look symbols up through the
 * class loader, so loading it here, before any binding is touched, is what makes them work wherever
 * the library lives. Order: -Djacreg.native, env JACREG_NATIVE, then next to the jar/classes and the
 * project's native/build folder above them.
 */
public final class NativeLibrary {
    public static final String LIBRARY_FILE = "libjacreg.so";
    private static volatile Path loaded;

    private NativeLibrary() {}

    public static Path ensureLoaded() {
        Path path = loaded;
        if (path != null) return path;
        synchronized (NativeLibrary.class) {
            if (loaded == null) loaded = load();
            return loaded;
        }
    }

    private static Path load() {
        List<Path> tried = candidates();
        for (Path candidate : tried) {
            if (Files.isRegularFile(candidate)) {
                try {
                    System.load(candidate.toAbsolutePath().toString());
                } catch (UnsatisfiedLinkError e) {
                    throw new IllegalStateException("could not load the jacreg shim " + candidate + ": " + e.getMessage()
                            + " (was it built against a libtorch that has since moved? rebuild with 'make native')", e);
                }
                checkAbi(candidate);
                return candidate;
            }
        }
        throw new IllegalStateException("jacreg's native library " + LIBRARY_FILE + " was not found; tried " + tried
                + ". Build it with 'make native' or point -Djacreg.native=/path/to/" + LIBRARY_FILE + " at it.");
    }

    private static void checkAbi(Path path) {
        int expected = jacreg_h.JR_ABI_VERSION();
        int actual = jacreg_h.jr_abi_version();
        if (expected != actual) {
            throw new IllegalStateException("the shim " + path + " has ABI version " + actual
                    + " but these bindings expect " + expected + "; rebuild it with 'make native'");
        }
    }

    private static List<Path> candidates() {
        List<Path> paths = new ArrayList<>();
        String property = System.getProperty("jacreg.native");
        if (property != null && !property.isBlank()) {
            paths.add(Path.of(property));
            return paths;  // an explicit choice must not silently fall back to another library
        }
        String env = System.getenv("JACREG_NATIVE");
        if (env != null && !env.isBlank()) {
            paths.add(Path.of(env));
            return paths;
        }
        Path codeLocation = codeLocation();
        if (codeLocation != null) {
            Path dir = Files.isDirectory(codeLocation) ? codeLocation : codeLocation.getParent();
            for (int up = 0; dir != null && up < 5; up++, dir = dir.getParent()) {
                paths.add(dir.resolve(LIBRARY_FILE));
                paths.add(dir.resolve("native").resolve("build").resolve(LIBRARY_FILE));
            }
        }
        paths.add(Path.of("native", "build", LIBRARY_FILE).toAbsolutePath());
        return paths;
    }

    private static Path codeLocation() {
        try {
            var source = NativeLibrary.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
