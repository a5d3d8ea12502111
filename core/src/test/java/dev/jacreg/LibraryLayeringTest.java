package dev.jacreg;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.jacreg.internal.LayeringViolationFixture;

/**
 * The library does not carry the application: the library packages (the root {@code dev.jacreg},
 * {@code nn}, {@code train}, {@code data}, {@code io}, {@code internal}, {@code bindings}, {@code distributed}, {@code optim})
 * depend on
 * neither the application packages ({@code cli}, {@code report}, {@code experiment}) nor the application's
 * optional dependencies (picocli, JFreeChart, JLine), in
 * any way ArchUnit sees in the bytecode: imports, fully qualified names, fields, signatures, calls,
 * annotations. Runs on the ArchUnit JUnit 5 engine over the main classes (tests excluded).
 */
@AnalyzeClasses(packages = "dev.jacreg", importOptions = ImportOption.DoNotIncludeTests.class)
class LibraryLayeringTest {
    static final String[] LIBRARY = {
        "dev.jacreg", "dev.jacreg.nn..", "dev.jacreg.train..", "dev.jacreg.data..", "dev.jacreg.io..",
        "dev.jacreg.internal..", "dev.jacreg.bindings..", "dev.jacreg.attack..", "dev.jacreg.distributed..", "dev.jacreg.optim.."
    };
    static final String[] APPLICATION = {"dev.jacreg.cli..", "dev.jacreg.report..", "dev.jacreg.experiment.."};

    @ArchTest
    static final ArchRule libraryDoesNotUseTheApplication = noClasses()
            .that().resideInAnyPackage(LIBRARY)
            .should().dependOnClassesThat().resideInAnyPackage(APPLICATION)
            .because("the library must be usable without the CLI, the report or the experiment (issue 10)");

    @ArchTest
    static final ArchRule libraryDoesNotUseTheOptionalDependencies = noClasses()
            .that().resideInAnyPackage(LIBRARY)
            .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.jfree..", "org.jline..")
            .because("picocli (command line), JFreeChart (report charts) and JLine (terminal width) are optional "
                    + "dependencies of jacreg-core: a project using the library does not get them");

    /** The rule is not vacuous: it sees the library's classes and flags a library class that uses the application. */
    @ArchTest
    static void ruleCatchesAViolation(JavaClasses mainClasses) {
        assertTrue(mainClasses.containPackage("dev.jacreg.train") && mainClasses.containPackage("dev.jacreg.experiment"),
                "the analysed classes include both sides");
        JavaClasses fixture = new ClassFileImporter().importClasses(LayeringViolationFixture.class);
        EvaluationResult result = libraryDoesNotUseTheApplication.evaluate(fixture);
        assertTrue(result.hasViolation(), "a library class using dev.jacreg.experiment must be reported");
        assertFalse(libraryDoesNotUseTheApplication.evaluate(mainClasses).hasViolation());
    }
}
