package dev.jacreg.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.DType;
import dev.jacreg.Device;
import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.TorchException;
import dev.jacreg.data.DataLoader;
import dev.jacreg.data.InMemoryDataset;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensorsFormatException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices per object (modules and loaders move with {@code to(device)}, with clear errors) and the symmetric
 * save/load of a user-defined model, whose architecture check names the tensor that does not fit.
 */
class DevicesAndSaveLoadTest {
    @TempDir
    Path dir;

    private static Sequential mlp(long seed, int hidden, int classes) {
        RandomStream random = RandomStream.seeded(seed);
        return Sequential.builder()
                .add("fc1", new Linear(6, hidden, DType.FLOAT32, random))
                .add("bn1", new BatchNorm1d(hidden, DType.FLOAT32))
                .add("relu1", Activations.relu())
                .add("fc2", new Linear(hidden, classes, DType.FLOAT32, random))
                .build();
    }

    @Test
    void savedWeightsLoadBackIntoAFreshModelExactly() throws Exception {
        Path file = dir.resolve("mlp.safetensors");
        try (TensorScope scope = TensorScope.open(); Sequential a = mlp(1, 8, 4); Sequential b = mlp(2, 8, 4)) {
            a.forward(Tensor.rand(DType.FLOAT32, 5, 6));  // running statistics away from their initial values
            ModelFiles.save(a, file, Map.of("note", "four classes"));
            assertNotEquals(a.parameters().get("fc1.weight").toBytes(), b.parameters().get("fc1.weight").toBytes());
            assertEquals(Map.of("note", "four classes"), ModelFiles.load(b, file));
            for (Map.Entry<String, Tensor> e : ModelFiles.state(a).entrySet()) {
                assertEquals(e.getValue().toBytes(), ModelFiles.state(b).get(e.getKey()).toBytes(), e.getKey());
            }
            assertTrue(b.parameters().get("fc2.bias").requiresGrad(), "loaded parameters stay learnable");
        }
    }

    @Test
    void loadingIntoAnotherArchitectureNamesTheTensorAndChangesNothing() throws Exception {
        Path file = dir.resolve("mlp.safetensors");
        try (Sequential a = mlp(1, 8, 4)) {
            ModelFiles.save(a, file);
        }
        try (Sequential threeClasses = mlp(2, 8, 3)) {
            byte[] before = threeClasses.parameters().get("fc1.weight").toBytes().array();
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> ModelFiles.load(threeClasses, file));
            assertTrue(e.getMessage().startsWith("tensor 'fc2.weight' in " + file + " is F32 [4, 8], expected F32 [3, 8]"),
                    e.getMessage());
            assertArrayEquals(before, threeClasses.parameters().get("fc1.weight").toBytes().array(), "fc1 left as it was");
        }
        try (Sequential renamed = Sequential.builder().add("first", new Linear(6, 8, DType.FLOAT32)).build()) {
            SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> ModelFiles.load(renamed, file));
            assertTrue(e.getMessage().contains("do not belong to this model"), e.getMessage());
            assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
        }
    }

    @Test
    void movingToTheDeviceItIsOnKeepsEverythingAndStatelessLayersNeedNoMove() {
        try (TensorScope scope = TensorScope.open(); Sequential net = mlp(3, 5, 2)) {
            Tensor weight = net.parameters().get("fc1.weight");
            byte[] before = weight.toBytes().array();
            assertSame(net, net.to(Device.CPU));
            assertSame(weight, net.parameters().get("fc1.weight"), "already there: nothing replaced");
            assertArrayEquals(before, weight.toBytes().array());
            assertEquals(Device.CPU, ((Layer) net.children().get("fc1")).device());
            Module relu = net.children().get("relu1");
            assertSame(relu, relu.to(Device.CPU));
        }
    }

    /** Without a GPU, asking for one is the error to check; with one, two devices meeting is (no test skips either way). */
    @Test
    void devicesPerObject() {
        if (Torch.cudaAvailable()) {
            aModelAndABatchOfTwoDevicesMeetWithAClearError();
        } else {
            askingForAMissingGpuIsAClearErrorForModulesAndLoaders();
        }
    }

    private static void askingForAMissingGpuIsAClearErrorForModulesAndLoaders() {
        try (Sequential net = mlp(3, 5, 2)) {
            TorchException e = assertThrows(TorchException.class, () -> net.to(Device.cuda(0)));
            assertTrue(e.getMessage().startsWith("CUDA device cuda:0 was requested (Linear(6 → 5).to)"), e.getMessage());
            assertEquals(Device.CPU, net.parameters().get("fc1.weight").device(), "the model stays where it was");
        }
        InMemoryDataset data = InMemoryDataset.vectors(new float[12], new int[2], 6, 2);
        TorchException e = assertThrows(TorchException.class, () -> DataLoader.builder(data).device(Device.cuda(0)).build());
        assertTrue(e.getMessage().startsWith("CUDA device cuda:0 was requested (DataLoader)"), e.getMessage());
    }

    private static void aModelAndABatchOfTwoDevicesMeetWithAClearError() {
        try (TensorScope scope = TensorScope.open(); Sequential net = mlp(3, 5, 2)) {
            net.to(Device.cuda(0));
            assertEquals(Device.cuda(0), net.parameters().get("fc2.bias").device());
            assertTrue(net.parameters().get("fc2.bias").requiresGrad());
            LayerException e = assertThrows(LayerException.class, () -> net.forward(Tensor.rand(DType.FLOAT32, 4, 6)));
            assertEquals("layer 'fc1': Linear(6 → 5) holds its state on cuda:0 but its input is on cpu: move the model or the data"
                    + " with to(device)", e.getMessage());
            InMemoryDataset data = InMemoryDataset.vectors(new float[24], new int[4], 6, 2);
            try (DataLoader loader = DataLoader.builder(data).batchSize(4).device(Device.cuda(0)).build()) {
                assertArrayEquals(new long[]{4, 2}, net.forward(loader.batches(null).iterator().next().features()).shape());
            }
        }
    }
}
