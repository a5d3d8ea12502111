package dev.jacreg.attack;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Idx;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Attacks on a small trained seed network (2 epochs on 1,000 synthetic digits, 300 test images): accuracy falls with
 * ε, PGD is at least as strong as FGSM, and bench/baselines/python/attack_check.py — an independent PyTorch implementation
 * reading the same weights file and IDX test set — gets the same adversarial accuracies.
 */
class AttackOnTrainedNetTest {
    private static final int TEST = 300;
    private static final double[] LINF = {0, 0.02, 0.05, 0.1, 0.2};
    private static final double[] L2 = {0, 0.5, 1, 2, 3};
    private static final int CHUNK = 100;

    @TempDir
    static Path dir;
    static Sequential net;
    static DeviceDataset test;
    static Path weights;

    @BeforeAll
    static void train() throws IOException {
        DigitDataset[] sets = SyntheticDigits.trainAndTest(1000, TEST, 5);
        // The test set goes through IDX (pixels rounded to bytes), so Java and Python see identical images.
        Idx.writeDirectory(sets[1], dir, "test", false);
        DigitDataset testSet = Idx.readDirectory(dir, "test");
        try (DeviceDataset train = new DeviceDataset(sets[0], DType.FLOAT32); TensorScope scope = TensorScope.open()) {
            net = SeedNetwork.create(train.meanImage(), 28, 28, DType.FLOAT32, RandomStream.seeded(11));
            new Trainer(TrainingConfig.reference(3).withEpochs(2), RegularizedLoss.plain(), RandomStream.seeded(12))
                    .train(net, train, p -> {}, () -> false);
        }
        test = new DeviceDataset(testSet, DType.FLOAT32);
        weights = dir.resolve("net.safetensors");
        ModelFiles.save(net, weights, Map.of());
    }

    @AfterAll
    static void free() {
        if (net != null) net.close();
        if (test != null) test.close();
    }

    private static double[] sweep(Attack attack, double[] eps) {
        try (TensorScope scope = TensorScope.open()) {
            return AttackSweep.accuracy(net, attack, test.images(), test.labels(), eps, CHUNK, i -> RandomStream.seeded(i));
        }
    }

    @Test
    void accuracyFallsWithEpsilonAndPgdIsAtLeastAsStrongAsFgsm() {
        double clean;
        try (TensorScope scope = TensorScope.open()) {
            clean = Evaluator.accuracy(net, test.images(), test.labels(), CHUNK);
        }
        assertTrue(clean > 0.6, "the net must have learnt something for attacks to mean anything: " + clean);
        double oneImage = 1.0 / TEST;
        for (Norm norm : Norm.values()) {
            double[] eps = norm == Norm.LINF ? LINF : L2;
            double[] fgsm = sweep(new Fgsm(norm), eps);
            double[] pgd = sweep(new Pgd(norm, 8, Double.NaN, true), eps);
            System.out.printf("%s: clean %.4f, FGSM %s, PGD-8 %s%n", norm, clean, java.util.Arrays.toString(fgsm),
                    java.util.Arrays.toString(pgd));
            assertEquals(clean, fgsm[0], 1e-12, "ε = 0 is the clean accuracy");
            assertEquals(clean, pgd[0], 1e-12);
            for (int i = 1; i < eps.length; i++) {
                // PGD with 8 steps searches the ball well enough to be monotone in practice; FGSM only roughly.
                assertTrue(pgd[i] <= pgd[i - 1] + oneImage, norm + " PGD accuracy rose from ε " + eps[i - 1] + " to "
                        + eps[i] + ": " + pgd[i - 1] + " → " + pgd[i]);
                assertTrue(fgsm[i] <= fgsm[i - 1] + 0.02, norm + " FGSM accuracy rose: " + fgsm[i - 1] + " → " + fgsm[i]);
                assertTrue(pgd[i] <= fgsm[i] + 2 * oneImage, norm + " PGD weaker than FGSM at ε " + eps[i]);
            }
            assertTrue(pgd[eps.length - 1] < clean / 2, norm + " PGD at the largest ε barely hurt: " + pgd[eps.length - 1]);
        }
    }

    /**
     * Every stronger attack fools (nearly) every image FGSM fools at the same ε, on the first 100 test images. Not
     * exactly all: FGSM's single full step can land in a misclassified pocket that a search maximizing another
     * objective (targeted DLR, the margin by random squares) or starting elsewhere never visits; we allow 2 images
     * in 100, the rate at which such pockets show up in practice (Croce & Hein report AutoAttack below the best of
     * the other attacks on every model they tried, by 0.0 to 1.8 points).
     */
    @Test
    void strongerAttacksFoolWhatFgsmFools() {
        int n = 100, allowed = 2;
        try (TensorScope scope = TensorScope.open()) {
            Tensor images = test.images().narrow(0, 0, n), labels = test.labels().narrow(0, 0, n);
            for (Norm norm : Norm.values()) {
                double eps = norm == Norm.LINF ? 0.1 : 1.0;
                boolean[] byFgsm = AttackMath.misclassified(net, new Fgsm(norm).perturb(net, images, labels, eps, null), labels);
                int fgsmCount = count(byFgsm);
                assertTrue(fgsmCount > 10 && fgsmCount < 90, norm + ": FGSM must fool some but not all: " + fgsmCount);
                List<Attack> attacks = new ArrayList<>(List.of(new Pgd(norm, 10, Double.NaN, true, 2),
                        new Apgd(norm, Apgd.Loss.CE, 20, 1, 9), new Apgd(norm, Apgd.Loss.TARGETED_DLR, 10, 1, 9),
                        new AutoAttack(norm, 10, 300)));
                // Not the L2 Square: a black box with 1,000 queries is weaker than one L2 gradient step here (at ε 1
                // it fooled 31 images to FGSM's 37, missing 6 of them); SquareL2Test judges it against the optimum.
                if (norm == Norm.LINF) attacks.add(new Square(norm, 1000, Square.DEFAULT_P_INIT));
                for (Attack attack : attacks) {
                    boolean[] fooled = AttackMath.misclassified(net,
                            attack.perturb(net, images, labels, eps, RandomStream.seeded(4)), labels);
                    int missed = 0;
                    for (int i = 0; i < n; i++) if (byFgsm[i] && !fooled[i]) missed++;
                    System.out.printf("%s at ε %s: FGSM fools %d, %s fools %d, misses %d of FGSM's%n", norm, eps,
                            fgsmCount, attack, count(fooled), missed);
                    assertTrue(missed <= allowed, attack + " missed " + missed + " of the images FGSM fools");
                }
            }
        }
    }

