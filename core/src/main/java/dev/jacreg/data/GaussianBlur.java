package dev.jacreg.data;

/** A separable Gaussian blur of a small gray image, zero outside it (the background is black). */
final class GaussianBlur {
    private GaussianBlur() {
    }

    /** The image blurred with standard deviation sigma (pixels), as a new array. */
    static float[] blur(float[] image, int height, int width, double sigma) {
        float[] kernel = kernel(sigma);
        float[] rows = pass(image, height, width, width, 1, kernel);  // along each row
        return pass(rows, width, height, 1, width, kernel);           // then along each column
    }

    /**
     * Convolves {@code lines} lines of {@code length} samples with the kernel; line l's sample i is at
     * {@code l * lineStep + i * step}.
     */
    private static float[] pass(float[] in, int lines, int length, int lineStep, int step, float[] kernel) {
        int radius = kernel.length / 2;
        float[] out = new float[in.length];
        for (int l = 0; l < lines; l++) {
            for (int i = 0; i < length; i++) {
                float sum = 0;
                for (int k = Math.max(-radius, -i); k <= Math.min(radius, length - 1 - i); k++) {
                    sum += kernel[k + radius] * in[l * lineStep + (i + k) * step];
                }
                out[l * lineStep + i * step] = sum;
            }
        }
        return out;
    }

    /** Normalised weights exp(-k²/2σ²) for |k| ≤ ceil(3σ). */
    static float[] kernel(double sigma) {
        if (!(sigma > 0)) throw new IllegalArgumentException("sigma must be > 0, got " + sigma);
        int radius = (int) Math.ceil(3 * sigma);
        float[] k = new float[2 * radius + 1];
        double total = 0;
        for (int i = -radius; i <= radius; i++) total += Math.exp(-i * i / (2 * sigma * sigma));
        for (int i = -radius; i <= radius; i++) k[i + radius] = (float) (Math.exp(-i * i / (2 * sigma * sigma)) / total);
        return k;
    }
}
