package dev.jacreg.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.Torch;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a fresh JVM with no -Djacreg.native / JACREG_NATIVE, the shim that the build put on the class path
 * ({@code native/linux-x86_64/libjacreg.so}, as in the jar) is extracted to the per-user cache and loaded; and
 * with libtorch pointed somewhere empty, the JVM stops with the message that lists where it looked.
 */
class EmbeddedShimTest {
    @TempDir
    Path dir;

    /** The child JVM's program: prints the loaded shim's path. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println(Torch.libraryPath());
        }
    }

    private record Result(int code, String out, String err) {}

    private Result runProbe(Path cacheHome, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("JACREG_NATIVE");
        builder.environment().remove("LIBTORCH");
        builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        Path err = dir.resolve("stderr.txt");
        Process p = builder.redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return new Result(p.waitFor(), out, Files.readString(err));
    }

    private static byte[] embeddedShim() throws Exception {
        try (InputStream in = EmbeddedShimTest.class.getClassLoader().getResourceAsStream(NativeExtractor.resourceName())) {
            assertNotNull(in, NativeExtractor.resourceName() + " is not on the class path: core/pom.xml should copy"
                    + " native/build/libjacreg.so there");
            return in.readAllBytes();
        }
    }

    @Test
    void aFreshJvmLoadsTheEmbeddedShimFromTheCacheAndReusesIt() throws Exception {
        byte[] shim = embeddedShim();
        Path cacheHome = dir.resolve("cache");
        Path expected = cacheHome.resolve("jacreg").resolve("native").resolve(NativeExtractor.sha256(shim)).resolve("libjacreg.so");

        Result first = runProbe(cacheHome);
        assertEquals(0, first.code(), first.err());
        assertEquals(expected.toString(), first.out());
        assertArrayEquals(shim, Files.readAllBytes(expected));

        Result second = runProbe(cacheHome);
        assertEquals(0, second.code(), second.err());
        assertEquals(expected.toString(), second.out());
    }

    @Test
    void anUnusableLibtorchStopsTheJvmWithEveryPlaceLookedAt() throws Exception {
        embeddedShim();
        Path nowhere = dir.resolve("no-libtorch");
        Result r = runProbe(dir.resolve("cache"), "-Djacreg.libtorch=" + nowhere);
        assertNotEquals(0, r.code());
        for (String expected : List.of("IllegalStateException", "Looked for libtorch in:",
                "-Djacreg.libtorch = " + nowhere + ": no such folder", "(it needs [libtorch", "apt-get install libtorch-dev")) {
            assertTrue(r.err().contains(expected), () -> "missing '" + expected + "' in:\n" + r.err());
        }
    }
}