    private static int count(boolean[] flags) {
        int c = 0;
        for (boolean f : flags) if (f) c++;
        return c;
    }

    @Test
    void pythonBaselineComputesTheSameAdversarialAccuracies() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && run(List.of(python.toString(), "-c", "import torch")).exitCode == 0,
                "/usr/bin/python3 with PyTorch is not available, so the Python cross-check cannot run");
        Path script = findScript();
        for (Norm norm : Norm.values()) {
            double[] eps = norm == Norm.LINF ? LINF : L2;
            double[] fgsm = sweep(new Fgsm(norm), eps);
            double[] pgd = sweep(new Pgd(norm, 5, Double.NaN, false), eps);
            assertTrue(pgd[eps.length - 1] < pgd[0] - 0.2, "the comparison must cover attacks that bite: " + pgd[eps.length - 1]);
            List<String> command = new ArrayList<>(List.of(python.toString(), script.toString(), "--weights",
                    weights.toString(), "--data", dir.toString(), "--attacks", "fgsm,pgd", "--norm", norm.label(),
                    "--epsilons", join(eps), "--pgd-steps", "5", "--chunk", Integer.toString(CHUNK)));
            Result r = run(command);
            assertEquals(0, r.exitCode, "attack_check.py failed:\n" + r.output);
            double[] pyFgsm = numbers(r.output, "fgsm"), pyPgd = numbers(r.output, "pgd");
            // "Within one image per thousand", and never less than one image.
            System.out.printf("%s: Java FGSM %s PGD %s; Python FGSM %s PGD %s%n", norm, java.util.Arrays.toString(fgsm),
                    java.util.Arrays.toString(pgd), java.util.Arrays.toString(pyFgsm), java.util.Arrays.toString(pyPgd));
            double tolerance = Math.max(1.0, TEST / 1000.0) / TEST + 1e-9;
            assertArrayEquals(pyFgsm, fgsm, tolerance, norm + " FGSM, Python " + r.output);
            assertArrayEquals(pyPgd, pgd, tolerance, norm + " PGD, Python " + r.output);
        }
    }

    /**
     * bench/baselines/python/apgd_check.py, a PyTorch implementation of APGD-CE on the same weights and test set, gets
     * the same robust accuracies within 1 point, the bar of issue 21. Not exactly: its random starts come from torch's
     * generator, not jacreg's stream, and an image near the boundary of the attack's reach may fall either way with the
     * start; 1 point is 3 of the 300 images. (Both give identical accuracies at every radius and norm here; the
     * robustness study found one pair 2 images of 100 apart, inside PyTorch's own spread over random starts.)
     */
    @Test
    void pythonApgdComputesTheSameRobustAccuracies() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && run(List.of(python.toString(), "-c", "import torch")).exitCode == 0,
                "/usr/bin/python3 with PyTorch is not available, so the Python cross-check cannot run");
        Path script = findScript("bench/baselines/python/apgd_check.py");
        for (Norm norm : Norm.values()) {
            double[] eps = norm == Norm.LINF ? new double[]{0, 0.05, 0.1} : new double[]{0, 0.5, 1.5};
            double[] ours = sweep(new Apgd(norm, Apgd.Loss.CE, 20, 1, 9), eps);
            Result r = run(List.of(python.toString(), script.toString(), "--weights", weights.toString(), "--data",
                    dir.toString(), "--norm", norm.label(), "--epsilons", join(eps), "--iterations", "20"));
            assertEquals(0, r.exitCode, "apgd_check.py failed:\n" + r.output);
            double[] py = numbers(r.output, "apgd-ce");
            System.out.printf("%s APGD-CE: Java %s, Python %s%n", norm, java.util.Arrays.toString(ours),
                    java.util.Arrays.toString(py));
            assertTrue(ours[eps.length - 1] < ours[0] - 0.2, "the comparison must cover radii that bite");
            assertArrayEquals(py, ours, 0.01 + 1e-9, norm + " APGD-CE, Python " + r.output);
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, out);
        }
        return new Result(p.exitValue(), out);
    }

    private static Path findScript() {
        return findScript("bench/baselines/python/attack_check.py");
    }

    private static Path findScript(String path) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path script = d.resolve(path);
            if (Files.isRegularFile(script)) return script;
        }
        throw new AssertionError(path + " not found above " + Path.of("").toAbsolutePath());
    }

    private static String join(double[] values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) s.append(s.isEmpty() ? "" : ",").append(v);
        return s.toString();
    }

    /** The list under "key" in the script's JSON line. */
    private static double[] numbers(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \\[([^\\]]*)]").matcher(json);
        assertTrue(m.find(), "no " + key + " in " + json);
        String[] parts = m.group(1).split(",");
        double[] values = new double[parts.length];
        for (int i = 0; i < parts.length; i++) values[i] = Double.parseDouble(parts[i].trim());
        return values;
    }
}
