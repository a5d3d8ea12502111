package dev.jacreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.cli.JacregCli;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library as the application gets it holds none of the application (issue 22: "jacreg-core's jar contains no CLI
 * classes"). In a build that packages (make build, make test) that is the jacreg-core jar itself; with
 * {@code mvn test} alone, core's target/classes, the jar's content. Entries are matched by {@link LibraryLayeringTest}.
 */
class LibraryJarTest {
    @Test
    void theLibraryHoldsNoApplicationClassAndTheApplicationComesFromElsewhere() {
        Path library = CodeLocation.of(Tensor.class);
        Path application = CodeLocation.of(JacregCli.class);
        assertNotEquals(library, application);
        List<String> libraryEntries = CodeLocation.entries(library);
        assertTrue(libraryEntries.contains("dev/jacreg/train/Trainer.class"), library + " holds the library");
        assertEquals(List.of(), LibraryLayeringTest.applicationEntries(libraryEntries), library.toString());
        assertTrue(CodeLocation.entries(application).contains("dev/jacreg/cli/JacregCli.class"), application + " holds the CLI");
    }
}
