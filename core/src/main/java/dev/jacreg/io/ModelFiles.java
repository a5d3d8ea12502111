package dev.jacreg.io;

import dev.jacreg.Autograd;
import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads a module's parameters and buffers as safetensors, named as the module names them
 * ("conv1.weight", "bn1.running_mean", ...), so Python/numpy users can read the weights directly.
 * Writes are atomic; loading checks every name, dtype and shape before changing anything.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * {@link #save(Module, Path, Map)} without metadata.
     *
     * @param model the module whose parameters and buffers are written
     * @param file the safetensors file to create or replace
     * @throws IOException when the file cannot be written (an existing one is left as it was)
     */
    public static void save(Module model, Path file) throws IOException {
        save(model, file, Map.of());
    }

    /**
     * Writes the module's parameters and buffers ({@link #state}) with the given string metadata, atomically;
     * {@link #load} reads them back into a module of the same architecture.
     *
     * @param model the module whose parameters and buffers are written
     * @param file the safetensors file to create or replace
     * @param metadata string pairs stored in the header's __metadata__ (e.g. the training settings)
     * @throws IOException when the file cannot be written (an existing one is left as it was)
     */
    public static void save(Module model, Path file, Map<String, String> metadata) throws IOException {
        List<SafeTensorsEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> state : state(model).entrySet()) entries.add(entry(state.getKey(), state.getValue()));
        SafeTensors.write(file, entries, metadata);
    }

    /**
     * Copies every tensor of the file into the module's state of the same name. The file must hold exactly the module's
     * tensors, each with its dtype and shape; otherwise a {@link SafeTensorsFormatException} names the tensor that does
     * not fit, and the module is left untouched.
     *
     * @param model a module of the architecture the file was saved from
     * @param file the safetensors file
     * @return the file's metadata
     * @throws IOException when the file cannot be read or does not fit ({@link SafeTensorsFormatException})
     */
    public static Map<String, String> load(Module model, Path file) throws IOException {
        SafeTensorsFile contents = SafeTensors.read(file);
        restore(state(model), contents, "");
        return contents.metadata();
    }

    /**
     * Copies the file's tensors named {@code prefix} + name into {@code state}'s tensors of that name (e.g. prefix
     * "model/" for a model inside a checkpoint). Every name of the state must be there with its dtype and shape, no
     * other name may carry the prefix, and every value must be finite; all is checked before anything is copied, and
     * an error names the tensor at fault.
     *
     * @param state the live tensors to overwrite, by name (e.g. {@link #state})
     * @param contents the file read into memory
     * @param prefix what the file's names carry before the state's names; "" for none
     * @throws SafeTensorsFormatException when a name, dtype or shape does not fit or a value is not finite, naming the
     *     tensor
     */
    public static void restore(Map<String, Tensor> state, SafeTensorsFile contents, String prefix)
            throws SafeTensorsFormatException {
        Path file = contents.path();
        List<String> unexpected = new ArrayList<>();
        for (String name : contents.tensors().keySet()) {
            if (name.startsWith(prefix) && !state.containsKey(name.substring(prefix.length()))) unexpected.add(name);
        }
        if (!unexpected.isEmpty()) {
            throw new SafeTensorsFormatException(file + ": tensors " + unexpected + " do not belong to this model (it has "
                    + state.keySet() + ")");
        }
        // Validate everything first, so a bad file leaves the model untouched.
        Map<String, SafeTensorsEntry> checked = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> target : state.entrySet()) {
            Tensor tensor = target.getValue();
            SafeTensorsEntry entry = contents.require(prefix + target.getKey(), SafeTensorsDType.of(tensor.dtype()), tensor.shape());
            checkFinite(file, entry);
            checked.put(target.getKey(), entry);
        }
        try (TensorScope scope = TensorScope.open(); var off = Autograd.noGrad()) {
            for (Map.Entry<String, SafeTensorsEntry> entry : checked.entrySet()) {
                state.get(entry.getKey()).copyFrom(tensorOf(entry.getValue()));
            }
        }
    }

    /** A net with a NaN or infinite weight predicts garbage (or NaN) for every input: refuse to load it. */
    private static void checkFinite(Path file, SafeTensorsEntry entry) throws SafeTensorsFormatException {
        long bad = 0;
        switch (entry.dtype()) {
            case F32 -> { for (float v : entry.toFloatArray()) if (!Float.isFinite(v)) bad++; }
            case F64 -> { for (double v : entry.toDoubleArray()) if (!Double.isFinite(v)) bad++; }
            default -> { }
        }
        if (bad > 0) {
            throw new SafeTensorsFormatException(file + ": tensor '" + entry.name() + "' holds " + bad
                    + " non-finite value(s) (NaN or infinity); the weights are unusable (was training diverging?)");
        }
    }

    /**
     * Parameters then buffers, by name.
     *
     * @param model the module
     * @return its live parameter and buffer tensors (not copies), by dotted name
     */
    public static Map<String, Tensor> state(Module model) {
        Map<String, Tensor> all = new LinkedHashMap<>(model.parameters());
        all.putAll(model.buffers());
        return all;
    }

    /**
     * A safetensors entry holding a copy of the tensor's data.
     *
     * @param name the entry's name in the file
     * @param tensor the tensor to copy, on any device
     * @return an entry of the tensor's dtype and shape
     */
    public static SafeTensorsEntry entry(String name, Tensor tensor) {
        return new SafeTensorsEntry(name, SafeTensorsDType.of(tensor.dtype()), tensor.shape(), tensor.toBytes());
    }

    /**
     * A new tensor (current scope) with the entry's data.
     *
     * @param entry an entry of a dtype jacreg has a tensor type for
     * @return a tensor of the entry's dtype and shape on the default device
     */
    public static Tensor tensorOf(SafeTensorsEntry entry) {
        DType dtype = entry.dtype().tensorType().orElseThrow(() -> new IllegalArgumentException("tensor " + entry.name()
                + " has dtype " + entry.dtype() + ", which jacreg has no tensor type for; shape " + Arrays.toString(entry.shape())));
        return Tensor.fromBytes(entry.data(), dtype, entry.shape());
    }
}
