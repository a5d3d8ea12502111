package dev.jacreg.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX file that exists but cannot be decoded: bad magic, wrong element type, truncated data,
 * inconsistent counts, impossible dimensions, out-of-range labels. The message always starts with
 * the offending file, so a user can tell which of the dataset files to re-download.
 */
public class IdxFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** What is wrong with the file, without its path. */
    private final String problem;

    /**
     * A corrupt or inconsistent IDX file.
     *
     * @param file the file
     * @param problem what is wrong with it
     */
    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    /**
     * A corrupt IDX file, found through another exception (e.g. a truncated gzip stream).
     *
     * @param file the file
     * @param problem what is wrong with it
     * @param cause the underlying exception
     */
    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** {@return the file that failed to decode} */
    public Path file() {
        return file;
    }

    /** {@return the problem, without the file name} */
    public String problem() {
        return problem;
    }
}
