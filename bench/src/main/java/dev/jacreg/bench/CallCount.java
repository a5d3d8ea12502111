package dev.jacreg.bench;

import dev.jacreg.DType;
import dev.jacreg.Functional;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.SgdMomentum;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the FFM downcalls (calls into libjacreg.so) that one training step and one inference chunk make,
 * by function, using the generated bindings' own tracing ({@code -Djextract.trace.downcalls=true} makes
 * every downcall print "name(args)" to System.out, which this program redirects into a counter). Each
 * jr_tensor_free is one tensor handle made and freed (one Java Tensor: one Cleaner registration, one scope
 * entry). Run it with {@code bench/drivers/run-jmh --count-calls}, or by hand:
 * <pre>java --enable-native-access=ALL-UNNAMED -Djextract.trace.downcalls=true -Djacreg.native=native/build/libjacreg.so \
 *     -cp 'bench/target/classes:bench/target/lib/*' dev.jacreg.bench.CallCount</pre>
 */
public final class CallCount {
    private static final Map<String, Integer> COUNTS = new TreeMap<>();
    private static final StringBuilder LINE = new StringBuilder();

    private CallCount() {}

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (!Boolean.getBoolean("jextract.trace.downcalls")) {
            System.err.println("CallCount: run with -Djextract.trace.downcalls=true (bench/run-callcount does)");
            System.exit(2);
        }
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                if (b == '\n') {
                    String line = LINE.toString();
                    int paren = line.indexOf('(');
                    COUNTS.merge(paren > 0 ? line.substring(0, paren) : line, 1, Integer::sum);
                    LINE.setLength(0);
                } else {
                    LINE.append((char) b);
                }
            }
        }, true, StandardCharsets.ISO_8859_1));
        BenchSupport.configureThreads();
        Torch.manualSeed(0);

        try (DeviceDataset data = BenchSupport.randomDataset(640, 0)) {
            Sequential model;
            try (Tensor mean = data.meanImage()) {
                model = BenchSupport.seedNetwork(mean);
            }
            try (model; Tensor x = data.images().narrow(0, 0, BenchSupport.BATCH).contiguous();
                 Tensor t = Functional.oneHot(data.labels().narrow(0, 0, BenchSupport.BATCH), BenchSupport.CLASSES)
                         .to(DType.FLOAT32).releaseFromScope()) {
                for (String name : new String[]{"step_plain", "step_jacobian"}) {
                    RegularizedLoss loss = name.equals("step_jacobian")
                            ? new RegularizedLoss(JacobianPenalty.reference()) : RegularizedLoss.plain();
                    model.setTraining(true);
                    try (SgdMomentum optimizer = new SgdMomentum(model.parameters(), 0.01, 0.9)) {
                        step(model, loss, optimizer, x, t);  // first step: one-time setup calls
                        COUNTS.clear();
                        step(model, loss, optimizer, x, t);
                        report(out, name + " (as StepBench: pre-made batch)");
                    }
                }
                // Trainer's iteration adds the batch gather: narrow, 2 × index_select, one_hot, to.
                try (SgdMomentum optimizer = new SgdMomentum(model.parameters(), 0.01, 0.9);
                     Tensor order = Tensor.randperm(data.count()).releaseFromScope()) {
                    RegularizedLoss loss = new RegularizedLoss(JacobianPenalty.reference());
                    model.setTraining(true);
                    trainerStep(model, data, order, loss, optimizer);
                    COUNTS.clear();
                    trainerStep(model, data, order, loss, optimizer);
                    report(out, "step_jacobian (as Trainer: index_select gather)");
                }
            }
            try (Tensor test = data.images().narrow(0, 0, 500).contiguous()) {
                Sequential m;
                try (Tensor mean = data.meanImage()) {
                    m = BenchSupport.seedNetwork(mean);
                }
                try (m) {
                    try (TensorScope s = TensorScope.open()) { Evaluator.predict(m, test, 500); }
                    COUNTS.clear();
                    try (TensorScope s = TensorScope.open()) { Evaluator.predict(m, test, 500); }
                    report(out, "Evaluator.predict, one chunk of 500 (x10 for the test set)");
                }
            }
        }
    }

    private static void step(Sequential model, RegularizedLoss loss, SgdMomentum optimizer, Tensor x, Tensor t) {
        try (TensorScope step = TensorScope.open()) {
            RegularizedLoss.Parts parts = loss.compute(model, x, t);
            parts.total().backward();
            optimizer.step();
            parts.total().item();
            parts.crossEntropy().item();
            if (parts.penalty() != null) parts.penalty().item();
        }
    }

    private static void trainerStep(Sequential model, DeviceDataset data, Tensor order, RegularizedLoss loss,
                                   SgdMomentum optimizer) {
        try (TensorScope step = TensorScope.open()) {
            Tensor index = order.narrow(0, 0, BenchSupport.BATCH);
            Tensor images = data.images().indexSelect(0, index);
            Tensor targets = Functional.oneHot(data.labels().indexSelect(0, index), data.numClasses()).to(images.dtype());
            RegularizedLoss.Parts parts = loss.compute(model, images, targets);
            parts.total().backward();
            optimizer.step();
            parts.total().item();
            if (parts.penalty() != null) parts.penalty().item();
        }
    }

    private static void report(PrintStream out, String title) {
        int total = COUNTS.values().stream().mapToInt(Integer::intValue).sum();
        int frees = COUNTS.getOrDefault("jr_tensor_free", 0);
        out.printf("%s: %d downcalls (%d of them jr_tensor_free, so %d tensor handles made and freed)%n", title, total,
                frees, frees);
        COUNTS.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> out.printf("    %4d  %s%n", e.getValue(), e.getKey()));
    }
}
