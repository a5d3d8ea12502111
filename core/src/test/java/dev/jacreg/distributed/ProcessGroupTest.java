package dev.jacreg.distributed;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.TorchException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The collectives against their closed forms, and every way joining can fail as a clear exception. */
class ProcessGroupTest {
    static final String HOST = "127.0.0.1";
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void allReduceBroadcastAndBarrierMatchTheirClosedForms() throws InterruptedException {
        int port = Ranks.freePort();
        List<Object> results = Ranks.run(3, rank -> {
            try (ProcessGroup group = ProcessGroup.join(HOST, port, 3, rank, TIMEOUT); TensorScope scope = TensorScope.open()) {
                assertEquals(rank, group.rank());
                assertEquals(3, group.size());
                Tensor a = Tensor.of(new double[]{rank, 10 * rank}, 2);   // sum over ranks 0,1,2: {3, 30}
                Tensor b = Tensor.of(new float[]{1 + rank}, 1, 1);         // mean: 2
                group.allReduce(List.of(a, b), ProcessGroup.ReduceOp.SUM);
                Tensor c = Tensor.of(new float[]{1 + rank}, 1);
                group.allReduce(List.of(c), ProcessGroup.ReduceOp.AVERAGE);
                Tensor d = Tensor.of(new double[]{rank, rank, rank}, 3);
                group.broadcast(List.of(d), 2);
                group.barrier();
                return new double[]{a.toDoubleArray()[0], a.toDoubleArray()[1], b.toFloatArray()[0], c.toFloatArray()[0],
                        d.toDoubleArray()[0], d.toDoubleArray()[2]};
            }
        });
        for (Object r : results) {
            if (r instanceof Throwable t) throw new AssertionError(t);
            assertArrayEquals(new double[]{3, 30, 6, 2, 2, 2}, (double[]) r);
        }
    }

    @Test
    void aPortInUseIsNamed() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            int port = taken.getLocalPort();
            TorchException e = assertThrows(TorchException.class,
                    () -> ProcessGroup.join(HOST, port, 2, 0, Duration.ofSeconds(2)).close());
            assertTrue(e.getMessage().contains(HOST + ":" + port), e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("in use"), e.getMessage());
        }
    }

    @Test
    void aMissingRankIsARendezvousTimeout() {
        int port = Ranks.freePort();
        TorchException e = assertThrows(TorchException.class,
                () -> ProcessGroup.join(HOST, port, 2, 0, Duration.ofMillis(1500)).close());
        assertTrue(e.getMessage().contains("rank 0 of 2: rendezvous at " + HOST + ":" + port), e.getMessage());
    }

    @Test
    void aPeerThatStopsCallingMakesTheCollectiveTimeOut() throws InterruptedException {
        int port = Ranks.freePort();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        List<Object> results = Ranks.run(2, rank -> {
            // The one timeout covers joining too, so it leaves room for a loaded machine's thread start-up.
            try (ProcessGroup group = ProcessGroup.join(HOST, port, 2, rank, Duration.ofSeconds(4));
                 TensorScope scope = TensorScope.open()) {
                if (rank == 1) {
                    done.await();  // alive and connected, but never joins the all-reduce
                    return "idle";
                }
                try {
                    group.allReduce(List.of(Tensor.of(new float[]{1}, 1)), ProcessGroup.ReduceOp.SUM);
                    return "no error";
                } finally {
                    done.countDown();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        TorchException e = assertInstanceOf(TorchException.class, results.get(0));
        assertTrue(e.getMessage().startsWith("rank 0 of 2: all-reduce failed"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("timed out"), e.getMessage());
    }

    @Test
    void ranksStartedWithDifferentWorldSizesAreToldSo() throws InterruptedException {
        int port = Ranks.freePort();
        // rank 0 of 2 and rank 1 "of 3": both must name the mismatch (neither may hang or join).
        List<Object> results = Ranks.run(2, rank -> {
            try (ProcessGroup group = ProcessGroup.join(HOST, port, rank == 0 ? 2 : 3, rank, Duration.ofSeconds(10))) {
                return group;
            }
        });
        for (Object r : results) {
            TorchException e = assertInstanceOf(TorchException.class, r);
            assertTrue(e.getMessage().contains("world size mismatch"), e.getMessage());
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyNetworking() {
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 29500, 2, 2, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 0, 2, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 29500, 0, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(" ", 29500, 1, 0, TIMEOUT));
        assertTrue(ProcessGroup.available(ProcessGroup.Backend.GLOO));
    }

    @Test
    void aClosedGroupSaysSo() {
        ProcessGroup group = ProcessGroup.join(HOST, Ranks.freePort(), 1, 0, TIMEOUT);
        group.barrier();
        group.close();
        group.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, group::barrier);
        assertTrue(e.getMessage().contains("closed"));
        try (TensorScope scope = TensorScope.open()) {
            assertThrows(IllegalStateException.class,
                    () -> group.allReduce(List.of(Tensor.zeros(DType.FLOAT32, 2)), ProcessGroup.ReduceOp.SUM));
        }
    }
}
