package dev.jacreg;

/**
 * libtorch (or the shim around it) rejected a call. The message is libtorch's own, without its C++
 * stack trace, e.g. a conv2d shape mismatch names both shapes.
 */
public class TorchException extends RuntimeException {
    /** The shim's error code, 0 for an error raised in Java. */
    private final int code;

    /**
     * An error the shim reported.
     *
     * @param code its JR_ERROR_* code
     * @param message libtorch's message, without its C++ stack trace
     */
    public TorchException(int code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * An error raised on the Java side of a call (code 0).
     *
     * @param message what went wrong
     */
    public TorchException(String message) {
        this(0, message);
    }

    /** {@return the shim's error code (JR_ERROR_* in jacreg.h); 0 when raised by the Java layer} */
    public int code() {
        return code;
    }
}
