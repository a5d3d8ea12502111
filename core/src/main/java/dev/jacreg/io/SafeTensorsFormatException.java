package dev.jacreg.io;

import java.io.IOException;

/**
 * A safetensors file is malformed or does not hold what the caller required. The message names the file and the
 * problem.
 */
public class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsFormatException(String message) {
        super(message);
    }

    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
