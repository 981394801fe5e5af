# libFuzzer targets for sockwall's parsers (what they check: tests/fuzz/*.c).
#
# Included from the main Makefile, or alone: make -f tests/fuzz/fuzz.mk fuzz
#   make fuzz                  each target for FUZZ_SECONDS (default 60)
#   make fuzz-smoke            each target for FUZZ_SMOKE_SECONDS (default 3); make test
#   make fuzz FUZZ_TARGETS=fuzz_route FUZZ_SECONDS=600
#   make fuzz-build            only build them
# `fuzz` runs on build/fuzz/corpus/<name>, a copy of tests/fuzz/corpus/<name>
# that keeps what libFuzzer finds between runs without touching the repo
# (fuzz-smoke starts from the seeds alone, each time);
# crashers land in build/fuzz/artifacts/<name>-crash-*.  A crash, a leak,
# a timeout or an invariant violation (abort) fails the run.

# Keep whatever default goal the including Makefile has.
fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_TARGETS       ?= fuzz_request fuzz_response fuzz_chunked fuzz_route fuzz_inspect \
                      fuzz_imageref fuzz_config fuzz_path fuzz_daemon fuzz_redact
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_CC            ?= clang
FUZZ_SAN           = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS        = -g -O1 $(FUZZ_SAN) -D_DEFAULT_SOURCE -D_GNU_SOURCE -std=c11 -Isrc
# Every module but main.c; tls.c compiles to nothing without SOCKWALL_TLS.
FUZZ_LIB_SRCS      = $(filter-out src/main.c,$(wildcard src/*.c))
FUZZ_LIB_OBJS      = $(FUZZ_LIB_SRCS:src/%.c=build/fuzz/obj/%.o)
# Generated sources the modules need (the main Makefile knows how to make them).
FUZZ_EXTRA_SRCS    ?= build/gen/presets.c
FUZZ_BINS          = $(FUZZ_TARGETS:%=build/fuzz/%)

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BINS)

# The library is built once, instrumented for coverage (fuzzer-no-link);
# each target links it with libFuzzer's main.
build/fuzz/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BINS): build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/httpcheck.h tests/fuzz/goclean.h tests/fuzz/jsonref.h $(FUZZ_LIB_OBJS) $(FUZZ_EXTRA_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(FUZZ_EXTRA_SRCS)

# Standalone (make -f tests/fuzz/fuzz.mk): generate the presets as the main
# Makefile does.
ifndef PRESETS_C
build/gen/presets.c: scripts/gen-presets.sh $(wildcard policies/*.env)
	@mkdir -p $(@D)
	sh scripts/gen-presets.sh $@
endif

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	@FUZZ_FRESH=1 tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

.DEFAULT_GOAL := $(fuzz_saved_goal)
