package dev.jacreg;

/**
 * For tests that compare the process-wide live tensor counts: tensors other tests dropped unclosed are freed
 * by the Cleaner at unpredictable times, which moves the counts under a test's feet. {@link #settle()} lets
 * that finish first (a full GC finds every dropped tensor; the Cleaner then frees them), so afterwards the
 * counts move only by what the test itself does.
 */
final class LiveCounts {
    private LiveCounts() {}

    static void settle() {
        long previous = -1;
        int stableRounds = 0;
        for (int round = 0; round < 50 && stableRounds < 2; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = Tensor.liveCount();
            stableRounds = now == previous ? stableRounds + 1 : 0;
            previous = now;
        }
    }
}
