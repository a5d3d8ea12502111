package dev.jacreg.bench;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.Noise;
import dev.jacreg.experiment.ExperimentConfig;
import dev.jacreg.experiment.ExperimentSpec;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.SgdMomentum;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Java side of bench/drivers/compare: same flags, same work and the same one-line JSON as
 * bench/baselines/cpp/step_bench.cpp and bench/baselines/python/step_bench.py, through jacreg's public API.
 *
 * <pre>
 * StepBench --case step_plain|step_jacobian[_ESTIMATOR[_everyK|_subset]]|inference_test_set|small_op|full_run
 *           [--threads N] [--warmup K] [--iters M] [--seed S] [--chunk C] [--calls N] [--epochs E] [--perf-ctl FIFO]
 *           [--batch B] [--image-size S] [--projections P]
 * </pre>
 *
 * <ul>
 *   <li>step_*: one training step at batch B (default 32) of S×S images (default 28) on batches pre-generated
 *       into a pool (50 batches, fewer above batch 32) and cycled: forward, cross-entropy (+ Jacobian penalty with
 *       fresh V for step_jacobian, {@link JacobianPenalty#reference()} with P projections, default 1), backward,
 *       {@link SgdMomentum} update, loss read back — all inside one {@link TensorScope}, all timed.
 *       step_jacobian_ESTIMATOR (projection, finite_difference; Java only: the baselines have step_jacobian, which
 *       is step_jacobian_projection): the penalty with that {@link JacobianPenalty.Estimator}; suffix _everyK (K = 2 … 9): on
 *       every K-th step only ({@link JacobianPenalty#every}), timed per group of K steps and divided by K; suffix _subset:
 *       on the first {@link #SUBSET} of each batch ({@link JacobianPenalty#subset}). Step cases also report the
 *       process's peak resident memory (VmHWM), batch, image size and projections.</li>
 *   <li>inference_test_set: {@link Evaluator#predict} over 5,000 random images in chunks of C (eval mode,
 *       no-grad, argmax), plus the checksum read back as the baselines do.</li>
 *   <li>small_op: {@code a.add(b)} on two 1-element float32 tensors and close of the result, inside an
 *       open scope, in blocks of 1,000; reports µs per call.</li>
 *   <li>full_run: the whole experiment minus file output, in one timed block, through the experiment's
 *       {@link ExperimentSpec} (its network and initial weights, {@link Trainer} and noise seeding, as
 *       {@link dev.jacreg.experiment.Experiment} uses them) with the baselines' loop ({@link
 *       TrainingConfig#reference}, no clipping, constant rate): the regularized net ({@link
 *       JacobianPenalty#reference()}) then the reference net ({@link RegularizedLoss#plain()}) train for
 *       E epochs each (default 15) on a {@link DeviceDataset} of 5,000 random images built from a
 *       DigitDataset; then the noise sweep ({@link ExperimentConfig#referenceNoiseLevels()}): per level a
 *       {@link Noise#replacePixels} copy of the 5,000-image test set and {@link Evaluator#accuracy} of both
 *       nets in chunks of C. Data and networks are made before the clock starts. Reports seconds (total),
 *       train_seconds and sweep_seconds. --epochs is ignored by the other cases.</li>
 * </ul>
 * Step cases also report CPU time, which a busy machine does not inflate: cpu_ms_median (the stepping thread,
 * per step) and process_cpu_ms_per_iter (every thread of the process — JIT, GC, libtorch — over the timed steps).
 * --perf-ctl FIFO (step cases): writes "enable" to a {@code perf record -D -1 --control fifo:FIFO} control FIFO
 * when the timed steps start and "disable" when they end, so the profile holds the timed steps only
 * (bench/drivers/jvm-share).
 * Defaults as in the baselines: 20 warm-up + 100 timed steps; 1 + 3 inference passes; 200,000 small ops.
 * stdout gets exactly one JSON line; notes go to stderr.
 */
public final class StepBench {
    private static final int SMALL_OP_BLOCK = 1000;
    private static final int SMALL_OP_WARMUP = 50_000;  // C++ warms up with 10,000; the JIT needs more to reach steady state

    private static final int TRAIN_IMAGES = 5000;  // full_run
    /** The fraction of each batch the penalty of the *_subset cases is computed on: 8 of the reference's 32 images. */
    static final double SUBSET = 0.25;
    /** step_jacobian[_ESTIMATOR[_everyK|_subset]]. */
    private static final java.util.regex.Pattern JACOBIAN_CASE =
            java.util.regex.Pattern.compile("step_jacobian(?:_(projection|finite_difference)(?:_(every([2-9])|subset))?)?");

    record Options(String benchCase, int threads, int warmup, int iters, long seed, long chunk, long calls,
                   int epochs, String perfControl, int batch, int imageSize, int projections) {}

    private StepBench() {}

    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("StepBench: " + e.getMessage());
            System.err.println("usage: StepBench --case step_plain|step_jacobian[_projection|_finite_difference[_everyK|_subset]]|"
                    + "inference_test_set|small_op|full_run"
                    + " [--threads N] [--warmup K] [--iters M] [--seed S] [--chunk C] [--calls N] [--epochs E]"
                    + " [--batch B] [--image-size S] [--projections P]");
            System.exit(2);
            return;
        }
        int threads = BenchSupport.configureThreads(o.threads());
        Torch.manualSeed(o.seed());
        String json = switch (o.benchCase()) {
            case "step_plain" -> steps(o, threads, null);
            case "inference_test_set" -> inference(o, threads);
            case "full_run" -> fullRun(o, threads);
            case "small_op" -> smallOp(o, threads);
            default -> steps(o, threads, penaltyOf(o));
        };
        System.out.println(json);
    }

    /** The penalty of a step_jacobian* case: the reference one with the case's estimator, interval or subset. */
    static JacobianPenalty penaltyOf(Options o) {
        java.util.regex.Matcher m = JACOBIAN_CASE.matcher(o.benchCase());
        if (!m.matches()) throw new IllegalArgumentException("not a penalised step case: " + o.benchCase());
        JacobianPenalty reference = JacobianPenalty.reference();
        JacobianPenalty p = new JacobianPenalty(reference.lambda(), o.projections(), reference.target());
        if (m.group(1) != null) p = p.withEstimator(JacobianPenalty.Estimator.valueOf(m.group(1).toUpperCase(Locale.ROOT)));
        if (m.group(3) != null) p = p.withEvery(Integer.parseInt(m.group(3)));
        if ("subset".equals(m.group(2))) p = p.withSubset(SUBSET);
        return p;
    }

    static Options parse(String[] args) {
        String benchCase = "step_jacobian";
        int threads = 1;
        int warmup = -1;
        int iters = -1;
        long seed = 0;
        long chunk = Evaluator.DEFAULT_CHUNK;
        long calls = 200_000;
        int epochs = 15;
        String perfControl = null;
        int batch = BenchSupport.BATCH;
        int imageSize = BenchSupport.IMG;
        int projections = 1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("-h") || a.equals("--help")) throw new IllegalArgumentException("help");
            if (value == null) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value for " + a);
                value = args[++i];
            }
            try {
                switch (a) {
                    case "--case" -> benchCase = value;
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--iters" -> iters = Integer.parseInt(value);
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--chunk" -> chunk = Long.parseLong(value);
                    case "--calls" -> calls = Long.parseLong(value);
                    case "--epochs" -> epochs = Integer.parseInt(value);
                    case "--perf-ctl" -> perfControl = value;
                    case "--batch" -> batch = Integer.parseInt(value);
                    case "--image-size" -> imageSize = Integer.parseInt(value);
                    case "--projections" -> projections = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad value for " + a + ": " + value);
            }
        }
        if (!List.of("step_plain", "inference_test_set", "small_op", "full_run").contains(benchCase)
                && !JACOBIAN_CASE.matcher(benchCase).matches()) {
            throw new IllegalArgumentException("unknown case " + benchCase);
        }
        if (batch < 2) throw new IllegalArgumentException("--batch must be >= 2");
        if (imageSize < dev.jacreg.nn.SeedNetwork.MIN_SIZE) {
            throw new IllegalArgumentException("--image-size must be >= " + dev.jacreg.nn.SeedNetwork.MIN_SIZE);
        }
        if (projections < 1) throw new IllegalArgumentException("--projections must be >= 1");
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1");
        if (chunk < 1) throw new IllegalArgumentException("--chunk must be >= 1");
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1");
        boolean inference = benchCase.equals("inference_test_set");
        if (warmup < 0) warmup = inference ? 1 : 20;
        if (iters < 0) iters = inference ? 3 : 100;
        if (iters < 1) throw new IllegalArgumentException("--iters must be >= 1");
        return new Options(benchCase, threads, warmup, iters, seed, chunk, calls, epochs, perfControl, batch, imageSize,
                projections);
    }

    // ---- cases -------------------------------------------------------------------------------------

    /** @param jacobian the penalty of step_jacobian*, null for step_plain */
    private static String steps(Options o, int threads, JacobianPenalty jacobian) {
        int batch = o.batch(), size = o.imageSize();
        // The same number of pool images as at batch 32 (at least 4 batches), so memory grows with the step, not the pool.
        int poolBatches = Math.max(4, BenchSupport.POOL_BATCHES * BenchSupport.BATCH / batch);
        int poolSize = poolBatches * batch;
        List<Tensor> xs = new ArrayList<>();
        List<Tensor> ts = new ArrayList<>();
        Sequential model;
        // Data pool, generated once (not timed): uniform images, one-hot float targets, contiguous batches.
        try (TensorScope setup = TensorScope.open()) {
            Tensor poolX = Tensor.rand(DType.FLOAT32, poolSize, 1, size, size);
            Tensor poolT = Functional.oneHot(Tensor.randint(0, BenchSupport.CLASSES, poolSize), BenchSupport.CLASSES)
                    .to(DType.FLOAT32);
            for (int i = 0; i < poolBatches; i++) {
                long start = (long) i * batch;
                xs.add(setup.keep(poolX.narrow(0, start, batch).contiguous()));
                ts.add(setup.keep(poolT.narrow(0, start, batch).contiguous()));
            }
            // The seed network built for S×S images: its fully connected layer takes 20·(S−4)² inputs.
            model = dev.jacreg.nn.SeedNetwork.create(poolX.mean(new long[]{0}, true), size, size, DType.FLOAT32);
        }
        RegularizedLoss loss = jacobian != null ? new RegularizedLoss(jacobian) : RegularizedLoss.plain();
        int every = jacobian != null ? jacobian.every() : 1;
        model.setTraining(true);
        double[] times = new double[o.iters()];
        double[] cpuTimes = new double[o.iters()];
        double lastLoss = Double.NaN;
                long process0 = 0;
        long process1;
        try (SgdMomentum optimizer = new SgdMomentum(model.parameters(), BenchSupport.CONFIG.learningRate(),
                BenchSupport.CONFIG.momentum());
             PerfControl perf = PerfControl.open(o.perfControl())) {
            for (int it = 0; it < o.warmup() + o.iters(); it++) {
                Tensor x = xs.get(it % poolBatches);
                Tensor t = ts.get(it % poolBatches);
                if (it == o.warmup()) {
                    perf.enable();
                    process0 = processCpuNanos();
                }
                long t0 = System.nanoTime();
                long c0 = CpuClock.threadNanos();
                try (TensorScope step = TensorScope.open()) {
                    // V is drawn inside, as in C++; with a penalty on every K-th step only, the others are plain.
                    RegularizedLoss.Parts parts = (it % every == 0 ? loss : RegularizedLoss.plain()).compute(model, x, t);
                    parts.total().backward();
                    optimizer.step();
                    lastLoss = parts.total().item();
                    double ce = parts.crossEntropy().item();
                    double penalty = parts.penalty() == null ? 0 : parts.penalty().item();
                    if (Double.isNaN(ce + penalty)) lastLoss = Double.NaN;
                }
                long cpuNs = CpuClock.threadNanos() - c0;
                long ns = System.nanoTime() - t0;
                if (it >= o.warmup()) {
                    times[it - o.warmup()] = ns / 1e6;
                    cpuTimes[it - o.warmup()] = cpuNs / 1e6;
                }
            }
            process1 = processCpuNanos();
            perf.disable();
        } finally {
            model.close();
            xs.forEach(Tensor::close);
            ts.forEach(Tensor::close);
        }
        System.err.println("java " + o.benchCase() + ": final loss " + lastLoss);
        if (!Double.isFinite(lastLoss)) System.err.println("warning: non-finite loss");
        // With a penalty on every K-th step, a "step" is the mean of K consecutive ones (one penalised), so that the
        // median compares with the other cases' per-step medians.
        times = groupMeans(times, every);
        cpuTimes = groupMeans(cpuTimes, every);
        return head(o, threads) + stats(Stats.of(times)) + ",\"cpu_ms_median\":" + num(Stats.of(cpuTimes).median())
                + ",\"cpu_ms_min\":" + num(Stats.of(cpuTimes).min())
                + ",\"process_cpu_ms_per_iter\":" + num((process1 - process0) / 1e6 / o.iters()) + ",\"iters\":"
                + o.iters() + ",\"warmup\":" + o.warmup() + ",\"batch\":" + batch + ",\"image_size\":" + size
                + ",\"projections\":" + (jacobian == null ? 0 : jacobian.projections()) + ",\"subset\":"
                + (jacobian == null ? 0 : num(jacobian.subset())) + ",\"peak_rss_mb\":" + num(peakRssMegabytes()) + tail();
    }

    /** The process's resident-memory high-water mark (VmHWM of /proc/self/status) in MiB; NaN where there is none. */
    static double peakRssMegabytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: no figure
        }
        return Double.NaN;
    }

    /** Means of consecutive groups of k values (a partial last group dropped); the values themselves for k = 1. */
    static double[] groupMeans(double[] values, int k) {
        if (k == 1) return values;
        double[] means = new double[Math.max(1, values.length / k)];
        for (int g = 0; g < means.length; g++) {
            double sum = 0;
            for (int i = 0; i < k && g * k + i < values.length; i++) sum += values[g * k + i];
            means[g] = sum / Math.min(k, values.length - g * k);
        }
        return means;
    }

    /** CPU time of the whole process (all threads: JIT, GC, libtorch), as the baselines' process clocks. */
    private static long processCpuNanos() {
        return CpuClock.processNanos();
    }

    private static String inference(Options o, int threads) {
        Tensor test = Tensor.rand(DType.FLOAT32, BenchSupport.TEST_IMAGES, 1, BenchSupport.IMG, BenchSupport.IMG);
        Sequential model;
        try (Tensor mean = test.mean(new long[]{0}, true)) {
            model = BenchSupport.seedNetwork(mean);
        }
        double[] times = new double[o.iters()];
        long checksum = 0;
        int chunk = Math.toIntExact(o.chunk());
        try (model; test) {
            for (int it = 0; it < o.warmup() + o.iters(); it++) {
                long t0 = System.nanoTime();
                try (TensorScope scope = TensorScope.open()) {
                    Tensor predictions = Evaluator.predict(model, test, chunk);
                    checksum = predictions.sum().itemLong();
                }
                long ns = System.nanoTime() - t0;
                if (it >= o.warmup()) times[it - o.warmup()] = ns / 1e6;
            }
        }
        System.err.println("java inference: prediction checksum " + checksum);
        return head(o, threads) + stats(Stats.of(times)) + ",\"iters\":" + o.iters() + ",\"warmup\":" + o.warmup()
                + ",\"chunk\":" + o.chunk() + ",\"images\":" + BenchSupport.TEST_IMAGES + tail();
    }

    private static String fullRun(Options o, int threads) {
        long seed = o.seed();
        int chunk = Math.toIntExact(o.chunk());
        // The experiment's spec (network, initial weights, loop, noise seeding) with the baselines' loop settings.
        TrainingConfig training = TrainingConfig.reference(seed).withEpochs(o.epochs());
        ExperimentSpec spec = new ExperimentSpec(ExperimentConfig.reference().withTraining(training));
        double[] levels = spec.config().noiseLevels();
        double[] accJacobian = new double[levels.length];
        double[] accReference = new double[levels.length];
        TrainingResult jacobianRun;
        TrainingResult referenceRun;
        long t0, t1, t2;
        // Data up front, not timed: uniform pixels and random labels, through DigitDataset -> DeviceDataset.
        try (DeviceDataset train = BenchSupport.randomDataset(TRAIN_IMAGES, seed);
             DeviceDataset test = BenchSupport.randomDataset(BenchSupport.TEST_IMAGES, seed + 1);
             TensorScope scope = TensorScope.open()) {
            Tensor mean = train.meanImage();
            Sequential jacobianNet = spec.createNetwork(mean, BenchSupport.IMG, BenchSupport.IMG);
            Sequential referenceNet = spec.createNetwork(mean, BenchSupport.IMG, BenchSupport.IMG);  // same weights
            try (jacobianNet; referenceNet) {
                t0 = System.nanoTime();
                jacobianRun = spec.trainer(new RegularizedLoss(spec.config().penalty()))
                        .train(jacobianNet, train, progress -> {}, () -> false);
                referenceRun = spec.trainer(RegularizedLoss.plain())
                        .train(referenceNet, train, progress -> {}, () -> false);
                t1 = System.nanoTime();
                for (int i = 0; i < levels.length; i++) {
                    try (TensorScope level = TensorScope.open()) {
                        Tensor noisy = spec.noisyTestImages(test.images(), i);  // the same copy for both nets
                        accJacobian[i] = Evaluator.accuracy(jacobianNet, noisy, test.labels(), chunk);
                        accReference[i] = Evaluator.accuracy(referenceNet, noisy, test.labels(), chunk);
                    }
                }
                t2 = System.nanoTime();
            }
        }
        double lossJacobian = last(jacobianRun.losses());
        double lossReference = last(referenceRun.losses());
        int last = levels.length - 1;
        System.err.println("java full_run: " + jacobianRun.iterations() + " + " + referenceRun.iterations()
                + " iterations, final losses " + lossJacobian + " / " + lossReference + "; accuracy at p=0 "
                + accJacobian[0] + " / " + accReference[0] + ", at p=" + levels[last] + " " + accJacobian[last] + " / "
                + accReference[last]);
        if (!Double.isFinite(lossJacobian) || !Double.isFinite(lossReference)) {
            System.err.println("warning: non-finite loss");
        }
        return head(o, threads) + ",\"seconds\":" + num((t2 - t0) / 1e9) + ",\"train_seconds\":" + num((t1 - t0) / 1e9)
                + ",\"sweep_seconds\":" + num((t2 - t1) / 1e9) + ",\"epochs\":" + o.epochs() + ",\"iters_per_epoch\":"
                + training.iterationsPerEpoch(TRAIN_IMAGES) + ",\"train_iters\":"
                + (jacobianRun.iterations() + referenceRun.iterations()) + ",\"noise_levels\":" + levels.length
                + ",\"chunk\":" + chunk + ",\"train_images\":" + TRAIN_IMAGES + ",\"test_images\":"
                + BenchSupport.TEST_IMAGES + ",\"final_loss_jacobian\":" + num(lossJacobian)
                + ",\"final_loss_reference\":" + num(lossReference) + ",\"acc_jacobian\":" + array(accJacobian)
                + ",\"acc_reference\":" + array(accReference) + tail();
    }

    private static double last(double[] xs) {
        return xs.length == 0 ? Double.NaN : xs[xs.length - 1];
    }

    private static String array(double[] xs) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < xs.length; i++) out.append(i == 0 ? "" : ",").append(num(xs[i]));
        return out.append(']').toString();
    }

    private static String smallOp(Options o, int threads) {
        long blocks = Math.max(1, o.calls() / SMALL_OP_BLOCK);
        double[] perCallMs = new double[Math.toIntExact(blocks)];
        double result;
        try (TensorScope outer = TensorScope.open()) {
            Tensor a = Tensor.rand(DType.FLOAT32, 1);
            Tensor b = Tensor.rand(DType.FLOAT32, 1);
            for (int i = 0; i < SMALL_OP_WARMUP / SMALL_OP_BLOCK; i++) block(a, b);
            for (int blk = 0; blk < blocks; blk++) {
                long t0 = System.nanoTime();
                block(a, b);
                perCallMs[blk] = (System.nanoTime() - t0) / 1e6 / SMALL_OP_BLOCK;
            }
            try (Tensor c = a.add(b)) {
                result = c.item();
            }
        }
        System.err.println("java small_op: result " + result);
        Stats s = Stats.of(perCallMs);
        return head(o, threads) + ",\"us_per_call\":" + num(s.median() * 1000) + stats(s) + ",\"iters\":"
                + blocks * SMALL_OP_BLOCK + ",\"block\":" + SMALL_OP_BLOCK + tail();
    }

    /** 1,000 × (c = a + b; close c) inside a scope, as a user would write it. */
    private static void block(Tensor a, Tensor b) {
        try (TensorScope scope = TensorScope.open()) {
            for (int i = 0; i < SMALL_OP_BLOCK; i++) {
                Tensor c = a.add(b);
                c.close();
            }
        }
    }

    // ---- statistics and JSON -----------------------------------------------------------------------

    record Stats(double median, double mean, double min, double p90) {
        /** Median, mean, min and the 90th percentile interpolated between closest ranks (numpy's default). */
        static Stats of(double[] values) {
            double[] xs = values.clone();
            Arrays.sort(xs);
            int n = xs.length;
            double median = n % 2 == 1 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
            double mean = Arrays.stream(xs).average().orElse(Double.NaN);
            double pos = 0.9 * (n - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(lo + 1, n - 1);
            double p90 = xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
            return new Stats(median, mean, xs[0], p90);
        }
    }

    private static String head(Options o, int threads) {
        return "{\"impl\":\"java\",\"case\":\"" + o.benchCase() + "\",\"threads\":" + threads;
    }

    private static String stats(Stats s) {
        return ",\"ms_median\":" + num(s.median()) + ",\"ms_mean\":" + num(s.mean()) + ",\"ms_min\":" + num(s.min())
                + ",\"ms_p90\":" + num(s.p90());
    }

    private static String tail() {
        return ",\"java\":\"" + Runtime.version() + "\",\"libtorch\":\"" + Torch.version() + "\"}";
    }

    /** Six significant digits, like the C++ baseline's %.6g, always valid JSON. */
    static String num(double x) {
        if (!Double.isFinite(x)) return "null";
        String s = String.format(Locale.ROOT, "%.6g", x);
        if (s.contains("e")) return s;
        if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }
}
