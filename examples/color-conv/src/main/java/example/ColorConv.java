package example;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Torch;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.Dataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.BatchNorm2d;
import dev.jacreg.nn.Conv2d;
import dev.jacreg.nn.Flatten;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.MaxPool2d;
import dev.jacreg.nn.Sequential;
import dev.jacreg.optim.Adam;
import dev.jacreg.train.Checkpoint;
import dev.jacreg.train.Fit;
import dev.jacreg.train.FitCallbacks;
import dev.jacreg.train.FitResult;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.LossTerms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A three-channel conv net on generated colour images ({@link ColoredShapes}), read through the data loader's
 * streaming path (each batch gathered from the dataset and copied to the device; nothing preloaded), trained with
 * Adam and the Jacobian penalty, with a checkpoint after every epoch. Then a second run, from a model with other
 * initial weights, resumes from the epoch-2 checkpoint and trains to the same last epoch.
 *
 * <p>The check: the resumed run ends with the same final weights, byte for byte, as the uninterrupted one (their
 * SHA-256s are printed), and the net learned the shapes. Exits with 1 otherwise.
 */
public final class ColorConv {
    private static final int EPOCHS = 6, RESUME_AT = 3;
    private static final long SEED = 3;
    /** The trained net must beat this on the test images (chance is 1 / 4). */
    private static final double MIN_ACCURACY = 0.5;

    private ColorConv() {}

    public static void main(String[] args) throws IOException {
        System.out.println("jacreg shim: " + Torch.libraryPath() + " (libtorch " + Torch.version() + ")");
        Dataset train = new ColoredShapes(512, 1), test = new ColoredShapes(256, 2);
        System.out.printf(Locale.ROOT, "data: %d training and %d test images, %d×%d×%d, classes %s (streamed, generated on read)%n",
                train.size(), test.size(), ColoredShapes.CHANNELS, ColoredShapes.SIZE, ColoredShapes.SIZE,
                String.join(", ", ColoredShapes.SHAPES));
        Path dir = Files.createTempDirectory("jacreg-color-conv");
        List<String> failures = new ArrayList<>();
        try {
            Path uninterrupted = dir.resolve("uninterrupted"), resumed = dir.resolve("resumed");

            System.out.println("run 1: epochs 1 to " + EPOCHS + ", a checkpoint after each");
            FitResult first;
            try (Sequential net = convNet(11)) {
                System.out.println(net.summary());
                first = fit(net, train, test, uninterrupted, null);
                ModelFiles.save(net, uninterrupted.resolve("final.safetensors"));
            }
            try (Stream<Path> files = Files.list(uninterrupted)) {
                System.out.println("written: " + files.map(p -> p.getFileName().toString()).sorted().toList());
            }

            Path checkpoint = Checkpoint.fileFor(uninterrupted, RESUME_AT);
            System.out.println("run 2: a model with other initial weights resumes from " + checkpoint.getFileName());
            FitResult second;
            try (Sequential net = convNet(12345)) {
                second = fit(net, train, test, resumed, checkpoint);
                ModelFiles.save(net, resumed.resolve("final.safetensors"));
            }

            String whole = sha256(uninterrupted.resolve("final.safetensors"));
            String again = sha256(resumed.resolve("final.safetensors"));
            String atResume = sha256(checkpoint);
            String lastWhole = sha256(Checkpoint.fileFor(uninterrupted, EPOCHS));
            String lastAgain = sha256(Checkpoint.fileFor(resumed, EPOCHS));
            System.out.println("SHA-256 of the final weights:");
            System.out.println("  uninterrupted  " + whole);
            System.out.println("  resumed        " + again);
            System.out.println("SHA-256 of the epoch-" + EPOCHS + " checkpoints (weights and Adam's state):");
            System.out.println("  uninterrupted  " + lastWhole);
            System.out.println("  resumed        " + lastAgain);
            double accuracy = second.last().validationAccuracy();
            System.out.printf(Locale.ROOT, "test accuracy after epoch %d: %.2f %% (uninterrupted) and %.2f %% (resumed)%n", EPOCHS,
                    first.last().validationAccuracy() * 100, accuracy * 100);

            if (second.firstEpoch() != RESUME_AT + 1) {
                failures.add("the resumed run started at epoch " + second.firstEpoch() + ", not " + (RESUME_AT + 1));
            }
            if (!whole.equals(again)) failures.add("the resumed run's final weights differ from the uninterrupted run's");
            if (!lastWhole.equals(lastAgain)) failures.add("the epoch-" + EPOCHS + " checkpoints of the two runs differ");
            if (atResume.equals(lastWhole)) failures.add("the checkpoints of epochs " + RESUME_AT + " and " + EPOCHS + " are the same");
            if (!(accuracy >= MIN_ACCURACY)) {
                failures.add(String.format(Locale.ROOT, "test accuracy %.4f is below %.2f", accuracy, MIN_ACCURACY));
            }
        } finally {
            deleteRecursively(dir);
        }
        for (String failure : failures) System.err.println("error: " + failure);
        if (!failures.isEmpty()) System.exit(1);
        System.out.println("ok");
    }

    /** conv(3→8) · batch norm · ReLU · pool · conv(8→16) · ReLU · pool · flatten · linear(256→4). */
    private static Sequential convNet(long initSeed) {
        RandomStream init = RandomStream.seeded(initSeed);
        int pooledSize = ColoredShapes.SIZE / 4;
        return Sequential.builder()
                .add("conv1", new Conv2d(ColoredShapes.CHANNELS, 8, 3, 1, 1, DType.FLOAT32, init))
                .add("bn1", new BatchNorm2d(8, DType.FLOAT32)).add("relu1", Activations.relu()).add("pool1", new MaxPool2d(2))
                .add("conv2", new Conv2d(8, 16, 3, 1, 1, DType.FLOAT32, init))
                .add("relu2", Activations.relu()).add("pool2", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("fc", new Linear(16 * pooledSize * pooledSize, ColoredShapes.SHAPES.length, DType.FLOAT32, init))
                .build();
    }

    /**
     * Trains to epoch EPOCHS with a checkpoint into checkpoints after every epoch, from resumeFrom when not null. Both
     * runs use the same seed: every epoch's shuffle and penalty directions derive from it and the epoch number.
     */
    private static FitResult fit(Sequential net, Dataset train, Dataset test, Path checkpoints, Path resumeFrom) throws IOException {
        try (Adam adam = new Adam(net.parameters(), 0.01);
             DataLoader trainLoader = DataLoader.builder(train).batchSize(32).shuffle(true).preload(false).build();
             DataLoader testLoader = DataLoader.builder(test).batchSize(128).preload(false).build()) {
            Fit.Builder fit = Fit.builder(net, adam, trainLoader).epochs(EPOCHS).seed(SEED)
                    .loss(LossTerms.crossEntropy(), LossTerms.jacobian(new JacobianPenalty(0.01, 1, JacobianPenalty.Target.LOGITS)))
                    .validation(testLoader)
                    .callback(FitCallbacks.progress(line -> System.out.println("  " + line)))
                    .callback(FitCallbacks.checkpointEvery(1, checkpoints));
            if (resumeFrom != null) fit.resumeFrom(resumeFrom);
            return fit.build().run();
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
