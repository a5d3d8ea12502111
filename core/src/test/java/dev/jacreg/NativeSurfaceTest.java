package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three layers agree: every function jacreg.h declares (itself or through the op table jacreg_ops.def) has a
 * generated binding and resolves in the built library, every op of the table has its generated Java method, and
 * every function the shim exports runs inside the exception guard.
 */
class NativeSurfaceTest {
    static final Path PROJECT = Path.of(System.getProperty("jacreg.project", "..")).toAbsolutePath().normalize();
    static final Pattern DECLARATION = Pattern.compile("^[A-Za-z_][\\w \\*]*?\\b(jr_\\w+)\\s*\\(", Pattern.MULTILINE);

    /** One line of the op table: JR_OPn(name, ...), JR_INPLACEn(name, ...) or JR_QUERYn(name, ...). */
    static final Pattern TABLE_ENTRY = Pattern.compile("^JR_(?:OP|INPLACE|QUERY)\\d\\((jr_\\w+),", Pattern.MULTILINE);

    /** What jacreg.h declares: its own declarations plus those it expands from the op table. */
    static List<String> headerFunctions() throws IOException {
        List<String> names = new ArrayList<>();
        for (String file : List.of("jacreg.h", "jacreg_distributed.h")) {  // jacreg.h includes the second
            Matcher m = DECLARATION.matcher(Files.readString(PROJECT.resolve("native/include/" + file)));
            while (m.find()) names.add(m.group(1));
        }
        names.addAll(tableFunctions());
        return names;
    }

    static List<String> tableFunctions() throws IOException {
        String table = Files.readString(PROJECT.resolve("native/include/jacreg_ops.def"));
        List<String> names = new ArrayList<>();
        Matcher m = TABLE_ENTRY.matcher(table);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test
    void everyTableOpHasAGeneratedJavaMethod() throws IOException {
        List<String> table = tableFunctions();
        assertTrue(table.contains("jr_nn_max_pool2d") && table.contains("jr_tensor_add_"), "parsed " + table);
        String ops = Files.readString(PROJECT.resolve("core/src/main/java/dev/jacreg/Ops.java"));
        for (String function : table) {
            assertTrue(ops.contains("jacreg_h." + function + "("), function + " has no method in Ops.java: run 'make bindings'");
        }
    }

    @Test
    void everyHeaderFunctionHasABindingAndResolves() throws IOException {
        List<String> functions = headerFunctions();
        assertTrue(functions.size() > 60, "parsed only " + functions.size() + " declarations");
        Set<String> bound = Stream.of(jacreg_h.class.getMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toSet());
        Path library = Torch.libraryPath();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lookup = SymbolLookup.libraryLookup(library, arena);
            for (String function : functions) {
                assertTrue(bound.contains(function), function + " has no binding: run 'make bindings'");
                assertTrue(lookup.find(function).isPresent(), function + " is not exported by " + library);
            }
        }
    }

    /** Functions that cannot throw: they return a constant or read an atomic counter. */
    static final Set<String> TRIVIAL = Set.of("jr_abi_version", "jr_noop", "jr_live_tensors");

    @Test
    void everyExportedBodyUsesTheGuard() throws IOException {
        List<String> unguarded = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.list(PROJECT.resolve("native/src"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".cpp")).toList()) {
                String source = Files.readString(file);
                // Macro-generated definitions: the macro body itself must use the guard.
                Matcher macro = Pattern.compile("#define (JR_\\w+)\\(name, expr\\)([^#]*)").matcher(source);
                Set<String> guardedMacros = new java.util.HashSet<>();
                while (macro.find()) {
                    if (macro.group(2).contains("JR_TRY") && macro.group(2).contains("JR_CATCH")) guardedMacros.add(macro.group(1));
                }
                Matcher use = Pattern.compile("^(JR_\\w+)\\((jr_\\w+),", Pattern.MULTILINE).matcher(source);
                while (use.find()) {
                    checked++;
                    if (!guardedMacros.contains(use.group(1))) unguarded.add(use.group(2) + " (macro " + use.group(1) + ")");
                }
                // The op table's bodies: a file that expands jacreg_ops.def must guard every expansion macro.
                if (source.contains("#include \"jacreg_ops.def\"")) {
                    Matcher expansion = Pattern.compile("#define (JR_(?:OP|INPLACE|QUERY)\\d)\\(fn,([\\s\\S]*?)(?=\n#)").matcher(source);
                    Set<String> guarded = new java.util.HashSet<>();
                    Set<String> defined = new java.util.HashSet<>();
                    while (expansion.find()) {
                        defined.add(expansion.group(1));
                        if (expansion.group(2).contains("JR_TRY") && expansion.group(2).contains("JR_CATCH")) guarded.add(expansion.group(1));
                    }
                    Matcher entry = Pattern.compile("^(JR_(?:OP|INPLACE|QUERY)\\d)\\((jr_\\w+),", Pattern.MULTILINE)
                            .matcher(Files.readString(PROJECT.resolve("native/include/jacreg_ops.def")));
                    while (entry.find()) {
                        checked++;
                        if (!defined.contains(entry.group(1)) || !guarded.contains(entry.group(1))) {
                            unguarded.add(entry.group(2) + " (table macro " + entry.group(1) + ")");
                        }
                    }
                }
                // Hand-written definitions: body from '{' to the next definition must hold JR_TRY and JR_CATCH.
                String[] parts = source.split("\nJR_API ");
                for (int i = 1; i < parts.length; i++) {
                    Matcher name = Pattern.compile("(jr_\\w+)\\s*\\(").matcher(parts[i]);
                    assertTrue(name.find());
                    checked++;
                    String body = parts[i];
                    if (TRIVIAL.contains(name.group(1))) continue;
                    if (!body.contains("JR_TRY") || !body.contains("JR_CATCH")) unguarded.add(name.group(1));
                }
            }
        }
        assertTrue(checked >= headerFunctions().size(), "checked " + checked + " definitions");
        assertEquals(List.of(), unguarded, "exported functions without JR_TRY/JR_CATCH");
    }
}
