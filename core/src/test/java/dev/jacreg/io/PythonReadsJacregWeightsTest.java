package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.PythonTorch;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.Torch;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights written by jacreg are read by Python ({@code bench/baselines/python/dump_safetensors.py}: the {@code safetensors}
 * package where installed, else the small reader next to it) with every tensor's name, dtype, shape and value and
 * the metadata unchanged. Skipped where {@code /usr/bin/python3 -c 'import torch'} fails.
 */
class PythonReadsJacregWeightsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void python() {
        PythonTorch.assumeAvailable();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> dump(Path file) throws Exception {
        String out = PythonTorch.run(dir, "dump_safetensors.py", file.toString());
        return (Map<String, Object>) Json.parse(out.strip());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> tensorsByName(Map<String, Object> dump) {
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Object t : (List<Object>) dump.get("tensors")) {
            Map<String, Object> tensor = (Map<String, Object>) t;
            byName.put((String) tensor.get("name"), tensor);
        }
        return byName;
    }

    @SuppressWarnings("unchecked")
    private static long[] shape(Map<String, Object> tensor) {
        return ((List<Object>) tensor.get("shape")).stream().mapToLong(n -> Long.parseLong(n.toString())).toArray();
    }

    @SuppressWarnings("unchecked")
    private static List<String> values(Map<String, Object> tensor) {
        return ((List<Object>) tensor.get("values")).stream().map(Object::toString).toList();
    }

    @Test
    void everyTensorOfASavedNetReachesPythonUnchanged() throws Exception {
        Path file = dir.resolve("net.safetensors");
        Map<String, String> metadata = Map.of("format", "jacreg", "lambda", "1", "note", "ünïcode ✓ \"quoted\"");
        Map<String, float[]> expected = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            Torch.manualSeed(5);
            // 8×8 images keep the net small (fc 10×320) while it has every kind of tensor the 28×28 one has.
            try (Sequential net = SeedNetwork.create(Tensor.rand(DType.FLOAT32, 1, 1, 8, 8), 8, 8, DType.FLOAT32)) {
                for (int i = 1; i <= 3; i++) {  // trained-looking statistics instead of the initial zeros and ones
                    net.buffers().get("bn" + i + ".running_mean").copyFrom(Tensor.randn(DType.FLOAT32, 20));
                    net.buffers().get("bn" + i + ".running_var").copyFrom(Tensor.rand(DType.FLOAT32, 20).add(0.5));
                    net.parameters().get("bn" + i + ".bias").copyFrom(Tensor.randn(DType.FLOAT32, 20));
                }
                for (Map.Entry<String, Tensor> state : ModelFiles.state(net).entrySet()) {
                    expected.put(state.getKey(), state.getValue().toFloatArray());
                    shapes.put(state.getKey(), state.getValue().shape());
                }
                ModelFiles.save(net, file, metadata);
            }
        }

        Map<String, Object> dump = dump(file);
        System.out.println("read by " + dump.get("reader"));
        assertEquals(metadata, dump.get("metadata"));
        Map<String, Map<String, Object>> tensors = tensorsByName(dump);
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(tensors.keySet()), "names, in file order");
        for (String name : expected.keySet()) {
            Map<String, Object> tensor = tensors.get(name);
            assertEquals("F32", tensor.get("dtype"), name);
            assertArrayEquals(shapes.get(name), shape(tensor), name);
            List<String> values = values(tensor);
            float[] read = new float[values.size()];
            for (int i = 0; i < read.length; i++) read[i] = (float) Double.parseDouble(values.get(i));
            assertArrayEquals(expected.get(name), read, name);  // exact: float32 → double repr → float32
        }
    }

    @Test
    void otherDtypesScalarsAndEmptyTensorsReachPythonUnchanged() throws Exception {
        Path file = dir.resolve("dtypes.safetensors");
        double[] doubles = {0.1, -1e-300, 1e300, Double.MIN_VALUE, -0.0, Math.PI};
        long[] longs = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 53 | 1};
        int[] ints = {Integer.MIN_VALUE, -7, 0, Integer.MAX_VALUE};
        SafeTensors.write(file, List.of(
                SafeTensorsEntry.of("f64", doubles, 2, 3),
                SafeTensorsEntry.of("i64", longs, 3, 2),
                SafeTensorsEntry.of("i32", ints, 4),
                SafeTensorsEntry.of("scalar", new float[]{2.5f}),
                SafeTensorsEntry.of("empty", new float[0], 0, 3)), Map.of());

        Map<String, Map<String, Object>> tensors = tensorsByName(dump(file));
        assertEquals(List.of("f64", "i64", "i32", "scalar", "empty"), new ArrayList<>(tensors.keySet()));
        assertEquals(List.of("F64", "I64", "I32", "F32", "F32"),
                tensors.values().stream().map(t -> t.get("dtype")).toList());
        assertArrayEquals(new long[]{2, 3}, shape(tensors.get("f64")));
        assertArrayEquals(doubles, values(tensors.get("f64")).stream().mapToDouble(Double::parseDouble).toArray());
        assertArrayEquals(new long[]{3, 2}, shape(tensors.get("i64")));
        assertArrayEquals(longs, values(tensors.get("i64")).stream().mapToLong(Long::parseLong).toArray());
        assertArrayEquals(ints, values(tensors.get("i32")).stream().mapToInt(Integer::parseInt).toArray());
        assertArrayEquals(new long[0], shape(tensors.get("scalar")));
        assertEquals(List.of("2.5"), values(tensors.get("scalar")));
        assertArrayEquals(new long[]{0, 3}, shape(tensors.get("empty")));
        assertEquals(List.of(), values(tensors.get("empty")));
    }
}
