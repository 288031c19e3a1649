# vidorigin: build, run, test.
#
#   make run     install missing Debian packages, build, package the sample
#                video "demo" and serve it on 127.0.0.1:$(PORT)
#   make test    build and run every test suite
#   make bench   benchmarks (ratios against baselines of the same run)
#
# Everything built goes to build/, everything run keeps its state in var/.

PORT        ?= 8080
BUILD       := $(CURDIR)/build
VAR         := $(CURDIR)/var
NGX_SRC     ?= /usr/share/nginx/src
NGX_BUILD   := $(BUILD)/nginx
MODULE_SO   := $(NGX_BUILD)/objs/ngx_http_vidorigin_module.so
WORKER      := $(BUILD)/transcode-worker
NGINX       ?= /usr/sbin/nginx

CC          ?= cc
CFLAGS      ?= -O2 -g
WARN        := -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu99
FFMPEG_PKGS := libavformat libavcodec libavfilter libswscale libswresample \
               libavutil

CORE_DIR    := ngx_vidorigin_module/vo
CORE_SRCS   := $(wildcard $(CORE_DIR)/vo_*.c)
CORE_HDRS   := $(wildcard $(CORE_DIR)/vo_*.h)
# what the core links: libcrypto for SigV4 (vo_sigv4.c)
CORE_LIBS   := -lcrypto
MODULE_SRCS := $(wildcard ngx_vidorigin_module/*.c ngx_vidorigin_module/*.h) \
               $(CORE_SRCS) $(CORE_HDRS) config
WORKER_DIR  := transcode-worker
WORKER_SRCS := $(wildcard $(WORKER_DIR)/tw_*.c $(WORKER_DIR)/*/tw_*.c)
WORKER_OBJS := $(patsubst $(WORKER_DIR)/%.c,$(BUILD)/worker/%.o,$(WORKER_SRCS))
CORE_OBJS   := $(patsubst $(CORE_DIR)/%.c,$(BUILD)/worker/vo/%.o,$(CORE_SRCS))

UNIT_SRCS   := $(wildcard tests/*/test_*.c)
UNIT_BINS   := $(patsubst %.c,$(BUILD)/unit/%,$(notdir $(UNIT_SRCS)))

.PHONY: FORCE all deps module worker www unit t e2e test run bench clean \
        sample valgrind worker-test s3-test cdn-test purge-test jit-test \
        upstream fuzz redis-test codecs-test

all: module worker www

deps:
	@bash scripts/install-deps.sh

# --- nginx module: a copy of the nginx source tree configured with the
# flags the distro nginx was built with, so the .so loads into it.
# configure again only when the set of source files changes
# (a temporary file of its own: make test runs several makes at once)
$(BUILD)/module-files.txt: FORCE
	@mkdir -p $(BUILD)
	@tmp=$@.$$$$$$$$; echo $(sort $(MODULE_SRCS)) > $$tmp; \
	    if cmp -s $$tmp $@; then rm -f $$tmp; else mv -f $$tmp $@; fi

$(NGX_BUILD)/objs/Makefile: config $(BUILD)/module-files.txt
	@rm -rf $(NGX_BUILD) && mkdir -p $(BUILD) && cp -a $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && bash -c '. ./conf_flags 2>/dev/null || true; \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="-g -O2 -fPIC -Wall -Werror" \
	        --add-dynamic-module=$(CURDIR)' > $(BUILD)/nginx-configure.log

$(MODULE_SO): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	@# a shared object links with symbols missing; catch ours here, not
	@# at load_module time
	@! nm -D --undefined-only $@ | grep -E ' (vo_|ngx_http_vidorigin_)'

module: $(MODULE_SO)

# --- transcode worker: links the same vo_ core as the module.  One object
# per source file (headers tracked by -MMD); worker headers are named by
# their folder: #include "media/tw_source.h"
WORKER_CFLAGS = $(CFLAGS) $(WARN) -I$(CORE_DIR) -I$(WORKER_DIR) \
    $$(pkg-config --cflags $(FFMPEG_PKGS) libcurl)

$(BUILD)/worker/%.o: $(WORKER_DIR)/%.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	@$(CC) $(WORKER_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/worker/vo/%.o: $(CORE_DIR)/%.c
	@mkdir -p $(@D)
	@echo "  CC    $< (worker)"
	@$(CC) $(WORKER_CFLAGS) -MMD -MP -c -o $@ $<

-include $(WORKER_OBJS:.o=.d) $(CORE_OBJS:.o=.d)

$(WORKER): $(WORKER_OBJS) $(CORE_OBJS)
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS) -o $@ $^ \
	    $$(pkg-config --libs $(FFMPEG_PKGS)) \
	    $$(pkg-config --libs libmicrohttpd hiredis libcurl) $(CORE_LIBS) \
	    -lm -lpthread

worker: $(WORKER)

# --- demo page and players, from the npm registry at build time
www: $(BUILD)/www/.stamp

$(BUILD)/www/.stamp: $(wildcard www/*) scripts/build-www.sh
	@bash scripts/build-www.sh $(BUILD)/www
	@touch $@

# --- C unit tests of the core
vpath test_%.c $(sort $(dir $(UNIT_SRCS)))

$(BUILD)/unit/%: %.c $(CORE_SRCS) $(CORE_HDRS) $(wildcard tests/*/*.h)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WARN) -fsanitize=address,undefined \
	    -I$(CORE_DIR) -Itests/lib -I$(<D) -o $@ $< $(CORE_SRCS) \
	    $(CORE_LIBS) -lpthread

