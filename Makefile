# recur - build the library, the CLI and the tests.
#   make            library (static + shared) and the recur CLI in build/
#   make test       the whole test suite, normal and under ASan+UBSan
#   make fuzz       libFuzzer binaries (clang) in build/fuzzer/fuzz/; see fuzz/run.sh
#   make install PREFIX=/usr/local
#   make bench      recur vs PyTorch on this machine (QUICK=1: fewer steps)
# BUILD=dir SAN=1 builds an AddressSanitizer+UBSan variant into dir.

BUILD  ?= build
CC     ?= cc
PREFIX ?= /usr/local
SAN    ?=
# -fno-trapping-math lets the compiler vectorise the branch-free clamps in
# the fused gate kernels (we never rely on floating-point exceptions), and
# -fno-math-errno the square roots of the optimizers' update (nothing reads
# errno after a math function).
OPT    ?= -O3

VERSION := 0.2.0
SOMAJOR := 1

WARN   := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
          -Wmissing-prototypes -Wno-unused-parameter
# OpenBLAS from pkg-config (Debian puts cblas.h under a per-architecture
# openblas-pthread folder that its openblas.pc names).
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
# -fvisibility=hidden: the shared library exports only what include/ marks
# RECUR_API (tests/symbols_test.sh checks it).
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) -g $(WARN) -fPIC -fno-trapping-math \
              -fno-math-errno \
              -fvisibility=hidden \
              -Iinclude -Isrc $(BLAS_CFLAGS) $(CFLAGS)
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDSAN := -fsanitize=address,undefined
endif
LDLIBS_ALL := $(BLAS_LIBS) -lm -lpthread

