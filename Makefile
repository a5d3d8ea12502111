# jacreg — build, test and run. `make run` and `make test` set up everything on a fresh Debian machine.
#
#   make run [ARGS='...']   the full experiment (CLI `experiment` by default; ARGS go to bin/jacreg)
#   make test               native shim + every test, then the consumer example
#   make soak               the long reliability runs: 10 min Cleaner race + 100,000 fuzzed calls
#   make example            builds and runs examples/consumer against the installed jacreg-core
#   make bench              JMH benchmarks          make compare   Java vs C++ vs Python table
#   make native             only the shim           make bindings  regenerate bindings/ with jextract
#   make fashion-mnist      Debian's dataset-fashion-mnist (make run installs it when ARGS mention fashion-mnist)
#
# Variables: LIBTORCH=DIR (official libtorch distribution or pip torch/ folder; default Debian's
# libtorch-dev), JAVA_HOME (a JDK >= 22; found under /usr/lib/jvm otherwise), JEXTRACT=path, NO_GLOO=1 (no Gloo).

SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# ---- JDK >= 22 ------------------------------------------------------------------------------------
jdk_feature = $(shell f="$(1)/release"; [ -f "$$f" ] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$$f")
JDK_CANDIDATES := $(JAVA_HOME) $(sort $(wildcard /usr/lib/jvm/*))
JDK := $(firstword $(foreach d,$(JDK_CANDIDATES),$(if $(shell v=$(call jdk_feature,$(d)); [ -n "$$v" ] && [ "$$v" -ge 22 ] && echo y),$(d))))
JAVA_ENV = JAVA_HOME=$(JDK) PATH=$(JDK)/bin:$$PATH

# ---- libtorch -------------------------------------------------------------------------------------
ifeq ($(strip $(LIBTORCH)),)
  TORCH_INCLUDES := -I/usr/include -I/usr/include/torch/csrc/api/include
  TORCH_LIBDIR := /usr/lib/x86_64-linux-gnu
  TORCH_ABI := 1
  TORCH_DESC := Debian libtorch-dev
else
  TORCH_ROOT := $(abspath $(LIBTORCH))
  TORCH_INCLUDES := -I$(TORCH_ROOT)/include -I$(TORCH_ROOT)/include/torch/csrc/api/include
  TORCH_LIBDIR := $(TORCH_ROOT)/lib
  # The distribution says which C++ ABI it was built with; the shim must match it.
  TORCH_ABI := $(or $(shell grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' $(TORCH_ROOT)/share/cmake/Torch/TorchConfig.cmake 2>/dev/null | head -1 | cut -d= -f2),1)
  TORCH_DESC := $(TORCH_ROOT)
endif
# CUDA builds register their kernels from libtorch_cuda at load time: link it even though no symbol is used.
TORCH_LIBS := -ltorch -ltorch_cpu -lc10 $(if $(wildcard $(TORCH_LIBDIR)/libtorch_cuda.so),-ltorch_cuda -lc10_cuda)

# libtorch 2.x headers use C++20 features; 1.13 is built as C++17.
TORCH_VERSION_HEADERS := $(foreach d,$(TORCH_INCLUDES:-I%=%),$(wildcard $(d)/torch/version.h $(d)/torch/headeronly/version.h))
TORCH_MAJOR := $(or $(shell cat $(TORCH_VERSION_HEADERS) /dev/null | sed -n 's/^\#define TORCH_VERSION_MAJOR \([0-9]*\)/\1/p' | head -1),1)
CXXSTD := $(if $(filter 1,$(TORCH_MAJOR)),c++17,c++20)

# c10d's backends (native/src/distributed.cpp): Gloo where its headers are (Debian: libgloo-dev, installed by deps),
# NCCL where the libtorch has CUDA. NO_GLOO=1 leaves Gloo out even where its headers are (to check that build).
GLOO_HEADERS := $(if $(NO_GLOO),,$(firstword $(wildcard $(foreach d,$(TORCH_INCLUDES:-I%=%),$(d)/gloo/algorithm.h))))
C10D_DEFINES := $(if $(GLOO_HEADERS),-DUSE_C10D_GLOO) $(if $(wildcard $(TORCH_LIBDIR)/libtorch_cuda.so),-DUSE_C10D_NCCL)

CXX ?= g++
CXXFLAGS := -std=$(CXXSTD) -O2 -fPIC -Wall -Wno-unused-parameter -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(C10D_DEFINES) -I$(ROOT)/native/include $(TORCH_INCLUDES)
LDFLAGS := -shared -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)

NATIVE_SRC := $(wildcard $(ROOT)/native/src/*.cpp)
NATIVE_OBJ := $(patsubst $(ROOT)/native/src/%.cpp,$(ROOT)/native/build/obj/%.o,$(NATIVE_SRC))
NATIVE_LIB := $(ROOT)/native/build/libjacreg.so
NATIVE_HDR := $(wildcard $(ROOT)/native/include/*.h) $(ROOT)/native/include/jacreg_ops.def $(ROOT)/native/src/guard.hpp \
              $(ROOT)/native/src/batch_norm_autograd.hpp $(ROOT)/native/src/batch_norm_kernels.hpp \
              $(ROOT)/native/src/conv_autograd.hpp
TORCH_STAMP := $(ROOT)/native/build/libtorch.txt

MVN := mvn -B -q -Dstyle.color=never
CORE_JAR := $(ROOT)/core/target/jacreg-core-0.1.0-SNAPSHOT.jar
JAVA_SOURCES := $(shell find $(ROOT)/bindings/src $(ROOT)/core/src/main $(ROOT)/bench/src -name '*.java' 2>/dev/null) $(wildcard $(ROOT)/*/pom.xml) $(ROOT)/pom.xml

# Bench baselines
CPP_BENCH := $(ROOT)/bench/build/step_bench

.PHONY: help setup check-jdk deps test-deps native build test soak example run bench compare optimizer-bench batch-norm-bench bindings clean fashion-mnist digit-outlines

help:
	@sed -n '1,12p' $(lastword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

check-jdk:
	@if [ -z "$(JDK)" ]; then \
	  echo "error: jacreg needs a JDK >= 22 (final FFM API); none found in JAVA_HOME or /usr/lib/jvm." >&2; \
	  echo "       Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2; exit 1; fi

# Installs what a fresh Debian machine lacks; does nothing when everything is there.
deps:
	@missing=""; \
	command -v g++ >/dev/null || missing="$$missing g++"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	if [ -z "$(LIBTORCH)" ] && [ ! -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then missing="$$missing libtorch-dev"; fi; \
	if [ -z "$(LIBTORCH)" ] && [ ! -f /usr/include/gloo/algorithm.h ]; then missing="$$missing libgloo-dev"; fi; \
	[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || missing="$$missing libjemalloc2"; \
	[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || missing="$$missing libopenblas0-pthread"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

setup: deps check-jdk native

NPROC := $(shell nproc 2>/dev/null || echo 2)
native: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(NATIVE_LIB)

$(ROOT)/native/build/obj/%.o: $(ROOT)/native/src/%.cpp $(NATIVE_HDR) $(TORCH_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

# The fused batch-norm kernels' elementwise loops need the vectorizer's full cost model, which -O2 (GCC 12) lacks:
# -O3 halves the double backward's time there (native/src/batch_norm_kernels.cpp).
$(ROOT)/native/build/obj/batch_norm_kernels.o: CXXFLAGS += -O3

# Rebuild everything when LIBTORCH changes.
$(TORCH_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo "$(TORCH_DESC) abi=$(TORCH_ABI) std=$(CXXSTD) $(C10D_DEFINES)" | cmp -s - $@ || echo "$(TORCH_DESC) abi=$(TORCH_ABI) std=$(CXXSTD) $(C10D_DEFINES)" > $@

$(NATIVE_LIB): $(NATIVE_OBJ)
	$(CXX) $(NATIVE_OBJ) -o $@ $(LDFLAGS)
	@echo "built $@ against $(TORCH_DESC)"

FORCE:

build: setup $(CORE_JAR)

# The core jar carries the shim (native/linux-x86_64/libjacreg.so), so a rebuilt shim means a rebuilt jar.
$(CORE_JAR): $(JAVA_SOURCES) $(NATIVE_LIB)
	cd $(ROOT) && $(JAVA_ENV) $(MVN) install -DskipTests
	@touch $@

# Not quiet: Surefire's per-class and closing "Tests run:" lines are the record of what ran.
# What only the tests use: PyTorch for the cross-checks (weights interop, attacks) and the Fashion-MNIST package,
# so that no test has to skip.
test-deps: fashion-mnist
	@if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then \
	  echo "installing: python3-torch"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends python3-torch; \
	fi

test: setup test-deps
	cd $(ROOT) && $(JAVA_ENV) mvn -B -ntp -Dstyle.color=never install
	@$(MAKE) --no-print-directory example

# The example consumer, built and run as a user would: a separate Maven project that depends on the
# jacreg-core installed in the local Maven repository, run with plain java and no -Djacreg.native /
# JACREG_NATIVE, so the shim inside the jar is what loads (it prints its path).
CONSUMER := $(ROOT)/examples/consumer
example: build
	cd $(ROOT) && $(JAVA_ENV) $(MVN) -f $(CONSUMER)/pom.xml package
	cd $(ROOT) && env -u JACREG_NATIVE $(JAVA_ENV) java --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
	  -cp $(CONSUMER)/target/jacreg-consumer-1.0.jar:$$(cat $(CONSUMER)/target/classpath.txt) example.TrainDigits

# --data fashion-mnist reads these files; the package is installed only when asked for.
FASHION_MNIST_FILES := $(foreach f,train-images-idx3 train-labels-idx1 t10k-images-idx3 t10k-labels-idx1,/usr/share/datasets/fashion-mnist/$(f)-ubyte.gz)
fashion-mnist:
	@missing=""; for f in $(FASHION_MNIST_FILES); do [ -f "$$f" ] || missing=y; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing: dataset-fashion-mnist"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends dataset-fashion-mnist; \
	fi

# The long reliability runs (profile soak in core/pom.xml): the Cleaner race of issue 8 for SOAK_SECONDS
# (forced GC every 2 ms) and the random-op fuzz for FUZZ_CALLS calls. Installs nothing into ~/.m2.
SOAK_SECONDS ?= 600
FUZZ_CALLS ?= 100000
soak: setup
	cd $(ROOT) && $(JAVA_ENV) mvn -B -ntp -Dstyle.color=never -pl core -am test -Psoak \
	  -Djacreg.soak.seconds=$(SOAK_SECONDS) -Djacreg.fuzz.calls=$(FUZZ_CALLS)

# The synthetic digits' font outlines ship in the jar; this re-exports them from Debian's fonts-urw-base35
# (every face but the symbol fonts) after a change to the exporter or the font list.
URW_FONTS := /usr/share/fonts/opentype/urw-base35
digit-outlines: check-jdk
	@[ -d $(URW_FONTS) ] || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends fonts-urw-base35; }
	$(JDK)/bin/java -Djava.awt.headless=true $(ROOT)/tools/DigitOutlineExport.java \
	  $(ROOT)/core/src/main/resources/dev/jacreg/data/digit-outlines.txt \
	  $$(ls $(URW_FONTS)/*.otf | grep -v -e D050000L -e StandardSymbolsPS)

run: build $(if $(findstring fashion-mnist,$(ARGS)),fashion-mnist)
	$(ROOT)/bin/jacreg $(or $(ARGS),experiment)

bench: build
	$(ROOT)/bench/run-jmh $(ARGS)

$(CPP_BENCH): $(ROOT)/bench/cpp/step_bench.cpp $(TORCH_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -std=$(CXXSTD) -O2 -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(TORCH_INCLUDES) $< -o $@ -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)

compare: build $(CPP_BENCH)
	$(ROOT)/bench/compare $(ARGS)

# The SGDM update per parameter vs libtorch's _foreach_ ops (bench/cpp/optimizer_bench.cpp).
OPT_BENCH := $(ROOT)/bench/build/optimizer_bench
$(OPT_BENCH): $(ROOT)/bench/cpp/optimizer_bench.cpp $(ROOT)/bench/cpp/bench_clock.hpp $(TORCH_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -std=$(CXXSTD) -O2 -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(TORCH_INCLUDES) $< -o $@ -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)
optimizer-bench: $(OPT_BENCH)
	$(OPT_BENCH) $(ARGS)

# One batch-norm layer: the shim's fused forward vs ATen's (bench/cpp/batch_norm_bench.cpp; links the shim).
BN_BENCH := $(ROOT)/bench/build/batch_norm_bench
$(BN_BENCH): $(ROOT)/bench/cpp/batch_norm_bench.cpp $(ROOT)/bench/cpp/bench_clock.hpp $(NATIVE_LIB)
	@mkdir -p $(dir $@)
	$(CXX) -std=$(CXXSTD) -O2 -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) -I$(ROOT)/native/src $(TORCH_INCLUDES) $< -o $@ -Wl,--no-as-needed -L$(ROOT)/native/build -ljacreg -Wl,-rpath,$(ROOT)/native/build -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)
batch-norm-bench: native $(BN_BENCH)
	$(BN_BENCH) $(ARGS)

JEXTRACT ?= $(shell command -v jextract)
bindings: check-jdk
	@if [ -z "$(JEXTRACT)" ]; then \
	  echo "error: jextract not found. Put it on PATH or run: make bindings JEXTRACT=/path/to/jextract" >&2; \
	  echo "       (jextract is built from https://github.com/openjdk/jextract; it is not part of this repo)" >&2; exit 1; fi
	rm -rf $(ROOT)/bindings/src/main/java/dev/jacreg/bindings $(ROOT)/native/build/jextract-includes.txt
	@mkdir -p $(ROOT)/native/build
	@# Bind only what jacreg.h itself declares, not the system headers it includes.
	$(JEXTRACT) --dump-includes $(ROOT)/native/build/jextract-all.txt $(ROOT)/native/include/jacreg.h
	@# The op table's declarations are expanded in jacreg.h but located in jacreg_ops.def.
	grep -E 'jacreg\.h$$|jacreg_distributed\.h$$|jacreg_ops\.def$$' $(ROOT)/native/build/jextract-all.txt > $(ROOT)/native/build/jextract-includes.txt
	$(JEXTRACT) --output $(ROOT)/bindings/src/main/java --target-package dev.jacreg.bindings \
	  --header-class-name jacreg_h @$(ROOT)/native/build/jextract-includes.txt $(ROOT)/native/include/jacreg.h
	$(JDK)/bin/java $(ROOT)/tools/GenerateOps.java $(ROOT)/native/include/jacreg_ops.def $(ROOT)/core/src/main/java/dev/jacreg/Ops.java
	@echo "regenerated bindings/ from native/include/jacreg.h"

clean:
	rm -rf $(ROOT)/native/build $(ROOT)/bench/build
	cd $(ROOT) && $(JAVA_ENV) $(MVN) clean || true
	rm -rf $(CONSUMER)/target
