package dev.jacreg.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Learning-rate schedules and the λ warm-up against their closed forms. */
class LearningRateScheduleTest {
    private static final int PER_EPOCH = 10, EPOCHS = 15, TOTAL = PER_EPOCH * EPOCHS;

    @Test
    void constantNeverChanges() {
        LearningRateSchedule s = LearningRateSchedule.parse("constant");
        for (int t = 0; t < TOTAL; t++) assertEquals(0.01, s.rate(0.01, t, PER_EPOCH, TOTAL));
    }

    @Test
    void stepMultipliesAfterEachListedEpoch() {
        LearningRateSchedule s = LearningRateSchedule.parse("step:10,13:0.1");
        for (int t = 0; t < TOTAL; t++) {
            int epoch = t / PER_EPOCH + 1;  // 1-based
            double expected = epoch <= 10 ? 0.01 : epoch <= 13 ? 0.001 : 0.0001;
            assertEquals(expected, s.rate(0.01, t, PER_EPOCH, TOTAL), 1e-15, "iteration " + t);
        }
        assertEquals("step:10,13:0.1", s.describe());
        assertEquals(s, LearningRateSchedule.parse(s.describe()));
    }

    @Test
    void cosineDecaysFromTheBaseRateTowardsZero() {
        LearningRateSchedule s = LearningRateSchedule.parse("cosine");
        assertEquals(0.01, s.rate(0.01, 0, PER_EPOCH, TOTAL), 1e-15);
        assertEquals(0.005, s.rate(0.01, TOTAL / 2, PER_EPOCH, TOTAL), 1e-15);
        for (int t = 0; t < TOTAL; t++) {
            assertEquals(0.01 * (1 + Math.cos(Math.PI * t / TOTAL)) / 2, s.rate(0.01, t, PER_EPOCH, TOTAL), 1e-15);
        }
        assertTrue(s.rate(0.01, TOTAL - 1, PER_EPOCH, TOTAL) > 0, "the last step still moves");
    }

    @Test
    void badTextIsRejectedWithTheAcceptedForms() {
        for (String bad : new String[]{"linear", "step:10", "step:a:0.1", "step:0:0.1", "step:5:-1", "step::0.1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void trainingConfigAppliesScheduleAndWarmUp() {
        TrainingConfig c = TrainingConfig.builder().epochs(EPOCHS).learningRate(0.02)
                .schedule(LearningRateSchedule.parse("step:1:0.5")).penaltyWarmupEpochs(2).build();
        assertEquals(0.02, c.learningRate(PER_EPOCH - 1, PER_EPOCH));
        assertEquals(0.01, c.learningRate(PER_EPOCH, PER_EPOCH));
        // λ share: t / (2 epochs of iterations), then 1.
        assertEquals(0, c.penaltyScale(0, PER_EPOCH));
        assertEquals(0.25, c.penaltyScale(5, PER_EPOCH));
        assertEquals(1, c.penaltyScale(2 * PER_EPOCH, PER_EPOCH));
        assertEquals(1, c.penaltyScale(TOTAL - 1, PER_EPOCH));
        assertEquals(1, TrainingConfig.builder().epochs(EPOCHS).learningRate(0.02).build().penaltyScale(0, PER_EPOCH),
                "no warm-up by default");
        assertThrows(IllegalArgumentException.class, () -> c.withClipGradNorm(-1));
        assertThrows(IllegalArgumentException.class, () -> c.withPenaltyWarmupEpochs(-1));
    }
}
