package dev.jacreg.cli;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigitCache;
import dev.jacreg.experiment.DataSource;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.experiment.RunSetting;
import dev.jacreg.experiment.WeightsMetadata;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.TrainingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code experiment}, {@code train} and {@code evaluate} given the same settings build the same initial nets and
 * the same noisy test copies. Runs stopped before their first iteration save the initial weights, which are compared
 * byte for byte across the commands; the mean image is checked against the per-pixel mean computed here from the
 * data seed's images, and evaluate's inputs, recovered from the experiment's weights file, give the experiment's
 * noisy copies and its accuracy table. 64 + 32 images, no training.
 */
class SharedSpecTest {
    private static final String DATA = "synthetic:64,32";
    private static final long SEED = 7, DATA_SEED = 3;
    private static final double[] LEVELS = {0, 0.3};

    @TempDir
    static Path dir;

    private static Path cache() {
        return dir.resolve("cache");
    }

    /** The same data, seeds and loop for every command; only the output folder and the training seed vary. */
    private static List<String> args(String command, long seed, String out, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--data", DATA, "--epochs", "1", "--seed", Long.toString(seed),
                "--data-seed", Long.toString(DATA_SEED), "--out", dir.resolve(out).toString(), "--cache-dir",
                cache().toString()));
        args.addAll(List.of(more));
        return args;
    }

    /** A run whose stop request is on from the start: nothing is trained, the initial weights are saved. */
    private static void runStopped(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = JacregCli.run(args.toArray(String[]::new), o, e, () -> true);
        }
        assertEquals(JacregCli.STOPPED, code, () -> err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void runTheCommands() {
        runStopped(args("experiment", SEED, "experiment", "--noise-levels", "0,0.3"));
        runStopped(args("train", SEED, "train"));
        runStopped(args("train", SEED, "train", "--lambda", "0", "--overwrite"));  // beside the first net
        runStopped(args("train", SEED + 1, "other-seed"));
    }

    private static Map<String, byte[]> tensors(Path file) throws IOException {
        Map<String, byte[]> all = new LinkedHashMap<>();
        for (SafeTensorsEntry e : SafeTensors.read(file).tensors().values()) {
            var data = e.data();
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            all.put(e.name(), bytes);
        }
        return all;
    }

    private static void assertSameTensors(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name), actual.get(name), what + ": " + name);
    }

    @Test
    void trainAndExperimentStartFromTheSameWeights() throws IOException {
        Map<String, byte[]> experimentJacobian = tensors(dir.resolve("experiment/jacobian.safetensors"));
        Map<String, byte[]> experimentReference = tensors(dir.resolve("experiment/reference.safetensors"));
        assertSameTensors(experimentJacobian, tensors(dir.resolve("train/jacobian.safetensors")), "train, lambda 1");
        assertSameTensors(experimentReference, tensors(dir.resolve("train/reference.safetensors")), "train, lambda 0");
        assertSameTensors(experimentJacobian, experimentReference, "the experiment's two nets");

        // Not equal by accident: another training seed gives other weights, on the same data.
        Map<String, byte[]> other = tensors(dir.resolve("other-seed/jacobian.safetensors"));
        assertFalse(java.util.Arrays.equals(experimentJacobian.get("conv1.weight"), other.get("conv1.weight")));
        assertArrayEquals(experimentJacobian.get(SeedNetwork.MEAN_IMAGE), other.get(SeedNetwork.MEAN_IMAGE));
    }

    @Test
    void theMeanImageIsTheDataSeedsTrainingMean() throws IOException {
        DigitDataset train = SyntheticDigitCache.loadOrGenerate(cache(), 64, 32, DATA_SEED)[0];
        int pixels = train.height() * train.width();
        float[] all = train.pixels();
        float[] mean = SafeTensors.read(dir.resolve("train/jacobian.safetensors")).get(SeedNetwork.MEAN_IMAGE).toFloatArray();
        assertEquals(pixels, mean.length);
        for (int p = 0; p < pixels; p++) {
            double sum = 0;
            for (int i = 0; i < train.count(); i++) sum += all[i * pixels + p];
            assertEquals(sum / train.count(), mean[p], 1e-6, "pixel " + p);
        }
    }

    @Test
    void bothCommandsRecordTheSameSettings() throws IOException {
        Map<String, String> experiment = SafeTensors.read(dir.resolve("experiment/jacobian.safetensors")).metadata();
        Map<String, String> train = new LinkedHashMap<>(SafeTensors.read(dir.resolve("train/jacobian.safetensors")).metadata());
        assertTrue(train.remove(WeightsMetadata.CLEAN_TEST_ACCURACY) != null, "train records its clean accuracy");
        // The commands' one different default: experiment records per-iteration diagnostics, train does not.
        String diagnostics = RunSetting.DIAGNOSTICS.key();
        assertEquals("false", train.put(diagnostics, experiment.get(diagnostics)));
        assertEquals("true", experiment.get(diagnostics));
        assertEquals(experiment, train);
        WeightsMetadata parsed = WeightsMetadata.parse(experiment);
        assertEquals(SEED, parsed.settings().training().seed());
        assertEquals(DATA_SEED, parsed.settings().dataSeed());
        assertEquals(0, parsed.iterations());
    }

    @Test
    void evaluateRebuildsTheExperimentsNoisyCopies() throws IOException {
        Path file = dir.resolve("experiment/jacobian.safetensors");
        SafeTensorsFile contents = SafeTensors.read(file);
        EvaluateInputs inputs = EvaluateInputs.of(file, contents.metadata(), null, null, null, cache());
        assertEquals(SEED, inputs.noiseSeed());
        assertEquals(DATA_SEED, inputs.dataSeed());

        // The experiment's side, from its settings as the command line gave them.
        TrainingConfig training = TrainingConfig.reference(SEED).withEpochs(1);
        ExperimentSpec spec = new ExperimentSpec(new ExperimentConfig(training, JacobianPenalty.reference(),
                new DataSource.Synthetic(64, 32, cache()), dir, LEVELS, 0.15, 500, DType.FLOAT32, DATA_SEED));
        DigitDataset evaluateTest = inputs.data().load(inputs.dataSeed())[1];
        try (DeviceDataset experimentSet = spec.onDevice(spec.loadData()[1]);
             DeviceDataset evaluateSet = new DeviceDataset(evaluateTest, DType.FLOAT32);
             TensorScope scope = TensorScope.open()) {
            float[] clean = experimentSet.images().toFloatArray();
            assertArrayEquals(clean, evaluateSet.images().toFloatArray(), "the same test images");
            for (int i = 0; i < LEVELS.length; i++) {
                Tensor experimentCopy = spec.noisyTestImages(experimentSet.images(), i);
                Tensor evaluateCopy = ExperimentSpec.noisyCopy(evaluateSet.images(), LEVELS[i], inputs.noiseSeed(), i);
                float[] copy = experimentCopy.toFloatArray();
                assertArrayEquals(copy, evaluateCopy.toFloatArray(), "noise level " + LEVELS[i]);
                int changed = 0;
                for (int p = 0; p < copy.length; p++) if (copy[p] != clean[p]) changed++;
                double share = (double) changed / copy.length;
                // Replaced pixels take uniform values, so about the level's share differs from the clean image.
                assertEquals(LEVELS[i], share, 0.05, "share of pixels changed at level " + LEVELS[i]);
            }
        }

        // And end to end: evaluate on the experiment's two files repeats its accuracy table.
        Path out = dir.resolve("evaluate");
        JacregCliTest.Run r = JacregCliTest.run("evaluate", "--model", dir.resolve("experiment/reference.safetensors").toString(),
                "--model", file.toString(), "--noise-levels", "0,0.3", "--out", out.toString(), "--cache-dir", cache().toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readAllLines(dir.resolve("experiment/accuracy.csv")), Files.readAllLines(out.resolve("accuracy.csv")));
    }
}
