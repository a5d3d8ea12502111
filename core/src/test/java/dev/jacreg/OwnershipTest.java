package dev.jacreg;

import dev.jacreg.nn.Linear;
import dev.jacreg.train.SgdMomentum;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 9's ownership rules: detached owners, keeping several results, closed tensors leaving, counters. */
class OwnershipTest {
    @BeforeEach
    void settleEarlierGarbage() {
        LiveCounts.settle();
    }

    @Test
    void keepMovesSeveralResultsAtOnce() {
        long before = Tensor.liveCount();
        try (TensorScope outer = TensorScope.open()) {
            Tensor a, b, c;
            List<Tensor> parts = new ArrayList<>();
            try (TensorScope inner = TensorScope.open()) {
                a = Tensor.ones(2);
                b = a.add(1.0);
                c = b.mul(3.0);
                Tensor temporary = c.exp();
                inner.keep(a, b, c);
                for (int i = 0; i < 3; i++) parts.add(Tensor.full(i, DType.FLOAT32, 1));
                assertSame(parts, inner.keepAll(parts));
                assertEquals(1, inner.ownedCount());
                assertFalse(temporary.isClosed());
            }
            assertEquals(6, outer.ownedCount());
            assertArrayEquals(new float[]{6, 6}, c.toFloatArray());
            assertEquals(2.0, parts.get(2).item());
            assertSame(outer, a.owner());
        }
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void closedTensorsLeaveTheirScopeAtOnce() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor kept = Tensor.ones(1);
            List<Tensor> alive = new ArrayList<>();
            for (int i = 0; i < 50_000; i++) {  // a long scope of short-lived tensors: its list stays short
                Tensor t = Tensor.zeros(1);
                if (i % 1000 == 0) alive.add(t); else t.close();
                assertEquals(1 + alive.size(), scope.ownedCount());
            }
            assertEquals(1 + alive.size(), scope.ownedCount());
            alive.get(3).close();  // closing from the middle keeps every other tensor owned
            assertEquals(alive.size(), scope.ownedCount());
            for (Tensor t : alive) if (!t.isClosed()) assertSame(scope, t.owner());
            assertSame(scope, kept.owner());
        }
    }

    @Test
    void aDetachedOwnerHoldsTensorsOutsideEveryScope() {
        long before = Tensor.liveCount();
        TensorScope owner = TensorScope.detached();
        Tensor weight;
        try (TensorScope scope = TensorScope.open()) {
            weight = owner.take(Tensor.ones(3).mul(2.0));
            Tensor.ones(3).add(weight);  // temporaries stay in the scope
            assertEquals(3, scope.ownedCount());  // two ones and ones + weight (ones·2 moved out)
            assertThrows(IllegalArgumentException.class, () -> scope.keep(weight), "not the scope's any more");
        }
        assertFalse(weight.isClosed());
        assertSame(owner, weight.owner());
        assertTrue(owner.isDetached());
        assertEquals(before + 1, Tensor.liveCount());

        TensorScope other = TensorScope.detached();
        other.take(weight);  // from one owner to another
        assertEquals(0, owner.ownedCount());
        owner.close();
        assertFalse(weight.isClosed());
        other.close();
        assertTrue(weight.isClosed());
        assertEquals(before, Tensor.liveCount());
        assertThrows(IllegalStateException.class, () -> other.take(Tensor.ones(1).releaseFromScope()));
    }

    @Test
    void detachedOwnersMayBeClosedFromAnotherThread() throws Exception {
        long before = Tensor.liveCount();
        TensorScope owner = TensorScope.detached();
        try (TensorScope scope = TensorScope.open()) {
            owner.take(Tensor.ones(4));
        }
        Thread closer = Thread.ofVirtual().start(owner::close);
        closer.join();
        assertTrue(owner.isClosed());
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void longLivedHoldersNeedNoReleaseFromScope() {
        long before = Tensor.liveCount();
        Linear layer;
        SgdMomentum optimizer;
        try (TensorScope scope = TensorScope.open()) {
            layer = new Linear(3, 2, DType.FLOAT64);
            optimizer = new SgdMomentum(layer.parameters(), 0.1, 0.9);
            assertEquals(0, scope.ownedCount(), "parameters and velocities went to their owners");
        }
        for (Tensor p : layer.parameters().values()) {
            assertFalse(p.isClosed());
            assertTrue(p.owner().isDetached());
        }
        for (Tensor v : optimizer.velocities().values()) assertTrue(v.owner().isDetached());
        optimizer.close();
        layer.close();
        layer.close();  // closing twice is harmless
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void countersTellTensorsCreatedInAndOutsideScopes() throws InterruptedException {
        TensorScope.Statistics start = TensorScope.statistics();
        try (TensorScope scope = TensorScope.open()) {
            Tensor.ones(2).add(1.0).sum();
        }
        TensorScope.Statistics scoped = TensorScope.statistics().since(start);
        assertEquals(new TensorScope.Statistics(3, 0), scoped);
        try (Tensor a = Tensor.ones(2); Tensor b = a.mul(2.0)) {
            assertEquals(2.0, b.toFloatArray()[1]);
        }
        assertEquals(new TensorScope.Statistics(3, 2), TensorScope.statistics().since(start));

        // Another thread's counters are its own.
        TensorScope.Statistics[] other = new TensorScope.Statistics[1];
        Thread.ofPlatform().start(() -> {
            try (Tensor t = Tensor.zeros(1)) {
                other[0] = TensorScope.statistics();
            }
        }).join();
        assertEquals(new TensorScope.Statistics(0, 1), other[0]);
    }

    @Test
    void onlyDroppedUnownedTensorsReachTheCleaner() throws InterruptedException {
        long rescuedBefore = Tensor.freedByCleaner();
        try (TensorScope scope = TensorScope.open()) {
            for (int i = 0; i < 1000; i++) Tensor.ones(2).add(1.0);  // dropped, but the scope frees them
        }
        Tensor.ones(3).releaseFromScope();  // a missing close
        Tensor.ones(3);                     // created outside any scope and dropped
        long rescued = 0;
        for (int i = 0; i < 100 && rescued < 2; i++) {
            System.gc();
            Thread.sleep(20);
            rescued = Tensor.freedByCleaner() - rescuedBefore;
        }
        assertTrue(rescued >= 2, "the Cleaner freed " + rescued + " dropped tensor(s)");
    }
}
