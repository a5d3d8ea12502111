# jacreg — build, test and run. `make run` and `make test` set up everything on a fresh Debian machine.
#
#   make run [ARGS='...']   the full experiment (CLI `experiment` by default; ARGS go to bin/jacreg)
#   make test               native shim + every test, doclint, then the examples
#   make test-multihost     two machines rehearsed on one (root: two network namespaces and a veth link)
#   make soak               the long reliability runs: 10 min Cleaner race + 100,000 fuzzed calls
#   make example            builds and runs examples/* (each a Maven project) against the installed jacreg-core
#   make bench              JMH benchmarks          make compare   Java vs C++ vs Python table
#   make native             only the shim           make bindings  regenerate bindings/ with jextract
#   make fashion-mnist      Debian's dataset-fashion-mnist (make run installs it when ARGS mention fashion-mnist)
#   make docs               javadoc + the generated parts of README.md and docs/ (numbers, help texts)
#
# Variables: LIBTORCH=DIR (official libtorch distribution or pip torch/ folder; default Debian's
# libtorch-dev), JAVA_HOME (a JDK >= 22; found under /usr/lib/jvm otherwise), JEXTRACT=path,
# NO_GLOO=1 (build the shim without c10d's Gloo backend even where its headers are).

SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# ---- JDK >= 22 ------------------------------------------------------------------------------------
jdk_feature = $(shell f="$(1)/release"; [ -f "$$f" ] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$$f")
JDK_CANDIDATES := $(JAVA_HOME) $(sort $(wildcard /usr/lib/jvm/*))
JDK := $(firstword $(foreach d,$(JDK_CANDIDATES),$(if $(shell v=$(call jdk_feature,$(d)); [ -n "$$v" ] && [ "$$v" -ge 22 ] && echo y),$(d))))
JAVA_ENV = JAVA_HOME=$(JDK) PATH=$(JDK)/bin:$$PATH

# ---- libtorch -------------------------------------------------------------------------------------
# Where libtorch is: fixed by LIBTORCH alone, so it can be read when the Makefile is parsed.
ifeq ($(strip $(LIBTORCH)),)
  TORCH_INCLUDES := -I/usr/include -I/usr/include/torch/csrc/api/include
  TORCH_LIBDIR := /usr/lib/x86_64-linux-gnu
  TORCH_DESC := Debian libtorch-dev
else
  TORCH_ROOT := $(abspath $(LIBTORCH))
  TORCH_INCLUDES := -I$(TORCH_ROOT)/include -I$(TORCH_ROOT)/include/torch/csrc/api/include
  TORCH_LIBDIR := $(TORCH_ROOT)/lib
  TORCH_DESC := $(TORCH_ROOT)
endif

# What depends on *installed* files (the C++ standard the headers need, their C++ ABI, Gloo's headers, a CUDA
# libtorch) must not be read at parse time: on a fresh machine `deps` has not installed them yet, and a value read
# before would stay wrong for the whole run. So a recipe writes them to native/build/config.mk after `deps` has run,
# and make includes that file; when the recipe changes it, make re-reads itself with the new values (GNU make
# remakes included makefiles before anything else). The file doubles as the stamp that rebuilds every object when
# the libtorch or the defines change. Targets that compile nothing skip it, so `make help` installs nothing.
BUILD_CONFIG := $(ROOT)/native/build/config.mk
TORCH_STAMP := $(BUILD_CONFIG)
NO_CONFIG_GOALS := help clean deps check-jdk bindings fashion-mnist digit-outlines
ifneq ($(filter-out $(NO_CONFIG_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
  include $(BUILD_CONFIG)
endif

# NO_GLOO=1 builds the shim without c10d's Gloo backend even where its headers are (to test that build).
$(BUILD_CONFIG): deps FORCE
	@mkdir -p $(dir $@)
	@set -e; incs="$(TORCH_INCLUDES:-I%=%)"; \
	major=$$(for d in $$incs; do cat $$d/torch/version.h $$d/torch/headeronly/version.h 2>/dev/null; done \
	  | sed -n 's/^#define TORCH_VERSION_MAJOR \([0-9]*\)/\1/p' | head -1); \
	[ -n "$$major" ] || { echo "error: no libtorch headers under $(TORCH_DESC) (torch/version.h)" >&2; exit 1; }; \
	if [ "$$major" = 1 ]; then std=c++17; else std=c++20; fi; \
	abi=1; if [ -n "$(TORCH_ROOT)" ]; then \
	  abi=$$(grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' $(TORCH_ROOT)/share/cmake/Torch/TorchConfig.cmake 2>/dev/null | head -1 | cut -d= -f2); \
	  abi=$${abi:-1}; fi; \
	defines=""; \
	if [ -z "$(NO_GLOO)" ]; then for d in $$incs; do [ -f $$d/gloo/algorithm.h ] && { defines="-DUSE_C10D_GLOO"; break; }; done; fi; \
	cuda=""; if [ -e $(TORCH_LIBDIR)/libtorch_cuda.so ]; then cuda="-ltorch_cuda -lc10_cuda"; defines="$$defines -DUSE_C10D_NCCL"; fi; \
	{ echo "# written by the Makefile after 'deps' (see BUILD_CONFIG there); do not edit"; \
	  echo "TORCH_MAJOR := $$major"; echo "CXXSTD := $$std"; echo "TORCH_ABI := $$abi"; \
	  echo "C10D_DEFINES := $$defines"; echo "TORCH_CUDA_LIBS := $$cuda"; \
	  echo "TORCH_CONFIG_DESC := $(TORCH_DESC) libtorch $$major abi=$$abi std=$$std $$defines"; } > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# CUDA builds register their kernels from libtorch_cuda at load time: link it even though no symbol is used.
TORCH_LIBS = -ltorch -ltorch_cpu -lc10 $(TORCH_CUDA_LIBS)

CXX ?= g++
CXXFLAGS = -std=$(CXXSTD) -O2 -fPIC -Wall -Wno-unused-parameter -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(C10D_DEFINES) -I$(ROOT)/native/include $(TORCH_INCLUDES)
LDFLAGS = -shared -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)

NATIVE_SRC := $(wildcard $(ROOT)/native/src/*.cpp)
NATIVE_OBJ := $(patsubst $(ROOT)/native/src/%.cpp,$(ROOT)/native/build/obj/%.o,$(NATIVE_SRC))
NATIVE_LIB := $(ROOT)/native/build/libjacreg.so
NATIVE_HDR := $(wildcard $(ROOT)/native/include/*.h) $(ROOT)/native/include/jacreg_ops.def $(ROOT)/native/src/guard.hpp \
              $(ROOT)/native/src/batch_norm_autograd.hpp $(ROOT)/native/src/batch_norm_kernels.hpp \
              $(ROOT)/native/src/conv_autograd.hpp $(ROOT)/native/src/process_group.hpp

MVN := mvn -B -q -Dstyle.color=never
# The library (core, artifact jacreg-core) and the application on it (core/cli, jacreg-cli: the CLI, the experiment,
# the reports), each with the runtime dependencies of its own that Maven copies into its target/lib.
CORE_JAR := $(ROOT)/core/target/jacreg-core-0.1.0-SNAPSHOT.jar
CLI_JAR := $(ROOT)/core/cli/target/jacreg-cli-0.1.0-SNAPSHOT.jar
CLI_CLASSPATH := $(CLI_JAR):$(CORE_JAR):$(ROOT)/core/target/lib/*:$(ROOT)/core/cli/target/lib/*
JAVA_SOURCES := $(shell find $(ROOT)/bindings/src $(ROOT)/core/src/main $(ROOT)/core/cli/src/main $(ROOT)/bench/src -name '*.java' 2>/dev/null) \
                $(wildcard $(ROOT)/*/pom.xml) $(ROOT)/core/cli/pom.xml $(ROOT)/pom.xml

# Bench baselines
CPP_BENCH := $(ROOT)/bench/build/step_bench

.PHONY: help setup check-jdk deps test-deps native build test test-multihost soak example run bench compare optimizer-bench batch-norm-bench bindings clean fashion-mnist digit-outlines

help:
	@sed -n '1,/^$$/p' $(lastword $(MAKEFILE_LIST)) | sed -e 's/^# \{0,1\}//' -e '/^$$/d'

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

$(NATIVE_LIB): $(NATIVE_OBJ)
	$(CXX) $(NATIVE_OBJ) -o $@ $(LDFLAGS)
	@echo "built $@ against $(TORCH_CONFIG_DESC)"

FORCE:

build: setup $(CLI_JAR)

# One Maven run builds every module, so the CLI jar (built after the core jar) stands for all of them. The core jar
# carries the shim (native/linux-x86_64/libjacreg.so), so a rebuilt shim means a rebuilt jar.
$(CLI_JAR): $(JAVA_SOURCES) $(NATIVE_LIB)
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
	@$(MAKE) --no-print-directory doclint example

# Two machines rehearsed on one: core/cli/.../distributed/TwoMachinesTest puts one rank in each of two network namespaces
# joined by a veth pair (made and removed by the test), trains to the bytes of a loopback run, then takes the link
# down mid-training. It needs root (and iproute2's ip): without, it says so and passes. Not part of `make test`.
test-multihost: setup
	@if [ "$$(id -u)" != 0 ] || ! command -v ip >/dev/null; then \
	  echo "make test-multihost: skipped: it needs root and iproute2's ip (it makes two network namespaces)"; exit 0; fi; \
	cd $(ROOT) && $(JAVA_ENV) mvn -B -ntp -Dstyle.color=never -pl core/cli -am test -Dtest=TwoMachinesTest \
	  -Dsurefire.failIfNoSpecifiedTests=false

# The examples, each built and run as a user would: a separate Maven project that depends on the
# jacreg-core installed in the local Maven repository, run with plain java and no -Djacreg.native /
# JACREG_NATIVE, so the shim inside the jar is what loads (each prints its path). Each exits non-zero
# when its own check fails, so a failing example fails the target. EXAMPLES: folder:main class, the
# folder's pom.xml having artifactId jacreg-<folder> and version 1.0.
CONSUMER := $(ROOT)/examples/consumer
EXAMPLES := consumer:example.TrainDigits tabular-mlp:example.TabularMlp color-conv:example.ColorConv
example: build
	@set -e; for e in $(EXAMPLES); do \
	  name=$${e%%:*}; main=$${e#*:}; dir=$(ROOT)/examples/$$name; \
	  echo "== examples/$$name ($$main)"; \
	  (cd $(ROOT) && $(JAVA_ENV) $(MVN) -f $$dir/pom.xml package); \
	  (cd $(ROOT) && env -u JACREG_NATIVE $(JAVA_ENV) java --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
	    -cp $$dir/target/jacreg-$$name-1.0.jar:$$(cat $$dir/target/classpath.txt) $$main); \
	done

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
	$(ROOT)/bench/drivers/run-jmh $(ARGS)

$(CPP_BENCH): $(ROOT)/bench/baselines/cpp/step_bench.cpp $(TORCH_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -std=$(CXXSTD) -O2 -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(TORCH_INCLUDES) $< -o $@ -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)

compare: build $(CPP_BENCH)
	$(ROOT)/bench/drivers/compare $(ARGS)

# The SGDM update per parameter vs libtorch's _foreach_ ops (bench/baselines/cpp/optimizer_bench.cpp).
OPT_BENCH := $(ROOT)/bench/build/optimizer_bench
$(OPT_BENCH): $(ROOT)/bench/baselines/cpp/optimizer_bench.cpp $(ROOT)/bench/baselines/cpp/bench_clock.hpp $(TORCH_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -std=$(CXXSTD) -O2 -D_GLIBCXX_USE_CXX11_ABI=$(TORCH_ABI) $(TORCH_INCLUDES) $< -o $@ -Wl,--no-as-needed -L$(TORCH_LIBDIR) $(TORCH_LIBS) -Wl,-rpath,$(TORCH_LIBDIR)
optimizer-bench: $(OPT_BENCH)
	$(OPT_BENCH) $(ARGS)

# One batch-norm layer: the shim's fused forward vs ATen's (bench/baselines/cpp/batch_norm_bench.cpp; links the shim).
BN_BENCH := $(ROOT)/bench/build/batch_norm_bench
$(BN_BENCH): $(ROOT)/bench/baselines/cpp/batch_norm_bench.cpp $(ROOT)/bench/baselines/cpp/bench_clock.hpp $(NATIVE_LIB)
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

# The generated parts of README.md and docs/ (numbers from bench/results, the CLI's help texts): tools/Docs.java.
# DocsTest checks them in the test run; `make docs` rewrites them.
.PHONY: docs doclint
docs: build doclint
	$(JDK)/bin/java --enable-native-access=ALL-UNNAMED -cp '$(CLI_CLASSPATH)' $(ROOT)/tools/Docs.java $(ROOT)

# The library's javadoc (jacreg-core's packages: the application is another module, and the generated bindings and
# dev.jacreg.internal are not API), written to core/target/apidocs; any doclint warning fails it, a missing comment,
# @param or @return on a public or protected member included. `make test` runs it too.
API_DOCS := $(ROOT)/core/target/apidocs
NOT_API := dev.jacreg.bindings:dev.jacreg.internal
doclint: build
	$(JDK)/bin/javadoc -quiet -Werror -Xdoclint:all --release 22 -d $(API_DOCS) \
	  -cp "$$(ls $(ROOT)/core/target/lib/*.jar | tr '\n' :)" -sourcepath $(ROOT)/core/src/main/java:$(ROOT)/bindings/src/main/java \
	  -subpackages dev.jacreg -exclude $(NOT_API)
	@echo "javadoc in $(API_DOCS)"

clean:
	rm -rf $(ROOT)/native/build $(ROOT)/bench/build
	cd $(ROOT) && $(JAVA_ENV) $(MVN) clean || true
	rm -rf $(ROOT)/examples/*/target