LIB_SRC := $(wildcard src/*/*.c)
CLI_SRC := $(wildcard cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
F64_OBJ := $(LIB_SRC:%.c=$(BUILD)/f64/%.o)

CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))

# Fuzz targets (fuzz/fuzz_<name>.c): replayed over fuzz/corpus and
# fuzz/regress by `make test` with a plain main() (fuzz/replay.c), and built
# for libFuzzer with clang by `make fuzz`.
FUZZ_TARGETS := json model text args tsv series pairs onnx conll bpe
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_BUILD   := build/fuzzer

UNIT_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
F64_TESTS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/f64_*.c))
# Helpers that test scripts drive (not run on their own).
TEST_TOOLS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/tool_*.c))

# Data-parallel training over MPI (cli/dist.c): build/recur-mpi is the same
# CLI with cli/dist.c compiled by Open MPI's mpicc with RECUR_MPI, built
# when mpicc is installed (MPI=0: never; MPI=1: required). The library and
# build/recur never use MPI.
MPICC ?= mpicc
MPI   ?= $(if $(shell command -v $(MPICC) 2>/dev/null),1,0)
ifeq ($(MPI),1)
MPI_BIN := $(BUILD)/recur-mpi
endif

.PHONY: all lib cli tests test install clean bench fuzz
all: lib cli
lib: $(BUILD)/librecur.a $(BUILD)/librecur.so
cli: $(BUILD)/recur $(MPI_BIN)
tests: all $(UNIT_TESTS) $(F64_TESTS) $(TEST_TOOLS) $(FUZZ_REPLAY)

$(BUILD)/%.o: %.c $(wildcard include/*.h include/recur/*.h src/*/*.h cli/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

# The streaming kernels' exp polynomials as fused multiply-adds (ISO C mode
# keeps a·b + c as two roundings and two latencies: bench/NOTES.md).
$(BUILD)/src/infer/stream_kernel_%.o: CFLAGS_ALL += -ffp-contract=fast -falign-functions=64

# The CLI's default training text is the bundled corpus, by absolute path.
$(BUILD)/cli/%.o: CFLAGS_ALL += -DRECUR_DEFAULT_CORPUS='"$(CURDIR)/data/austen.txt"'

$(BUILD)/f64/%.o: %.c $(wildcard include/*.h include/recur/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "CC(f64) $<"
	@$(CC) $(CFLAGS_ALL) -DRECUR_REAL_DOUBLE -c $< -o $@

$(BUILD)/librecur.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/librecur_f64.a: $(F64_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/librecur.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,librecur.so.$(SOMAJOR) $(LDSAN) -o $@.$(VERSION) $^ $(LDLIBS_ALL)
	ln -sf librecur.so.$(VERSION) $(BUILD)/librecur.so.$(SOMAJOR)
	ln -sf librecur.so.$(VERSION) $@

$(BUILD)/recur: $(CLI_OBJ) $(BUILD)/librecur.a
	$(CC) $(LDSAN) -o $@ $(CLI_OBJ) $(BUILD)/librecur.a $(LDLIBS_ALL)

$(BUILD)/mpi/dist.o: cli/dist.c cli/dist.h cli/commands.h $(wildcard include/*.h include/recur/*.h)
	@mkdir -p $(dir $@)
	@echo "MPICC $<"
	@$(MPICC) $(CFLAGS_ALL) -DRECUR_MPI -c $< -o $@

$(BUILD)/recur-mpi: $(filter-out $(BUILD)/cli/dist.o,$(CLI_OBJ)) $(BUILD)/mpi/dist.o $(BUILD)/librecur.a
	$(MPICC) $(LDSAN) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/test_%: tests/test_%.c tests/testlib.h $(BUILD)/librecur.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/librecur.a $(LDSAN) $(LDLIBS_ALL)

# test_svg and test_args include the CLI's plot writer and option parser.
$(BUILD)/tests/test_svg: cli/svg.c cli/svg.h
$(BUILD)/tests/test_args: cli/args.c cli/args.h
$(BUILD)/tests/tool_%: tests/tool_%.c $(BUILD)/librecur.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/librecur.a $(LDSAN) $(LDLIBS_ALL)

$(BUILD)/tests/f64_%: tests/f64_%.c tests/testlib.h $(BUILD)/librecur_f64.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DRECUR_REAL_DOUBLE -o $@ $< $(BUILD)/librecur_f64.a $(LDSAN) $(LDLIBS_ALL)

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(CLI_LIB_OBJ) $(BUILD)/librecur.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Icli -o $@ fuzz/fuzz_$*.c fuzz/replay.c $(CLI_LIB_OBJ) \
	    $(BUILD)/librecur.a $(LDSAN) $(LDLIBS_ALL)

# The libraries are instrumented for coverage (fuzzer-no-link); only the
# targets link libFuzzer's main.
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(CLI_LIB_OBJ) $(BUILD)/librecur.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Icli -fsanitize=fuzzer -o $@ fuzz/fuzz_$*.c $(CLI_LIB_OBJ) \
	    $(BUILD)/librecur.a $(LDSAN) $(LDLIBS_ALL)

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SAN=1 OPT=-O1 CFLAGS=-fsanitize=fuzzer-no-link \
	    $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

test:
	./tests/run_all.sh

bench:
	QUICK=$(QUICK) ./bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
	           $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(BUILD)/librecur.a $(DESTDIR)$(PREFIX)/lib/librecur.a
	install -m 755 $(BUILD)/librecur.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf librecur.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/librecur.so.$(SOMAJOR)
	ln -sf librecur.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/librecur.so
	install -d $(DESTDIR)$(PREFIX)/include/recur $(DESTDIR)$(PREFIX)/share/recur
	install -m 644 include/recur.h $(DESTDIR)$(PREFIX)/include/recur.h
	install -m 644 include/recur/*.h $(DESTDIR)$(PREFIX)/include/recur/
	install -m 644 data/austen.txt $(DESTDIR)$(PREFIX)/share/recur/austen.txt
	install -m 755 $(BUILD)/recur $(DESTDIR)$(PREFIX)/bin/recur
	install -m 644 doc/recur.1 $(DESTDIR)$(PREFIX)/share/man/man1/recur.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' doc/recur.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/recur.pc

clean:
	rm -rf $(BUILD)
