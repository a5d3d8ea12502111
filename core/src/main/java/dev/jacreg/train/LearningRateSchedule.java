package dev.jacreg.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * The learning rate of each iteration, from the base rate of {@link TrainingConfig}. {@link Constant} is the specification's
 * (the rate never changes). Text form, as on the command line: {@code constant}, {@code step:E1,E2,...:F},
 * {@code cosine}. A library user may implement it for a schedule of their own (e.g. for {@link Fit}); {@link #describe()}
 * of such a schedule need not be parseable.
 */
public interface LearningRateSchedule {
    /**
     * The rate of one iteration.
     *
     * @param base       the configured learning rate
     * @param iteration  0-based iteration over the whole run
     * @param perEpoch   iterations per epoch
     * @param iterations iterations the whole run plans
     * @return the rate, &gt; 0
     */
    double rate(double base, int iteration, int perEpoch, int iterations);

    /** {@return the text form, which {@link #parse} reads back} */
    String describe();

    /** {@return the schedule that keeps the base rate} */
    static LearningRateSchedule constant() {
        return new Constant();
    }

    /** The base rate throughout. */
    record Constant() implements LearningRateSchedule {
        @Override
        public double rate(double base, int iteration, int perEpoch, int iterations) {
            return base;
        }

        @Override
        public String describe() {
            return "constant";
        }
    }

    /**
     * The base rate times {@code factor} once for every milestone already passed: milestone E means "after E
     * epochs", so epochs E+1, E+2, … use the reduced rate (PyTorch's MultiStepLR, with 1-based epochs here).
     *
     * @param milestones the epochs after which the rate drops, each &gt;= 1
     * @param factor the drop's factor, &gt; 0 (0.1 divides by 10)
     */
    record Step(int[] milestones, double factor) implements LearningRateSchedule {
        /** Checks and copies the milestones. */
        public Step {
            if (milestones.length == 0) throw new IllegalArgumentException("a step schedule needs at least one epoch");
            for (int e : milestones) {
                if (e < 1) throw new IllegalArgumentException("step schedule epochs must be >= 1, got " + e);
            }
            if (!(factor > 0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("step schedule factor must be > 0, got " + factor);
            }
            milestones = milestones.clone();
        }

        @Override
        public double rate(double base, int iteration, int perEpoch, int iterations) {
            int epochsDone = iteration / Math.max(1, perEpoch);
            double rate = base;
            for (int e : milestones) if (epochsDone >= e) rate *= factor;
            return rate;
        }

        /** {@return a copy of the milestones} */
        @Override
        public int[] milestones() {
            return milestones.clone();
        }

        @Override
        public String describe() {
            StringBuilder s = new StringBuilder("step:");
            for (int i = 0; i < milestones.length; i++) s.append(i == 0 ? "" : ",").append(milestones[i]);
            return s.append(':').append(factor).toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Step s && Arrays.equals(milestones, s.milestones) && factor == s.factor;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(milestones) * 31 + Double.hashCode(factor);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Half a cosine from the base rate down to 0 over the whole run: base·(1 + cos(π·t/T))/2, t 0-based. */
    record Cosine() implements LearningRateSchedule {
        @Override
        public double rate(double base, int iteration, int perEpoch, int iterations) {
            return base * 0.5 * (1 + Math.cos(Math.PI * iteration / Math.max(1, iterations)));
        }

        @Override
        public String describe() {
            return "cosine";
        }
    }

    /**
     * Reads {@code constant}, {@code cosine} or {@code step:E1,E2,...:F}; anything else is an IllegalArgumentException.
     *
     * @param text the schedule, as typed on the command line
     * @return the schedule
     */
    static LearningRateSchedule parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("constant")) return new Constant();
        if (s.equals("cosine")) return new Cosine();
        if (s.startsWith("step:")) {
            String[] parts = s.split(":", -1);
            if (parts.length == 3) {
                try {
                    int[] epochs = Arrays.stream(parts[1].split(",", -1)).map(String::trim).mapToInt(Integer::parseInt).toArray();
                    return new Step(epochs, Double.parseDouble(parts[2].trim()));
                } catch (NumberFormatException e) {
                    // fall through to the message below
                }
            }
        }
        throw new IllegalArgumentException("learning-rate schedule must be constant, cosine or step:E1,E2,...:F "
                + "(e.g. step:10,13:0.1), got '" + text + "'");
    }
}
