package dev.jacreg.io;

import dev.jacreg.DType;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Element types of the safetensors format, with their element size in bytes and the name used in the JSON header.
 */
public enum SafeTensorsDType {
    /** IEEE 754 double precision. */
    F64("F64", 8, DType.FLOAT64),
    /** IEEE 754 single precision. */
    F32("F32", 4, DType.FLOAT32),
    /** IEEE 754 half precision. */
    F16("F16", 2, null),
    /** bfloat16 (upper half of a float32). */
    BF16("BF16", 2, null),
    /** Signed 64-bit integer. */
    I64("I64", 8, DType.INT64),
    /** Signed 32-bit integer. */
    I32("I32", 4, DType.INT32),
    /** Signed 16-bit integer. */
    I16("I16", 2, null),
    /** Signed 8-bit integer. */
    I8("I8", 1, null),
    /** Unsigned 8-bit integer. */
    U8("U8", 1, DType.UINT8),
    /** Boolean, one byte per element (0 or 1). */
    BOOL("BOOL", 1, DType.BOOL);

    private final String jsonName;
    private final int byteSize;
    private final DType tensorType;  // the one mapping between the two type systems; null: jacreg has no such type

    SafeTensorsDType(String jsonName, int byteSize, DType tensorType) {
        this.jsonName = jsonName;
        this.byteSize = byteSize;
        this.tensorType = tensorType;
    }

    /** {@return the tensor type with the same element layout, if jacreg has one (F16, BF16, I16 and I8 have none)} */
    public Optional<DType> tensorType() {
        return Optional.ofNullable(tensorType);
    }

    /**
     * The safetensors type of a tensor type (every {@link DType} has one).
     *
     * @param dtype a jacreg tensor type
     * @return the matching safetensors type
     */
    public static SafeTensorsDType of(DType dtype) {
        for (SafeTensorsDType t : values()) {
            if (t.tensorType == dtype) {
                return t;
            }
        }
        throw new IllegalArgumentException("no safetensors type for " + dtype);
    }

    /** {@return the name of this type in a safetensors header, e.g. {@code "F32"}} */
    public String jsonName() {
        return jsonName;
    }

    /** {@return size of one element in bytes} */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The type whose header name is {@code name} (case-sensitive, as the format requires).
     *
     * @param name the header's dtype string, e.g. "F32"
     * @return the type of that name
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static SafeTensorsDType fromJsonName(String name) {
        for (SafeTensorsDType t : values()) {
            if (t.jsonName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown safetensors dtype '" + name + "' (known: " + knownNames() + ")");
    }

    /** Comma-separated list of all header names, for error messages. */
    static String knownNames() {
        return Arrays.stream(values()).map(SafeTensorsDType::jsonName).collect(Collectors.joining(", "));
    }
}
