package dev.jacreg.attack;

import java.util.Locale;

/** The ball an attack's perturbation is confined to: per image, max |δᵢ| ≤ ε (L∞) or ‖δ‖₂ ≤ ε (L2). */
public enum Norm {
    /** The max norm: every pixel moves by at most ε. */
    LINF,
    /** The Euclidean norm: the perturbation's length is at most ε. */
    L2;

    /** {@return "linf" or "l2", as typed on the command line and used in file names} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@return "L∞" or "L2", for titles and reports} */
    public String symbol() {
        return this == LINF ? "L∞" : "L2";
    }

    /**
     * The norm of a label, as typed on the command line.
     *
     * @param text "linf" or "l2", any case, surrounding spaces ignored
     * @return the norm
     * @throws IllegalArgumentException for any other text, naming it and the known labels
     */
    public static Norm parse(String text) {
        for (Norm n : values()) {
            if (n.label().equals(text.trim().toLowerCase(Locale.ROOT))) return n;
        }
        throw new IllegalArgumentException("unknown attack norm '" + text + "' (expected linf or l2)");
    }

    /**
     * A default ε grid for images with pixels in [0, 1]: 0, 0.02, …, 0.2 for L∞ (0.2 already moves every pixel by a
     * fifth of its range), 0, 0.25, …, 3 for L2 (a 28×28 image has ‖x‖₂ of about 9).
     *
     * @return the radii, increasing, from 0
     */
    public double[] defaultEpsilons() {
        int n = this == LINF ? 11 : 13;
        double step = this == LINF ? 0.02 : 0.25;
        double[] eps = new double[n];
        for (int i = 0; i < n; i++) eps[i] = Math.round(i * step * 1e6) / 1e6;
        return eps;
    }
}
