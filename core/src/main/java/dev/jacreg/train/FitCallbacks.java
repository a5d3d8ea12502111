package dev.jacreg.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/** The built-in {@link FitCallback}s: a progress line per epoch, early stopping and periodic checkpoints. */
public final class FitCallbacks {
    private FitCallbacks() {}

    /**
     * One line per epoch to {@code out}, with the learning rate, the loss and its terms and, when validated, the
     * validation loss and accuracy, e.g.
     * {@code epoch 3/10  lr 0.001  loss 0.4123 (cross-entropy 0.4001, jacobian 0.0122)  validation loss 0.3811 accuracy 91.20%}.
     *
     * @param out where the lines go, e.g. {@code System.out::println}
     * @return the callback
     */
    public static FitCallback progress(Consumer<String> out) {
        Objects.requireNonNull(out, "out");
        return new FitCallback() {
            @Override
            public void onEpochEnd(Control control, EpochRecord r) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  lr %.6g  loss %.4f", r.epoch(),
                        control.epochs(), r.learningRate(), r.loss()));
                if (r.terms().size() > 1) {
                    line.append(" (");
                    int i = 0;
                    for (Map.Entry<String, Double> term : r.terms().entrySet()) {
                        line.append(i++ == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.4f", term.getKey(), term.getValue()));
                    }
                    line.append(')');
                }
                if (r.validated()) {
                    line.append(String.format(Locale.ROOT, "  validation loss %.4f accuracy %.2f%%", r.validationLoss(),
                            100 * r.validationAccuracy()));
                }
                out.accept(line.toString());
            }
        };
    }

    /**
     * Stops the run once the validation loss has not improved by more than {@code minDelta} for {@code patience}
     * epochs in a row. Needs a validation set ({@link Fit.Builder#validation}). Its state (the best validation loss and
     * the epochs since it improved) goes into checkpoints, so a resumed run stops at the same epoch as the
     * uninterrupted one; resumed from the checkpoint of the epoch it stopped at, the run trains nothing more.
     *
     * @param patience the epochs in a row without improvement that end the run, &gt;= 1
     * @param minDelta how much lower than the best so far a validation loss must be to count as an improvement, &gt;= 0
     * @return the callback, with state of its own: use it for one run
     */
    public static FitCallback earlyStopping(int patience, double minDelta) {
        if (patience < 1) throw new IllegalArgumentException("early-stopping patience must be >= 1, got " + patience);
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("early-stopping minimum improvement must be finite and >= 0, got " + minDelta);
        }
        return new FitCallback() {
            private static final String BEST = "best_validation_loss", WORSE = "epochs_without_improvement";
            private double best = Double.POSITIVE_INFINITY;
            private int worse;

            @Override
            public void onEpochEnd(Control control, EpochRecord r) {
                if (!r.validated()) throw new IllegalStateException("early stopping needs a validation set (Fit.Builder.validation)");
                if (r.validationLoss() < best - minDelta) {
                    best = r.validationLoss();
                    worse = 0;
                } else if (++worse >= patience) {
                    control.requestStop();
                }
            }

            @Override
            public Map<String, String> saveState() {
                // Double.toString gives the shortest text that parses back to the same double.
                return Map.of(BEST, Double.toString(best), WORSE, Integer.toString(worse));
            }

            @Override
            public void restoreState(Control control, Map<String, String> state) {
                if (state.isEmpty()) return;
                String bestText = state.get(BEST), worseText = state.get(WORSE);
                try {
                    best = Double.parseDouble(bestText);
                    worse = Integer.parseInt(worseText);
                } catch (NumberFormatException | NullPointerException e) {
                    throw new IllegalArgumentException("early-stopping state " + BEST + "=" + bestText + ", " + WORSE + "="
                            + worseText + " is not a number and a count");
                }
                if (worse >= patience) control.requestStop();
            }
        };
    }

    /**
     * Writes a {@link Checkpoint} after every {@code every}-th epoch into {@code directory} (created if missing), named
     * by {@link Checkpoint#fileFor}, holding the state of every callback of the run ({@link FitCallback#saveState}).
     *
     * @param every     the interval in epochs, &gt;= 1: epochs every, 2·every, … are saved
     * @param directory where the checkpoints go
     * @return the callback
     */
    public static FitCallback checkpointEvery(int every, Path directory) {
        if (every < 1) throw new IllegalArgumentException("checkpoint interval must be >= 1 epoch, got " + every);
        Objects.requireNonNull(directory, "directory");
        return new FitCallback() {
            @Override
            public void onEpochEnd(Control control, EpochRecord r) throws java.io.IOException {
                if (r.epoch() % every != 0) return;
                Files.createDirectories(directory);
                control.saveCheckpoint(Checkpoint.fileFor(directory, r.epoch()));
            }
        };
    }
}
