package dev.jacreg.internal;

import dev.jacreg.experiment.ExperimentConfig;

/** Test fixture only: a class in a library package that uses the application, which LibraryLayeringTest must flag. */
public final class LayeringViolationFixture {
    private LayeringViolationFixture() {}

    public static Object reference() {
        return ExperimentConfig.class;
    }
}
