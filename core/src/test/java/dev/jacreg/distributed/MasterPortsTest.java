package dev.jacreg.distributed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.*;

/** The launcher's ports: in range and bindable when picked; "in use" exactly when rank 0's bind would fail. */
class MasterPortsTest {
    @Test
    void aPickedPortIsBelowTheEphemeralRangeAndCanBeBoundOnEveryAddress() throws IOException {
        for (int i = 0; i < 20; i++) {
            int port = MasterPorts.pick();
            assertTrue(port >= MasterPorts.FIRST && port < MasterPorts.END, "port " + port);
            // The independent check: what rank 0's TCPStore will do with it (the wildcard address, SO_REUSEADDR).
            try (ServerSocket rankZero = new ServerSocket()) {
                rankZero.setReuseAddress(true);
                rankZero.bind(new InetSocketAddress(port), 1);
            }
        }
    }

    @Test
    void aPortIsInUseWhileAnotherSocketListensThereOnAnyAddress() throws IOException {
        int port;
        try (ServerSocket loopbackOnly = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = loopbackOnly.getLocalPort();
            assertTrue(MasterPorts.inUse(port));  // rank 0 would listen on every address, this one included
        }
        assertFalse(MasterPorts.inUse(port), "free again once closed");
        try (ServerSocket everywhere = new ServerSocket()) {
            everywhere.bind(new InetSocketAddress(port), 1);
            assertTrue(MasterPorts.inUse(port));
        } catch (java.net.BindException e) {
            // taken by another program meanwhile: nothing to check here
        }
        assertThrows(IllegalArgumentException.class, () -> MasterPorts.inUse(0));
        assertThrows(IllegalArgumentException.class, () -> MasterPorts.inUse(65536));
    }
}
