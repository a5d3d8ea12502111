package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.jacreg.train.PenaltyReference;
import org.junit.jupiter.api.Test;

/** Reads the float64 reference written by bench/baselines/python/make_reference.py (Python's safetensors layout). */
class SafeTensorsReferenceTest {
    static Path reference() throws IOException {
        return PenaltyReference.path();
    }

    @Test
    void readsPythonWrittenFile() throws IOException {
        Path ref = reference();
        SafeTensorsFile file = SafeTensors.read(ref);

        assertArrayEquals(new long[] {4, 1, 28, 28}, file.require("input.x", SafeTensorsDType.F64, 4, 1, 28, 28).shape());
        assertArrayEquals(new long[] {10, 11520}, file.get("param.fc.weight").shape());
        assertEquals(SafeTensorsDType.F64, file.get("param.fc.weight").dtype());
        SafeTensorsEntry ce = file.require("expected.cross_entropy", SafeTensorsDType.F64);
        assertEquals(0, ce.rank());
        double[] ceValue = ce.toDoubleArray();
        assertEquals(1, ceValue.length);
        assertTrue(ceValue[0] > 0, "cross entropy should be positive: " + ceValue[0]);
        assertArrayEquals(new long[] {20, 1, 5, 5}, file.get("param.conv1.weight").shape());
        assertTrue(file.metadata().containsKey("description"), file.metadata().toString());

        long total = 0;
        for (SafeTensorsEntry e : file.tensors().values()) {
            assertEquals(SafeTensorsDType.F64, e.dtype(), e.name());
            double[] v = e.toDoubleArray();
            assertEquals(e.numel(), v.length, e.name());
            for (double d : v) {
                assertTrue(Double.isFinite(d), e.name() + " has a non-finite value");
            }
            total += e.byteSize();
        }
        assertEquals(Files.size(ref), total + 8 + headerLength(ref));

        // one-hot targets: each row sums to 1
        double[] t = file.require("input.targets_onehot", SafeTensorsDType.F64, 4, 10).toDoubleArray();
        for (int r = 0; r < 4; r++) {
            double s = 0;
            for (int c = 0; c < 10; c++) {
                s += t[r * 10 + c];
            }
            assertEquals(1.0, s, 1e-12);
        }
    }

    private static long headerLength(Path p) throws IOException {
        byte[] b = new byte[8];
        try (var in = Files.newInputStream(p)) {
            assertEquals(8, in.readNBytes(b, 0, 8));
        }
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (b[i] & 0xff);
        }
        return n;
    }
}
