package dev.jacreg.attack;

import dev.jacreg.attack.SanityChecks.Access;
import dev.jacreg.attack.SanityChecks.Check;
import dev.jacreg.attack.SanityChecks.Measurement;
import dev.jacreg.attack.SanityChecks.Outcome.Status;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each sanity check on hand-made accuracies, on both sides of its threshold. */
class SanityChecksTest {
    private static final double[] EPS = {0, 0.1, 0.2};

    private static Measurement white(String model, double[] acc, double destroyed, double atBudget, double doubled) {
        return new Measurement(model, "pgd", Access.WHITE_BOX, EPS, acc, destroyed, 0.1, atBudget, doubled);
    }

    private static Status status(List<Measurement> ms, int row, Check check) {
        return SanityChecks.evaluate(ms).get(row).outcomes().get(check).status();
    }

    @Test
    void accuracyMustNotRiseWithEpsilon() {
        assertEquals(Status.PASS, status(List.of(white("a", new double[]{0.9, 0.5, 0.5}, 0, 0.5, 0.5)), 0, Check.NON_INCREASING));
        assertEquals(Status.FLAG, status(List.of(white("a", new double[]{0.9, 0.5, 0.505}, 0, 0.5, 0.5)), 0, Check.NON_INCREASING));
        // Radii given out of order are sorted with their accuracies first.
        Measurement shuffled = new Measurement("a", "pgd", Access.WHITE_BOX, new double[]{0.2, 0, 0.1},
                new double[]{0.1, 0.9, 0.5}, 0, 0.1, 0.5, 0.5);
        assertEquals(Status.PASS, status(List.of(shuffled), 0, Check.NON_INCREASING));
    }

    @Test
    void theDestroyingRadiusLeavesAtMostFivePercent() {
        assertEquals(Status.PASS, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, 0.05, 0.5, 0.5)), 0, Check.DESTROYED));
        assertEquals(Status.FLAG, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, 0.06, 0.5, 0.5)), 0, Check.DESTROYED));
        assertEquals(Status.NOT_APPLICABLE, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, Double.NaN, 0.5, 0.5)), 0, Check.DESTROYED));
        assertEquals(0.5, SanityChecks.destroyingEpsilon(Norm.LINF, 784));
        assertEquals(14, SanityChecks.destroyingEpsilon(Norm.L2, 784), 1e-12);  // 0.5·√784 contains the L∞ ball of 0.5
    }

    @Test
    void doublingTheSearchMustChangeLessThanOnePoint() {
        assertEquals(Status.PASS, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, 0, 0.5, 0.491)), 0, Check.BUDGET));
        assertEquals(Status.FLAG, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, 0, 0.5, 0.49)), 0, Check.BUDGET));
        assertEquals(Status.NOT_APPLICABLE, status(List.of(white("a", new double[]{0.9, 0.5, 0.1}, 0, 0.5, Double.NaN)), 0, Check.BUDGET));
    }

    /** Square against the strongest white-box attack of the same model: more than 2 points better is masking. */
    @Test
    void aBlackBoxMoreSuccessfulThanTheWhiteBoxIsFlagged() {
        Measurement weak = new Measurement("a", "fgsm", Access.WHITE_BOX, EPS, new double[]{0.9, 0.7, 0.5}, 0, 0.1, 0.7, Double.NaN);
        Measurement strong = white("a", new double[]{0.9, 0.4, 0.2}, 0, 0.4, 0.4);
        Measurement otherModel = white("b", new double[]{0.9, 0.1, 0.0}, 0, 0.1, 0.1);
        Measurement mixed = new Measurement("a", "autoattack", Access.MIXED, EPS, new double[]{0.9, 0.1, 0.0}, 0, 0.1, 0.1, 0.1);
        Measurement fine = new Measurement("a", "square", Access.BLACK_BOX, EPS, new double[]{0.9, 0.38, 0.2}, 0, 0.1, 0.38, 0.38);
        Measurement masking = new Measurement("a", "square", Access.BLACK_BOX, EPS, new double[]{0.9, 0.37, 0.2}, 0, 0.1, 0.37, 0.37);
        assertEquals(Status.PASS, status(List.of(weak, strong, otherModel, mixed, fine), 4, Check.BLACK_BOX));
        List<SanityChecks.Row> rows = SanityChecks.evaluate(List.of(weak, strong, otherModel, mixed, masking));
        assertEquals(Status.FLAG, rows.get(4).outcomes().get(Check.BLACK_BOX).status());
        assertTrue(rows.get(4).flagged());
        assertTrue(SanityChecks.markdown(rows).contains("possible gradient masking"));
        assertEquals(Status.NOT_APPLICABLE, rows.get(3).outcomes().get(Check.BLACK_BOX).status(), "mixed is neither side");
        assertEquals(Status.NOT_APPLICABLE, status(List.of(masking), 0, Check.BLACK_BOX), "nothing to compare with");
    }
}
