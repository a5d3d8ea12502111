package dev.jacreg;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Native lifetimes: scopes free what they own, handle counts return to baseline, nothing piles up. */
class MemoryTest {
    @BeforeEach
    void settleEarlierGarbage() {
        LiveCounts.settle();  // these tests compare process-wide counts exactly
    }

    @Test
    void scopeClosesEverythingItOwnsExceptKeptTensors() {
        long javaBefore = Tensor.liveCount(), nativeBefore = Torch.nativeLiveTensors();
        Tensor kept;
        Tensor inner;
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = Tensor.ones(3);
            Tensor b = a.mul(2.0).add(a);
            inner = b.exp();
            kept = scope.keep(b.sum());
            assertEquals(4, scope.ownedCount());  // a, a·2, b, inner (kept sum moved out)
            assertEquals(javaBefore + 5, Tensor.liveCount());
        }
        assertTrue(inner.isClosed());
        assertFalse(kept.isClosed());
        assertEquals(9.0, kept.item());
        assertEquals(javaBefore + 1, Tensor.liveCount());
        assertEquals(nativeBefore + 1, Torch.nativeLiveTensors());
        kept.close();
        assertEquals(javaBefore, Tensor.liveCount());
        assertEquals(nativeBefore, Torch.nativeLiveTensors());
    }

    @Test
    void keepMovesToTheEnclosingScope() {
        long before = Tensor.liveCount();
        try (TensorScope outer = TensorScope.open()) {
            Tensor result;
            try (TensorScope inner = TensorScope.open()) {
                result = inner.keep(Tensor.ones(2).add(1.0));
            }
            assertFalse(result.isClosed());
            assertEquals(1, outer.ownedCount());
        }
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void scopesThrowOnDoubleOrOutOfOrderClose() {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("out of order"));
        inner.close();
        assertThrows(IllegalStateException.class, inner::close);
        outer.close();
        assertThrows(IllegalArgumentException.class, () -> {
            try (TensorScope a = TensorScope.open(); Tensor free = Tensor.zeros(1).releaseFromScope()) {
                a.keep(free);  // not owned by a
            }
        });
    }

    @Test
    void explicitCloseInsideAScopeIsFine() {
        long before = Tensor.liveCount();
        try (TensorScope scope = TensorScope.open()) {
            Tensor t = Tensor.ones(2);
            t.close();
            assertEquals(0, scope.ownedCount());
        }
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void tensorsOfOtherThreadsAreNotAdopted() throws Exception {
        long before = Tensor.liveCount();
        try (TensorScope scope = TensorScope.open()) {
            Tensor[] fromOther = new Tensor[1];
            Thread worker = new Thread(() -> fromOther[0] = Tensor.ones(2));
            worker.start();
            worker.join();
            assertEquals(0, scope.ownedCount());
            fromOther[0].close();
        }
        assertEquals(before, Tensor.liveCount());
    }

    @Test
    void hundredThousandSmallOpsLeaveTheHeapFlat() throws IOException {
        long javaBefore = Tensor.liveCount(), nativeBefore = Torch.nativeLiveTensors();
        try (TensorScope warm = TensorScope.open()) {
            for (int i = 0; i < 1000; i++) Tensor.ones(4).add(1.0).mul(2.0).sum();
        }
        long rssBefore = residentSetKb();
        TensorScope.Statistics start = TensorScope.statistics();
        try (TensorScope outer = TensorScope.open()) {
            Tensor a = Tensor.ones(4), b = Tensor.full(2, DType.FLOAT32, 4);
            for (int batch = 0; batch < 1000; batch++) {
                try (TensorScope scope = TensorScope.open()) {
                    for (int i = 0; i < 25; i++) {  // 4 ops each: 100,000 ops in all
                        a.add(b).mul(b).sub(a).sum();
                    }
                }
            }
        }
        long rssAfter = residentSetKb();
        assertEquals(javaBefore, Tensor.liveCount(), "Java-side handles back to baseline");
        assertEquals(nativeBefore, Torch.nativeLiveTensors(), "native handles back to baseline");
        assertEquals(new TensorScope.Statistics(100_002, 0), TensorScope.statistics().since(start),
                "every tensor was created in a scope (none left to the Cleaner)");
        System.out.printf("MemoryTest: 100,000 ops in scopes, RSS %d kB -> %d kB (%+d kB)%n", rssBefore, rssAfter,
                rssAfter - rssBefore);
        assertTrue(rssAfter - rssBefore < 64 * 1024, "RSS grew by " + (rssAfter - rssBefore) + " kB");
    }

    static long residentSetKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return -1;
    }
}