unit: $(UNIT_BINS)
	@bash scripts/run-unit.sh $(UNIT_BINS)

# --- sample video packaged into var/store (shared by run and the tests)
sample: worker
	@bash scripts/make-sample.sh $(VAR) $(WORKER)

# --- Test::Nginx suites
t: module sample
	@bash tests/serve/test-module-config.sh $(MODULE_SO)
	@bash tests/serve/test-module-media-cache.sh $(MODULE_SO)
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh region \
	    tests/region/test-*.sh
	@bash scripts/run-t.sh $(MODULE_SO) $(VAR)/store

# --- the worker: determinism, validity of every segment, bad sources
worker-test: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh worker \
	    tests/media/test-*.sh tests/package/test-*.sh tests/serve/test-worker-*.sh

# --- the worker's S3 client against s3rver (tests/s3, from npm)
s3-test: module worker sample
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh s3 tests/s3/test-*.sh

# --- the worker's CDN purger against a stand-in for CloudFront and
# Cloudflare that checks every request (tests/purge, Python 3 stdlib)
cdn-test: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh cdn tests/purge/test-cdn-*.sh

# --- purge by prefix through nginx: 100,000 cached entries, reload,
# restart, the purger and the stand-in CDNs
purge-test: module worker
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) bash tests/purge/test-nginx.sh

# --- just in time through nginx: module + worker pool + Redis
jit-test: module worker sample
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh jit tests/serve/test-jit-*.sh

# --- HEVC and AV1 renditions of demo made just in time through nginx,
# decoded by ffprobe, played by hls.js (tests/serve/test-codecs.sh)
.PHONY: codecs-test
codecs-test: module worker www sample
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    NODE_MODULES=$(BUILD)/node/node_modules WWW=$(BUILD)/www \
	    bash scripts/run-suites.sh codecs tests/serve/test-codecs.sh

# --- device classes: the shipped rules (conf/vidorigin-devices.conf)
# against real User-Agent strings, through nginx
.PHONY: devices-test
devices-test: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh devices \
	    tests/devices/test-*.sh

# --- Redis from nginx: view counts, Redis killed and restarted, reloads
# (tests/redis, a real redis-server on a loopback port)
redis-test: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh redis \
	    tests/redis/test-*.sh

# --- the catalog writer and the placer against a real redis-server on a
# loopback port (tests/placement)
.PHONY: placer-test
placer-test: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh placer \
	    tests/placement/test-catalog.sh tests/placement/test-placer*.sh

# --- the placement loop: views counted per region, one placer run, the
# playback API's CDN and signed origin URLs, played (tests/placement)
.PHONY: placement-test
placement-test: module worker sample
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh placement tests/placement/test-loop.sh

# --- the layout rules (README "Layout"): no circle between files, no
# source file over 900 lines, no function over 150 (from the sources)
.PHONY: test-layout
test-layout:
	@python3 tests/layout/check.py

# --- the module against upstream nginx source (--add-dynamic-module)
upstream:
	@bash tests/build/upstream.sh $(BUILD)/upstream

# --- end to end with real players
e2e: all sample
	@bash tests/e2e/run.sh $(MODULE_SO) $(WORKER) $(VAR)/store $(BUILD)/www
	@E2E_JIT=1 E2E_STORE=s3 bash tests/e2e/run.sh $(MODULE_SO) $(WORKER) \
	    $(VAR)/store $(BUILD)/www

test: deps all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory upstream
	@# the sample first: several suites beside each other read it
	@$(MAKE) --no-print-directory sample
	@# the purger's suites mostly wait, the Test::Nginx ones are light:
	@# they run beside the worker's
	@bash scripts/run-beside.sh worker-test cdn-test t devices-test \
	    placer-test placement-test
	@$(MAKE) --no-print-directory s3-test
	@$(MAKE) --no-print-directory purge-test
	@$(MAKE) --no-print-directory jit-test
	@$(MAKE) --no-print-directory codecs-test
	@$(MAKE) --no-print-directory redis-test
	@$(MAKE) --no-print-directory e2e

run: deps all sample
	@PORT=$(PORT) bash scripts/run.sh $(MODULE_SO) $(WORKER) $(VAR) \
	    $(BUILD)/www

bench: deps all sample
	@bash tests/bench/run.sh $(MODULE_SO) $(VAR)/store
	@bash tests/bench/jit.sh $(MODULE_SO) $(WORKER) $(VAR)/store
	@bash tests/bench/s3.sh $(MODULE_SO) $(WORKER) $(VAR)/store
	@bash tests/bench/pair.sh devices $(MODULE_SO) $(VAR)/store
	@bash tests/bench/pair.sh views $(MODULE_SO) $(VAR)/store

# coverage-guided fuzzing of the core's parsers (clang's libFuzzer)
fuzz:
	@bash scripts/run-fuzz.sh $(FUZZ_TIME)

valgrind: module sample
	@VALGRIND=1 bash scripts/run-t.sh $(MODULE_SO) $(VAR)/store

clean:
	rm -rf $(BUILD)
