package dev.jacreg.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Switches a running {@code perf record -D -1 --control fifo:PATH} on and off through its control FIFO, so that
 * a profile covers exactly the timed part of a benchmark. Without a path every call does nothing.
 */
final class PerfControl implements AutoCloseable {
    private final OutputStream fifo;

    private PerfControl(OutputStream fifo) {
        this.fifo = fifo;
    }

    static PerfControl open(String path) {
        if (path == null) return new PerfControl(null);
        try {
            return new PerfControl(Files.newOutputStream(Path.of(path)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the perf control FIFO " + path, e);
        }
    }

    void enable() {
        send("enable\n");
    }

    void disable() {
        send("disable\n");
    }

    private void send(String command) {
        if (fifo == null) return;
        try {
            fifo.write(command.getBytes(StandardCharsets.US_ASCII));
            fifo.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("perf control FIFO", e);
        }
    }

    @Override
    public void close() {
        if (fifo == null) return;
        try {
            fifo.close();
        } catch (IOException e) {
            throw new UncheckedIOException("perf control FIFO", e);
        }
    }
}
