package dev.jacreg.distributed;

import dev.jacreg.cli.JacregCli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The jacreg command line run in this JVM, as the distributed tests use it. */
final class CliRun {
    private CliRun() {}

    /** The exit code; err[0] gets what the command printed to stderr. */
    static int run(String[] err, String... args) {
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        int code = JacregCli.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), errStream);
        err[0] = errBytes.toString(StandardCharsets.UTF_8);
        return code;
    }
}
