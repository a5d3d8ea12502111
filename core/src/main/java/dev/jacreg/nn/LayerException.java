package dev.jacreg.nn;

import dev.jacreg.Device;
import dev.jacreg.Tensor;
import dev.jacreg.TorchException;

import java.util.Arrays;

/**
 * A layer of a model could not process its input (most often a shape that does not fit, or a device); the one-line
 * message names the layer, by its path in the model ("block.fc") when a {@link Sequential} holds it, and what it
 * expected. It is a {@link TorchException}, as the libtorch failure it explains was.
 */
public final class LayerException extends TorchException {
    private static final long serialVersionUID = 1L;
    private static final String PREFIX = "layer '";
    /** The layer's dotted path in the model; "" for a layer on its own. */
    private final String layer;

    private LayerException(String layer, int code, String message, Throwable cause) {
        super(code, message);
        this.layer = layer;
        if (cause != null) initCause(cause);
    }

    /** {@return the layer's dotted path in the model, or "" for a layer used on its own} */
    public String layer() {
        return layer;
    }

    /**
     * A layer used on its own rejected its input: "Linear(4 → 3) expects input of shape …×4, got shape [2, 5]: cause"
     * (cause may be null when the layer's own check found it).
     */
    static LayerException badInput(Module module, String expected, Tensor input, RuntimeException cause) {
        int code = cause instanceof TorchException t ? t.code() : 0;
        Device device = module instanceof Layer layer ? layer.device() : null;
        if (device != null && input != null && !input.isClosed() && !device.equals(input.device())) {
            return new LayerException("", code, module.describe() + " holds its state on " + device + " but its input is on "
                    + input.device() + ": move the model or the data with to(device)", cause);
        }
        String shape = input == null || input.isClosed() ? "?" : Arrays.toString(input.shape());
        return new LayerException("", code, module.describe() + " expects input of shape " + expected + ", got shape " + shape
                + (cause == null ? "" : ": " + firstLine(cause.getMessage())), cause);
    }

    /**
     * The failure of the child {@code name} of a {@link Sequential}, with the name put in front of its path: a
     * LayerException for a libtorch failure, an IllegalArgumentException for an argument the layer refused (each
     * keeps its kind, so callers that tell runtime failures from bad arguments still can).
     */
    static RuntimeException inLayer(String name, Module child, RuntimeException failure) {
        String message = firstLine(failure.getMessage());
        String path = name, detail = child.describe() + ": " + message;
        if (failure instanceof LayerException inner) {
            path = inner.layer.isEmpty() ? name : name + "." + inner.layer;
            detail = inner.layer.isEmpty() ? message : afterPrefix(message);
        } else if (child instanceof Sequential && message.startsWith(PREFIX) && message.indexOf("': ") > 0) {
            path = name + "." + message.substring(PREFIX.length(), message.indexOf("': "));  // nested path of an argument error
            detail = afterPrefix(message);
        }
        String text = PREFIX + path + "': " + detail;
        if (failure instanceof TorchException torch) return new LayerException(path, torch.code(), text, failure);
        return new IllegalArgumentException(text, failure);
    }

    /** The message after its "layer 'path': " prefix. */
    private static String afterPrefix(String message) {
        int end = message.indexOf("': ");
        return message.startsWith(PREFIX) && end > 0 ? message.substring(end + 3) : message;
    }

    private static String firstLine(String message) {
        if (message == null) return "(no message)";
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
