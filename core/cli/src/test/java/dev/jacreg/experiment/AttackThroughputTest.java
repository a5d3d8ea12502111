package dev.jacreg.experiment;

import dev.jacreg.attack.Fgsm;
import dev.jacreg.attack.Norm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The throughput line {@link RobustnessSweep#attack} prints per net (bench/drivers/robustness-study-summary.py parses
 * it): ε = 0 is a plain evaluation and does not count as a radius, and images/s is images × radii / seconds.
 */
class AttackThroughputTest {
    @Test
    void countsOnlyNonZeroRadii() {
        Fgsm fgsm = new Fgsm(Norm.LINF);
        assertEquals("throughput: net under " + fgsm + ": 50 images x 2 radii in 4.0 s, 25.0 images/s",
                RobustnessSweep.throughput("net", fgsm, 50, new double[]{0, 0.1, 0.2}, 4_000_000_000L));
    }

    @Test
    void aSweepWithoutRadiiHasNoThroughput() {
        assertEquals("throughput: net under " + new Fgsm(Norm.L2) + ": 10 images x 0 radii in 0.0 s, 0.0 images/s",
                RobustnessSweep.throughput("net", new Fgsm(Norm.L2), 10, new double[]{0}, 0));
    }
}
