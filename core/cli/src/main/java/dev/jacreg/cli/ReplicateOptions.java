package dev.jacreg.cli;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** How many independent training runs (replicates) the experiment makes, and how many at a time. */
final class ReplicateOptions {
    @Option(names = "--replicates", paramLabel = "N",
            description = "Train N independent pairs of nets, with training seeds --seed, --seed+1, ..., --seed+N-1 (same "
                    + "data), and report means with 95 %% confidence intervals (default: 1).")
    Integer replicates;

    @Option(names = "--seeds", paramLabel = "S", split = ",",
            description = "The training seeds of the replicates, e.g. 0,1,2 (instead of --seed and --replicates).")
    long[] seeds;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Work done at the same time, each piece on its own thread with one libtorch thread: the "
                    + "models of a run train side by side, their evaluations run side by side, and with several seeds "
                    + "every seed's nets wait in one queue, in seed order; the results do not depend on it (default: the available "
                    + "processors).")
    int jobs = Runtime.getRuntime().availableProcessors();

    /** The training seeds, from --seeds, or --seed and --replicates (their ranges: {@link OptionRules}). */
    List<Long> seeds(long seed) {
        List<Long> out = new ArrayList<>();
        if (seeds != null) {
            if (seeds.length == 0) throw new UsageException("--seeds needs at least one seed");
            if (replicates != null && replicates != seeds.length) {
                throw new UsageException("--replicates " + replicates + " but --seeds lists " + seeds.length + " seeds");
            }
            for (long s : seeds) {
                if (out.contains(s)) throw new UsageException("--seeds lists seed " + s + " twice");
                out.add(s);
            }
            return out;
        }
        int n = replicates == null ? 1 : replicates;
        for (int i = 0; i < n; i++) out.add(seed + i);
        return out;
    }
}
