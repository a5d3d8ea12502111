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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/** The collectives against their closed forms, and every way joining can fail as a clear exception. */
class ProcessGroupTest {
    static final String HOST = Ranks.HOST;
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void allReduceBroadcastAndBarrierMatchTheirClosedForms() {
        if (!Ranks.glooBuilt()) return;
        List<Object> results = Ranks.run(3, (rank, port) -> {
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
        if (!Ranks.glooBuilt()) return;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            int port = taken.getLocalPort();
            TorchException e = assertThrows(TorchException.class,
                    () -> ProcessGroup.join(HOST, port, 2, 0, Duration.ofSeconds(2)).close());
            assertTrue(e.getMessage().contains(HOST + ":" + port), e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("in use"), e.getMessage());
        }
    }

    @Test
    void aGroupWhoseRankZeroFindsItsPortTakenIsTriedAgainOnAnother() throws IOException {
        if (!Ranks.glooBuilt()) return;
        int taken = Ranks.peekPort();
        try (ServerSocket holder = new ServerSocket(taken, 1, InetAddress.getByName(HOST))) {
            List<Integer> tried = new ArrayList<>();
            Ranks.onFreshPort(port -> {
                tried.add(port);
                return ProcessGroup.join(HOST, port, 1, 0, TIMEOUT);
            }).close();
            assertEquals(2, tried.size(), tried.toString());
            assertEquals(taken, tried.get(0));
        }
    }

    @Test
    void aMissingRankIsARendezvousTimeout() {
        if (!Ranks.glooBuilt()) return;
        int[] used = new int[1];
        TorchException e = Ranks.onFreshPort(port -> {
            used[0] = port;
            return assertThrows(TorchException.class, () -> ProcessGroup.join(HOST, port, 2, 0, Duration.ofMillis(1500)).close());
        });
        assertTrue(e.getMessage().startsWith("rank 0 of 2: rendezvous at " + HOST + ":" + used[0]), e.getMessage());
        assertTrue(e.getMessage().contains("rank 1 did not join within 1500 ms"), e.getMessage());
    }

    @Test
    void aPeerThatStopsCallingMakesTheCollectiveTimeOut() {
        if (!Ranks.glooBuilt()) return;
        List<Object> results = Ranks.onFreshPort(port -> {
            CountDownLatch done = new CountDownLatch(1);
            return Ranks.runOnPort(port, 2, (rank, p) -> {
                // The one timeout covers joining too, so it leaves room for a loaded machine's thread start-up.
                try (ProcessGroup group = ProcessGroup.join(HOST, p, 2, rank, Duration.ofSeconds(4));
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
                }
            });
        });
        TorchException e = assertInstanceOf(TorchException.class, results.get(0));
        assertTrue(e.getMessage().startsWith("rank 0 of 2: all-reduce failed"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("timed out"), e.getMessage());
    }

    @Test
    void ranksStartedWithDifferentWorldSizesAreToldSoWhicheverArrivesFirst() {
        if (!Ranks.glooBuilt()) return;
        for (int late : new int[]{0, 1}) {  // the other rank is most likely first at the rendezvous
            // rank 0 of 2 and rank 1 "of 3": both must name the mismatch (neither may hang, join or see a reset)
            List<Object> smaller = joinWithSizes(new int[]{2, 3}, late);
            assertEquals("world size mismatch: rank 1 was started with world size 3, rank 0 with 2", message(smaller.get(0)));
            assertEquals("world size mismatch: rank 0 was started with world size 2, rank 1 with 3", message(smaller.get(1)));
            // rank 0 of 3 and rank 1 "of 2": rank 0 must not wait for a third rank that will never come
            List<Object> larger = joinWithSizes(new int[]{3, 2}, late);
            assertEquals("world size mismatch: rank 1 was started with world size 2, rank 0 with 3", message(larger.get(0)));
            assertEquals("world size mismatch: rank 0 was started with world size 3, rank 1 with 2", message(larger.get(1)));
        }
        // A rank that agrees with rank 0 learns of the mismatch between rank 0 and another one from rank 0.
        List<Object> three = joinWithSizes(new int[]{3, 3, 4}, 2);
        String expected = "world size mismatch: rank 2 was started with world size 4, rank 0 with 3";
        assertEquals(expected, message(three.get(0)));
        assertEquals(expected, message(three.get(1)));
        assertEquals("world size mismatch: rank 0 was started with world size 3, rank 2 with 4", message(three.get(2)));
    }

    /** Each rank's failure when rank r joins with worldSizes[r], rank `late` half a second after the others. */
    private static List<Object> joinWithSizes(int[] worldSizes, int late) {
        return Ranks.run(worldSizes.length, (rank, port) -> {
            if (rank == late) Thread.sleep(500);
            try (ProcessGroup group = ProcessGroup.join(HOST, port, worldSizes[rank], rank, Duration.ofSeconds(30))) {
                return group;
            }
        });
    }

    private static String message(Object rankResult) {
        return assertInstanceOf(TorchException.class, rankResult).getMessage();
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyNetworking() {
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 29500, 2, 2, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 0, 2, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 65536, 2, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(HOST, 29500, 0, 0, TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ProcessGroup.join(" ", 29500, 1, 0, TIMEOUT));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroup.join("no-such-host.invalid", 29500, 2, 1, TIMEOUT));
        assertEquals("master host 'no-such-host.invalid' cannot be resolved", unknown.getMessage());
    }

    @Test
    void aClosedGroupSaysSo() {
        if (!Ranks.glooBuilt()) return;
        ProcessGroup group = Ranks.onFreshPort(port -> ProcessGroup.join(HOST, port, 1, 0, TIMEOUT));
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

    @Test
    void theShimHasGlooExactlyWhenItsBuildSaysSo() {
        Ranks.glooBuilt();  // asserts it, and without Gloo that joining says so at once
    }
}
