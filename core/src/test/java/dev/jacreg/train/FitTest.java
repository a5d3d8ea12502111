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

    private static String sha256(Module model, dev.jacreg.optim.Optimizer optimizer) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, Tensor> e : ModelFiles.state(model).entrySet()) {
            digest.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(e.getValue().toBytes());
        }
        for (Tensor t : optimizer.state().values()) digest.update(t.toBytes());
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

    /** A run with early stopping and a checkpoint every epoch; the SHA-256 of the weights and optimizer state at its end. */
    private static FitResult earlyStopped(Sequential model, Sgd sgd, Path checkpoints, Path resumeFrom) throws Exception {
        return earlyStopped(model, sgd, checkpoints, resumeFrom, false);
    }

    /** {@code checkpointFirst}: the callbacks in the other order, so the early stopping's saved state is not its own. */
    private static FitResult earlyStopped(Sequential model, Sgd sgd, Path checkpoints, Path resumeFrom, boolean checkpointFirst)
            throws Exception {
        try (DataLoader train = DataLoader.builder(blobs(90, 12)).batchSize(15).shuffle(true).build();
             DataLoader validation = DataLoader.builder(blobs(60, 13)).batchSize(25).build()) {
            Fit.Builder fit = Fit.builder(model, sgd, train).epochs(40).seed(5).validation(validation);
            FitCallback stopping = FitCallbacks.earlyStopping(3, 0.02), saving = FitCallbacks.checkpointEvery(1, checkpoints);
            if (checkpointFirst) fit.callback(saving).callback(stopping);
            else fit.callback(stopping).callback(saving);
            if (resumeFrom != null) fit.resumeFrom(resumeFrom);
            return fit.build().run();
        }
    }

    @Test
    void aRunWithEarlyStoppingResumedFromACheckpointStopsAtTheSameEpochWithTheSameWeights() throws Exception {
        Path uninterrupted = dir.resolve("a"), resumed = dir.resolve("b"), atStop = dir.resolve("c");
        String whole;
        int stopEpoch;
        try (Sequential model = mlp(31, false); Sgd sgd = new Sgd(model.parameters(), 0.3, 0.9, 0, false)) {
            FitResult r = earlyStopped(model, sgd, uninterrupted, null);
            assertTrue(r.stopped(), "early stopping ended the run");
            stopEpoch = r.last().epoch();
            assertTrue(stopEpoch < 40, "stopped at " + stopEpoch);
            whole = sha256(model, sgd);
        }
        // The latest checkpoint before the stop whose patience count is under way: a fresh early stopping would start
        // its count at 0 there and stop later, so only the saved state makes the resumed run stop where this one did.
        int resumeEpoch = 0;
        for (int e = 1; e < stopEpoch; e++) {
            Map<String, String> state = Checkpoint.info(Checkpoint.fileFor(uninterrupted, e)).callbackState(0);
            assertEquals(2, state.size(), "epoch " + e + ": " + state);
            assertTrue(Checkpoint.info(Checkpoint.fileFor(uninterrupted, e)).callbackState(1).isEmpty(), "checkpoints keep no state");
            if (Integer.parseInt(state.get("epochs_without_improvement")) > 0) resumeEpoch = e;
        }
        assertTrue(resumeEpoch > 0, "some epoch before the stop did not improve");
        Map<String, String> atResume = Checkpoint.info(Checkpoint.fileFor(uninterrupted, resumeEpoch)).callbackState(0);
        try (Sequential model = mlp(77, false); Sgd sgd = new Sgd(model.parameters(), 0.3, 0.9, 0, false)) {
            FitResult r = earlyStopped(model, sgd, resumed, Checkpoint.fileFor(uninterrupted, resumeEpoch));
            assertTrue(r.stopped());
            assertEquals(stopEpoch, r.last().epoch(), "resumed at epoch " + resumeEpoch + " with state " + atResume);
            assertEquals(whole, sha256(model, sgd), "the same weights and momentum, bit for bit");
        }
        assertArrayEquals(Files.readAllBytes(Checkpoint.fileFor(uninterrupted, stopEpoch)),
                Files.readAllBytes(Checkpoint.fileFor(resumed, stopEpoch)), "the stop epoch's checkpoints are the same bytes");
        // The control: resumed with the callbacks swapped, early stopping finds no state of its own and starts afresh,
        // so the run goes on past the epoch the uninterrupted one stopped at.
        try (Sequential model = mlp(77, false); Sgd sgd = new Sgd(model.parameters(), 0.3, 0.9, 0, false)) {
            FitResult r = earlyStopped(model, sgd, dir.resolve("d"), Checkpoint.fileFor(uninterrupted, resumeEpoch), true);
            assertTrue(r.last().epoch() > stopEpoch, "without its state early stopping stopped at " + r.last().epoch());
        }
        // Resumed from the epoch it stopped at, the run has nothing left to train.
        try (Sequential model = mlp(77, false); Sgd sgd = new Sgd(model.parameters(), 0.3, 0.9, 0, false)) {
            FitResult r = earlyStopped(model, sgd, atStop, Checkpoint.fileFor(uninterrupted, stopEpoch));
            assertTrue(r.stopped());
            assertTrue(r.epochs().isEmpty(), "trained " + r.epochs());
            assertEquals(whole, sha256(model, sgd));
        }
    }

    @Test
    void anEarlyStoppingStateThatIsNotANumberIsRefusedNamingTheCheckpoint() throws Exception {
        Path checkpoint = dir.resolve("c.safetensors");
        try (Sequential model = mlp(1, false); Sgd sgd = new Sgd(model.parameters(), 0.1)) {
            Checkpoint.save(checkpoint, model, sgd, 1, 0, List.of(Map.of("best_validation_loss", "low", "epochs_without_improvement", "1")));
        }
        InMemoryDataset data = blobs(30, 1);
        try (Sequential model = mlp(2, false); Sgd sgd = new Sgd(model.parameters(), 0.1);
             DataLoader train = DataLoader.builder(data).batchSize(10).build()) {
            float[] before = model.parameters().get("fc1.weight").toFloatArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fit.builder(model, sgd, train).epochs(3)
                    .validation(train).callback(FitCallbacks.earlyStopping(2, 0)).resumeFrom(checkpoint).build().run());
            assertEquals("checkpoint " + checkpoint + ", callback 0: early-stopping state best_validation_loss=low, "
                    + "epochs_without_improvement=1 is not a number and a count", e.getMessage());
            assertArrayEquals(before, model.parameters().get("fc1.weight").toFloatArray());
        }
    }

    /** A loss term that is zero but, on its {@code poisonedCall}-th call, NaN or of NaN gradient. */
    private static LossTerm poison(int poisonedCall, boolean inTheGradient) {
        AtomicInteger calls = new AtomicInteger();
        return new LossTerm() {
            @Override
            public String name() {
                return "poison";
            }

            @Override
            public Tensor compute(Context context) {
                Tensor zero = context.output().mul(0).sum();
                if (calls.incrementAndGet() != poisonedCall) return zero;
                // sqrt's derivative at 0 is infinite, abs's is 0 there: the chain rule gives NaN, the value stays 0.
                return inTheGradient ? context.output().mul(0).abs().sqrt().sum() : zero.add(Double.NaN);
            }
        };
    }

    /** Trains until the poisoned step; the state after each finished step is recorded by a callback. */
    private static void assertStopsBeforeThePoisonedStep(boolean inTheGradient) throws Exception {
        List<String> states = new ArrayList<>();
        try (Sequential model = mlp(4, true); Adam adam = new Adam(model.parameters(), 0.01);
             DataLoader train = DataLoader.builder(blobs(60, 9)).batchSize(20).shuffle(true).build()) {
            states.add(sha256(model, adam));
            FitCallback recorder = new FitCallback() {
                @Override
                public void onBatchEnd(Control control, int epoch, int batch, double loss) {
                    try {
                        states.add(sha256(model, adam));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            };
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> Fit.builder(model, adam, train).epochs(4)
                    .loss(LossTerms.crossEntropy(), poison(5, inTheGradient)).callback(recorder).build().run());
            assertEquals(5, e.iteration());
            assertEquals(2, e.epoch());
            assertEquals(inTheGradient ? NonFiniteLossException.Part.GRADIENT : NonFiniteLossException.Part.LOSS, e.part());
            String where = " at epoch 2, batch 2 (step 5 of the run): ";
            String expected = inTheGradient ? "non-finite gradient (norm NaN)" + where + "loss " : "non-finite loss NaN" + where
                    + "terms cross-entropy ";
            assertTrue(e.getMessage().startsWith(expected), e.getMessage());
            assertTrue(e.getMessage().contains(inTheGradient ? ", poison 0.0); the step was not applied, so the model keeps the "
                    + "weights of step 4" : ", poison NaN; the step was not applied"), e.getMessage());
            assertEquals(4, adam.steps());
            assertEquals(5, states.size(), "the initial state and 4 steps");
            assertEquals(states.get(4), sha256(model, adam), "parameters, batch-norm statistics and Adam's moments of step 4");
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunBeforeItsStepWithTheLastFiniteWeights() throws Exception {
        assertStopsBeforeThePoisonedStep(false);
    }

    @Test
    void aNonFiniteGradientStopsTheRunBeforeItsStepWithTheLastFiniteWeights() throws Exception {
        assertStopsBeforeThePoisonedStep(true);
    }
}
