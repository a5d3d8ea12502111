package dev.jacreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jacreg-core is the library only (issue 22): the application ({@code dev.jacreg.cli}, {@code .experiment},
 * {@code .report}) is the module core/cli, which depends on this one. That boundary already keeps every library class
 * off the application and its libraries (Maven allows no cycle, and javac does not see classes a module does not
 * depend on), so what is left to check is that the application does not come back: none of its packages among this
 * module's classes (the jar's content; {@code LibraryJarTest} in core/cli checks the packaged jar itself), and none of
 * its libraries (picocli, JFreeChart, JLine) among the library's dependencies, optional ones included, which is this
 * module's test class path.
 */
class LibraryLayeringTest {
    /** The application's packages, as jar entry prefixes. */
    static final List<String> APPLICATION = List.of("dev/jacreg/cli/", "dev/jacreg/experiment/", "dev/jacreg/report/");
    private static final List<String> APPLICATION_LIBRARIES = List.of("picocli-", "jfreechart-", "jline-");

    /** The entries of {@code entries} under an application package. */
    static List<String> applicationEntries(List<String> entries) {
        return entries.stream().filter(entry -> APPLICATION.stream().anyMatch(entry::startsWith)).toList();
    }

    @Test
    void theLibrarysClassesHoldNoApplicationPackage() {
        List<String> entries = CodeLocation.entries(CodeLocation.of(Tensor.class));
        assertTrue(entries.contains("dev/jacreg/train/Trainer.class"), "the library's classes were found: " + entries.size());
        assertEquals(List.of(), applicationEntries(entries));
    }

    @Test
    void theApplicationsLibrariesAreNotDependenciesOfTheLibrary() {
        List<String> jars = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).getFileName().toString()).toList();
        assertTrue(jars.stream().anyMatch(name -> name.startsWith("junit-jupiter-api-")), "the class path's jars were read: " + jars);
        assertEquals(List.of(), jars.stream().filter(name -> APPLICATION_LIBRARIES.stream().anyMatch(name::startsWith)).toList());
    }

    /** The check is not vacuous: an application class in a jar is found, and a library class is not taken for one. */
    @Test
    void anApplicationClassInAJarIsFound(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("jacreg-core.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("dev/jacreg/train/Trainer.class", "dev/jacreg/experiment/Experiment.class",
                    "dev/jacreg/reporting/Other.class")) {
                out.putNextEntry(new ZipEntry(name));
                out.write(new byte[]{1});
                out.closeEntry();
            }
        }
        assertEquals(List.of("dev/jacreg/experiment/Experiment.class"), applicationEntries(CodeLocation.entries(jar)));
    }
}
