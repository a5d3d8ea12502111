package dev.jacreg.bench;

import dev.jacreg.RandomStream;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.distributed.DistributedDataParallel;
import dev.jacreg.distributed.ProcessGroup;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingResult;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One rank of bench/drivers/exchange-share: the seed network trained data-parallel for a number of steps (global
 * batch 32, random images), and the exchange's share of a step: the time the step spent waiting in the gradient
 * all-reduce (with the overlap: only what the backward pass did not hide) over the step time. Prints one line per
 * rank: {@code rank R: net N overlap O sync S buckets B: steps K, step ms mean M, exchange ms mean E, share P %,
 * buckets started during the backward pass Q of T}.
 *
 * <pre>
 * ExchangeShare --rank R --world-size W --port P [--steps 40] [--lambda 1] [--overlap on|off] [--sync on|off]
 *               [--bucket-kib 25600]
 * </pre>
 */
public final class ExchangeShare {
    private ExchangeShare() {}

    public static void main(String[] args) {
        Map<String, String> o = new HashMap<>(Map.of("--steps", "40", "--lambda", "1", "--overlap", "on", "--sync", "off",
                "--bucket-kib", "25600"));
        for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i], args[i + 1]);
        int rank = Integer.parseInt(o.get("--rank")), world = Integer.parseInt(o.get("--world-size"));
        int port = Integer.parseInt(o.get("--port")), steps = Integer.parseInt(o.get("--steps"));
        double lambda = Double.parseDouble(o.get("--lambda"));
        boolean overlap = o.get("--overlap").equals("on"), sync = o.get("--sync").equals("on");
        long bucketBytes = Long.parseLong(o.get("--bucket-kib")) << 10;
        BenchSupport.configureThreads();
        RegularizedLoss loss = lambda > 0 ? new RegularizedLoss(new JacobianPenalty(lambda, 1, JacobianPenalty.Target.SOFTMAX))
                : RegularizedLoss.plain();
        try (ProcessGroup group = ProcessGroup.join("127.0.0.1", port, world, rank, Duration.ofSeconds(120));
             TensorScope scope = TensorScope.open();
             DeviceDataset data = BenchSupport.randomDataset(BenchSupport.BATCH * steps, 1);
             Sequential net = BenchSupport.seedNetwork(data.meanImage())) {
            DistributedDataParallel parallel = new DistributedDataParallel(group, bucketBytes).withOverlap(overlap)
                    .withSyncBatchNorm(sync);
            TrainingResult result = new Trainer(BenchSupport.CONFIG.withEpochs(1), loss, RandomStream.seeded(2), parallel)
                    .train(net, data, p -> {}, () -> false);
            double stepMs = Arrays.stream(result.iterationNanos()).average().orElse(Double.NaN) / 1e6;
            double exchangeMs = parallel.exchangeSeconds() * 1e3 / parallel.exchanges();
            System.out.printf(Locale.ROOT, "rank %d: net %s overlap %s sync %s buckets %d: steps %d, step ms mean %.2f, "
                            + "exchange ms mean %.2f, share %.1f %%, buckets started during the backward pass %d of %d%n",
                    rank, lambda > 0 ? "jacobian" : "plain", overlap ? "on" : "off", sync ? "on" : "off",
                    parallel.lastBucketCount(), result.iterations(), stepMs, exchangeMs, 100 * exchangeMs / stepMs,
                    parallel.bucketsStartedInBackward(), (long) parallel.lastBucketCount() * parallel.exchanges());
        }
    }
}
