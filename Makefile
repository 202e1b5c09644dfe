# keep — the two commands: `make run` and `make test`. Everything else is a helper.
PRESET ?= release
# Warnings are errors everywhere (not only in CI), so a local `make test` fails where CI would.
KEEP_WERROR ?= ON
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build run test asan tsan fuzz bench format clean deb

all: build

bootstrap:
	@scripts/bootstrap.sh

configure: bootstrap
	@cmake --preset $(PRESET) -DKEEP_WERROR=$(KEEP_WERROR) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	@scripts/run-dev.sh build/$(PRESET)

test: build
	@ctest --preset $(PRESET) -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# The concurrency-heavy tests under ThreadSanitizer (label "concurrency").
tsan:
	@scripts/bootstrap.sh
	@cmake --preset tsan -DKEEP_WERROR=$(KEEP_WERROR) >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@ctest --preset tsan -j $(JOBS)

# Every libFuzzer target for FUZZ_SECONDS each (fuzz/README.md); FUZZ_TARGET=name for one.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = ciphertext file record shares config trail request ttlv age snapshot
fuzz:
	@scripts/bootstrap.sh --fuzz
	@cmake --preset fuzz -DKEEP_WERROR=$(KEEP_WERROR) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGET)

bench: build
	@build/$(PRESET)/bench/keep_bench
	@bench/http_load.sh build/$(PRESET)

# The Debian package: build/deb/keep_<version>_amd64.deb (cmake/package.cmake).
deb: build
	@cpack --config build/$(PRESET)/CPackConfig.cmake -B build/deb >/dev/null
	@ls build/deb/keep_*_amd64.deb

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
