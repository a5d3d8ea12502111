package dev.jacreg;

/**
 * libtorch (or the shim around it) rejected a call. The message is libtorch's own, without its C++
 * stack trace, e.g. a conv2d shape mismatch names both shapes.
 */
public class TorchException extends RuntimeException {
    private final int code;

    public TorchException(int code, String message) {
        super(message);
        this.code = code;
    }

    public TorchException(String message) {
        this(0, message);
    }

    /** {@return the shim's error code (JR_ERROR_* in jacreg.h); 0 when raised by the Java layer} */
    public int code() {
        return code;
    }
}
