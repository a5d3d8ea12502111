package dev.jacreg.io;

import java.nio.channels.WritableByteChannel;
import java.nio.channels.Channels;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length {@code N}, then {@code N} bytes of UTF-8 JSON mapping
 * each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data section
 * right after the header) plus an optional {@code "__metadata__"} string-to-string object; then the data,
 * little-endian and row-major.
 *
 * <p>{@link #read} validates the file strictly and reports every problem as a {@link SafeTensorsFormatException}
 * naming the file. {@link #write} lays tensors out contiguously in list order, pads the header with spaces so the
 * data section starts 8-byte aligned, and replaces the target atomically.
 */
public final class SafeTensors {
    /** Upper bound on the JSON header length accepted by {@link #read}. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> TENSOR_KEYS = Set.of("dtype", "shape", "data_offsets");

    private SafeTensors() {
    }

    /**
     * Reads a whole safetensors file into memory and validates it.
     *
     * <p>Checked: the length prefix is present, the header length is plausible ({@code <= 100 MB}) and fits in the
     * file, the header is UTF-8 JSON starting with '{', every tensor has exactly the keys dtype, shape and
     * data_offsets with a known dtype, non-negative integer dimensions and offsets whose span equals
     * {@code numel * dtype size}, the tensors tile the data section exactly (no gaps, no overlaps, no trailing bytes),
     * and {@code __metadata__} maps strings to strings.
     *
     * @param path the file
     * @return its tensors and metadata, validated
     * @throws SafeTensorsFormatException for a malformed file (the message names the file and the problem)
     * @throws IOException                when the file cannot be read
     */
    public static SafeTensorsFile read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw format(path, "file is " + size + " bytes long, shorter than the 8-byte header length prefix");
            }
            long headerLen = readFully(path, ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw format(path, "header length " + Long.toUnsignedString(headerLen) + " bytes is absurd (limit "
                        + MAX_HEADER_BYTES + "); not a safetensors file?");
            }
            if (headerLen > size - 8) {
                throw format(path, "header length " + headerLen + " bytes is larger than the " + (size - 8)
                        + " bytes that follow the length prefix (file of " + size + " bytes truncated?)");
            }
            if (headerLen == 0) {
                throw format(path, "header length is 0; the JSON header must be at least '{}'");
            }
            String header = decodeUtf8(path, readFully(path, ch, 8, (int) headerLen));
            if (header.charAt(0) != '{') {
                String start = header.substring(0, Math.min(20, header.length())).replaceAll("\\p{Cntrl}", "?");
                throw format(path, "JSON header must start with '{', it starts with \"" + start + "\"");
            }
            Object json;
            try {
                json = Json.parse(header);
            } catch (Json.ParseException e) {
                throw format(path, "invalid JSON header: " + e.getMessage() + " at "
                        + Json.describePosition(header, e.offset));
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            if (dataLen > Integer.MAX_VALUE - 8) {
                throw format(path, "data section of " + dataLen + " bytes is larger than 2 GiB, not supported");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> top = (Map<String, Object>) json; // starts with '{' and parsed, so an object
            Map<String, String> metadata = new LinkedHashMap<>();
            List<TensorInfo> infos = new ArrayList<>();
            for (Map.Entry<String, Object> e : top.entrySet()) {
                if (e.getKey().equals(METADATA_KEY)) {
                    metadata = parseMetadata(path, e.getValue());
                } else {
                    infos.add(parseTensorInfo(path, e.getKey(), e.getValue(), dataLen));
                }
            }
            checkLayout(path, infos, dataLen);
            ByteBuffer data = readFully(path, ch, dataStart, (int) dataLen).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, SafeTensorsEntry> tensors = new LinkedHashMap<>();
            for (TensorInfo t : infos) {
                ByteBuffer slice = data.slice((int) t.begin, (int) (t.end - t.begin));
                tensors.put(t.name, new SafeTensorsEntry(t.name, t.dtype, t.shape, slice));
            }
            return new SafeTensorsFile(path, tensors, metadata);
        }
    }

    /**
     * Writes {@code entries} without metadata; see {@link #write(Path, List, Map)}.
     *
     * @param path the file to create or replace
     * @param entries the tensors, in the order they are laid out
     * @throws IOException when the file cannot be written (an existing one is left as it was)
     */
    public static void write(Path path, List<SafeTensorsEntry> entries) throws IOException {
        write(path, entries, Map.of());
    }

    /**
     * Writes a safetensors file atomically: the bytes go to a temporary file in the same directory, which is flushed
     * to disk and then moved over {@code path} with {@code ATOMIC_MOVE, REPLACE_EXISTING}. On any failure the
     * temporary file is deleted and an existing file at {@code path} is left as it was.
     *
     * <p>Tensors are laid out contiguously in list order and appear in the JSON header in that order, after
     * {@code __metadata__} (omitted when {@code metadata} is null or empty). The header is compact JSON padded with
     * spaces so that the data section starts at a multiple of 8 bytes.
     *
     * @param path the file to create or replace
     * @param entries the tensors, in the order they are laid out; names must be unique
     * @param metadata string-to-string metadata, may be null
     * @throws IllegalArgumentException for a null entry, a duplicate name, a tensor named {@code __metadata__}, or a
     *                                  null metadata key or value (checked before anything is written)
     * @throws IOException              when writing or the atomic move fails
     */
    public static void write(Path path, List<SafeTensorsEntry> entries, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(entries, "entries");
        byte[] header = buildHeader(entries, metadata == null ? Map.of() : metadata);
        AtomicFile.write(path, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            WritableByteChannel channel = Channels.newChannel(out);
            for (SafeTensorsEntry e : entries) {
                ByteBuffer data = e.data();
                while (data.hasRemaining()) channel.write(data);
            }
        });
    }

    /** The padded JSON header bytes for {@code entries} and {@code metadata}, validating the arguments. */
    static byte[] buildHeader(List<SafeTensorsEntry> entries, Map<String, String> metadata) {
        Set<String> names = new HashSet<>();
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (!metadata.isEmpty()) {
            sb.append('"').append(METADATA_KEY).append("\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("metadata must not contain null keys or values: "
                            + m.getKey() + "=" + m.getValue());
                }
                if (!firstMeta) {
                    sb.append(',');
                }
                firstMeta = false;
                Json.writeString(sb, m.getKey());
                sb.append(':');
                Json.writeString(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (int i = 0; i < entries.size(); i++) {
            SafeTensorsEntry e = entries.get(i);
            if (e == null) {
                throw new IllegalArgumentException("entry " + i + " is null");
            }
            if (e.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor must not be named '" + METADATA_KEY + "'");
            }
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + e.name() + "' (entry " + i + ")");
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            long end = offset + e.byteSize();
            Json.writeString(sb, e.name());
            sb.append(":{\"dtype\":\"").append(e.dtype().jsonName()).append("\",\"shape\":[");
            long[] shape = e.shape();
            for (int d = 0; d < shape.length; d++) {
                sb.append(d == 0 ? "" : ",").append(shape[d]);
            }
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private record TensorInfo(String name, SafeTensorsDType dtype, long[] shape, long begin, long end) {
    }

    private static Map<String, String> parseMetadata(Path path, Object value) throws SafeTensorsFormatException {
        if (!(value instanceof Map<?, ?> map)) {
            throw format(path, "'" + METADATA_KEY + "' must be an object of strings, found " + describe(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw format(path, "'" + METADATA_KEY + "' value for key '" + e.getKey() + "' must be a string, found "
                        + describe(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static TensorInfo parseTensorInfo(Path path, String name, Object value, long dataLen)
            throws SafeTensorsFormatException {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> map)) {
            throw format(path, where + ": expected an object with dtype, shape and data_offsets, found "
                    + describe(value));
        }
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!map.containsKey(key)) {
                throw format(path, where + ": missing key '" + key + "'");
            }
        }
        for (Object key : map.keySet()) {
            if (!TENSOR_KEYS.contains(key)) {
                throw format(path, where + ": unexpected key '" + key + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        if (!(map.get("dtype") instanceof String dtypeName)) {
            throw format(path, where + ": dtype must be a string, found " + describe(map.get("dtype")));
        }
        SafeTensorsDType dtype;
        try {
            dtype = SafeTensorsDType.fromJsonName(dtypeName);
        } catch (IllegalArgumentException e) {
            throw format(path, where + ": unknown dtype '" + dtypeName + "' (known: "
                    + SafeTensorsDType.knownNames() + ")");
        }
        long[] shape = longArray(path, where, "shape", map.get("shape"), -1);
        long[] offsets = longArray(path, where, "data_offsets", map.get("data_offsets"), 2);
        long numel = 1;
        for (long d : shape) {
            numel = multiply(path, where, numel, d, shape);
        }
        long bytes = multiply(path, where, numel, dtype.byteSize(), shape);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw format(path, where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end - begin != bytes) {
            throw format(path, where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                    + " bytes but dtype " + dtype + " shape " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes (" + numel + " elements x " + dtype.byteSize() + ")");
        }
        if (end > dataLen) {
            throw format(path, where + ": data_offsets [" + begin + ", " + end + "] out of range, the data section has "
                    + dataLen + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long multiply(Path path, String where, long a, long b, long[] shape)
            throws SafeTensorsFormatException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw format(path, where + ": shape " + Arrays.toString(shape) + " is too large (size overflows)");
        }
    }

    private static long[] longArray(Path path, String where, String key, Object value, int expectedLength)
            throws SafeTensorsFormatException {
        if (!(value instanceof List<?> list)) {
            throw format(path, where + ": " + key + " must be an array of integers, found " + describe(value));
        }
        if (expectedLength >= 0 && list.size() != expectedLength) {
            throw format(path, where + ": " + key + " must have " + expectedLength + " elements, found " + list);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Json.Number n) || !n.isInteger()) {
                throw format(path, where + ": " + key + " must hold integers, found " + describe(v) + " in " + list);
            }
            if (n.lexeme().startsWith("-")) {
                throw format(path, where + ": negative value " + n + " in " + key + " " + list);
            }
            try {
                out[i] = Long.parseLong(n.lexeme());
            } catch (NumberFormatException e) {
                throw format(path, where + ": value " + n + " in " + key + " is out of range");
            }
        }
        return out;
    }

    /** The tensors must tile [0, dataLen) exactly when sorted by offset. */
    private static void checkLayout(Path path, List<TensorInfo> infos, long dataLen) throws SafeTensorsFormatException {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin < expected) {
                throw format(path, "data regions overlap: tensor '" + t.name + "' [" + t.begin + ", " + t.end
                        + ") starts inside tensor '" + prev.name + "' [" + prev.begin + ", " + prev.end + ")");
            }
            if (t.begin > expected) {
                throw format(path, "data regions are not contiguous: " + (t.begin - expected)
                        + " unused bytes at [" + expected + ", " + t.begin + ") before tensor '" + t.name + "'"
                        + (prev == null ? " (the first tensor must start at 0)" : " after tensor '" + prev.name + "'"));
            }
            expected = t.end;
            prev = t;
        }
        if (expected != dataLen) {
            throw format(path, (dataLen - expected) + " bytes of trailing data after the last tensor (tensors cover "
                    + expected + " of the " + dataLen + " data bytes)");
        }
    }

    private static String describe(Object v) {
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        if (v instanceof List<?> l) {
            return "an array " + l;
        }
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof Json.Number n) {
            return "the number " + n;
        }
        return String.valueOf(v);
    }

    private static String decodeUtf8(Path path, ByteBuffer bytes) throws SafeTensorsFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.remaining());
        CoderResult r = decoder.decode(bytes, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw format(path, "JSON header is not valid UTF-8: invalid byte sequence at header byte "
                    + bytes.position() + " (file offset " + (8 + bytes.position()) + ")");
        }
        return out.flip().toString();
    }

    private static ByteBuffer readFully(Path path, FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new EOFException(path + ": unexpected end of file at byte " + (position + buf.position())
                        + " (file changed while reading?)");
            }
        }
        return buf.flip();
    }

    private static SafeTensorsFormatException format(Path path, String problem) {
        return new SafeTensorsFormatException(path + ": " + problem);
    }
}
