package dev.jacreg.distributed;

import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import dev.jacreg.TorchException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A peer process killed (SIGKILL, no goodbye) between collectives: the survivor's next one fails, it does not hang. */
class KilledRankTest {
    /** Rank 1 in its own JVM: all-reduces ones until it is killed. */
    public static void main(String[] args) {
        try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, Integer.parseInt(args[0]), 2, 1, Duration.ofSeconds(20))) {
            while (true) {
                try (TensorScope scope = TensorScope.open()) {
                    group.allReduce(List.of(Tensor.of(new float[]{1}, 1)), ProcessGroup.ReduceOp.SUM);
                }
            }
        }
    }

    @Test
    void killingAPeerProcessFailsTheNextAllReduce() throws Exception {
        if (!Ranks.glooBuilt()) return;
        for (int attempt = 1; ; attempt++) {
            int port = Ranks.nextPort();
            Process peer = startRankOne(port);
            try {
                ProcessGroup joined;
                try {
                    joined = ProcessGroup.join(Ranks.HOST, port, 2, 0, Duration.ofSeconds(20));
                } catch (TorchException e) {
                    if (Ranks.portInUse(e) && attempt < Ranks.ATTEMPTS) continue;  // taken by another program: again
                    throw e;
                }
                try (ProcessGroup group = joined; TensorScope scope = TensorScope.open()) {
                    Tensor one = Tensor.of(new float[]{1}, 1);
                    for (int i = 0; i < 3; i++) {
                        one.fillInPlace(1);
                        group.allReduce(List.of(one), ProcessGroup.ReduceOp.SUM);
                        assertEquals(2f, one.toFloatArray()[0]);  // both ranks are in
                    }
                    peer.destroyForcibly();
                    assertTrue(peer.waitFor(Ranks.GUARD_SECONDS, TimeUnit.SECONDS));
                    TorchException e = assertThrows(TorchException.class, () -> {
                        for (int i = 0; i < 1000; i++) group.allReduce(List.of(one), ProcessGroup.ReduceOp.SUM);
                    });
                    assertTrue(e.getMessage().startsWith("rank 0 of 2: all-reduce failed"), e.getMessage());
                }
                return;
            } finally {
                peer.destroyForcibly();
            }
        }
    }

    /** This class's main in a new JVM with this one's options and class path. */
    private static Process startRankOne(int port) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KilledRankTest.class.getName(),
                Integer.toString(port)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
