package dev.jacreg.train;

import dev.jacreg.Tensor;
import dev.jacreg.io.ModelFiles;
import dev.jacreg.io.SafeTensors;
import dev.jacreg.io.SafeTensorsDType;
import dev.jacreg.io.SafeTensorsEntry;
import dev.jacreg.io.SafeTensorsFile;
import dev.jacreg.io.SafeTensorsFormatException;
import dev.jacreg.nn.Module;
import dev.jacreg.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's state after an epoch, in one safetensors file: the model's parameters and buffers (named
 * "model/" + their name), the optimiser's state tensors ("optimizer/" + name), and in the metadata the format, the
 * epoch, the optimiser's kind and step count, the run's seed and the state of the run's callbacks
 * ("callback/" + index + "/" + key, see {@link FitCallback#saveState}). {@link Fit} resumes from one exactly: the
 * resumed run continues bit for bit as the uninterrupted one would have. Python reads it as any safetensors file.
 */
public final class Checkpoint {
    /** The metadata value of "format" that marks a checkpoint. */
    public static final String FORMAT = "jacreg-checkpoint-1";
    /** Prefix of the model's tensors in the file. */
    public static final String MODEL_PREFIX = "model/";
    /** Prefix of the optimiser's tensors in the file. */
    public static final String OPTIMIZER_PREFIX = "optimizer/";
    /** Prefix of the metadata entries holding callback states: then the callback's index, "/" and the state's key. */
    public static final String CALLBACK_PREFIX = "callback/";

    private Checkpoint() {}

    /**
     * What a checkpoint says about its run.
     *
     * @param epoch    the last completed epoch (1-based)
     * @param steps    the optimiser's update count
     * @param seed     the run's seed
     * @param metadata every metadata entry of the file
     */
    public record Info(int epoch, long steps, long seed, Map<String, String> metadata) {
        /**
         * The state the run's callback number {@code index} (0-based, in the order added) saved, by key; empty when
         * the checkpoint holds none for it.
         *
         * @param index the callback's position in the run
         * @return the state, without the metadata prefix
         */
        public Map<String, String> callbackState(int index) {
            String prefix = CALLBACK_PREFIX + index + "/";
            Map<String, String> state = new LinkedHashMap<>();
            metadata.forEach((key, value) -> {
                if (key.startsWith(prefix)) state.put(key.substring(prefix.length()), value);
            });
            return state;
        }
    }

    /**
     * The file name for an epoch's checkpoint in a directory: checkpoint-epoch-0003.safetensors.
     *
     * @param directory the checkpoints' folder
     * @param epoch the epoch, 1-based
     * @return the file's path (nothing is created)
     */
    public static Path fileFor(Path directory, int epoch) {
        return directory.resolve(String.format(Locale.ROOT, "checkpoint-epoch-%04d.safetensors", epoch));
    }

    /**
     * Writes the checkpoint atomically (a crash leaves the previous file or none, never half of one).
     *
     * @param file      where it goes
     * @param model     the model whose parameters and buffers it holds
     * @param optimizer the model's optimiser, whose state tensors and step count it holds
     * @param epoch     the last completed epoch (1-based)
     * @param seed      the run's seed
     * @throws IOException when the file cannot be written
     */
    public static void save(Path file, Module model, Optimizer optimizer, int epoch, long seed) throws IOException {
        save(file, model, optimizer, epoch, seed, List.of());
    }

    /**
     * Writes the checkpoint with the state of a run's callbacks.
     *
     * @param file           where it goes
     * @param model          the model whose parameters and buffers it holds
     * @param optimizer      the model's optimiser, whose state tensors and step count it holds
     * @param epoch          the last completed epoch (1-based)
     * @param seed           the run's seed
     * @param callbackStates each callback's {@link FitCallback#saveState}, in the run's order
     * @throws IOException when the file cannot be written
     */
    public static void save(Path file, Module model, Optimizer optimizer, int epoch, long seed,
                            List<Map<String, String>> callbackStates) throws IOException {
        List<SafeTensorsEntry> entries = new ArrayList<>();
        ModelFiles.state(model).forEach((name, t) -> entries.add(ModelFiles.entry(MODEL_PREFIX + name, t)));
        optimizer.state().forEach((name, t) -> entries.add(ModelFiles.entry(OPTIMIZER_PREFIX + name, t)));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("epoch", Integer.toString(epoch));
        metadata.put("optimizer", optimizer.getClass().getSimpleName());
        metadata.put("optimizer_steps", Long.toString(optimizer.steps()));
        metadata.put("seed", Long.toString(seed));
        for (int i = 0; i < callbackStates.size(); i++) {
            String prefix = CALLBACK_PREFIX + i + "/";
            // Sorted, so the file's bytes do not depend on the map's iteration order.
            new java.util.TreeMap<>(callbackStates.get(i)).forEach((key, value) -> metadata.put(prefix + key, value));
        }
        SafeTensors.write(file, entries, metadata);
    }

    /**
     * Copies a checkpoint into a model and optimiser of the same architecture and kind. Everything is checked before
     * anything changes; a mismatch is a {@link SafeTensorsFormatException} naming the tensor (or the metadata entry).
     *
     * @param file the checkpoint
     * @param model a model of the checkpoint's architecture, overwritten
     * @param optimizer an optimizer of the checkpoint's kind over the model's parameters, overwritten
     * @return the checkpoint's epoch, steps, seed and metadata
     * @throws IOException when the file cannot be read or does not fit ({@link SafeTensorsFormatException})
     */
    public static Info load(Path file, Module model, Optimizer optimizer) throws IOException {
        SafeTensorsFile contents = SafeTensors.read(file);
        Info info = info(contents);
        Map<String, String> metadata = contents.metadata();
        String kind = optimizer.getClass().getSimpleName();
        if (!kind.equals(metadata.get("optimizer"))) {
            throw new SafeTensorsFormatException(file + " holds the state of a " + metadata.get("optimizer")
                    + " optimizer, not of a " + kind);
        }
        List<String> unknown = new ArrayList<>();
        for (String name : contents.tensors().keySet()) {
            if (!name.startsWith(MODEL_PREFIX) && !name.startsWith(OPTIMIZER_PREFIX)) unknown.add(name);
        }
        if (!unknown.isEmpty()) throw new SafeTensorsFormatException(file + ": tensors " + unknown + " are neither model/ nor optimizer/");
        // The optimizer's names, dtypes and shapes are checked before the model is touched (restore checks its own part).
        Map<String, Tensor> modelState = ModelFiles.state(model);
        Map<String, Tensor> optimizerState = optimizer.state();
        for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
            contents.require(OPTIMIZER_PREFIX + e.getKey(), SafeTensorsDType.of(e.getValue().dtype()), e.getValue().shape());
        }
        ModelFiles.restore(modelState, contents, MODEL_PREFIX);
        ModelFiles.restore(optimizerState, contents, OPTIMIZER_PREFIX);
        optimizer.restoreSteps(info.steps());
        return info;
    }

    /**
     * What a checkpoint file says about its run, without loading it into anything.
     *
     * @param file the checkpoint
     * @return its epoch, steps, seed and metadata
     * @throws IOException when the file cannot be read or is not a checkpoint ({@link SafeTensorsFormatException})
     */
    public static Info info(Path file) throws IOException {
        return info(SafeTensors.read(file));
    }

    private static Info info(SafeTensorsFile contents) throws SafeTensorsFormatException {
        Path file = contents.path();
        Map<String, String> metadata = contents.metadata();
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new SafeTensorsFormatException(file + " is not a jacreg checkpoint (metadata 'format' is "
                    + (metadata.containsKey("format") ? "'" + metadata.get("format") + "'" : "missing") + ", expected '" + FORMAT + "')");
        }
        int epoch = (int) number(file, metadata, "epoch");
        long steps = number(file, metadata, "optimizer_steps");
        long seed = number(file, metadata, "seed");
        return new Info(epoch, steps, seed, metadata);
    }

    private static long number(Path file, Map<String, String> metadata, String key) throws SafeTensorsFormatException {
        String value = metadata.get(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new SafeTensorsFormatException(file + ": checkpoint metadata '" + key + "' is "
                    + (value == null ? "missing" : "'" + value + "'") + ", expected an integer");
        }
    }
}
