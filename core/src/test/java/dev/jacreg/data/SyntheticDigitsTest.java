package dev.jacreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticDigitsTest {

    private static final int SIZE = 28 * 28;

    /** One shared pair of sets (generation is the slow part of these tests). */
    private static DigitDataset train;
    private static DigitDataset test;

    @BeforeAll
    static void generateOnce() {
        DigitDataset[] sets = SyntheticDigits.trainAndTest(2000, 1000, 20240601L);
        train = sets[0];
        test = sets[1];
    }

    @Test
    void shapeMatchesMnist() {
        assertEquals(2000, train.count());
        assertEquals(1000, test.count());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(10, train.numClasses());
        assertEquals(2000 * SIZE, train.pixels().length);
        assertTrue(train.hasAngles());
    }

    @Test
    void sameSeedGivesIdenticalData() {
        DigitDataset a = SyntheticDigits.generate(300, 77);
        DigitDataset b = SyntheticDigits.generate(300, 77);
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.anglesDegrees(), b.anglesDegrees());
    }

    @Test
    void resultDoesNotDependOnThreadScheduling() throws Exception {
        // A parallel stream started inside a 1-thread pool runs sequentially there.
        ForkJoinPool single = new ForkJoinPool(1);
        try {
            DigitDataset sequential = single.submit(() -> SyntheticDigits.generate(200, 5)).get();
            assertEquals(sequential, SyntheticDigits.generate(200, 5));
        } finally {
            single.shutdown();
        }
    }

    @Test
    void differentSeedsGiveDifferentData() {
        DigitDataset a = SyntheticDigits.generate(200, 1);
        DigitDataset b = SyntheticDigits.generate(200, 2);
        assertFalse(Arrays.equals(a.pixels(), b.pixels()));
        assertFalse(Arrays.equals(a.labels(), b.labels()));
        assertFalse(Arrays.equals(a.anglesDegrees(), b.anglesDegrees()));
    }

    @Test
    void trainAndTestAreDisjointDraws() {
        Set<Integer> trainHashes = new HashSet<>();
        for (int i = 0; i < train.count(); i++) {
            trainHashes.add(Arrays.hashCode(DigitImages.image(train, i)));
        }
        for (int i = 0; i < test.count(); i++) {
            assertFalse(trainHashes.contains(Arrays.hashCode(DigitImages.image(test, i))),
                    "test image " + i + " also appears in the training set");
        }
        assertFalse(Arrays.equals(train.subset(0, 1000).labels(), test.labels()));
    }

    @Test
    void labelsAreBalancedAndShuffled() {
        for (int c : train.classCounts()) {
            assertEquals(200, c);
        }
        for (int c : test.classCounts()) {
            assertEquals(100, c);
        }
        int inCyclicOrder = 0;
        for (int i = 0; i < train.count(); i++) {
            if (train.labels()[i] == i % 10) {
                inCyclicOrder++;
            }
        }
        assertTrue(inCyclicOrder < 400, "labels look unshuffled: " + inCyclicOrder);

        int[] uneven = SyntheticDigits.generate(23, 3).classCounts();
        for (int c : uneven) {
            assertTrue(c == 2 || c == 3, Arrays.toString(uneven));
        }
    }

    @Test
    void pixelsAreMnistLikeBytesInUnitInterval() {
        for (float v : train.pixels()) {
            assertTrue(v >= 0f && v <= 1f, "pixel " + v);
            assertEquals(Math.round(v * 255f) / 255f, v, 0f, "not a multiple of 1/255: " + v);
        }
    }

    @Test
    void anglesCoverPlusMinus45Degrees() {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float a : train.anglesDegrees()) {
            assertTrue(a >= -45f && a <= 45f, "angle " + a);
            min = Math.min(min, a);
            max = Math.max(max, a);
        }
        assertTrue(min < -40 && max > 40, "angles only span " + min + ".." + max);
    }

    @Test
    void everyImageIsABrightDigitOnADarkBackground() {
        double borderSum = 0;
        int borderCount = 0;
        double overallMean = 0;
        for (int i = 0; i < train.count(); i++) {
            float[] img = DigitImages.image(train, i);
            double mean = 0;
            int bright = 0;
            for (float v : img) {
                mean += v;
                if (v > 0.5f) {
                    bright++;
                }
            }
            mean /= SIZE;
            // A thin plain-font "1" is the darkest image (about 0.055 here); MNIST's ones are similar.
            assertTrue(mean > 0.04 && mean < 0.5, "image " + i + " mean " + mean);
            overallMean += mean / train.count();
            assertTrue(bright >= 25, "image " + i + " has only " + bright + " bright pixels");
            for (int k = 0; k < 28; k++) { // outermost ring of pixels
                for (float v : new float[] {img[k], img[27 * 28 + k], img[k * 28], img[k * 28 + 27]}) {
                    assertTrue(v < 0.5f, "image " + i + " touches the border");
                    borderSum += v;
                    borderCount++;
                }
            }
        }
        assertTrue(borderSum / borderCount < 0.01, "border mean " + borderSum / borderCount);
        assertTrue(overallMean > 0.08 && overallMean < 0.25, "overall mean " + overallMean + " (MNIST: 0.13)");
    }

    @Test
    void digitsFillRoughlyMnistsFraction() {
        double sumSide = 0;
        for (int i = 0; i < train.count(); i++) {
            int minX = 28, maxX = -1, minY = 28, maxY = -1;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    if (train.pixels()[i * SIZE + y * 28 + x] > 0.3f) {
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            int side = Math.max(maxX - minX, maxY - minY) + 1;
            assertTrue(side >= 12 && side <= 27, "image " + i + " digit extent " + side);
            sumSide += side;
        }
        double meanFraction = sumSide / train.count() / 28;
        assertTrue(meanFraction > 0.6 && meanFraction < 0.85, "mean extent fraction " + meanFraction);
    }

    @Test
    void classesLookDifferent() {
        float[][] means = classMeans(train);
        double diff = 0;
        for (int p = 0; p < SIZE; p++) {
            diff += Math.abs(means[0][p] - means[1][p]);
        }
        diff /= SIZE;
        // The mean absolute pixel difference of two classes' mean images; 0 if the classes were alike.
        assertTrue(diff > 0.08, "mean images of 0 and 1 differ by only " + diff);
    }

    @Test
    void nearestClassMeanClassifierLearnsTheDigits() {
        double accuracy = nearestMeanAccuracy(train, test);
        assertTrue(accuracy > 0.4, "nearest-class-mean accuracy " + accuracy + " (chance is 0.1)");
    }

    @Test
    void penDigitsAloneAreLearnableToo() {
        // The pen digits are what remains on a JDK without fonts; they must be real digits as well.
        List<DigitGlyphs.Glyphs> pen = List.of(DigitGlyphs.penGlyphs());
        DigitDataset a = SyntheticDigits.generate(1000, 8, SyntheticDigits.Options.DEFAULT, pen);
        DigitDataset b = SyntheticDigits.generate(500, 9, SyntheticDigits.Options.DEFAULT, pen);
        double accuracy = nearestMeanAccuracy(a, b);
        assertTrue(accuracy > 0.4, "pen digits nearest-class-mean accuracy " + accuracy);
    }

    @Test
    void everyShippedFontIsUsedAndNoneDependsOnTheSystem() {
        // 33 faces of fonts-urw-base35 are shipped as outlines; the pen digits come on top.
        List<DigitGlyphs.Glyphs> fonts = DigitGlyphs.fontGlyphs();
        assertEquals(33, fonts.size());
        assertEquals(fonts.size(), new HashSet<>(fonts.stream().map(DigitGlyphs.Glyphs::name).toList()).size());
        assertEquals(fonts.size() + 1, DigitGlyphs.all().size());
        assertEquals(15, fonts.stream().filter(DigitGlyphs.Glyphs::bold).count());
    }

    @Test
    void recordedAngleMatchesTheDrawnTilt() {
        // A "1" is mostly a vertical bar; turned counter-clockwise (positive angle) its top moves
        // left, so x and y (y pointing down) become positively correlated.
        int checked = 0;
        int agree = 0;
        for (int i = 0; i < train.count(); i++) {
            float angle = train.anglesDegrees()[i];
            if (train.labels()[i] != 1 || Math.abs(angle) < 15) {
                continue;
            }
            double s = 0, sx = 0, sy = 0, sxy = 0;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double v = train.pixels()[i * SIZE + y * 28 + x];
                    s += v;
                    sx += v * x;
                    sy += v * y;
                    sxy += v * x * y;
                }
            }
            double covariance = sxy / s - (sx / s) * (sy / s);
            checked++;
            if (Math.signum(covariance) == Math.signum(angle)) {
                agree++;
            }
        }
        assertTrue(checked > 50, "too few tilted ones: " + checked);
        assertTrue(agree > 0.85 * checked, agree + " of " + checked + " ones tilt the recorded way");
    }

    @Test
    void zeroRotationOptionDrawsUprightDigits() {
        DigitDataset upright = SyntheticDigits.generate(50, 4, SyntheticDigits.Options.DEFAULT.withMaxRotationDegrees(0));
        for (float a : upright.anglesDegrees()) {
            assertEquals(0f, a);
        }
    }

    @Test
    void rejectsInvalidArguments() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticDigits.generate(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDigits.Options(45, 1.2, 0.8, 2, 1, true, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDigits.Options(-1, 0.8, 1.2, 2, 1, true, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDigits.Options(45, 0.8, 1.2, 2, 1, true, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticDigits.Options(45, 0.8, 1.2, 2, 1, true, 1, -0.5));
        assertEquals(0, SyntheticDigits.generate(0, 1).count());
    }

    private static float[][] classMeans(DigitDataset d) {
        float[][] means = new float[10][SIZE];
        int[] counts = d.classCounts();
        for (int i = 0; i < d.count(); i++) {
            float[] m = means[d.labels()[i]];
            for (int p = 0; p < SIZE; p++) {
                m[p] += d.pixels()[i * SIZE + p] / counts[d.labels()[i]];
            }
        }
        return means;
    }

    private static double nearestMeanAccuracy(DigitDataset trainSet, DigitDataset testSet) {
        float[][] means = classMeans(trainSet);
        int correct = 0;
        for (int i = 0; i < testSet.count(); i++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                double distance = 0;
                for (int p = 0; p < SIZE; p++) {
                    double diff = testSet.pixels()[i * SIZE + p] - means[c][p];
                    distance += diff * diff;
                }
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
            if (best == testSet.labels()[i]) {
                correct++;
            }
        }
        return correct / (double) testSet.count();
    }
}
