package dev.jacreg.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The peak resident memory of this process — the most physical memory it has held at once, JVM heap and libtorch's
 * native tensors together — as Linux reports it (VmHWM in /proc/self/status), for the reports: it says how big a
 * machine a run needs.
 */
public final class PeakMemory {
    static final Path STATUS = Path.of("/proc/self/status");

    private PeakMemory() {}

    /** Bytes so far; empty where /proc/self/status does not exist or has no VmHWM line (not Linux). */
    public static OptionalLong residentBytes() {
        return read(STATUS);
    }

    /** The VmHWM of a status file as bytes; empty when the file is missing, unreadable or has none. */
    static OptionalLong read(Path status) {
        try {
            return parse(Files.readAllLines(status));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The "VmHWM:  123456 kB" line of a status file, in bytes. */
    static OptionalLong parse(List<String> statusLines) {
        for (String line : statusLines) {
            if (!line.startsWith("VmHWM:")) continue;
            String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
            if (parts.length == 2 && parts[1].equals("kB")) {
                try {
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** For reports: "712.3 MiB", "1.42 GiB", or "n/a" when unknown. */
    public static String describe(OptionalLong bytes) {
        if (bytes.isEmpty()) return "n/a";
        double mib = bytes.getAsLong() / (1024.0 * 1024.0);
        return mib < 1024 ? String.format(Locale.ROOT, "%.1f MiB", mib) : String.format(Locale.ROOT, "%.2f GiB", mib / 1024);
    }
}
