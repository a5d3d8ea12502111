package dev.jacreg.attack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sanity checks of Carlini et al. 2019 ("On evaluating adversarial robustness", §5) over the robust accuracies of
 * a sweep, per model and attack: accuracy never rises with ε; at a radius that can destroy the image (L∞ 0.5 on
 * [0, 1], or its L2 equivalent 0.5·√d, the ball that contains it) no model keeps more than 5 %; a black-box attack is
 * not more successful than the white-box ones by more than 2 points (else the gradients are probably masked); and
 * doubling the attack's search changes robust accuracy by less than 1 point (else the attack had not converged). A
 * check that fails flags the model in the report; it is never dropped.
 */
public final class SanityChecks {
    /** The L∞ radius that can turn any image on [0, 1] into a flat grey one. */
    public static final double DESTROYING_LINF = 0.5;
    /** Most accuracy a model may keep at the destroying radius. */
    public static final double DESTROYED_MAX_ACCURACY = 0.05;
    /** How much more a black-box attack may fool than the white-box ones before gradient masking is suspected. */
    public static final double BLACK_BOX_MARGIN = 0.02;
    /** Largest change of robust accuracy that doubling the search may make. */
    public static final double BUDGET_TOLERANCE = 0.01;
    /** Below these differences two accuracies count as equal (they are fractions of a finite test set). */
    private static final double TIE = 1e-9;

    private SanityChecks() {}

    /**
     * The radius that can destroy an image of {@code pixels} values on [0, 1] in the norm: 0.5, or 0.5·√d for L2.
     *
     * @param norm the norm
     * @param pixels the values per image, d
     * @return the radius
     */
    public static double destroyingEpsilon(Norm norm, long pixels) {
        return norm == Norm.LINF ? DESTROYING_LINF : DESTROYING_LINF * Math.sqrt(pixels);
    }

    /** What an attack reads of the model. */
    public enum Access {
        /** Gradients (FGSM, PGD, APGD). */
        WHITE_BOX,
        /** Outputs only (Square). */
        BLACK_BOX,
        /** Both, as an ensemble (AutoAttack with Square): compared with neither side. */
        MIXED;

        /**
         * How an attack reads the model.
         *
         * @param attack the attack
         * @param mixed whether it is an ensemble of white- and black-box attacks
         * @return {@link #MIXED} for an ensemble, else as {@link Attack#blackBox()} says
         */
        public static Access of(Attack attack, boolean mixed) {
            return mixed ? MIXED : attack.blackBox() ? BLACK_BOX : WHITE_BOX;
        }
    }

