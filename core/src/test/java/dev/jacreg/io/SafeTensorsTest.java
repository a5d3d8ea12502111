package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsValuesOrderAndMetadata() throws IOException {
        float[] f = {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0f};
        double[] d = {Math.PI, -1e300, Double.MIN_NORMAL};
        long[] l = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "quotes \" backslash \\ newline \n tab \t unicode λ ✓ 🙂 ctrl \u0001");
        List<SafeTensorsEntry> entries = List.of(
                SafeTensorsEntry.of("z.weight", f, 2, 3),
                SafeTensorsEntry.of("a.bias", d, 3),
                SafeTensorsEntry.of("m.index", l, 2, 2),
                SafeTensorsEntry.of("scalar", new double[] {42.0}),
                SafeTensorsEntry.of("empty", new float[0], 0, 4),
                SafeTensorsEntry.of("ints", new int[] {1, -2, 3}, 3),
                SafeTensorsEntry.of("naïve \"name\"", new float[] {7f}, 1));
        Path p = dir.resolve("model.safetensors");
        SafeTensors.write(p, entries, meta);

        SafeTensorsFile file = SafeTensors.read(p);
        assertEquals(List.of("z.weight", "a.bias", "m.index", "scalar", "empty", "ints", "naïve \"name\""),
                List.copyOf(file.tensors().keySet()));
        assertEquals(meta, file.metadata());
        assertArrayEquals(f, file.get("z.weight").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, file.get("z.weight").shape());
        assertArrayEquals(d, file.get("a.bias").toDoubleArray());
        assertArrayEquals(l, file.get("m.index").toLongArray());
        assertArrayEquals(new long[0], file.get("scalar").shape());
        assertEquals(1, file.get("scalar").numel());
        assertArrayEquals(new double[] {42.0}, file.get("scalar").toDoubleArray());
        assertEquals(0, file.get("empty").numel());
        assertArrayEquals(new int[] {1, -2, 3}, file.get("ints").toIntArray());
        for (SafeTensorsEntry e : entries) {
            assertEquals(e, file.get(e.name()));
        }
        assertEquals(SafeTensorsDType.I64, file.require("m.index", SafeTensorsDType.I64, 2, 2).dtype());

        // data section starts 8-byte aligned
        byte[] bytes = Files.readAllBytes(p);
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (bytes[i] & 0xff);
        }
        assertEquals(0, (8 + n) % 8);
    }

    @Test
    void roundTripWithoutMetadata() throws IOException {
        Path p = dir.resolve("plain.safetensors");
        SafeTensors.write(p, List.of(SafeTensorsEntry.of("x", new double[] {1, 2}, 2)));
        SafeTensorsFile file = SafeTensors.read(p);
        assertTrue(file.metadata().isEmpty());
        assertFalse(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("__metadata__"));
        assertArrayEquals(new double[] {1, 2}, file.get("x").toDoubleArray());
        SafeTensors.write(p, List.of(), null);
        assertTrue(SafeTensors.read(p).tensors().isEmpty());
    }

    @Test
    void writtenBytesMatchTheSpecByteForByte() throws IOException {
        Path p = dir.resolve("exact.safetensors");
        SafeTensors.write(p, List.of(
                SafeTensorsEntry.of("w", new float[] {1.0f, -2.5f}, 2),
                SafeTensorsEntry.of("step", new long[] {258}),
                SafeTensorsEntry.of("b", new double[] {0.5}, 1, 1)), Map.of("epoch", "3"));

        String json = "{\"__metadata__\":{\"epoch\":\"3\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[16,24]}}";
        int padded = json.length() % 8 == 0 ? json.length() : json.length() + 8 - json.length() % 8;
        assertTrue(padded > json.length(), "test should exercise padding");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        putLe(expected, padded, 8);
        expected.writeBytes(json.getBytes(StandardCharsets.US_ASCII));
        for (int i = json.length(); i < padded; i++) {
            expected.write(' ');
        }
        putLe(expected, Float.floatToRawIntBits(1.0f), 4); // 00 00 80 3f
        putLe(expected, Float.floatToRawIntBits(-2.5f), 4); // 00 00 20 c0
        putLe(expected, 258, 8); // 02 01 00 ...
        putLe(expected, Double.doubleToRawLongBits(0.5), 8); // ... e0 3f
        byte[] want = expected.toByteArray();
        assertEquals(0x3f, want[8 + padded + 3] & 0xff);
        assertEquals(0xc0, want[8 + padded + 7] & 0xff);
        assertArrayEquals(want, Files.readAllBytes(p));
    }

    private static void putLe(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    @Test
    void getAndRequireExplainWhatIsWrong() throws IOException {
        Path p = dir.resolve("named.safetensors");
        SafeTensors.write(p, List.of(SafeTensorsEntry.of("a", new float[6], 2, 3),
                SafeTensorsEntry.of("b", new double[1])));
        SafeTensorsFile file = SafeTensors.read(p);

        SafeTensorsFormatException missing = assertThrows(SafeTensorsFormatException.class, () -> file.get("x"));
        assertEquals("no tensor named 'x' in " + p + "; did you mean 'a'? (has: a, b)", missing.getMessage());
        SafeTensorsFormatException far = assertThrows(SafeTensorsFormatException.class, () -> file.get("weights"));
        assertEquals("no tensor named 'weights' in " + p + " (has: a, b)", far.getMessage());

        String dtypeMsg = assertThrows(SafeTensorsFormatException.class,
                () -> file.require("a", SafeTensorsDType.F64, 2, 3)).getMessage();
        assertTrue(dtypeMsg.contains(p.toString()) && dtypeMsg.contains("'a'") && dtypeMsg.contains("F32 [2, 3]")
                && dtypeMsg.contains("expected F64 [2, 3]") && dtypeMsg.endsWith("(dtype differs)"), dtypeMsg);

        String shapeMsg = assertThrows(SafeTensorsFormatException.class,
                () -> file.require("a", SafeTensorsDType.F32, 3, 2)).getMessage();
        assertTrue(shapeMsg.contains("expected F32 [3, 2]") && shapeMsg.endsWith("(shape differs)"), shapeMsg);
        String bothMsg = assertThrows(SafeTensorsFormatException.class,
                () -> file.require("a", SafeTensorsDType.I64, 6)).getMessage();
        assertTrue(bothMsg.endsWith("(dtype and shape differ)"), bothMsg);

        assertEquals(1, file.require("b", SafeTensorsDType.F64).numel());
        assertThrows(SafeTensorsFormatException.class, () -> file.require("nope", SafeTensorsDType.F64));
        assertThrows(UnsupportedOperationException.class, () -> file.tensors().remove("a"));
    }

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTempFile() throws IOException {
        Path p = dir.resolve("keep.safetensors");
        SafeTensors.write(p, List.of(SafeTensorsEntry.of("a", new float[] {1, 2}, 2)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(p);

        // an entry whose data does not match its shape cannot even be built
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, List.of(SafeTensorsEntry.of("a", new float[] {1, 2, 3}, 2)), Map.of()));
        assertTrue(bad.getMessage().contains("'a'") && bad.getMessage().contains("3"), bad.getMessage());

        // invalid entry lists are rejected by write itself
        SafeTensorsEntry x = SafeTensorsEntry.of("x", new float[] {1}, 1);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, List.of(x, x), Map.of()));
        assertTrue(dup.getMessage().contains("duplicate tensor name 'x'"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(p,
                List.of(SafeTensorsEntry.of("__metadata__", new float[] {1}, 1)), Map.of()));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(p, List.of(x), nullValue));

        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of(p), listDir(dir));
    }

    @Test
    void failedMoveDeletesTheTempFile() throws IOException {
        // the target is a non-empty directory, so the final move fails after the temp file was fully written
        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside.txt"), "keep me");
        assertThrows(IOException.class,
                () -> SafeTensors.write(target, List.of(SafeTensorsEntry.of("a", new float[1024], 1024)), null));
        assertEquals(List.of(target), listDir(dir));
        assertEquals("keep me", Files.readString(target.resolve("inside.txt")));

        assertThrows(NoSuchFileException.class, () -> SafeTensors.write(dir.resolve("no/such/dir/f.safetensors"),
                List.of(SafeTensorsEntry.of("a", new float[1], 1)), null));
    }

    @Test
    void overwriteReplacesTheFile() throws IOException {
        Path p = dir.resolve("over.safetensors");
        SafeTensors.write(p, List.of(SafeTensorsEntry.of("a", new float[] {1}, 1)));
        SafeTensors.write(p, List.of(SafeTensorsEntry.of("b", new double[] {2}, 1)));
        SafeTensorsFile file = SafeTensors.read(p);
        assertEquals(List.of("b"), List.copyOf(file.tensors().keySet()));
        assertEquals(List.of(p), listDir(dir));
    }

    private static List<Path> listDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
