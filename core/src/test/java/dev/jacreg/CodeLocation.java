package dev.jacreg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * Where a class was loaded from (a jar, or a module's target/classes folder) and the entries found there, as
 * slash-separated paths ({@code dev/jacreg/train/Trainer.class}), for the tests that check what jacreg-core carries.
 */
public final class CodeLocation {
    private CodeLocation() {}

    /** The jar or folder {@code type} was loaded from. */
    public static Path of(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file in a jar or under a folder, as a path relative to its root with '/' between names. */
    public static List<String> entries(Path location) {
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    return files.filter(Files::isRegularFile)
                            .map(file -> location.relativize(file).toString().replace(location.getFileSystem().getSeparator(), "/"))
                            .sorted().toList();
                }
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                return jar.stream().filter(entry -> !entry.isDirectory()).map(ZipEntry::getName).sorted().toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
