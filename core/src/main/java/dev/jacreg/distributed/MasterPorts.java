package dev.jacreg.distributed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a master (rank 0) chosen before rank 0 starts, as a launcher of local ranks must (c10d's TCPStore takes
 * the port as an input and has no way to publish one it chose itself). Rank 0 binds its port only once its process is
 * up, a second or more after the choice, and another program may take the port in between. Two things make that rare:
 * the ports come from below the kernel's ephemeral range (Linux's default 32768..60999), which {@code bind} to port 0
 * and the source ports of outgoing connections (c10d's and Gloo's own sockets included) never use, so only a program
 * that binds that very port by number can take it; and each is probed with a bind just before it is handed out. What
 * remains, such a program binding it in the gap, makes rank 0 fail with "address already in use": the launcher then
 * asks {@link #inUse} and, when another program holds the port, starts the ranks again on a new one.
 */
public final class MasterPorts {
    /** The lowest port handed out: above the ports most services use. */
    public static final int FIRST = 20_000;
    /** One past the highest port handed out: where Linux's default ephemeral range starts. */
    public static final int END = 32_768;
    /** Random picks tried before giving up: a range this size with so many taken means something is wrong. */
    private static final int TRIES = 64;

    private MasterPorts() {}

    /**
     * A random port in {@link #FIRST}..{@link #END}-1 that nothing is bound to right now ({@link #inUse}).
     *
     * @return the port
     * @throws IOException when none of {@value #TRIES} random picks was free
     */
    public static int pick() throws IOException {
        for (int i = 0; i < TRIES; i++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, END);
            if (!inUse(port)) return port;
        }
        throw new IOException("no free port among " + TRIES + " random picks in " + FIRST + ".." + (END - 1));
    }

    /**
     * Whether a listening socket could not be bound to the port now as rank 0's TCPStore binds it: on every address
     * (the wildcard, whatever host --master names), so a program listening on any one address of this machine holds
     * the port; and with SO_REUSEADDR, so connections of an earlier run still closing there do not.
     *
     * @param port the port, 1..65535
     * @return whether the port is held
     */
    public static boolean inUse(int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(port), 1);
            return false;
        } catch (IOException e) {
            return true;  // mostly BindException (address already in use); any other failure makes it unusable too
        }
    }
}
