package dev.jacreg.experiment;

import dev.jacreg.DType;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.io.SafeTensorsFormatException;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A net loaded from a weights file written by {@code jacreg experiment} or {@code jacreg train}, and where it came from.
 * The caller closes {@link #net}.
 */
public record SavedNet(Path file, Sequential net, DType dtype, Map<String, String> metadata) {
    /** λ recorded in the file; NaN when it records none. */
    public double lambda() {
        return WeightsMetadata.lambdaOf(metadata);
    }

    /** The file name without {@value ReportWriter#WEIGHTS_SUFFIX}, e.g. "jacobian". */
    public String stem() {
        String name = file.getFileName().toString();
        return name.endsWith(ReportWriter.WEIGHTS_SUFFIX)
                ? name.substring(0, name.length() - ReportWriter.WEIGHTS_SUFFIX.length()) : name;
    }

    /** Metadata that declare a schema version must be complete and of this jacreg's version. */
    public static void checkMetadata(Path file, Map<String, String> metadata) throws SafeTensorsFormatException {
        try {
            WeightsMetadata.checkIfVersioned(metadata);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file + ": " + e.getMessage());
        }
    }

    /** Rebuilds the seed network from the mean image stored in the file, then loads every tensor. */
    public static SavedNet load(Path file) throws IOException {
        SafeTensorsFile contents = SafeTensors.read(file);
        checkMetadata(file, contents.metadata());
        String meanName = SeedNetwork.MEAN_IMAGE;
        if (!contents.contains(meanName)) {
            throw new SafeTensorsFormatException(file + ": not a jacreg network (it has no tensor '" + meanName + "')");
        }
        SafeTensorsEntry mean = contents.get(meanName);
        long[] shape = mean.shape();
        if (shape.length != 4 || shape[0] != 1 || shape[1] != 1 || shape[2] < SeedNetwork.MIN_SIZE || shape[3] < SeedNetwork.MIN_SIZE) {
            throw new SafeTensorsFormatException(file + ": tensor '" + meanName + "' has shape " + Arrays.toString(shape)
                    + ", expected [1, 1, H, W] with H, W >= " + SeedNetwork.MIN_SIZE);
        }
        DType dtype = mean.dtype().tensorType().filter(DType::isFloatingPoint)
                .orElseThrow(() -> new SafeTensorsFormatException(file + ": tensor '" + meanName + "' has dtype "
                        + mean.dtype() + ", expected F32 or F64"));
        try (TensorScope scope = TensorScope.open()) {
            Sequential net = SeedNetwork.create(ModelFiles.tensorOf(mean), (int) shape[2], (int) shape[3], dtype);
            try {
                Map<String, String> metadata = ModelFiles.load(net, file);
                return new SavedNet(file, net, dtype, metadata);
            } catch (IOException | RuntimeException e) {
                net.close();
                throw e;
            }
        }
    }

    /** Throws IllegalArgumentException, naming the file, when the net expects images of another size than the set's. */
    public void checkImageSize(DigitDataset testSet) {
        long[] shape = net.buffers().get(SeedNetwork.MEAN_IMAGE).shape();
        if (shape[2] != testSet.height() || shape[3] != testSet.width()) {
            throw new IllegalArgumentException(file + " expects " + shape[2] + "×" + shape[3] + " images but the test set has "
                    + testSet.height() + "×" + testSet.width());
        }
    }
}
