package dev.jacreg;

/** Lets tests in sub-packages use the shared deterministic test values. */
public final class FiniteDifferencesAccess {
    private FiniteDifferencesAccess() {}

    public static double[] values(int n, long seed, double scale) {
        return FiniteDifferences.values(n, seed, scale);
    }
}
