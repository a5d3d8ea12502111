package dev.jacreg.distributed;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The master's (rank 0's) address as the other ranks reach it, checked before joining. A host that cannot be resolved
 * or a port outside 1..65535 fails at once. A worker started before its master is normal, so {@link #awaitListening}
 * retries while nothing accepts connections there, but only for a short window (the CLI's --master-wait) rather than
 * the whole rendezvous timeout: a wrong address or a master that never started fails fast, not after minutes of silence.
 */
public final class MasterAddress {
    /** Between two connection attempts: short next to any useful window, long enough not to busy-loop. */
    private static final long RETRY_MILLIS = 200;
    /** The least time one attempt gets, even at the window's end: a refusal needs a moment to arrive. */
    private static final long MIN_CONNECT_MILLIS = 100;

    private MasterAddress() {}

    /**
     * The resolved address; an IllegalArgumentException naming the host or port when there is none.
     *
     * @param host a host name or IP address
     * @param port a TCP port, 1 to 65535
     * @return the resolved socket address
     */
    public static InetSocketAddress resolve(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) throw new IllegalArgumentException("master host is empty");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("master port must be in 1..65535, got " + port);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("master host '" + host + "' cannot be resolved");
        }
    }

    /**
     * Returns once something accepts a TCP connection at the address (the connection is closed again at once), retrying
     * while none does for up to {@code window}. The first failed attempt is reported once through {@code onWaiting}, as
     * one line ("waiting for the master at HOST:PORT: connection refused; retrying for up to 30 s").
     *
     * @param address where the master listens
     * @param window how long to keep retrying a refused connection
     * @param onWaiting receives the one waiting line, at the first failed attempt
     * @throws ConnectException when nothing accepted a connection within the window; the message names the address,
     *                          the window and the last failure
     */
    public static void awaitListening(InetSocketAddress address, Duration window, Consumer<String> onWaiting)
            throws ConnectException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(onWaiting, "onWaiting");
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive, got " + window);
        String where = describe(address);
        long deadline = System.nanoTime() + window.toNanos();
        boolean reported = false;
        while (true) {
            long connectMillis = Math.max(MIN_CONNECT_MILLIS, (deadline - System.nanoTime()) / 1_000_000);
            String failure;
            try (Socket probe = new Socket()) {
                probe.connect(address, (int) Math.min(connectMillis, Integer.MAX_VALUE));
                return;
            } catch (IOException e) {
                failure = reason(e);
            }
            if (!reported) {
                onWaiting.accept("waiting for the master at " + where + ": " + failure + "; retrying for up to "
                        + seconds(window));
                reported = true;
            }
            long sleepMillis = Math.min(RETRY_MILLIS, (deadline - System.nanoTime()) / 1_000_000);
            if (sleepMillis <= 0) {
                throw new ConnectException("nothing accepted a connection at " + where + " within " + seconds(window)
                        + " (" + failure + ")");
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while waiting for the master at " + where);
            }
        }
    }

    /** host:port as the user wrote the host where it was a name, [v6]:port for a literal IPv6 address. */
    static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static String reason(IOException e) {
        if (e instanceof SocketTimeoutException) return "no answer (timed out)";  // e.g. a firewall that drops it
        String message = e.getMessage();
        if (e instanceof ConnectException && message != null && message.toLowerCase().contains("refused")) {
            return "connection refused";
        }
        return message == null ? e.getClass().getSimpleName() : message.toLowerCase();
    }

    private static String seconds(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }
}
