package dev.jacreg;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * -Djacreg.batchNorm and -Djacreg.convCreateGraph are read once, when the library is first used: each case runs
 * {@link #main} in a fresh JVM, which prints the two settings it finds.
 */
class KernelPropertiesTest {
    public static void main(String[] args) {
        System.out.println("batchNormFused=" + Torch.batchNormFused() + " convCreateGraphNative=" + Torch.convCreateGraphNative());
    }

    /** Output and exit status of main in a JVM with these extra options. */
    private static String[] probe(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        String shim = System.getProperty("jacreg.native");
        if (shim != null && !shim.isBlank()) command.add("-Djacreg.native=" + shim);
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelPropertiesTest.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        return new String[]{out, String.valueOf(p.exitValue())};
    }

    @Test
    void defaultsAreTheShimKernels() throws Exception {
        String[] r = probe();
        assertTrue(r[0].contains("batchNormFused=true convCreateGraphNative=true"), r[0]);
    }

    @Test
    void propertiesSelectLibtorchsOps() throws Exception {
        String[] r = probe("-Djacreg.batchNorm=aten", "-Djacreg.convCreateGraph=aten");
        assertTrue(r[0].contains("batchNormFused=false convCreateGraphNative=false"), r[0]);
        r = probe("-Djacreg.batchNorm=fused", "-Djacreg.convCreateGraph=aten");
        assertTrue(r[0].contains("batchNormFused=true convCreateGraphNative=false"), r[0]);
    }

    @Test
    void anUnknownValueIsAClearError() throws Exception {
        String[] r = probe("-Djacreg.batchNorm=fast");
        assertNotEquals("0", r[1], r[0]);
        assertTrue(r[0].contains("-Djacreg.batchNorm must be 'fused' or 'aten', got 'fast'"), r[0]);
        r = probe("-Djacreg.convCreateGraph=onednn");
        assertNotEquals("0", r[1], r[0]);
        assertTrue(r[0].contains("-Djacreg.convCreateGraph must be 'native' or 'aten', got 'onednn'"), r[0]);
    }
}
