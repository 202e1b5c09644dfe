# keep — the two commands: `make run` and `make test`. Everything else is a helper.
PRESET ?= release
# Warnings are errors everywhere (not only in CI), so a local `make test` fails where CI would.
KEEP_WERROR ?= ON
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build run test asan bench format clean

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

bench: build
	@build/$(PRESET)/bench/keep_bench
	@bench/http_load.sh build/$(PRESET)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
