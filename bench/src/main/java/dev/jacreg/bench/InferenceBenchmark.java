package dev.jacreg.bench;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Inference on a 5,000-image test set with {@link Evaluator#predict} (inference mode, no-grad, argmax),
 * in chunks of 500 (the library default) and, for comparison, 100 and the whole set at once.
 * One call takes seconds, so each iteration is about one sample.
 *
 * <p>{@code predictScopePerChunk} is the same loop as {@code Evaluator.predict} with one nested
 * {@link TensorScope} per chunk that keeps only the argmax, so each chunk's activations are freed before
 * the next chunk runs (as C++ RAII does). {@code Evaluator.predict} keeps every chunk's intermediates
 * alive until the whole pass ends (~200 MB per chunk of 500, ~2 GB per pass), so the memory is never
 * reused and every chunk page-faults fresh memory; the difference between the two is that cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class InferenceBenchmark {
    @Param({"500", "100", "5000"})
    public int chunk;

    private Tensor test;
    private Sequential model;

    @Setup(Level.Trial)
    public void setup() {
        BenchSupport.configureThreads();
        Torch.manualSeed(42);
        test = Tensor.rand(DType.FLOAT32, BenchSupport.TEST_IMAGES, 1, BenchSupport.IMG, BenchSupport.IMG);
        try (Tensor mean = test.mean(new long[]{0}, true)) {
            model = BenchSupport.seedNetwork(mean);
        }
    }

    @Benchmark
    public void predict(Blackhole bh) {
        try (TensorScope scope = TensorScope.open()) {
            bh.consume(Evaluator.predict(model, test, chunk));
        }
    }

    @Benchmark
    public void predictScopePerChunk(Blackhole bh) {
        model.setTraining(false);
        long n = test.size(0);
        List<Tensor> parts = new ArrayList<>();
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (long start = 0; start < n; start += chunk) {
                long length = Math.min(chunk, n - start);
                try (TensorScope perChunk = TensorScope.open()) {
                    parts.add(perChunk.keep(model.forward(test.narrow(0, start, length)).argmax(1)));
                }
            }
            bh.consume(Tensor.cat(parts, 0));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        test.close();
    }
}
