# Process settings that make libtorch fast on CPU; sourced by bin/jacreg, bench/drivers/run-jmh and bench/drivers/compare
# so users, benchmarks and baselines all run the same way. Each respects a value already set.
# Measurements behind each choice: README.md, "Performance".

# glibc malloc: keep big tensor buffers on the heap instead of mmap/munmap per allocation (page faults
# dominate otherwise), never trim, and use one arena (the JVM calls from non-main threads, which would
# otherwise each get an arena and fault again).
: "${GLIBC_TUNABLES:=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.arena_max=1}"
export GLIBC_TUNABLES

# OpenMP threads sleep instead of spinning when idle: spinning on a busy 2-core machine made steps
# 10-35x slower.
: "${OMP_WAIT_POLICY:=passive}"
export OMP_WAIT_POLICY

# JVM flags (not environment: bin/jacreg, bench/drivers/compare and bench/drivers/run-jmh put them on the java command line).
# HotSpot compiles a method with profiling C1 after ~200 calls and with C2 after ~5,000, so the Java layer's
# methods that run once per training step (Sequential.forward, RegularizedLoss.compute, Autograd.grad, the bindings'
# downcalls used once per step) run interpreted for the first ~200 steps and in profiling C1 code for the rest of a
# 4,680-step run. Scaling the thresholds of dev.jacreg code only (1/20: C1 after ~10 calls, C2 after ~250) compiles
# them early; scaling every method's (the JDK's too) cost 2 s of extra compiling per run. Measurements: README.md,
# "Performance". Set JACREG_JVM_FLAGS= (empty) to run without.
: "${JACREG_JVM_FLAGS=-XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,dev.jacreg.*::*,0.05}"
