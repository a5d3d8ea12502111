package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;

/** Element types jacreg moves across the boundary; the codes are jacreg.h's JR_DTYPE_*, read from the bindings. */
public enum DType {
    /** 32-bit IEEE float (torch.float32), the default for features and weights. */
    FLOAT32(jacreg_h.JR_DTYPE_FLOAT32(), 4),
    /** 64-bit IEEE float (torch.float64), for reference computations. */
    FLOAT64(jacreg_h.JR_DTYPE_FLOAT64(), 8),
    /** 64-bit signed integer (torch.int64), the type of labels and indices. */
    INT64(jacreg_h.JR_DTYPE_INT64(), 8),
    /** 32-bit signed integer (torch.int32). */
    INT32(jacreg_h.JR_DTYPE_INT32(), 4),
    /** Boolean, one byte per element (torch.bool), the result of comparisons. */
    BOOL(jacreg_h.JR_DTYPE_BOOL(), 1),
    /** 8-bit unsigned integer (torch.uint8), e.g. raw pixels. */
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

    /** {@return the size of one element in bytes} */
    public int byteSize() {
        return byteSize;
    }

    /** {@return whether this is FLOAT32 or FLOAT64, the types that can carry gradients} */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    static DType fromCode(int code) {
        for (DType type : values()) if (type.code == code) return type;
        throw new TorchException("unknown dtype code from the shim: " + code);
    }
}
