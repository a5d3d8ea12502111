package dev.jacreg.data;

import dev.jacreg.RandomStream;
import dev.jacreg.Tensor;

import java.util.Locale;

/**
 * Random corruptions of test images for robustness sweeps, each with one strength parameter (the level). All draw
 * from a {@link RandomStream}, so a sweep is repeatable per seed, and all keep pixels in [0, 1].
 */
public enum Corruption {
    /** The reference experiment's noise: each pixel with probability p replaced by a uniform value ({@link Noise}). */
    REPLACE("replace", "noise", "noise proportion p (share of pixels replaced)", "pixel-replacement noise"),
    /** Additive Gaussian noise of standard deviation σ on every pixel, then clipping to [0, 1]. */
    GAUSSIAN("gaussian", "sigma", "noise standard deviation σ (before clipping to [0, 1])", "additive Gaussian noise"),
    /** Salt and pepper: each pixel with probability p set to 0 or to 1, with equal chance. */
    SALT_PEPPER("salt-pepper", "proportion", "proportion p of pixels set to 0 or 1", "salt-and-pepper noise");

    private final String label;
    private final String levelColumn;
    private final String axisLabel;
    private final String description;

    Corruption(String label, String levelColumn, String axisLabel, String description) {
        this.label = label;
        this.levelColumn = levelColumn;
        this.axisLabel = axisLabel;
        this.description = description;
    }

    /** {@return the label typed on the command line and used in file names: replace, gaussian or salt-pepper} */
    public String label() {
        return label;
    }

    /** {@return the name of the level column in CSV tables} */
    public String levelColumn() {
        return levelColumn;
    }

    /**
     * {@return the level's name with its symbol, for chart axes, e.g. "noise standard deviation σ (before clipping to
     * [0, 1])"}
     */
    public String axisLabel() {
        return axisLabel;
    }

    /** {@return the corruption in a few words, for titles, e.g. "additive Gaussian noise"} */
    public String description() {
        return description;
    }

    /**
     * The corruption of a label, as typed on the command line.
     *
     * @param text "replace", "gaussian" or "salt-pepper", any case, surrounding spaces ignored
     * @return the corruption
     * @throws IllegalArgumentException for any other text, naming it and the labels
     */
    public static Corruption parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Corruption c : values()) {
            if (c.label.equals(t)) return c;
        }
        throw new IllegalArgumentException("unknown corruption '" + text + "' (expected replace, gaussian or salt-pepper)");
    }

    /**
     * {@return the default levels, 0, 0.05, …, 0.5 for every kind: σ = 0.5 already buries a digit in noise, as p = 0.5
     * does}
     */
    public double[] defaultLevels() {
        double[] levels = new double[11];
        for (int i = 0; i < levels.length; i++) levels[i] = Math.round(i * 0.05 * 1e6) / 1e6;
        return levels;
    }

    /**
     * Rejects a level outside this corruption's range (probabilities in [0, 1], σ finite and >= 0).
     *
     * @param level a proportion p or a standard deviation σ, as the corruption takes
     */
    public void checkLevel(double level) {
        boolean ok = this == GAUSSIAN ? level >= 0 && Double.isFinite(level) : level >= 0 && level <= 1;
        if (!ok) {
            throw new IllegalArgumentException(label + " level must be " + (this == GAUSSIAN ? "finite and >= 0" : "in [0, 1]")
                    + ", got " + level);
        }
    }

    /**
     * A corrupted copy of a batch of images (any shape, floating point, pixels in [0, 1]), in the caller's scope.
     *
     * @param images the clean batch, left unchanged
     * @param level the proportion p or standard deviation σ ({@link #checkLevel})
     * @param random where the noise is drawn from
     * @return the corrupted batch, of the images' shape and dtype, pixels in [0, 1]
     */
    public Tensor apply(Tensor images, double level, RandomStream random) {
        checkLevel(level);
        if (!images.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("images must be floating point, got " + images.dtype());
        }
        if (level == 0) return images.clone();
        long[] shape = images.shape();
        return switch (this) {
            case REPLACE -> Noise.replacePixels(images, level, random);
            case GAUSSIAN -> clipPixels(images.add(random.normal(images.dtype(), shape).mul(level)));
            case SALT_PEPPER -> {
                Tensor hit = random.uniform(images.dtype(), shape).lt(level);
                Tensor value = random.uniform(images.dtype(), shape).lt(0.5).to(images.dtype());  // 1 (salt) or 0 (pepper)
                yield Tensor.where(hit, value, images);
            }
        };
    }

    /** min(max(t, 0), 1), from comparisons (the tensor API has no clamp). */
    private static Tensor clipPixels(Tensor t) {
        Tensor zero = Tensor.scalar(0, t.dtype()), one = Tensor.scalar(1, t.dtype());
        Tensor low = Tensor.where(t.lt(0), zero, t);
        return Tensor.where(low.gt(1), one, low);
    }
}
