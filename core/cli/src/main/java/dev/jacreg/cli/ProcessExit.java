package dev.jacreg.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ends the process at once, for a signal that interrupts a run: flushes Java's standard streams and calls libc's
 * {@code _exit}, which skips the C and C++ exit handlers. {@code System.exit} and {@code Runtime.halt} end in libc's
 * {@code exit}, which runs libtorch's static destructors (its thread pools' {@code pthreadpool_destroy}) while a
 * training thread may still be inside a libtorch operator that uses them: with many intra-op threads that crashed
 * the JVM (SIGSEGV, an hs_err file) instead of exiting. The run's own cleanup is done before this is called; there
 * is nothing native left worth tearing down, the kernel frees it all.
 */
final class ProcessExit {
    private static final MethodHandle UNDERSCORE_EXIT = underscoreExit();

    private ProcessExit() {}

    /** Never returns. */
    static void now(int code) {
        System.out.flush();
        System.err.flush();
        if (UNDERSCORE_EXIT != null) {
            removePerfDataFile();
            try {
                UNDERSCORE_EXIT.invokeExact(code);
            } catch (Throwable e) {
                // fall back to the JVM's own exit below
            }
        }
        Runtime.getRuntime().halt(code);
    }

    private static MethodHandle underscoreExit() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("_exit")
                    .map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;  // e.g. native access not enabled: Runtime.halt still ends the process
        }
    }

    /** The JVM deletes its /tmp/hsperfdata_USER/PID file in its own exit, which _exit skips. */
    private static void removePerfDataFile() {
        try {
            Files.deleteIfExists(Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"),
                    Long.toString(ProcessHandle.current().pid())));
        } catch (Exception e) {
            // best effort: the next JVM removes stale ones
        }
    }
}
