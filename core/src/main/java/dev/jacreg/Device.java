package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;

import java.util.Locale;

/**
 * Where tensors live. The default comes from {@code -Djacreg.device=cpu|cuda|cuda:N}, else the
 * environment variable {@code JACREG_DEVICE}, else CPU.
 *
 * @param type CPU or CUDA
 * @param index the device's number among its type, &gt;= 0 (0 for the CPU)
 */
public record Device(Type type, int index) {
    /** The kind of device. */
    public enum Type {
        /** The host's memory and cores. */
        CPU(jacreg_h.JR_DEVICE_CPU()),
        /** An NVIDIA GPU (needs a CUDA build of libtorch). */
        CUDA(jacreg_h.JR_DEVICE_CUDA());

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** The shim's JR_DEVICE_* code. */
        int code() {
            return code;
        }

        static Type fromCode(int code) {
            for (Type type : values()) if (type.code == code) return type;
            throw new TorchException("unknown device type code from the shim: " + code);
        }
    }

    /** The CPU. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /** Checks that the index is not negative. */
    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /**
     * The CUDA device of the given number.
     *
     * @param index the GPU's number, as CUDA counts them, &gt;= 0
     * @return the device
     */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** {@return whether this is a GPU} */
    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /**
     * Parses "cpu", "cuda" or "cuda:N".
     *
     * @param text "cpu", "cuda" or "cuda:N"
     * @return the device (not checked against the loaded libtorch)
     * @throws IllegalArgumentException for any other text, naming it
     */
    public static Device parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("cpu")) return CPU;
        if (value.equals("cuda")) return cuda(0);
        if (value.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(value.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "': use cpu, cuda or cuda:N");
    }

    private static volatile Device defaultDevice;

    /** {@return the device new tensors go to; checked against the loaded libtorch on first use} */
    public static Device defaultDevice() {
        Device device = defaultDevice;
        if (device == null) {
            synchronized (Device.class) {
                if (defaultDevice == null) defaultDevice = Torch.checkAvailable(configured());
                device = defaultDevice;
            }
        }
        return device;
    }

    /**
     * Changes the default device for the whole process (checked like the configured one).
     *
     * @param device the new default
     */
    public static void setDefaultDevice(Device device) {
        synchronized (Device.class) {
            defaultDevice = Torch.checkAvailable(device);
        }
    }

    /**
     * This device if the loaded libtorch has it; otherwise a {@link TorchException} saying so, naming
     * {@code requestedBy} (e.g. "(DataLoader)") as where it was asked for.
     *
     * @param requestedBy where the device was asked for, for the message
     * @return this device
     */
    public Device requireAvailable(String requestedBy) {
        return Torch.checkAvailable(this, requestedBy);
    }

    static Device configured() {
        String property = System.getProperty("jacreg.device");
        if (property != null && !property.isBlank()) return parse(property);
        String env = System.getenv("JACREG_DEVICE");
        if (env != null && !env.isBlank()) return parse(env);
        return CPU;
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
