package dev.jacreg.bench;

import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.SgdMomentum;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * One training iteration at batch 32 exactly as {@code train/Trainer} does it: gather the batch with
 * index_select from the device dataset, one-hot targets, {@link RegularizedLoss} (plain, or with
 * {@link JacobianPenalty#reference()}: n = 1, λ = 1, softmax), backward, {@link SgdMomentum} step, and
 * the loss (and penalty) read back, all in one {@link TensorScope}. The permutation is redrawn every
 * 156 iterations, as each epoch does. Sample time, so the table shows the median (p0.50).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StepBenchmark {
    @Param({"plain", "jacobian"})
    public String loss;

    private DeviceDataset data;
    private Sequential model;
    private SgdMomentum optimizer;
    private RegularizedLoss regularizedLoss;
    private Tensor order;
    private int perEpoch;
    private int i;

    @Setup(Level.Trial)
    public void setup() {
        BenchSupport.configureThreads();
        Torch.manualSeed(42);
        data = BenchSupport.randomDataset(5000, 42);
        try (Tensor mean = data.meanImage()) {
            model = BenchSupport.seedNetwork(mean);
        }
        model.setTraining(true);
        optimizer = new SgdMomentum(model.parameters(), BenchSupport.CONFIG.learningRate(), BenchSupport.CONFIG.momentum());
        regularizedLoss = loss.equals("jacobian") ? new RegularizedLoss(JacobianPenalty.reference()) : RegularizedLoss.plain();
        perEpoch = BenchSupport.CONFIG.iterationsPerEpoch(data.count());
        order = Tensor.randperm(data.count());
    }

    @Benchmark
    public void step(Blackhole bh) {
        if (i == perEpoch) {
            order.close();
            order = Tensor.randperm(data.count());
            i = 0;
        }
        int batch = BenchSupport.CONFIG.batchSize();
        try (TensorScope step = TensorScope.open()) {
            Tensor index = order.narrow(0, (long) i * batch, batch);
            Tensor images = data.images().indexSelect(0, index);
            Tensor targets = Functional.oneHot(data.labels().indexSelect(0, index), data.numClasses()).to(images.dtype());
            RegularizedLoss.Parts parts = regularizedLoss.compute(model, images, targets);
            parts.total().backward();
            optimizer.step();
            bh.consume(parts.total().item());
            bh.consume(parts.penalty() == null ? Double.NaN : parts.penalty().item());
        }
        i++;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        order.close();
        optimizer.close();
        model.close();
        data.close();
    }
}
