package dev.jacreg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Named construction of {@link TrainingConfig}: the builder starts from docs/experiment.md's loop, sets each value
 * where it says, and refuses a bad value with one line naming the setting and the value.
 */
class TrainingConfigBuilderTest {
    @Test
    void startsFromTheSpecificationsLoop() {
        TrainingConfig c = TrainingConfig.builder().build();
        // docs/experiment.md §5: 15 epochs, mini-batches of 32, SGD with learning rate 0.01 and momentum 0.9.
        assertEquals(15, c.epochs());
        assertEquals(32, c.batchSize());
        assertEquals(0.01, c.learningRate());
        assertEquals(0.9, c.momentum());
        assertEquals(LearningRateSchedule.constant(), c.schedule());
        assertEquals(0.0, c.clipGradNorm());
        assertEquals(0, c.penaltyWarmupEpochs());
        assertEquals(false, c.diagnostics());
        assertEquals(TrainingConfig.reference(0), c);
        assertEquals(TrainingConfig.reference(5), TrainingConfig.builder().seed(5).build());
    }

    @Test
    void setsEachValueWhereItSays() {
        LearningRateSchedule cosine = LearningRateSchedule.parse("cosine");
        TrainingConfig c = TrainingConfig.builder().epochs(4).batchSize(16).learningRate(0.2).momentum(0.5).seed(9)
                .schedule(cosine).clipGradNorm(3).penaltyWarmupEpochs(2).diagnostics(true).gradientSplitInterval(7)
                .build();
        assertEquals(4, c.epochs());
        assertEquals(16, c.batchSize());
        assertEquals(0.2, c.learningRate());
        assertEquals(0.5, c.momentum());
        assertEquals(9, c.seed());
        assertEquals(cosine, c.schedule());
        assertEquals(3.0, c.clipGradNorm());
        assertEquals(2, c.penaltyWarmupEpochs());
        assertEquals(true, c.diagnostics());
        assertEquals(7, c.gradientSplitInterval());
        assertEquals(c, c.toBuilder().build());
        assertEquals(c.withEpochs(6), c.toBuilder().epochs(6).build());
        assertEquals(6, c.withEpochs(6).epochs());
        assertEquals(16, c.withEpochs(6).batchSize(), "a wither changes nothing else");
    }

    @Test
    void refusesEachBadValueNamingIt() {
        assertRefused(b -> b.epochs(0), "epochs must be >= 1, got 0");
        assertRefused(b -> b.batchSize(-1), "batch size must be >= 1, got -1");
        assertRefused(b -> b.learningRate(0), "learning rate must be > 0, got 0.0");
        assertRefused(b -> b.learningRate(Double.NaN), "learning rate must be > 0, got NaN");
        assertRefused(b -> b.momentum(1), "momentum must be in [0, 1), got 1.0");
        assertRefused(b -> b.schedule(null), "learning-rate schedule must not be null");
        assertRefused(b -> b.clipGradNorm(-1), "gradient clipping norm must be >= 0 (0 = off), got -1.0");
        assertRefused(b -> b.clipGradNorm(Double.POSITIVE_INFINITY),
                "gradient clipping norm must be >= 0 (0 = off), got Infinity");
        assertRefused(b -> b.penaltyWarmupEpochs(-2), "penalty warm-up must be >= 0 epochs (0 = off), got -2");
        assertRefused(b -> b.gradientSplitInterval(0),
                "gradient split interval must be >= 1 (1 = every iteration), got 0");
    }

    private static void assertRefused(UnaryOperator<TrainingConfig.Builder> bad, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bad.apply(TrainingConfig.builder()).build());
        assertEquals(message, e.getMessage());
    }
}
