package dev.jacreg.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The float64 PyTorch reference, {@code penalty-reference.safetensors}, shipped as a test resource
 * beside this class (core/src/test/resources/dev/jacreg/train/, with its README) and made by
 * {@code bench/baselines/python/make_reference.py}. Always present in a clone: tests fail, never skip, without it.
 */
public final class PenaltyReference {
    public static final String RESOURCE = "/dev/jacreg/train/penalty-reference.safetensors";

    private PenaltyReference() {}

    /** A file holding the reference: the resource itself, or a temporary copy when it sits inside a jar. */
    public static Path path() throws IOException {
        URL url = PenaltyReference.class.getResource(RESOURCE);
        assertNotNull(url, "test resource " + RESOURCE + " is missing from the test classpath");
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path copy = Files.createTempFile("penalty-reference", ".safetensors");
        copy.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }
}
