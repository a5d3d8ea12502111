package dev.jacreg.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Copies the shim that jacreg-core's jar carries ({@code native/<platform>/libjacreg.so}) to a per-user
 * cache folder keyed by its SHA-256, {@code <cache>/<sha256>/libjacreg.so}, because the dynamic linker
 * can only load a file. A copy that is already there with the right content is reused; one with other
 * content (truncated, corrupt) is replaced. The file is written to a temporary name in the same folder
 * and renamed over the target, so a JVM never sees a half-written library, even when several JVMs (or
 * threads) extract at once: each rename installs complete, identical bytes.
 */
public final class NativeExtractor {
    private NativeExtractor() {}

    /** The jar resource holding this platform's shim, e.g. {@code native/linux-x86_64/libjacreg.so}. */
    public static String resourceName() {
        return "native/" + platform() + "/" + NativeLibrary.LIBRARY_FILE;
    }

    /** {@code linux-x86_64}, {@code linux-aarch64}, ...: the folder name the build uses for this OS and CPU. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macos" : os.replace(' ', '_');
        String archName = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return osName + "-" + archName;
    }

    /** $XDG_CACHE_HOME/jacreg/native, else ~/.cache/jacreg/native (as the data cache). */
    public static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jacreg").resolve("native");
    }

    /** Reads the resource and extracts it under {@code cacheRoot}; null when the class path has no such resource. */
    static Path extractResource(ClassLoader loader, String resource, Path cacheRoot) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) return null;
            return extract(in.readAllBytes(), cacheRoot);
        }
    }

    /**
     * Makes sure {@code cacheRoot/<sha256 of library>/libjacreg.so} holds exactly {@code library} and returns
     * that path.
     */
    public static Path extract(byte[] library, Path cacheRoot) throws IOException {
        String hash = sha256(library);
        Path dir = cacheRoot.resolve(hash);
        Path target = dir.resolve(NativeLibrary.LIBRARY_FILE);
        if (holds(target, library.length, hash)) return target;
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, NativeLibrary.LIBRARY_FILE + ".", ".tmp");
        try {
            Files.write(temporary, library);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);  // same folder: rename anyway
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        return target;
    }

    /** True when {@code file} exists with the expected size and content. */
    private static boolean holds(Path file, long size, String hash) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != size) return false;
        return sha256(Files.readAllBytes(file)).equals(hash);  // the shim is small (~200 KB): hashing is cheap
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);  // every JDK must provide it
        }
    }
}
