package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file is rejected with a message naming the file and the problem. */
class SafeTensorsCorruptionTest {
    @TempDir
    Path dir;

    private static final String A8 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    /** A file with the given header length field, header bytes and {@code dataLen} zero bytes of data. */
    private static byte[] file(long headerLen, byte[] header, int dataLen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) {
            out.write((int) (headerLen >>> (8 * i)) & 0xff);
        }
        out.writeBytes(header);
        out.writeBytes(new byte[dataLen]);
        return out.toByteArray();
    }

    private static byte[] file(String header, int dataLen) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataLen);
    }

    private String assertCorrupt(byte[] content, String... fragments) throws IOException {
        Path p = dir.resolve("broken.safetensors");
        Files.write(p, content);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(p));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(p + ": "), "message should name the file: " + msg);
        for (String f : fragments) {
            assertTrue(msg.contains(f), "expected '" + f + "' in: " + msg);
        }
        return msg;
    }

    @Test
    void validMinimalFilesAreAccepted() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        Files.write(p, file("{" + A8 + "}   ", 8));
        assertTrue(SafeTensors.read(p).contains("a"));
        Files.write(p, file("{}", 0));
        assertTrue(SafeTensors.read(p).tensors().isEmpty());
        // zero-sized tensors may sit anywhere in the layout
        Files.write(p, file("{\"e\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[8,8]}," + A8 + "}", 8));
        assertTrue(SafeTensors.read(p).contains("e"));
    }

    @Test
    void tooShort() throws IOException {
        assertCorrupt(new byte[5], "5 bytes", "shorter than the 8-byte header length prefix");
        assertCorrupt(new byte[0], "0 bytes");
    }

    @Test
    void headerLengthLargerThanFileOrAbsurd() throws IOException {
        assertCorrupt(file(1000, "{}".getBytes(StandardCharsets.US_ASCII), 10), "header length 1000",
                "larger than the 12 bytes");
        assertCorrupt(file(1L << 40, new byte[16], 0), "header length 1099511627776", "absurd");
        assertCorrupt(file(-1L, new byte[16], 0), "18446744073709551615", "absurd");
        assertCorrupt(file(0, new byte[0], 8), "header length is 0");
    }

    @Test
    void invalidJsonSaysWhere() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",,\"shape\":[2]}}", 8), "invalid JSON header",
                "offset 20 (line 1, column 21)", "expected a string key");
        assertCorrupt(file("{\"a\":1", 0), "invalid JSON", "end of input");
        assertCorrupt(file("{} x", 0), "invalid JSON", "after the end of the top-level value", "offset 3");
        assertCorrupt(file("{\"a\":[1,2,]}", 0), "invalid JSON", "expected a value");
        assertCorrupt(file("{\"a\":\"\\q\"}", 0), "invalid escape");
        assertCorrupt(file("{\"a\":01}", 0), "leading zero");
        assertCorrupt(file("{\"a\":{},\"a\":{}}", 0), "duplicate key \"a\"");
        assertCorrupt(file("[1,2]", 0), "must start with '{'");
        assertCorrupt(file(4, new byte[] {'{', '}', (byte) 0xC3, ' '}, 0), "not valid UTF-8", "header byte 2");
    }

    @Test
    void missingOrUnexpectedKeys() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "tensor 'a'", "missing key 'data_offsets'");
        assertCorrupt(file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "missing key 'dtype'");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8),
                "unexpected key 'x'");
        assertCorrupt(file("{\"a\":[1]}", 0), "tensor 'a'", "expected an object");
        assertCorrupt(file("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype must be a string");
        assertCorrupt(file("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "'k'", "must be a string");
        assertCorrupt(file("{\"__metadata__\":[\"k\"]}", 0), "__metadata__", "must be an object");
    }

    @Test
    void unknownDtype() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
                "tensor 'a'", "unknown dtype 'F8_E4M3'", "known: F64");
    }

    @Test
    void badShapes() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'a'", "negative value -1 in shape");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8),
                "shape must hold integers");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8),
                "shape must be an array");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8),
                "too large");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8),
                "out of range");
    }

    @Test
    void offsetsInconsistentWithDtypeAndShape() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20),
                "tensor 'a'", "span 20 bytes", "needs 24 bytes");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "end before");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8),
                "data_offsets must have 2 elements");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8),
                "negative value -8 in data_offsets");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        assertCorrupt(file("{" + A8 + "}", 4), "tensor 'a'", "out of range", "data section has 4 bytes");
    }

    @Test
    void overlappingRegions() throws IOException {
        assertCorrupt(file("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "overlap", "'b'", "'a'");
        assertCorrupt(file("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "overlap");
    }

    @Test
    void nonContiguousRegions() throws IOException {
        assertCorrupt(file("{" + A8 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20),
                "not contiguous", "4 unused bytes at [8, 12)", "before tensor 'b'");
        assertCorrupt(file("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "not contiguous", "first tensor must start at 0");
    }

    @Test
    void trailingGarbage() throws IOException {
        assertCorrupt(file("{" + A8 + "}", 12), "4 bytes of trailing data after the last tensor");
        assertCorrupt(file("{}", 3), "3 bytes of trailing data");
    }
}
