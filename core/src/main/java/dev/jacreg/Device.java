package dev.jacreg;

import dev.jacreg.bindings.jacreg_h;

import java.util.Locale;

/**
 * Where tensors live. The default comes from {@code -Djacreg.device=cpu|cuda|cuda:N}, else the
 * environment variable {@code JACREG_DEVICE}, else CPU.
 */
public record Device(Type type, int index) {
    public enum Type {
        CPU(jacreg_h.JR_DEVICE_CPU()),
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

    public static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /** Parses "cpu", "cuda" or "cuda:N". */
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

    /** Changes the default device for the whole process (checked like the configured one). */
    public static void setDefaultDevice(Device device) {
        synchronized (Device.class) {
            defaultDevice = Torch.checkAvailable(device);
        }
    }

    /**
     * This device if the loaded libtorch has it; otherwise a {@link TorchException} saying so, naming
     * {@code requestedBy} (e.g. "(DataLoader)") as where it was asked for.
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
