package dev.jacreg.io;

import java.io.IOException;

/**
 * A safetensors file is malformed or does not hold what the caller required. The message names the file and the
 * problem.
 */
public class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * A format error.
     *
     * @param message what is wrong, naming the file and the tensor or field
     */
    public SafeTensorsFormatException(String message) {
        super(message);
    }

    /**
     * A format error caused by another exception (e.g. malformed JSON).
     *
     * @param message what is wrong, naming the file and the tensor or field
     * @param cause the underlying exception
     */
    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
