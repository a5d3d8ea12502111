package dev.jacreg.attack;

import dev.jacreg.RandomStream;

/**
 * What the Square attack does differently in each norm ({@link SquareLinf}, {@link SquareL2}): where the search
 * starts and what each query tries. {@link Square} runs the search around them (the margin, which candidate is kept,
 * the query budget). Images are flat double arrays, N×C×H×W in row-major order, pixels in [0, 1].
 */
interface SquareSteps {
    /**
     * The starting point of every image, within ε of it and in [0, 1].
     *
     * @param clean the clean images, n of them
     * @param n the number of images
     * @param epsilon the radius, &gt; 0
     * @param random where the draws come from
     * @return the n starting images, a new array
     */
    double[] start(double[] clean, int n, double epsilon, RandomStream random);

    /**
     * One candidate per open image: its current best point changed in one or two random windows, within ε of the
     * clean image and in [0, 1].
     *
     * @param clean the clean images, all of them
     * @param best the current best points, all of them
     * @param open the images to try a candidate for, in the order of the result
     * @param iteration the iteration, from 1 (it sets the window side)
     * @param total the iterations the schedule is spread over (the query budget)
     * @param epsilon the radius, &gt; 0
     * @param random where the draws come from
     * @return open.length candidate images, a new array
     */
    double[] candidates(double[] clean, double[] best, int[] open, int iteration, int total, double epsilon,
                        RandomStream random);

    /** Pixels clipped to [0, 1]. */
    static double clip(double v) {
        return Math.min(1, Math.max(0, v));
    }
}
