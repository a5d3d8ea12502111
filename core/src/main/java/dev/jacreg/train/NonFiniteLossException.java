package dev.jacreg.train;

import java.util.Locale;

/**
 * Training met a non-finite loss or gradient and stopped before applying it, so the model holds the weights of the
 * last finite step. Carries where it happened, which part went non-finite and, from {@link Trainer}, what was trained
 * until then. {@link Fit} throws it too: then the part is {@link Part#LOSS} or {@link Part#GRADIENT} and the message
 * names the epoch, the batch, the step and each loss term's value.
 */
public final class NonFiniteLossException extends RuntimeException {
    /** Which quantity went non-finite first (checked in this order). */
    public enum Part {
        /** The cross-entropy of the batch. */
        CROSS_ENTROPY("cross-entropy"),
        /** The penalty R of the batch. */
        PENALTY("penalty"),
        /** Both parts finite but (λ/2)·R or the total overflowed. */
        WEIGHTED_PENALTY("weighted penalty (lambda/2)*R"),
        /** The cross-entropy's gradient with respect to the weights, when the gradient was split into its parts. */
        GRADIENT_CROSS_ENTROPY("gradient of the cross-entropy"),
        /** The penalty's gradient with respect to the weights, when the gradient was split into its parts. */
        GRADIENT_PENALTY("gradient of the penalty"),
        /** The total gradient, when it was not split into its parts (diagnostics off, or an iteration between splits). */
        GRADIENT("gradient"),
        /** The sum of a {@link Fit} run's loss terms (the message gives each term's value). */
        LOSS("loss");

        private final String text;

        Part(String text) {
            this.text = text;
        }

        /** {@return the part in words, for messages} */
        public String text() {
            return text;
        }
    }

    /** The 1-based iteration over the run that failed. */
    private final int iteration;
    /** The 1-based epoch it belongs to. */
    private final int epoch;
    /** What went non-finite. */
    private final Part part;
    /** What {@link Trainer} trained before, or null. */
    private final TrainingResult completed;
    /** The net's name, or null. */
    private final String net;

    /**
     * A {@link Trainer} iteration that went non-finite.
     *
     * @param iteration   1-based iteration (over the run) that failed
     * @param epoch       1-based epoch it belongs to
     * @param part        what went non-finite
     * @param detail      the values of that iteration, as text
     * @param completed   the iterations before it (all finite)
     */
    public NonFiniteLossException(int iteration, int epoch, Part part, String detail, TrainingResult completed) {
        this(message(iteration, epoch, part, detail, completed), iteration, epoch, part, completed, null, null);
    }

    /**
     * A {@link Fit} step that went non-finite; it has no {@link TrainingResult}.
     *
     * @param iteration 1-based step over the run (a resumed run counts its checkpoint's steps)
     * @param epoch     1-based epoch of that step
     * @param part      {@link Part#LOSS} or {@link Part#GRADIENT}
     * @param message   the whole message
     */
    NonFiniteLossException(int iteration, int epoch, Part part, String message) {
        this(message, iteration, epoch, part, null, null, null);
    }

    private NonFiniteLossException(String message, int iteration, int epoch, Part part, TrainingResult completed,
                                   String net, Throwable cause) {
        super(message, cause);
        this.iteration = iteration;
        this.epoch = epoch;
        this.part = part;
        this.completed = completed;
        this.net = net;
    }

    /**
     * The same failure, naming the net that was being trained (for callers that train several).
     *
     * @param name the net's name
     * @return a new exception with this one as its cause
     */
    public NonFiniteLossException forNet(String name) {
        return new NonFiniteLossException("net " + name + ": " + getMessage(), iteration, epoch, part, completed, name, this);
    }

    /** {@return the net's name when a caller gave it ({@link #forNet}), else null} */
    public String net() {
        return net;
    }

    /** {@return the 1-based iteration (step) over the run that failed} */
    public int iteration() {
        return iteration;
    }

    /** {@return the 1-based epoch of that iteration} */
    public int epoch() {
        return epoch;
    }

    /** {@return what went non-finite} */
    public Part part() {
        return part;
    }

    /**
     * The finite iterations {@link Trainer} trained before the failure (losses, diagnostics), for a post-mortem; null
     * when {@link Fit} threw it (its callbacks saw every finished epoch).
     *
     * @return the iterations before, or null
     */
    public TrainingResult completed() {
        return completed;
    }

    private static String message(int iteration, int epoch, Part part, String detail, TrainingResult completed) {
        String last;
        int n = completed.iterations();
        if (n == 0) {
            last = "no iteration before it was finite";
        } else {
            double penalty = completed.penalties()[n - 1];
            String crossEntropy = completed.hasDiagnostics()
                    ? String.format(Locale.ROOT, ", cross-entropy %.6g", completed.diagnostics().get(n - 1).crossEntropy()) : "";
            last = String.format(Locale.ROOT, "last finite values (iteration %d): loss %.6g%s%s", n, completed.losses()[n - 1],
                    crossEntropy, Double.isNaN(penalty) ? "" : String.format(Locale.ROOT, ", penalty %.6g", penalty));
        }
        return String.format(Locale.ROOT, "non-finite %s at iteration %d (epoch %d): %s; %s; training stopped (a smaller "
                + "lambda or learning rate, gradient clipping or a penalty warm-up may help)", part.text(), iteration, epoch, detail, last);
    }
}
