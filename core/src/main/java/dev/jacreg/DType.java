package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;

/** Element types jacreg moves across the boundary; the codes are jacreg.h's JR_DTYPE_*, read from the bindings. */
public enum DType {
    FLOAT32(jacreg_h.JR_DTYPE_FLOAT32(), 4),
    FLOAT64(jacreg_h.JR_DTYPE_FLOAT64(), 8),
    INT64(jacreg_h.JR_DTYPE_INT64(), 8),
    INT32(jacreg_h.JR_DTYPE_INT32(), 4),
    BOOL(jacreg_h.JR_DTYPE_BOOL(), 1),
    UINT8(jacreg_h.JR_DTYPE_UINT8(), 1);

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
