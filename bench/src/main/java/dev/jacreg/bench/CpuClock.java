package dev.jacreg.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * CPU time of this thread and of the whole process from POSIX clock_gettime, the same clocks the C++ and Python
 * baselines read (CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID), to the nanosecond: the JDK's
 * getProcessCpuTime() counts in scheduler ticks (10 ms), too coarse for one training step.
 */
final class CpuClock {
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final int CLOCK_THREAD_CPUTIME_ID = 3;
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MemorySegment TIMESPEC = Arena.global().allocate(16, 8);  // struct timespec {long; long}

    private CpuClock() {}

    static long threadNanos() {
        return read(CLOCK_THREAD_CPUTIME_ID);
    }

    static long processNanos() {
        return read(CLOCK_PROCESS_CPUTIME_ID);
    }

    private static synchronized long read(int clock) {
        try {
            int rc = (int) CLOCK_GETTIME.invokeExact(clock, TIMESPEC);
            if (rc != 0) throw new IllegalStateException("clock_gettime(" + clock + ") failed");
        } catch (Throwable t) {
            throw new IllegalStateException("clock_gettime unavailable", t);
        }
        return TIMESPEC.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + TIMESPEC.get(ValueLayout.JAVA_LONG, 8);
    }
}
