package dev.jacreg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.InMemoryDataset;
import dev.jacreg.data.Transform;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensorsFormatException;
import dev.jacreg.nn.Activations;
import dev.jacreg.nn.BatchNorm1d;
import dev.jacreg.nn.Dropout;
import dev.jacreg.nn.Linear;
import dev.jacreg.nn.Module;
import dev.jacreg.nn.Sequential;
import dev.jacreg.optim.Adam;
import dev.jacreg.optim.Sgd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fit trainer through the public API only: a user-defined 3-class MLP trains with the Jacobian penalty, a run
 * resumed from a checkpoint ends with byte-identical weights (SHA-256) to an uninterrupted one, and the callbacks
 * (progress, early stopping, stop requests) and error paths behave.
 */
class FitTest {
    private static final int FEATURES = 4, CLASSES = 3;

    @TempDir
    Path dir;

    /** Three Gaussian blobs in 4-D, centres 3 apart: separable, so a trained MLP classifies them well. */
    private static InMemoryDataset blobs(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[count * FEATURES];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % CLASSES;
            for (int f = 0; f < FEATURES; f++) x[i * FEATURES + f] = (float) ((f == labels[i] ? 3 : 0) + random.nextGaussian());
        }
        return InMemoryDataset.vectors(x, labels, FEATURES, CLASSES);
    }

    private static Sequential mlp(long seed, boolean withBatchNormAndDropout) {
        RandomStream random = RandomStream.seeded(seed);
        Sequential.Builder b = Sequential.builder().add("fc1", new Linear(FEATURES, 16, DType.FLOAT32, random));
        if (withBatchNormAndDropout) b.add("bn1", new BatchNorm1d(16, DType.FLOAT32));
        b.add("relu1", Activations.relu());
        if (withBatchNormAndDropout) b.add("drop1", new Dropout(0.2));
        return b.add("fc2", new Linear(16, CLASSES, DType.FLOAT32, random)).build();
    }

    /** The mean exact squared Frobenius norm of the logits' Jacobian over a set, in inference mode. */
    private static double jacobianNorm(Module model, InMemoryDataset data) {
        model.setTraining(false);
        try (TensorScope scope = TensorScope.open();
             DataLoader loader = DataLoader.builder(data).batchSize(data.size()).build()) {
            Tensor x = loader.batches(null).iterator().next().features().detach().requiresGrad(true);
            return JacobianPenalty.exactSquaredNorm(x, model.forward(x), false).item();
        }
    }

    private static FitResult train(Sequential model, double lambda, InMemoryDataset data, InMemoryDataset test) throws Exception {
        try (Adam adam = new Adam(model.parameters(), 0.02);
             DataLoader train = DataLoader.builder(data).batchSize(30).shuffle(true).dropLast(true).build();
             DataLoader validation = DataLoader.builder(test).batchSize(64).build()) {
            List<LossTerm> loss = new ArrayList<>(List.of(LossTerms.crossEntropy()));
            if (lambda > 0) loss.add(LossTerms.jacobian(new JacobianPenalty(lambda, 1, JacobianPenalty.Target.LOGITS)));
            return Fit.builder(model, adam, train).epochs(15).seed(11).loss(loss.toArray(LossTerm[]::new))
                    .validation(validation).build().run();
        }
    }

    @Test
    void aUserDefinedThreeClassMlpTrainsWithTheJacobianPenalty() throws Exception {
        InMemoryDataset data = blobs(300, 1), test = blobs(150, 2);
        try (Sequential plain = mlp(5, false); Sequential penalized = mlp(5, false)) {
            FitResult a = train(plain, 0, data, test);
            FitResult b = train(penalized, 2.0, data, test);
            assertEquals(15, b.epochs().size());
            assertEquals(15L * 10, b.steps(), "15 epochs of 10 full batches");
            assertTrue(a.last().validationAccuracy() > 0.9, "accuracy " + a.last().validationAccuracy());
            assertTrue(b.last().validationAccuracy() > 0.9, "accuracy " + b.last().validationAccuracy());
            assertEquals(List.of("cross-entropy", "jacobian"), List.copyOf(new java.util.TreeMap<>(b.last().terms()).keySet()));
            assertTrue(b.last().terms().get("jacobian") > 0);
            assertEquals(b.last().loss(), b.last().terms().get("cross-entropy") + b.last().terms().get("jacobian"), 1e-5);
            // The penalty does what it is for: the trained net's input-output Jacobian is smaller.
            double plainNorm = jacobianNorm(plain, test), penalizedNorm = jacobianNorm(penalized, test);
            assertTrue(penalizedNorm < 0.5 * plainNorm, "penalized " + penalizedNorm + " vs plain " + plainNorm);
        }
    }

    /** A run with every source of state and randomness: batch norm, dropout, Adam, a schedule, noise, the penalty. */
    private FitResult resumable(Sequential model, Adam adam, int epochs, Path checkpoints, Path resumeFrom) throws Exception {
        Transform noise = (batch, random) -> batch.add(random.normal(batch.dtype(), batch.shape()).mul(0.1));
        try (DataLoader train = DataLoader.builder(blobs(100, 3)).batchSize(16).shuffle(true).transform(noise).build()) {
            Fit.Builder fit = Fit.builder(model, adam, train).epochs(epochs).seed(99)
                    .schedule(new LearningRateSchedule.Cosine()).clipGradNorm(5)
                    .loss(LossTerms.crossEntropy(), LossTerms.jacobian(new JacobianPenalty(0.3, 2, JacobianPenalty.Target.SOFTMAX)))
                    .callback(FitCallbacks.checkpointEvery(2, checkpoints));
            if (resumeFrom != null) fit.resumeFrom(resumeFrom);
            return fit.build().run();
        }
    }

    private static String sha256(Module model, Adam adam) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, Tensor> e : ModelFiles.state(model).entrySet()) {
            digest.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(e.getValue().toBytes());
        }
        for (Tensor t : adam.state().values()) digest.update(t.toBytes());
        return HexFormat.of().formatHex(digest.digest());
    }

    @Test
    void aRunResumedFromItsEpochTwoCheckpointEndsByteIdenticalToTheUninterruptedRun() throws Exception {
        Path uninterrupted = dir.resolve("a"), resumed = dir.resolve("b");
        String whole, again, atTwo;
        try (Sequential model = mlp(21, true); Adam adam = new Adam(model.parameters(), Adam.Settings.adamW(0.01))) {
            FitResult r = resumable(model, adam, 5, uninterrupted, null);
            assertEquals(5, r.epochs().size());
            whole = sha256(model, adam);
        }
        Path checkpoint = Checkpoint.fileFor(uninterrupted, 2);
        assertTrue(Files.isRegularFile(checkpoint));
        assertTrue(Files.isRegularFile(Checkpoint.fileFor(uninterrupted, 4)));
        // A different initialisation: everything the resumed run uses must come from the checkpoint.
        try (Sequential model = mlp(1234, true); Adam adam = new Adam(model.parameters(), Adam.Settings.adamW(0.01))) {
            Checkpoint.Info info = Checkpoint.load(checkpoint, model, adam);
            atTwo = sha256(model, adam);
            assertEquals(2, info.epoch());
            assertEquals(2L * 7, info.steps(), "7 batches of 16 out of 100 per epoch, the last one partial");
        }
        try (Sequential model = mlp(1234, true); Adam adam = new Adam(model.parameters(), Adam.Settings.adamW(0.01))) {
            FitResult r = resumable(model, adam, 5, resumed, checkpoint);
            assertEquals(3, r.firstEpoch());
            assertEquals(List.of(3, 4, 5), r.epochs().stream().map(EpochRecord::epoch).toList());
            assertEquals(5L * 7, r.steps());
            again = sha256(model, adam);
        }
        assertEquals(whole, again, "resumed at epoch 2, the weights and optimizer state end bit for bit the same");
        assertNotEquals(atTwo, whole, "epochs 3 to 5 changed the weights");
        assertArrayEquals(Files.readAllBytes(Checkpoint.fileFor(uninterrupted, 4)), Files.readAllBytes(Checkpoint.fileFor(resumed, 4)),
                "the epoch-4 checkpoints of both runs are the same bytes");
    }

    @Test
    void aCheckpointForAnotherArchitectureIsRefusedNamingTheTensor() throws Exception {
        Path file = dir.resolve("c.safetensors");
        try (Sequential model = mlp(1, false); Sgd sgd = new Sgd(model.parameters(), 0.1, 0.9, 0, false)) {
            Checkpoint.save(file, model, sgd, 1, 0);
        }
        RandomStream random = RandomStream.seeded(2);
        try (Sequential wider = Sequential.builder().add("fc1", new Linear(FEATURES, 17, DType.FLOAT32, random))
                .add("relu1", Activations.relu()).add("fc2", new Linear(17, CLASSES, DType.FLOAT32, random)).build();
             Sgd sgd = new Sgd(wider.parameters(), 0.1, 0.9, 0, false)) {
            float[] before = wider.parameters().get("fc2.weight").toFloatArray();
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> Checkpoint.load(file, wider, sgd));
            assertTrue(e.getMessage().contains("'optimizer/momentum_buffer.fc1.weight'"), e.getMessage());
            assertTrue(e.getMessage().contains("[16, 4], expected F32 [17, 4]"), e.getMessage());
            assertArrayEquals(before, wider.parameters().get("fc2.weight").toFloatArray(), "nothing was copied");
        }
        try (Sequential model = mlp(1, false); Adam adam = new Adam(model.parameters(), 0.1)) {
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> Checkpoint.load(file, model, adam));
            assertTrue(e.getMessage().endsWith("holds the state of a Sgd optimizer, not of a Adam"), e.getMessage());
        }
    }

    @Test
    void earlyStoppingStopRequestsAndProgressLines() throws Exception {
        InMemoryDataset data = blobs(60, 4);
        List<String> lines = new ArrayList<>();
        try (Sequential model = mlp(3, false); Sgd sgd = new Sgd(model.parameters(), 0.05);
             DataLoader train = DataLoader.builder(data).batchSize(20).build();
             DataLoader validation = DataLoader.builder(data).batchSize(60).build()) {
            // No epoch can improve by 1e9: the first sets the best, two more without improvement stop the run.
            FitResult r = Fit.builder(model, sgd, train).epochs(10).validation(validation)
                    .callback(FitCallbacks.progress(lines::add)).callback(FitCallbacks.earlyStopping(2, 1e9)).build().run();
            assertEquals(3, r.epochs().size());
            assertTrue(r.stopped());
            assertEquals(3, lines.size());
            assertTrue(lines.get(0).matches("epoch 1/10  lr 0\\.0500000  loss [0-9.]+  validation loss [0-9.]+ accuracy [0-9.]+%"),
                    lines.get(0));
        }
        try (Sequential model = mlp(3, false); Sgd sgd = new Sgd(model.parameters(), 0.05);
             DataLoader train = DataLoader.builder(data).batchSize(20).build()) {
            AtomicInteger polls = new AtomicInteger();
            FitResult r = Fit.builder(model, sgd, train).epochs(10).stopWhen(() -> polls.incrementAndGet() > 4).build().run();
            assertTrue(r.stopped());
            assertEquals(4, sgd.steps(), "stopped before the fifth batch");
            assertEquals(List.of(3, 1), r.epochs().stream().map(EpochRecord::batches).toList());
        }
    }

    @Test
    void aModelWhoseOutputDoesNotMatchTheClassCountIsAClearError() {
        RandomStream random = RandomStream.seeded(2);
        try (Sequential model = Sequential.builder().add("fc", new Linear(FEATURES, 5, DType.FLOAT32, random)).build();
             Sgd sgd = new Sgd(model.parameters(), 0.1);
             DataLoader train = DataLoader.builder(blobs(30, 1)).batchSize(10).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Fit.builder(model, sgd, train).build().run());
            assertEquals("the model's output has shape [10, 5] but the data has 3 classes: a classifier must output B×3 (one column"
                    + " per class)", e.getMessage());
            assertEquals(0, sgd.steps());
        }
        try (Sequential model = mlp(1, false); Sgd sgd = new Sgd(model.parameters(), 0.1);
             DataLoader train = DataLoader.builder(blobs(3, 1)).build()) {
            assertEquals("epochs must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                    () -> Fit.builder(model, sgd, train).epochs(0)).getMessage());
        }
        assertTrue(Autograd.isGradEnabled(), "the run leaves gradient mode as it found it");
    }

    @Test
    void aUserScheduleDrivesTheRateAndEachEpochLogsItsRate() throws Exception {
        LearningRateSchedule halving = new LearningRateSchedule() {
            @Override
            public double rate(double base, int iteration, int perEpoch, int iterations) {
                return base / (1 << (iteration / perEpoch));
            }

            @Override
            public String describe() {
                return "halving";
            }
        };
        // Plain SGD on one full batch of a linear model: the update is −rate·gradient, so the rate shows in the weights.
        InMemoryDataset data = blobs(30, 6);
        RandomStream random = RandomStream.seeded(8);
        try (Sequential model = Sequential.builder().add("fc", new Linear(FEATURES, CLASSES, DType.FLOAT32, random)).build();
             Sequential twin = Sequential.builder().add("fc", new Linear(FEATURES, CLASSES, DType.FLOAT32, RandomStream.seeded(8))).build();
             Sgd sgd = new Sgd(model.parameters(), 0.4); Sgd manual = new Sgd(twin.parameters(), 0.4);
             DataLoader train = DataLoader.builder(data).batchSize(30).build()) {
            FitResult r = Fit.builder(model, sgd, train).epochs(3).schedule(halving).build().run();
            assertEquals(List.of(0.4, 0.2, 0.1), r.epochs().stream().map(EpochRecord::learningRate).toList());
            for (double rate : new double[]{0.4, 0.2, 0.1}) {
                try (TensorScope scope = TensorScope.open()) {
                    dev.jacreg.data.Batch batch = train.batches(null).iterator().next();
                    Tensor targets = dev.jacreg.Functional.oneHot(batch.labels(), CLASSES).to(DType.FLOAT32);
                    RegularizedLoss.crossEntropy(twin.forward(batch.features()), targets).backward();
                    List<Tensor> gradients = new ArrayList<>();
                    for (Tensor p : manual.parameters()) {
                        gradients.add(p.grad());
                        p.clearGrad();
                    }
                    manual.step(gradients, rate);
                }
            }
            assertArrayEquals(twin.parameters().get("fc.weight").toFloatArray(), model.parameters().get("fc.weight").toFloatArray());
        }
    }

    @Test
    void resumingFromAnotherSeedOrFromPlainWeightsIsRefusedBeforeAnythingChanges() throws Exception {
        Path checkpoint = dir.resolve("c.safetensors"), weights = dir.resolve("w.safetensors");
        try (Sequential model = mlp(1, false); Sgd sgd = new Sgd(model.parameters(), 0.1)) {
            Checkpoint.save(checkpoint, model, sgd, 1, 5);
            ModelFiles.save(model, weights);
        }
        try (Sequential model = mlp(2, false); Sgd sgd = new Sgd(model.parameters(), 0.1);
             DataLoader train = DataLoader.builder(blobs(30, 1)).batchSize(10).build()) {
            float[] before = model.parameters().get("fc1.weight").toFloatArray();
            IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                    () -> Fit.builder(model, sgd, train).epochs(3).seed(6).resumeFrom(checkpoint).build().run());
            assertEquals("checkpoint " + checkpoint + " was written by a run with seed 5, this one has seed 6: a resumed run must use"
                    + " its checkpoint's seed", seed.getMessage());
            SafeTensorsFormatException plain = assertThrows(SafeTensorsFormatException.class,
                    () -> Fit.builder(model, sgd, train).epochs(3).resumeFrom(weights).build().run());
            assertEquals(weights + " is not a jacreg checkpoint (metadata 'format' is missing, expected 'jacreg-checkpoint-1')",
                    plain.getMessage());
            assertArrayEquals(before, model.parameters().get("fc1.weight").toFloatArray());
            assertEquals(0, sgd.steps());
        }
    }
}
