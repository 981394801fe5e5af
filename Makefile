# sockwall: `make` builds build/sockwall (static musl, stripped),
# `make run` starts it with defaults, `make test` runs every test.

CC        = musl-gcc
TEST_CC   = gcc
CFLAGS    = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Os -Wall -Wextra -Werror \
            -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -ffunction-sections -fdata-sections
LDFLAGS   = -static -s -Wl,--gc-sections
SAN_FLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror \
            -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS      = $(wildcard src/*.c)
HDRS      = $(wildcard src/*.h)
LIB_SRCS  = $(filter-out src/main.c,$(SRCS))
POLICIES  = $(wildcard policies/*.env)
PRESETS_C = build/gen/presets.c
OBJ       = build/obj-tls$(TLS)
OBJS      = $(SRCS:src/%.c=$(OBJ)/%.o) $(OBJ)/gen-presets.o
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
# BIN and TEST_DIR (like OBJ, CC, TEST_CC and the TLS_* variables) are
# overridden by scripts/cross.sh to build for arm64 and armv7.
BIN       = build/sockwall
TEST_DIR  = build/test
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(TEST_DIR)/%)

VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# TLS=1 (default): BearSSL, built for musl from Debian's source package.
# Objects live in build/obj-tls1 or build/obj-tls0, so switching is safe.
TLS ?= 1
ifeq ($(TLS),1)
TLS_CFLAGS   = -DSOCKWALL_TLS=1 -Ibuild/bearssl/inc
TLS_LIB      = build/bearssl/libbearssl.a
TEST_TLS     = -DSOCKWALL_TLS=1
TEST_TLS_LIB = -lbearssl
endif

.PHONY: FORCE all deps docs run test unit integration integration-poll integration-asan bench soak cross clean

all: deps build/sockwall

deps:
	@scripts/deps.sh

# musl-gcc does not search /usr/include: give it jsmn's one header alone.
build/include/jsmn.h: | $(OBJ)
	@mkdir -p build/include
	cp /usr/include/jsmn.h $@

build/bearssl/libbearssl.a: scripts/bearssl.sh
	@scripts/bearssl.sh

$(OBJ)/%.o: src/%.c $(HDRS) build/include/jsmn.h | $(OBJ) $(TLS_LIB)
	$(CC) $(CFLAGS) $(TLS_CFLAGS) -Ibuild/include -DSOCKWALL_VERSION='"$(VERSION)"' -c -o $@ $<

# main.o carries the version (--version, the start-up line): rebuilt when
# `git describe` says something new, not only when main.c changes.
build/version: FORCE | $(OBJ)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(OBJ)/main.o: build/version
FORCE:

# policies/*.env compiled in: SOCKWALL_POLICY=<name>
$(PRESETS_C): scripts/gen-presets.sh $(POLICIES) policies | build/gen
	sh scripts/gen-presets.sh $@

$(OBJ)/gen-presets.o: $(PRESETS_C) src/presets.h | $(OBJ)
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<

$(BIN): $(OBJS) $(TLS_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(TLS_LIB)

$(TEST_DIR)/%: tests/unit/%.c $(LIB_SRCS) $(PRESETS_C) $(HDRS) tests/unit/test.h | $(TEST_DIR)
	$(TEST_CC) $(SAN_FLAGS) $(TEST_TLS) -Isrc -o $@ $< $(LIB_SRCS) $(PRESETS_C) $(TEST_TLS_LIB)

$(OBJ) $(TEST_DIR) build/gen:
	@mkdir -p $@

# The proxy with ASan+UBSan (glibc, Debian's libbearssl): the integration
# suite runs against it too.  Any sanitizer report aborts the proxy.
build/sockwall-asan: $(LIB_SRCS) src/main.c $(PRESETS_C) $(HDRS)
	$(TEST_CC) $(SAN_FLAGS) $(TEST_TLS) -Isrc -DSOCKWALL_VERSION='"$(VERSION)-asan"' \
		-o $@ $(LIB_SRCS) src/main.c $(PRESETS_C) $(TEST_TLS_LIB)

run: all
	./build/sockwall

unit: deps $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

# docs/configuration.md is rendered from src/settings.c; test_settings fails when stale.
docs: $(TEST_DIR)/test_settings
	$(TEST_DIR)/test_settings --write

integration: all
	scripts/integration.sh

# The poll(2) backend (SOCKWALL_LOOP=poll) on the tests that drive the loop
# hardest: keep-alive, pipelining, hijacked streams, timeouts, many clients.
POLL_TESTS = $(addprefix tests/integration/,test_http.py test_pipelining.py \
             test_hijack.py test_timeouts.py test_concurrency.py)
integration-poll: all
	SOCKWALL_IT_LOOP=poll scripts/integration.sh $(POLL_TESTS)

integration-asan: all build/sockwall-asan
	SOCKWALL_BIN=build/sockwall-asan scripts/integration.sh

# libFuzzer targets: `make fuzz` (FUZZ_SECONDS each), `make fuzz-smoke` (a few seconds each)
include tests/fuzz/fuzz.mk

test: unit fuzz-smoke integration integration-poll integration-asan

# Static arm64 and armv7 binaries (build/sockwall-arm64, build/sockwall-armv7),
# their unit tests and a proxy run under qemu-user against a real dockerd.
cross: all
	scripts/cross.sh

# Side-by-side figures (not part of make test): see bench/README.md
bench: all
	bench/run.sh

# A long mixed load against a real dockerd (not part of make test)
soak: all
	SOAK_SECONDS=$${SOAK_SECONDS:-600} /usr/bin/python3 scripts/soak.py

clean:
	rm -rf build
