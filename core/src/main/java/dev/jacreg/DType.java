package dev.jacreg;

/** Element types jacreg moves across the boundary; codes match JR_DTYPE_* in jacreg.h. */
public enum DType {
    FLOAT32(0, 4),
    FLOAT64(1, 8),
    INT64(2, 8),
    INT32(3, 4),
    BOOL(4, 1),
    UINT8(5, 1);

    private final int code;
    private final int byteSize;

    DType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    int code() {
        return code;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    static DType fromCode(int code) {
        for (DType type : values()) if (type.code == code) return type;
        throw new TorchException("unknown dtype code from the shim: " + code);
    }
}
