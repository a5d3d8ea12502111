package example;

import dev.jacreg.DType;
import dev.jacreg.Torch;
import dev.jacreg.TensorScope;
import dev.jacreg.data.DeviceDataset;
import dev.jacreg.data.DigitDataset;
import dev.jacreg.data.SyntheticDigits;
import dev.jacreg.nn.SeedNetwork;
import dev.jacreg.nn.Sequential;
import dev.jacreg.train.Evaluator;
import dev.jacreg.train.JacobianPenalty;
import dev.jacreg.train.RegularizedLoss;
import dev.jacreg.train.Trainer;
import dev.jacreg.train.TrainingConfig;
import dev.jacreg.train.TrainingResult;

import java.util.Locale;

/**
 * Trains a small Jacobian-regularized net on synthetic digits (a few hundred images, one epoch) and prints its
 * test accuracy: the smallest useful program on jacreg's library API. Exits with 1 if the net learned nothing,
 * so a build that runs it notices a broken install.
 */
public final class TrainDigits {
    public static void main(String[] args) {
        long seed = 42;
        DigitDataset[] sets = SyntheticDigits.trainAndTest(640, 200, seed);
        System.out.println("jacreg shim: " + Torch.libraryPath() + " (libtorch " + Torch.version() + ")");
        double accuracy;
        try (DeviceDataset train = new DeviceDataset(sets[0], DType.FLOAT32);
             DeviceDataset test = new DeviceDataset(sets[1], DType.FLOAT32);
             TensorScope scope = TensorScope.open()) {
            Torch.manualSeed(seed);
            try (Sequential net = SeedNetwork.create(train.meanImage(), 28, 28, DType.FLOAT32)) {
                var loss = new RegularizedLoss(new JacobianPenalty(1.0, 1, JacobianPenalty.Target.SOFTMAX));
                TrainingResult run = new Trainer(TrainingConfig.reference(seed).withEpochs(1), loss)
                        .train(net, train, p -> { }, () -> false);
                accuracy = Evaluator.accuracy(net, test.images(), test.labels(), 100);
                System.out.printf(Locale.ROOT, "trained %d iterations in %.1f s; test accuracy %.2f %% (%d images)%n",
                        run.iterations(), run.totalSeconds(), accuracy * 100, sets[1].count());
            }
        }
        if (!(accuracy > 0.2)) {  // chance is 0.1
            System.err.println("error: the net did not learn (accuracy " + accuracy + ")");
            System.exit(1);
        }
    }
}
