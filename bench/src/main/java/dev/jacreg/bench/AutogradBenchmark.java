package dev.jacreg.bench;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.Sequential;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Parts of the penalized step on the seed network at batch 32 (training mode):
 * <ul>
 *   <li>{@code gradCreateGraph}: the penalty's {@code Autograd.grad(s, x, createGraph = true)} call
 *       alone, G = ∂(Σ V·softmax)/∂X, on a forward graph built once and retained;</li>
 *   <li>{@code forward}: forward pass to logits plus softmax, with the input as a graph leaf.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AutogradBenchmark {
    private Sequential model;
    private Tensor x;
    private Tensor s;
    private TensorScope graph;

    @Setup(Level.Trial)
    public void setup() {
        BenchSupport.configureThreads();
        Torch.manualSeed(42);
        try (TensorScope init = TensorScope.open()) {
            Tensor pool = Tensor.rand(DType.FLOAT32, BenchSupport.BATCH, 1, BenchSupport.IMG, BenchSupport.IMG);
            model = BenchSupport.seedNetwork(pool.mean(new long[]{0}, true));
            x = init.keep(pool.detach().requiresGrad(true));
        }
        model.setTraining(true);
        // The forward graph stays alive (its tensors in this scope) for every grad call.
        graph = TensorScope.open();
        Tensor softmax = Functional.softmax(model.forward(x), 1);
        Tensor v = Tensor.randn(DType.FLOAT32, BenchSupport.BATCH, BenchSupport.CLASSES);
        Tensor unit = v.div(v.square().sum(new long[]{1}, true).sqrt());
        s = unit.mul(softmax).sum();
    }

    @Benchmark
    public void gradCreateGraph(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            bh.consume(Autograd.grad(s, x, true));
        }
    }

    @Benchmark
    public void forward(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            bh.consume(Functional.softmax(model.forward(x), 1));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        graph.close();
        x.close();
        model.close();
    }
}
