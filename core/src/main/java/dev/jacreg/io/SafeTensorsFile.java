package dev.jacreg.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The content of a safetensors file as read by {@link SafeTensors#read(Path)}: tensors in header order and the
 * optional {@code __metadata__} string map. Immutable.
 */
public final class SafeTensorsFile {
    private static final int MAX_NAMES_IN_MESSAGE = 60;

    private final Path path;
    private final Map<String, SafeTensorsEntry> tensors;
    private final Map<String, String> metadata;

    SafeTensorsFile(Path path, Map<String, SafeTensorsEntry> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** {@return the file this was read from} */
    public Path path() {
        return path;
    }

    /** {@return all tensors by name, in the order of the file's JSON header} Unmodifiable. */
    public Map<String, SafeTensorsEntry> tensors() {
        return tensors;
    }

    /** {@return the {@code __metadata__} entries (empty when the file has none), in header order} Unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Whether a tensor with this name exists.
     *
     * @param name a tensor name
     * @return whether the file has it
     */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor called {@code name}.
     *
     * @param name the tensor's name
     * @return its entry
     * @throws SafeTensorsFormatException when there is none; the message names the file and lists the names it has
     */
    public SafeTensorsEntry get(String name) throws SafeTensorsFormatException {
        Objects.requireNonNull(name, "name");
        SafeTensorsEntry e = tensors.get(name);
        if (e == null) {
            String names = tensors.keySet().stream().limit(MAX_NAMES_IN_MESSAGE).collect(Collectors.joining(", "));
            if (tensors.size() > MAX_NAMES_IN_MESSAGE) {
                names += ", ... (" + (tensors.size() - MAX_NAMES_IN_MESSAGE) + " more)";
            }
            String suggestion = closestName(name);
            throw new SafeTensorsFormatException("no tensor named '" + name + "' in " + path
                    + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?") + " (has: "
                    + (tensors.isEmpty() ? "no tensors" : names) + ")");
        }
        return e;
    }

    /**
     * The tensor called {@code name}, checked to have exactly the given dtype and shape (pass no shape for a scalar).
     *
     * @param name the tensor's name
     * @param dtype the dtype it must have
     * @param shape the shape it must have
     * @return its entry
     * @throws SafeTensorsFormatException when it is missing or its dtype or shape differ; the message names the file,
     *                                    the tensor and the expected and actual dtype and shape
     */
    public SafeTensorsEntry require(String name, SafeTensorsDType dtype, long... shape)
            throws SafeTensorsFormatException {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        SafeTensorsEntry e = get(name);
        long[] actual = e.shape();
        if (e.dtype() != dtype || !Arrays.equals(actual, shape)) {
            throw new SafeTensorsFormatException("tensor '" + name + "' in " + path + " is " + e.dtype() + " "
                    + Arrays.toString(actual) + ", expected " + dtype + " " + Arrays.toString(shape)
                    + (e.dtype() != dtype && !Arrays.equals(actual, shape) ? " (dtype and shape differ)"
                            : e.dtype() != dtype ? " (dtype differs)" : " (shape differs)"));
        }
        return e;
    }

    /** The existing name within edit distance 2 of {@code name} (the closest one), or null. */
    private String closestName(String name) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : tensors.keySet()) {
            int d = editDistance(name, candidate, bestDistance);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, or {@code limit} once it is known to be at least that. */
    private static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) {
            return limit;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return Math.min(prev[b.length()], limit);
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + path + ", " + tensors.size() + " tensors, " + metadata.size() + " metadata]";
    }
}
