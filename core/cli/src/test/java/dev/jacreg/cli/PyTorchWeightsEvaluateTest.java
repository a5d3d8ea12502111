package dev.jacreg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jacreg.PythonTorch;
import dev.jacreg.cli.JacregCliTest.Run;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.Idx;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A net trained by PyTorch ({@code bench/baselines/python/experiment.py --save}, 320 synthetic digits, 1 epoch) is evaluated by
 * {@code jacreg evaluate} on the same 1,000 test images with the same clean accuracy PyTorch computed, to within one
 * image: jacreg reads PyTorch's tensor names, dtypes and statistics and finds the data in the file's metadata.
 * Skipped where {@code /usr/bin/python3 -c 'import torch'} fails. About 20 s on two cores.
 */
class PyTorchWeightsEvaluateTest {
    private static final int TRAIN = 320, TEST = 1000;

    @TempDir
    Path dir;

    @Test
    void jacregEvaluatesAPyTorchNetToTheSameCleanAccuracy() throws Exception {
        PythonTorch.assumeAvailable();
        Path data = dir.resolve("data");
        DigitDataset[] sets = SyntheticDigits.trainAndTest(TRAIN, TEST, 11);
        Idx.writeDirectory(sets[0], data, "train", true);
        Idx.writeDirectory(sets[1], data, "test", true);
        Path weights = dir.resolve("pytorch.safetensors");

        String out = PythonTorch.run(dir, "experiment.py", "--data", data.toString(), "--train", "" + TRAIN,
                "--test", "" + TEST, "--epochs", "1", "--seeds", "0", "--models", "jacobian", "--save", weights.toString());
        Matcher clean = Pattern.compile("\"accuracy\": \\{\"0\\.0\": ([0-9.]+)").matcher(out);
        assertTrue(clean.find(), out);
        double pytorch = Double.parseDouble(clean.group(1));
        // Not a chance-level net, whose constant answers would agree trivially (measured: 0.41 on such data).
        assertTrue(pytorch > 0.25, "PyTorch's net learned too little to compare: " + pytorch);
        Map<String, String> metadata = SafeTensors.read(weights).metadata();
        assertEquals("idx:" + data.toAbsolutePath(), metadata.get("data"));

        Path evaluated = dir.resolve("evaluate");
        // No --data: evaluate takes it from the file, as for jacreg's own weights.
        Run r = JacregCliTest.run("evaluate", "--model", weights.toString(), "--noise-levels", "0", "--out", evaluated.toString());
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(evaluated.resolve("accuracy.csv"));
        assertEquals(2, csv.size(), csv.toString());
        String[] row = csv.get(1).split(",");
        assertEquals("0", row[0]);
        double jacreg = Double.parseDouble(row[1]);
        System.out.printf("clean accuracy on %d images: PyTorch %.4f, jacreg evaluate %.4f%n", TEST, pytorch, jacreg);
        assertTrue(Math.abs(jacreg - pytorch) * TEST <= 1 + 1e-9,
                "jacreg " + jacreg + " vs PyTorch " + pytorch + ": more than one image of " + TEST + " apart");
    }
}
