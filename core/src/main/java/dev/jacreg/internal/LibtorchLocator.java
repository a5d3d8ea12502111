package dev.jacreg.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Loads the shim together with the libtorch it links to. The shim names libtorch by soname only
 * ({@code libtorch.so.1.13}, ...); loading those libraries first, by full path, makes the dynamic
 * linker reuse them for the shim. Order: {@code -Djacreg.libtorch=DIR}, then env {@code LIBTORCH}
 * (either one is an explicit choice and is used alone); otherwise the shim is loaded as it is (its run
 * path, the libtorch it was built against, and the system's library path), and when that fails, the
 * run path folders and Debian's {@code /usr/lib/x86_64-linux-gnu} are tried one by one. A failure lists
 * every place looked at and what to install.
 */
final class LibtorchLocator {
    static final Path DEBIAN = Path.of("/usr/lib/x86_64-linux-gnu");
    /** Loaded before the shim, dependencies first; CUDA ones only where the folder has them. */
    private static final List<String> LIBRARIES = List.of("libc10", "libc10_cuda", "libtorch_cpu", "libtorch_cuda", "libtorch");
    private static final List<String> REQUIRED = List.of("libc10", "libtorch_cpu", "libtorch");

    /** A folder that may hold libtorch, and why it is searched. */
    record Place(String source, Path dir) {}

    private final String property;
    private final String environment;
    private final Path debian;
    private final Consumer<String> loader;

    /**
     * @param property    -Djacreg.libtorch, or null
     * @param environment env LIBTORCH, or null
     * @param debian      Debian's library folder
     * @param loader      loads one library by absolute path, throwing {@link UnsatisfiedLinkError} ({@code System::load})
     */
    LibtorchLocator(String property, String environment, Path debian, Consumer<String> loader) {
        this.property = blankToNull(property);
        this.environment = blankToNull(environment);
        this.debian = debian;
        this.loader = loader;
    }

    static LibtorchLocator fromSystem() {
        return new LibtorchLocator(System.getProperty("jacreg.libtorch"), System.getenv("LIBTORCH"), DEBIAN, System::load);
    }

    /** Loads libtorch (where needed) and the shim, or throws an exception that lists every place looked at. */
    void load(Path shim) {
        ElfDynamic elf = ElfDynamic.read(shim);
        List<String> report = new ArrayList<>();
        String explicit = property != null ? property : environment;
        if (explicit != null) {
            // An explicit choice must not silently fall back to another libtorch.
            Place place = new Place(property != null ? "-Djacreg.libtorch" : "LIBTORCH", Path.of(explicit));
            report.add(place.source() + " = " + place.dir() + ": " + tryPlace(place, shim, elf));
            if (report.getLast().endsWith(": loaded")) return;
            throw failure(shim, elf, report);
        }
        report.add("-Djacreg.libtorch: not set");
        report.add("LIBTORCH: not set");
        try {
            loader.accept(shim.toString());
            return;
        } catch (UnsatisfiedLinkError e) {
            report.add("the shim's own run path and the system library path: " + e.getMessage());
        }
        for (Place place : fallbackPlaces(elf)) {
            String outcome = tryPlace(place, shim, elf);
            report.add(place.dir() + " (" + place.source() + "): " + outcome);
            if (outcome.equals("loaded")) return;
        }
        throw failure(shim, elf, report);
    }

    /** The run path folders of the shim, then Debian's folder, without repeats. */
    List<Place> fallbackPlaces(ElfDynamic elf) {
        List<Place> places = new ArrayList<>();
        for (Path dir : elf.runpath()) places.add(new Place("the shim's run path, where it was built against libtorch", dir));
        if (places.stream().noneMatch(p -> p.dir().equals(debian))) places.add(new Place("Debian's libtorch-dev", debian));
        return places;
    }

    /** "loaded", or why this place did not work. */
    private String tryPlace(Place place, Path shim, ElfDynamic elf) {
        Path dir = libraryDir(place.dir());
        List<Path> libraries = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : LIBRARIES) {
            Path file = find(dir, name, elf.needed());
            if (file != null) libraries.add(file);
            else if (REQUIRED.contains(name)) missing.add(name + ".so");
        }
        if (!missing.isEmpty()) {
            return Files.isDirectory(dir) ? "no " + String.join(", ", missing) + " in " + dir : "no such folder";
        }
        try {
            for (Path library : libraries) loader.accept(library.toString());
            loader.accept(shim.toString());
            return "loaded";
        } catch (UnsatisfiedLinkError e) {
            return "found libtorch but loading failed: " + e.getMessage();
        }
    }

    /** DIR/lib for a libtorch distribution or a pip torch/ folder, DIR itself for a plain library folder. */
    static Path libraryDir(Path dir) {
        Path lib = dir.resolve("lib");
        return Files.isDirectory(lib) && find(lib, "libtorch", List.of()) != null ? lib : dir;
    }

    /** The exact soname the shim needs when the folder has it, else NAME.so, else any NAME.so.VERSION. */
    private static Path find(Path dir, String name, List<String> needed) {
        for (String soname : needed) {
            if (soname.startsWith(name + ".so") && Files.isRegularFile(dir.resolve(soname))) return dir.resolve(soname);
        }
        Path plain = dir.resolve(name + ".so");
        if (Files.isRegularFile(plain)) return plain;
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(name + ".so.")).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static IllegalStateException failure(Path shim, ElfDynamic elf, List<String> report) {
        String wants = elf.needed().stream().filter(n -> n.startsWith("libtorch") || n.startsWith("libc10")).toList().toString();
        StringBuilder message = new StringBuilder("jacreg could not load its native library ").append(shim);
        message.append(" with libtorch");
        if (!elf.needed().isEmpty()) message.append(" (it needs ").append(wants).append(')');
        message.append(". Looked for libtorch in:");
        for (String line : report) message.append("\n  - ").append(line);
        message.append("\nInstall libtorch: on Debian/Ubuntu 'sudo apt-get install libtorch-dev' (the libtorch jacreg's jar is built")
                .append(" against), or unpack a libtorch distribution from pytorch.org (or use pip's torch/ folder) and pass")
                .append(" -Djacreg.libtorch=DIR or set LIBTORCH=DIR. A shim built against another libtorch version needs")
                .append(" rebuilding: 'make native LIBTORCH=DIR', then -Djacreg.native=native/build/libjacreg.so.");
        return new IllegalStateException(message.toString());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
