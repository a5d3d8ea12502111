package dev.jacreg.internal;

import dev.jacreg.bindings.jacreg_h;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads the shim (libjacreg.so) once. The generated bindings look symbols up through the
 * class loader, so loading it here, before any binding is touched, is what makes them work wherever
 * the library lives. Order: -Djacreg.native, env JACREG_NATIVE (either wins alone), then the shim the
 * jar carries for this platform (extracted by {@link NativeExtractor}), then next to the jar/classes and
 * the project's native/build folder above them. {@link LibtorchLocator} finds the libtorch it needs.
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
        List<String> tried = new ArrayList<>();
        Path shim = locate(tried);
        if (shim == null) {
            throw new IllegalStateException("jacreg's native library " + LIBRARY_FILE + " was not found; tried " + tried
                    + ". Use a jacreg-core jar built with its shim ('make build'), build it with 'make native', or point"
                    + " -Djacreg.native=/path/to/" + LIBRARY_FILE + " at it.");
        }
        LibtorchLocator.fromSystem().load(shim.toAbsolutePath());
        checkAbi(shim);
        return shim;
    }

    /** The first candidate that exists, or null; each one looked at is described in {@code tried}. */
    private static Path locate(List<String> tried) {
        String explicit = explicitChoice();
        if (explicit != null) {
            // An explicit choice must not silently fall back to another library.
            tried.add(explicit);
            return Files.isRegularFile(Path.of(explicit)) ? Path.of(explicit) : null;
        }
        Path embedded = embedded(tried);
        if (embedded != null) return embedded;
        for (Path candidate : nearby()) {
            tried.add(candidate.toString());
            if (Files.isRegularFile(candidate)) return candidate;
        }
        return null;
    }

    private static String explicitChoice() {
        String property = System.getProperty("jacreg.native");
        if (property != null && !property.isBlank()) return property;
        String env = System.getenv("JACREG_NATIVE");
        return env != null && !env.isBlank() ? env : null;
    }

    /** The jar's own shim, extracted to the per-user cache (or, if that is not writable, the temp folder). */
    private static Path embedded(List<String> tried) {
        String resource = NativeExtractor.resourceName();
        ClassLoader loader = NativeLibrary.class.getClassLoader();
        if (loader.getResource(resource) == null) {
            tried.add("class path resource " + resource + " (absent)");
            return null;
        }
        List<Path> roots = List.of(NativeExtractor.defaultCacheRoot(),
                Path.of(System.getProperty("java.io.tmpdir"), "jacreg-" + System.getProperty("user.name"), "native"));
        IOException last = null;
        for (Path root : roots) {
            try {
                return NativeExtractor.extractResource(loader, resource, root);
            } catch (IOException e) {
                last = e;
                tried.add("class path resource " + resource + " extracted to " + root + " (" + e + ")");
            }
        }
        throw new IllegalStateException("could not extract jacreg's native library " + resource + " from the jar to any of "
                + roots + ": " + last, last);
    }

    private static void checkAbi(Path path) {
        int expected = jacreg_h.JR_ABI_VERSION();
        int actual = jacreg_h.jr_abi_version();
        if (expected != actual) {
            throw new IllegalStateException("the shim " + path + " has ABI version " + actual
                    + " but these bindings expect " + expected + "; rebuild it with 'make native'");
        }
    }

    /** Next to the jar or classes folder, and native/build in it or up to four folders above (a source checkout). */
    private static List<Path> nearby() {
        List<Path> paths = new ArrayList<>();
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
