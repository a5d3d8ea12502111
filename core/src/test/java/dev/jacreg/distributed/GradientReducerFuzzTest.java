package dev.jacreg.distributed;

import dev.jacreg.DType;
import dev.jacreg.Tensor;
import dev.jacreg.TensorScope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The gradient reducer against the arithmetic it must do, on random cases: parameter lists of random sizes and
 * dtypes (so buckets split by dtype and capacity, and the last bucket, which carries the values, is either dtype),
 * random bucket capacities, 0 to 5 values announced to prepare (or no prepare at all, as for a step whose gradients
 * come from another backward pass), and gradients missing on one rank (zeros there). Every number is a multiple of
 * 1/4 with few digits, so every mean is exact in float32 and the comparison is exact. Both ranks draw the same cases
 * from one seed; each rank's gradients and values are its own.
 */
class GradientReducerFuzzTest {
    static final int CASES = 60;

    @Test
    void randomBucketsDtypesAndValuesAverageExactlyOverTwoRanks() {
        if (!Ranks.glooBuilt()) return;
        List<Object> results = Ranks.run(2, (rank, port) -> {
            try (ProcessGroup group = ProcessGroup.join(Ranks.HOST, port, 2, rank, Duration.ofSeconds(60))) {
                Random shared = new Random(20261208);
                for (int c = 0; c < CASES; c++) runCase(group, rank, shared, c);
                return "ok";
            }
        });
        for (Object r : results) if (r instanceof Throwable t) throw new AssertionError(t);
    }

    private static void runCase(ProcessGroup group, int rank, Random shared, int c) {
        int count = 1 + shared.nextInt(6);
        DType[] dtypes = new DType[count];
        int[] sizes = new int[count];
        for (int k = 0; k < count; k++) {
            dtypes[k] = shared.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
            sizes[k] = 1 + shared.nextInt(7);
        }
        long bucketBytes = 4 + shared.nextInt(60);
        int valueCount = shared.nextInt(6);
        boolean prepared = shared.nextInt(4) != 0;
        boolean[][] missing = new boolean[2][count];  // missing[r][k]: rank r passes no gradient for parameter k
        for (int r = 0; r < 2; r++) for (int k = 0; k < count; k++) missing[r][k] = shared.nextInt(8) == 0;
        String where = "case " + c + ": sizes " + Arrays.toString(sizes) + ", dtypes " + Arrays.toString(dtypes)
                + ", bucket bytes " + bucketBytes + ", values " + valueCount + (prepared ? "" : ", no prepare");
        try (TensorScope scope = TensorScope.open()) {
            List<Tensor> parameters = new ArrayList<>();
            for (int k = 0; k < count; k++) parameters.add(Tensor.zeros(dtypes[k], sizes[k]).requiresGrad(true));
            List<Tensor> gradients = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                gradients.add(missing[rank][k] ? null : Tensor.of(gradient(rank, k, sizes[k]), sizes[k]).to(dtypes[k]));
            }
            double[] values = new double[valueCount];
            for (int j = 0; j < valueCount; j++) values[j] = value(rank, j);
            try (GradientReducer reducer = new GradientReducer(group, parameters, bucketBytes)) {
                if (prepared) reducer.prepare(valueCount);
                reducer.finish(gradients, values);
            }
            for (int j = 0; j < valueCount; j++) {
                assertEquals((value(0, j) + value(1, j)) / 2, values[j], 0.0, where + ", value " + j);
            }
            for (int k = 0; k < count; k++) {
                if (missing[rank][k]) continue;
                double[] expected = new double[sizes[k]];
                for (int r = 0; r < 2; r++) {
                    if (missing[r][k]) continue;
                    double[] g = gradient(r, k, sizes[k]);
                    for (int i = 0; i < sizes[k]; i++) expected[i] += g[i] / 2;
                }
                assertArrayEquals(expected, gradients.get(k).to(DType.FLOAT64).toDoubleArray(), 0.0,
                        where + ", gradient " + k);
                assertEquals(dtypes[k], gradients.get(k).dtype(), where + ", gradient " + k + " dtype");
            }
        }
    }

    /** Rank r's gradient of parameter k: small multiples of 1/4, different per rank, parameter and element. */
    private static double[] gradient(int rank, int k, int size) {
        double[] g = new double[size];
        for (int i = 0; i < size; i++) g[i] = 0.25 * ((rank + 1) * (i + 1) + 3 * k - 2 * rank);
        return g;
    }

    private static double value(int rank, int j) {
        return 0.5 * (j + 1) * (rank + 1) + (j == 3 ? 1000 : 0);
    }
}
