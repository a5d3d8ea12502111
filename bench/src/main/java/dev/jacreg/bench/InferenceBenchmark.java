package dev.jacreg.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * Inference on a 5,000-image test set with {@link Evaluator#predict} (inference mode, no-grad, argmax),
 * in chunks of 100 (the library default), 500 and the whole set at once; {@code -p chunk=32,64,...}
 * tries others. One call takes about a second, so each iteration is about one sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class InferenceBenchmark {
    @Param({"100", "500", "5000"})
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

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        test.close();
    }
}