    /**
     * What was measured for one model under one attack.
     *
     * @param model            model label
     * @param attack           attack name
     * @param access           what the attack reads
     * @param epsilons         the sweep's radii
     * @param accuracy         robust accuracy (fraction) at each radius
     * @param destroyed        accuracy at {@link #destroyingEpsilon}; NaN if not measured
     * @param budgetEpsilon    where the doubled budget was tried
     * @param accuracyAtBudget the attack's accuracy there, with the sweep's budget
     * @param doubledBudget    accuracy there with twice the search; NaN where the attack has no budget (FGSM)
     */
    public record Measurement(String model, String attack, Access access, double[] epsilons, double[] accuracy,
                              double destroyed, double budgetEpsilon, double accuracyAtBudget, double doubledBudget) {
        /** Radii are put in increasing order, their accuracies with them. */
        public Measurement {
            if (epsilons.length != accuracy.length) throw new IllegalArgumentException("one accuracy per radius");
            Integer[] order = new Integer[epsilons.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            double[] e = epsilons, a = accuracy;
            java.util.Arrays.sort(order, (i, j) -> Double.compare(e[i], e[j]));
            epsilons = new double[e.length];
            accuracy = new double[a.length];
            for (int k = 0; k < order.length; k++) {
                epsilons[k] = e[order[k]];
                accuracy[k] = a[order[k]];
            }
        }
    }

    /** The checks. */
    public enum Check {
        /** Robust accuracy does not rise as ε grows (it would were the attack missing what it found at a smaller ε). */
        NON_INCREASING("non-increasing in ε"),
        /** At the radius that can destroy any image ({@link SanityChecks#destroyingEpsilon}), accuracy is &lt;= 5 %. */
        DESTROYED("≤ 5 % at the destroying ε"),
        /** A black-box attack does not beat the white-box ones by more than 2 points (else the gradients mislead). */
        BLACK_BOX("black box ≤ white box + 2 points"),
        /** Twice the search ({@link Attack#withDoubledBudget}) changes robust accuracy by less than 1 point. */
        BUDGET("2× search changes < 1 point");

        /** The check in a few words, for table headers. */
        public final String title;

        Check(String title) {
            this.title = title;
        }
    }

    /**
     * One check's outcome: passed, failed (flagged) or not applicable, with the numbers behind it.
     *
     * @param status passed, flagged or not applicable
     * @param detail the numbers behind it, in words
     */
    public record Outcome(Status status, String detail) {
        /** Whether a check passed. */
        public enum Status {
            /** The check holds. */
            PASS,
            /** The check fails: the attack's numbers deserve a second look. */
            FLAG,
            /** The check does not apply (e.g. the black-box check for a white-box attack). */
            NOT_APPLICABLE
        }

        static Outcome pass(String detail) {
            return new Outcome(Status.PASS, detail);
        }

        static Outcome flag(String detail) {
            return new Outcome(Status.FLAG, detail);
        }

        static Outcome notApplicable(String detail) {
            return new Outcome(Status.NOT_APPLICABLE, detail);
        }
    }

    /**
     * The checks of one model under one attack.
     *
     * @param model the model's name
     * @param attack the attack's name
     * @param outcomes each check's outcome
     */
    public record Row(String model, String attack, Map<Check, Outcome> outcomes) {
        /** {@return whether any check failed} */
        public boolean flagged() {
            return outcomes.values().stream().anyMatch(o -> o.status() == Outcome.Status.FLAG);
        }
    }

    /**
     * Every check for every measurement; the black-box check compares with the same model's white-box attacks.
     *
     * @param measurements the robust accuracies measured, one per model and attack
     * @return a row per measurement, in order
     */
    public static List<Row> evaluate(List<Measurement> measurements) {
        List<Row> rows = new ArrayList<>();
        for (Measurement m : measurements) {
            Map<Check, Outcome> outcomes = new LinkedHashMap<>();
            outcomes.put(Check.NON_INCREASING, nonIncreasing(m));
            outcomes.put(Check.DESTROYED, destroyed(m));
            outcomes.put(Check.BLACK_BOX, blackBox(m, measurements));
            outcomes.put(Check.BUDGET, budget(m));
            rows.add(new Row(m.model(), m.attack(), outcomes));
        }
        return rows;
    }

    static Outcome nonIncreasing(Measurement m) {
        if (m.epsilons().length < 2) return Outcome.notApplicable("one radius");
        for (int i = 1; i < m.epsilons().length; i++) {
            if (m.accuracy()[i] > m.accuracy()[i - 1] + TIE) {
                return Outcome.flag(String.format(Locale.ROOT, "rises from %s at ε %s to %s at ε %s",
                        percent(m.accuracy()[i - 1]), number(m.epsilons()[i - 1]), percent(m.accuracy()[i]),
                        number(m.epsilons()[i])));
            }
        }
        return Outcome.pass("");
    }

    static Outcome destroyed(Measurement m) {
        if (Double.isNaN(m.destroyed())) return Outcome.notApplicable("not measured");
        String value = percent(m.destroyed());
        return m.destroyed() <= DESTROYED_MAX_ACCURACY + TIE ? Outcome.pass(value)
                : Outcome.flag(value + ": the attack fails where the image can be erased");
    }

    /**
     * A black-box attack against the strongest white-box attack on the same model (the lowest accuracy) at every radius
     * both measured (the sweeps' radii, and the budget radius of the extra runs).
     */
    static Outcome blackBox(Measurement m, List<Measurement> all) {
        if (m.access() != Access.BLACK_BOX) return Outcome.notApplicable(m.access() == Access.MIXED ? "mixed" : "white box");
        double worstGap = Double.NEGATIVE_INFINITY;
        String where = "";
        for (int i = 0; i < m.epsilons().length; i++) {
            double white = Double.NaN;
            String strongest = "";
            for (Measurement w : all) {
                if (w.access() != Access.WHITE_BOX || !w.model().equals(m.model())) continue;
                double a = accuracyAt(w, m.epsilons()[i]);
                if (!Double.isNaN(a) && !(a >= white)) {
                    white = a;
                    strongest = w.attack();
                }
            }
            if (Double.isNaN(white)) continue;
            double gap = white - m.accuracy()[i];
            if (gap > worstGap) {
                worstGap = gap;
                where = String.format(Locale.ROOT, "ε %s: %s %s vs %s %s", number(m.epsilons()[i]), m.attack(),
                        percent(m.accuracy()[i]), strongest, percent(white));
            }
        }
        if (worstGap == Double.NEGATIVE_INFINITY) return Outcome.notApplicable("no white-box attack at the same ε");
        return worstGap > BLACK_BOX_MARGIN + TIE ? Outcome.flag("possible gradient masking (" + where + ")")
                : Outcome.pass(where);
    }

    /** The measurement's accuracy at ε (a sweep radius or the budget radius), NaN where it has none. */
    private static double accuracyAt(Measurement m, double epsilon) {
        for (int i = 0; i < m.epsilons().length; i++) {
            if (m.epsilons()[i] == epsilon) return m.accuracy()[i];
        }
        return m.budgetEpsilon() == epsilon ? m.accuracyAtBudget() : Double.NaN;
    }

    static Outcome budget(Measurement m) {
        if (Double.isNaN(m.doubledBudget())) return Outcome.notApplicable("no budget to double");
        double change = Math.abs(m.doubledBudget() - m.accuracyAtBudget());
        String detail = String.format(Locale.ROOT, "ε %s: %s → %s", number(m.budgetEpsilon()),
                percent(m.accuracyAtBudget()), percent(m.doubledBudget()));
        return change < BUDGET_TOLERANCE - TIE ? Outcome.pass(detail) : Outcome.flag(detail + ": not converged");
    }

    /**
     * The Markdown table: a row per model and attack, a cell per check, flags in bold, then the flags as a list.
     *
     * @param rows the rows of {@link #evaluate}
     * @return the table and the list of flags, Markdown
     */
    public static String markdown(List<Row> rows) {
        StringBuilder md = new StringBuilder("### Sanity checks of the attacks (Carlini et al. 2019)\n\n| model | attack");
        for (Check c : Check.values()) md.append(" | ").append(c.title);
        md.append(" |\n|---|---").append("|---".repeat(Check.values().length)).append("|\n");
        List<String> flags = new ArrayList<>();
        for (Row r : rows) {
            md.append("| ").append(r.model()).append(" | ").append(r.attack());
            for (Map.Entry<Check, Outcome> e : r.outcomes().entrySet()) {
                Outcome o = e.getValue();
                String cell = switch (o.status()) {
                    case PASS -> "ok" + (o.detail().isEmpty() ? "" : " (" + o.detail() + ")");
                    case FLAG -> "**FLAG**: " + o.detail();
                    case NOT_APPLICABLE -> "n/a (" + o.detail() + ")";
                };
                md.append(" | ").append(cell);
                if (o.status() == Outcome.Status.FLAG) {
                    flags.add(r.model() + " under " + r.attack() + ": " + e.getKey().title + " fails, " + o.detail());
                }
            }
            md.append(" |\n");
        }
        md.append('\n');
        if (flags.isEmpty()) {
            md.append("Every model passes every applicable check.\n\n");
        } else {
            md.append("Flagged (the numbers above for these models and attacks may overstate robustness):\n\n");
            for (String f : flags) md.append("- ").append(f).append('\n');
            md.append('\n');
        }
        return md.toString();
    }

    /**
     * The table as plain text for the terminal: one line per model and attack.
     *
     * @param rows the rows of {@link #evaluate}
     * @return the lines, separated by '\n'
     */
    public static String text(List<Row> rows) {
        StringBuilder s = new StringBuilder("Sanity checks of the attacks (Carlini et al. 2019):\n");
        int modelWidth = rows.stream().mapToInt(r -> r.model().length()).max().orElse(0);
        int attackWidth = rows.stream().mapToInt(r -> r.attack().length()).max().orElse(0);
        for (Row r : rows) {
            s.append("  ").append(pad(r.model(), modelWidth)).append("  ").append(pad(r.attack(), attackWidth));
            for (Map.Entry<Check, Outcome> e : r.outcomes().entrySet()) {
                Outcome.Status st = e.getValue().status();
                s.append("  ").append(e.getKey().name().toLowerCase(Locale.ROOT).replace('_', '-')).append(' ')
                        .append(st == Outcome.Status.PASS ? "ok" : st == Outcome.Status.FLAG ? "FLAG" : "n/a");
            }
            if (r.flagged()) s.append("  <- flagged");
            s.append('\n');
        }
        return s.toString();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
