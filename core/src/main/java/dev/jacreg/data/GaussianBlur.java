package dev.jacreg.data;

/** A separable Gaussian blur of a small gray image, zero outside it (the background is black). */
final class GaussianBlur {
    private GaussianBlur() {
    }

    /** The image blurred with standard deviation sigma (pixels), as a new array. */
    static float[] blur(float[] image, int height, int width, double sigma) {
        float[] kernel = kernel(sigma);
        int radius = kernel.length / 2;
        float[] rows = new float[image.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float sum = 0;
                for (int k = -radius; k <= radius; k++) {
                    int xx = x + k;
                    if (xx >= 0 && xx < width) sum += kernel[k + radius] * image[y * width + xx];
                }
                rows[y * width + x] = sum;
            }
        }
        float[] out = new float[image.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float sum = 0;
                for (int k = -radius; k <= radius; k++) {
                    int yy = y + k;
                    if (yy >= 0 && yy < height) sum += kernel[k + radius] * rows[yy * width + x];
                }
                out[y * width + x] = sum;
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
