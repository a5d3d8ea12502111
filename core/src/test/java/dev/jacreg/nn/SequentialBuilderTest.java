package dev.jacreg.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sequential's builder, parameter counts and summary, BatchNorm1d, Flatten, and shape errors that name the layer. */
class SequentialBuilderTest {
    private static Sequential convNet(int classes) {
        RandomStream random = RandomStream.seeded(1);
        return Sequential.builder()
                .add("conv", new Conv2d(3, 4, 3, 1, 1, DType.FLOAT32, random))
                .add("bn", new BatchNorm2d(4, DType.FLOAT32))
                .add("relu", Activations.relu())
                .add("pool", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("head", Sequential.builder()
                        .add(new Linear(4 * 4 * 4, 8, DType.FLOAT32, random))
                        .add(new BatchNorm1d(8, DType.FLOAT32))
                        .add(new Dropout(0.25))
                        .add(new Linear(8, classes, DType.FLOAT32, random))
                        .build())
                .build();
    }

    @Test
    void aBuiltNetTakesColourImagesToAnyNumberOfClasses() {
        try (TensorScope scope = TensorScope.open(); Sequential net = convNet(7)) {
            Tensor out = net.forward(Tensor.rand(DType.FLOAT32, 5, 3, 8, 8));
            assertArrayEquals(new long[]{5, 7}, out.shape());
            assertEquals(List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias", "head.0.weight", "head.0.bias",
                    "head.1.weight", "head.1.bias", "head.3.weight", "head.3.bias"), List.copyOf(net.parameters().keySet()));
            assertEquals(List.of("bn.running_mean", "bn.running_var", "head.1.running_mean", "head.1.running_var"),
                    List.copyOf(net.buffers().keySet()));
        }
    }

    @Test
    void parameterCountAndSummaryAddUpByHand() {
        try (Sequential net = convNet(7)) {
            long conv = 4 * 3 * 3 * 3 + 4, bn = 2 * 4, fc1 = 64 * 8 + 8, bn1 = 2 * 8, fc2 = 8 * 7 + 7;
            assertEquals(conv + bn + fc1 + bn1 + fc2, net.parameterCount());
            String summary = net.summary();
            assertTrue(summary.contains("Conv2d(3 → 4, kernel 3, stride 1, padding 1)"), summary);
            assertTrue(summary.contains("Linear(64 → 8)"), summary);
            assertTrue(summary.contains("BatchNorm1d(8)"), summary);
            assertTrue(summary.contains("ReLU"), summary);
            assertTrue(summary.contains("Dropout(p = 0.25)"), summary);
            String total = summary.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
            assertTrue(total.endsWith(" " + net.parameterCount()), total);
            assertEquals(1 + 6 + 4 + 1, summary.lines().count(), "header, 6 layers, 4 nested, total");
        }
    }

    @Test
    void aShapeMismatchNamesTheLayerByItsPath() {
        try (TensorScope scope = TensorScope.open(); Sequential net = convNet(3)) {
            LayerException wrongSize = assertThrows(LayerException.class, () -> net.forward(Tensor.rand(DType.FLOAT32, 2, 3, 10, 10)));
            assertEquals("head.0", wrongSize.layer());
            assertTrue(wrongSize.getMessage().startsWith("layer 'head.0': Linear(64 → 8) expects input of shape …×64, got shape [2, 100]"),
                    wrongSize.getMessage());
            LayerException channels = assertThrows(LayerException.class, () -> net.forward(Tensor.rand(DType.FLOAT32, 2, 1, 8, 8)));
            assertEquals("conv", channels.layer());
            assertTrue(channels.getMessage().startsWith("layer 'conv': Conv2d(3 → 4, kernel 3, stride 1, padding 1) expects input of"
                    + " shape N×3×H×W"), channels.getMessage());
            assertEquals(1, channels.getMessage().lines().count(), "one line");
        }
    }

    @Test
    void batchNorm1dNormalisesEachFeatureAndFollowsTheDecayRule() {
        double[] x = {1, 10, 2, 20, 4, 60, 5, 30};  // 4 samples × 2 features
        try (TensorScope scope = TensorScope.open(); BatchNorm1d bn = new BatchNorm1d(2, 0.1, 0, DType.FLOAT64)) {
            double[] y = bn.forward(Tensor.of(x, 4, 2)).toDoubleArray();
            for (int f = 0; f < 2; f++) {
                double mean = 0, var = 0;
                for (int i = 0; i < 4; i++) mean += x[2 * i + f] / 4;
                for (int i = 0; i < 4; i++) var += (x[2 * i + f] - mean) * (x[2 * i + f] - mean);
                for (int i = 0; i < 4; i++) assertEquals((x[2 * i + f] - mean) / Math.sqrt(var / 4), y[2 * i + f], 1e-12);
                assertEquals(0.1 * mean, bn.buffers().get("running_mean").toDoubleArray()[f], 1e-12);
                assertEquals(0.9 + 0.1 * var / 3, bn.buffers().get("running_var").toDoubleArray()[f], 1e-12);
            }
            LayerException e = assertThrows(LayerException.class, () -> bn.forward(Tensor.zeros(DType.FLOAT64, 4, 3)));
            assertEquals("BatchNorm1d(2) expects input of shape N×2 or N×2×L, got shape [4, 3]", e.getMessage());
        }
    }

    @Test
    void theBuilderRefusesBadNamesAndReuse() {
        Sequential.Builder builder = Sequential.builder().add("a", new Flatten());
        assertThrows(IllegalArgumentException.class, () -> builder.add("a", new Flatten()));
        assertThrows(IllegalArgumentException.class, () -> builder.add("x.y", new Flatten()));
        builder.build();
        assertThrows(IllegalStateException.class, () -> builder.add(new Flatten()));
        assertThrows(IllegalStateException.class, () -> Sequential.builder().build());
    }

    @Test
    void anArgumentALayerRefusesKeepsItsKindAndGetsTheLayersPath() {
        try (TensorScope scope = TensorScope.open();
             Sequential net = Sequential.builder().add("block", Sequential.builder().add("bn", new BatchNorm2d(3, DType.FLOAT32))
                     .build()).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(Tensor.rand(DType.FLOAT32, 1, 3, 1, 1)));
            assertFalse(LayerException.class.isInstance(e), "an argument error stays an IllegalArgumentException");
            assertTrue(e.getMessage().startsWith("layer 'block.bn': BatchNorm2d(3): batch norm in training mode needs more than one"
                    + " value per channel"), e.getMessage());
        }
    }
}
