package dev.jacreg.nn;

import dev.jacreg.Device;
import dev.jacreg.Tensor;

import java.util.Arrays;

/**
 * A layer of a model could not process its input (most often a shape that does not fit); the message names the layer,
 * by its path in the model ("block.fc") when a {@link Sequential} holds it, and what it expected.
 */
public final class LayerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    /** The layer's dotted path in the model; "" for a layer on its own. */
    private final String layer;

    private LayerException(String layer, String message, Throwable cause) {
        super(message, cause);
        this.layer = layer;
    }

    /** The layer's dotted path in the model, or "" for a layer used on its own. */
    public String layer() {
        return layer;
    }

    /**
     * A layer used on its own rejected its input: "Linear(4 → 3) expects input of shape …×4, got shape [2, 5]: cause"
     * (cause may be null when the layer's own check found it).
     */
    static LayerException badInput(Module module, String expected, Tensor input, RuntimeException cause) {
        Device device = module instanceof Layer layer ? layer.device() : null;
        if (device != null && input != null && !input.isClosed() && !device.equals(input.device())) {
            return new LayerException("", module.describe() + " holds its state on " + device + " but its input is on "
                    + input.device() + ": move the model or the data with to(device)", cause);
        }
        String shape = input == null || input.isClosed() ? "?" : Arrays.toString(input.shape());
        return new LayerException("", module.describe() + " expects input of shape " + expected + ", got shape " + shape
                + (cause == null ? "" : ": " + firstLine(cause.getMessage())), cause);
    }

    /** The failure of the child {@code name} of a {@link Sequential}, with the name put in front of its path. */
    static LayerException inLayer(String name, Module child, RuntimeException failure) {
        if (failure instanceof LayerException inner) {
            String path = inner.layer.isEmpty() ? name : name + "." + inner.layer;
            String detail = inner.layer.isEmpty() ? inner.getMessage() : inner.detail();
            return new LayerException(path, "layer '" + path + "': " + detail, inner.getCause());
        }
        return new LayerException(name, "layer '" + name + "': " + child.describe() + ": " + firstLine(failure.getMessage()),
                failure);
    }

    /** The message after the "layer 'path': " prefix. */
    private String detail() {
        String prefix = "layer '" + layer + "': ";
        String message = getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static String firstLine(String message) {
        if (message == null) return "(no message)";
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
