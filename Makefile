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

.PHONY: FORCE all deps module worker www unit t e2e test run bench clean \
        sample valgrind worker-test s3-test cdn-test purge-test jit-test \
        upstream fuzz redis-test codecs-test asan soak

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

# --- tests, one folder of tests/ per concern, one target per folder
# (README "Tests"): make test-<concern>.  A concern whose suites run at
# different moments of make test (beside the worker's suites, or alone
# because they are timed) has one target per part, test-<concern>-<part>;
# test-<concern> runs its parts one after the other.
.PHONY: test-core test-media test-package test-serve test-serve-module \
        test-serve-worker test-serve-jit test-serve-codecs test-s3 \
        test-purge test-purge-cdn test-purge-admin test-purge-nginx \
        test-redis test-devices \
        test-region test-placement test-t test-harness test-layout \
        test-simulate simulate-plot \
        test-ingest test-ingest-upload test-ingest-jobs test-cluster \
        test-build test-run test-e2e test-fuzz test-valgrind unit t worker-test \
        s3-test cdn-test \
        purge-test jit-test codecs-test devices-test redis-test \
        placer-test placement-test upstream e2e fuzz valgrind

# $(call parts,TARGET...): each target by its own make, in turn (serial
# even under -j: the timed suites must not run beside each other)
parts = $(foreach t,$(1),$(MAKE) --no-print-directory $(t) &&) true

# C unit tests: tests/<concern>/test_*.c, one binary each, linked with
# the core and built with AddressSanitizer and UBSan; tests/lib/vo_test.h
# has the checks
UNIT_SRCS   := $(wildcard tests/*/test_*.c)
UNIT_BINS   := $(patsubst %.c,$(BUILD)/unit/%,$(notdir $(UNIT_SRCS)))
unit_bins    = $(patsubst %.c,$(BUILD)/unit/%,\
                   $(notdir $(wildcard tests/$(1)/test_*.c)))

vpath test_%.c $(sort $(dir $(UNIT_SRCS)))

$(BUILD)/unit/%: %.c $(CORE_SRCS) $(CORE_HDRS) $(wildcard tests/*/*.h)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WARN) -fsanitize=address,undefined \
	    -I$(CORE_DIR) -Itests/lib -I$(<D) -o $@ $< $(CORE_SRCS) \
	    $(CORE_LIBS) -lpthread

# the simulator's unit test links the placement policy and the
# simulator's sources (not the command), with tw_log stubbed
SIM_SRCS := transcode-worker/placer/tw_placer_policy.c \
    transcode-worker/placer/tw_placer_fit.c \
    $(filter-out %/tw_sim_cmd.c,$(wildcard transcode-worker/simulate/tw_sim_*.c))

$(BUILD)/unit/test_sim_model: tests/simulate/test_sim_model.c $(SIM_SRCS) \
    $(wildcard transcode-worker/simulate/*.h) tests/lib/vo_test.h \
    transcode-worker/placer/tw_placer_policy.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WARN) -fsanitize=address,undefined \
	    -I$(CORE_DIR) -Itranscode-worker -Itests/lib -o $@ $< $(SIM_SRCS) -lm

# the worker's C unit tests: tests/<concern>/test_tw_*.c, linked with the
# core and the worker's units below (the ones without FFmpeg, libcurl,
# hiredis or microhttpd; tests/lib/tw_log_null.c stands in for the log),
# with the same sanitizers (LeakSanitizer included)
TW_UNIT_SRCS := $(addprefix $(WORKER_DIR)/,catalog/tw_catalog.c \
                    catalog/tw_catalog_text.c purger/tw_purge_journal.c \
                    serve/tw_route.c ingest/tw_upload_parse.c \
                    ingest/tw_upload_meta.c) \
                tests/lib/tw_log_null.c

$(BUILD)/unit/test_tw_%: test_tw_%.c $(CORE_SRCS) $(CORE_HDRS) \
                         $(TW_UNIT_SRCS) $(wildcard tests/*/*.h)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CFLAGS) $(WARN) -fsanitize=address,undefined \
	    -I$(CORE_DIR) -I$(WORKER_DIR) -Itests/lib -I$(<D) -o $@ $< \
	    $(TW_UNIT_SRCS) $(CORE_SRCS) $(CORE_LIBS) -lpthread

# --- sample video packaged into var/store (shared by run and the tests)
sample: worker
	@bash scripts/make-sample.sh $(VAR) $(WORKER)

# --- core: the vo_ core's C unit tests (URL parser, media description,
# timeline math, manifests against tests/core/golden/, buffers, JSON);
# the golden files themselves checked apart from the C code
test-core: $(call unit_bins,core)
	@bash tests/core/check-golden.sh
	@bash scripts/run-unit.sh core $^

# --- media: the worker's encoders and segments (validity of every
# segment and of the audio, HEVC and AV1)
test-media: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh media tests/media/test-*.sh

# --- package: the packager (determinism, bad sources)
test-package: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh package \
	    tests/package/test-*.sh

# --- serve: the module alone (configuration errors, media cache), the
# worker's serve daemon alone, just in time through nginx, HEVC and AV1
# made just in time and played (slow: hls.js in Chromium)
test-serve:
	@$(call parts,test-serve-module test-serve-worker test-serve-jit \
	    test-serve-codecs)

test-serve-module: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh serve-module \
	    tests/serve/test-module-*.sh

test-serve-worker: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh serve-worker \
	    tests/serve/test-worker-*.sh

test-serve-jit: module worker sample
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh serve-jit tests/serve/test-jit-*.sh

test-serve-codecs: module worker www sample
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    NODE_MODULES=$(BUILD)/node/node_modules WWW=$(BUILD)/www \
	    bash scripts/run-suites.sh serve-codecs tests/serve/test-codecs.sh

# --- s3: SigV4 (C), the worker's S3 client and store against s3rver
# (tests/s3, from npm), nginx serving from S3
test-s3: module worker sample $(call unit_bins,s3)
	@bash scripts/run-unit.sh s3-unit $(call unit_bins,s3)
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh s3 tests/s3/test-*.sh

# --- purge: the worker's purger against a stand-in for CloudFront and
# Cloudflare (cdn), purge prefixes and journal lines (C) and purge by
# prefix through nginx, 100,000 cached entries, under 10 ms (nginx)
test-purge:
	@$(call parts,test-purge-cdn test-purge-admin test-purge-nginx)

test-purge-cdn: worker
	@WORKER=$(WORKER) bash scripts/run-suites.sh purge-cdn \
	    tests/purge/test-cdn-*.sh

# admin signatures used once, purge zone expiry, the journal when a
# worker dies or blocks (small nginx configurations, light)
test-purge-admin: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh purge-admin \
	    tests/purge/test-admin-*.sh

test-purge-nginx: module worker $(call unit_bins,purge)
	@bash scripts/run-unit.sh purge-unit $(call unit_bins,purge)
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh \
	    purge-nginx tests/purge/test-nginx.sh

# --- ingest: the upload server (tus 1.0.0, tus-js-client through nginx
# and the module's admin check, resumed after a cut and after kill -9,
# every bad input) and POST /admin/ingest, against a real redis-server
test-ingest: test-ingest-upload test-ingest-jobs

test-ingest-upload: module worker www $(call unit_bins,ingest)
	@bash scripts/run-unit.sh ingest-unit $(call unit_bins,ingest)
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) \
	    NODE_MODULES=$(BUILD)/node/node_modules \
	    bash scripts/run-suites.sh ingest-upload tests/ingest/test-upload*.sh

# --- ingest jobs: the fleet (three "ingest" workers) on vo:jobs, from a
# tus upload through nginx to one ready event, the segments compared with
# "package"'s; a worker killed -9 mid-chunk, Redis restarted (appendonly),
# a corrupt source dead-lettered beside a good one, a text file, retries,
# /metrics
test-ingest-jobs: module worker www
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) \
	    NODE_MODULES=$(BUILD)/node/node_modules \
	    bash scripts/run-suites.sh ingest-jobs tests/ingest/test-jobs*.sh

# --- redis: nginx and a real redis-server: view counts, Redis killed,
# hung and restarted, reloads (timed: a p99)
test-redis: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh redis \
	    tests/redis/test-*.sh

# --- cluster: a real Redis Cluster (3 masters, a replica each, on
# loopback ports the tests pick): nginx's views through cluster=, MOVED
# and ASK, a master killed under load (failover), the worker's catalog,
# placer and locks on it
test-cluster: module worker
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) bash scripts/run-suites.sh \
	    cluster tests/cluster/test-*.sh

# --- devices: the shipped rules (conf/vidorigin-devices.conf) against
# real User-Agent strings, through nginx
test-devices: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh devices \
	    tests/devices/test-*.sh

# --- region: the MaxMind DB at configuration time and across reloads
test-region: module
	@MODULE_SO=$(MODULE_SO) bash scripts/run-suites.sh region \
	    tests/region/test-*.sh

# --- placement: signed origin URLs (C), the catalog writer and the
# placer against a real redis-server, the whole loop played
test-placement: module worker sample $(call unit_bins,placement)
	@bash scripts/run-unit.sh placement-unit $(call unit_bins,placement)
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh placement tests/placement/test-*.sh

# --- simulate: the placement simulator (README "Placement simulator"):
# the model's fit against references, determinism, calibration, the
# issue's targets, the default run's time; the placer's learned policy
# against a real redis-server and nginx; placer train on counts in a real
# redis-server
test-simulate: module worker sample $(call unit_bins,simulate)
	@bash scripts/run-unit.sh simulate-unit $(call unit_bins,simulate)
	@MODULE_SO=$(MODULE_SO) WORKER=$(WORKER) STORE=$(VAR)/store \
	    bash scripts/run-suites.sh simulate tests/simulate/test-*.sh

# the cost per day of every policy, each preset at alpha 0.8, plotted into
# docs/simulate-*.png (gnuplot), with the CSVs and JSONs in build/simulate
simulate-plot: worker
	@bash scripts/simulate-plot.sh $(WORKER) $(BUILD)/simulate docs

# --- t: the Test::Nginx suites (t/*.t; TESTS="t/004-segments.t" runs a
# subset)
test-t: module sample
	@bash scripts/run-t.sh $(MODULE_SO) $(VAR)/store

# --- harness: the t/ harness tells passing from failing (stock nginx)
test-harness:
	@bash tests/harness/selftest.sh

# --- layout (README "Layout"): no circle between files, no source file
# over 900 lines, no function over 150 (from the sources)
test-layout:
	@python3 tests/layout/check.py

# --- build: the module against upstream nginx source
# (--add-dynamic-module)
test-build:
	@bash tests/build/upstream.sh $(BUILD)/upstream

# --- run: make run itself (scripts/run.sh on a port and a var/ of its
# own): every entry point of SPEC section 3, an ingest, the demo page's
# upload form played with hls.js in Chromium
test-run: all sample
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) STORE=$(VAR)/store \
	    WWW=$(BUILD)/www bash scripts/run-suites.sh run tests/run/test-*.sh

# --- e2e: end to end with real players, from a packaged store, then just
# in time from S3
test-e2e: all sample
	@bash tests/e2e/run.sh $(MODULE_SO) $(WORKER) $(VAR)/store $(BUILD)/www
	@E2E_JIT=1 E2E_STORE=s3 bash tests/e2e/run.sh $(MODULE_SO) $(WORKER) \
	    $(VAR)/store $(BUILD)/www

# --- fuzz: coverage-guided fuzzing of every parser of untrusted input,
# the core's and the worker's (clang's libFuzzer, tests/fuzz/, the list
# in scripts/run-fuzz.sh); FUZZ_TIME seconds per target, default 60, one
# target after the other.  make test runs each of the 10 targets for 8 s
# (some 2 minutes in all with the build), make fuzz as long as you ask:
# FUZZ_TIME=300 make fuzz
test-fuzz:
	@bash scripts/run-fuzz.sh $(FUZZ_TIME)

# --- valgrind: the Test::Nginx suites with nginx under valgrind memcheck
# (a definite leak or an error in a vidorigin frame fails the block;
# valgrind.suppress holds the leaks of stock nginx itself)
test-valgrind: module sample
	@VALGRIND=1 bash scripts/run-t.sh $(MODULE_SO) $(VAR)/store

# --- soak: the whole origin (nginx, S3 peer, worker, Redis, GeoIP) under
# a bounded mixed load for SOAK_SECS (default 600) while each dependency
# fails in turn and nginx reloads 50 times (tests/soak/soak.sh; README
# "Soak"; not in make test: it is ten minutes long)
soak: module worker sample
	@WORKER=$(WORKER) MODULE_SO=$(MODULE_SO) STORE=$(VAR)/store \
	    bash tests/soak/soak.sh

# --- asan: nginx and the worker built with ASan and UBSan (build/asan),
# the Test::Nginx, serve and just-in-time suites run under them (not in
# make test: the two builds and the slowed suites take some 15 minutes)
asan: sample
	@bash scripts/asan.sh $(BUILD)/asan $(VAR)/store

# --- every test, in an order that keeps the timed suites apart: the
# suites that mostly wait (or are light) run beside the worker's, which
# mostly compute (scripts/run-beside.sh: their output follows); those
# with a time limit (purge in 10 ms, the Redis p99) run alone
test: deps all
	@$(MAKE) --no-print-directory test-layout
	@$(MAKE) --no-print-directory test-core
	@$(MAKE) --no-print-directory test-build
	@# the sample first: several suites beside each other read it
	@$(MAKE) --no-print-directory sample
	@bash scripts/run-beside.sh test-media test-package test-serve-worker \
	    -- test-purge-cdn test-purge-admin test-t test-serve-module test-region \
	    test-devices test-placement test-harness test-ingest-upload
	@# alone: its default run is timed
	@$(MAKE) --no-print-directory test-simulate
	@$(MAKE) --no-print-directory test-s3
	@$(MAKE) --no-print-directory test-purge-nginx
	@$(MAKE) --no-print-directory test-serve-jit
	@$(MAKE) --no-print-directory test-serve-codecs
	@$(MAKE) --no-print-directory test-ingest-jobs
	@$(MAKE) --no-print-directory test-redis
	@$(MAKE) --no-print-directory test-cluster
	@$(MAKE) --no-print-directory test-run
	@$(MAKE) --no-print-directory test-e2e
	@$(MAKE) --no-print-directory test-valgrind
	@$(MAKE) --no-print-directory test-fuzz FUZZ_TIME=8

# --- the names the targets had before tests/ had a folder per concern
# (kept for a while; each runs what it ran then)
unit: $(UNIT_BINS)
	@bash scripts/run-unit.sh unit $(UNIT_BINS)

t:
	@$(call parts,test-serve-module test-region test-t)

worker-test:
	@$(call parts,test-media test-package test-serve-worker)

s3-test: test-s3
cdn-test: test-purge-cdn
purge-test: test-purge-nginx
jit-test: test-serve-jit
codecs-test: test-serve-codecs
devices-test: test-devices
redis-test: test-redis
placer-test placement-test: test-placement
upstream: test-build
e2e: test-e2e
valgrind: test-valgrind
fuzz: test-fuzz

run: deps all sample
	@PORT=$(PORT) bash scripts/run.sh $(MODULE_SO) $(WORKER) $(VAR) \
	    $(BUILD)/www

bench: deps all sample
	@bash tests/bench/run.sh $(MODULE_SO) $(VAR)/store
	@bash tests/bench/jit.sh $(MODULE_SO) $(WORKER) $(VAR)/store
	@bash tests/bench/s3.sh $(MODULE_SO) $(WORKER) $(VAR)/store
	@bash tests/bench/pair.sh devices $(MODULE_SO) $(VAR)/store
	@bash tests/bench/pair.sh views $(MODULE_SO) $(VAR)/store
	@bash tests/bench/score.sh $(WORKER)
	@bash tests/bench/pair.sh cluster $(MODULE_SO) $(VAR)/store
	@bash tests/bench/ingest.sh $(MODULE_SO) $(WORKER)


clean:
	rm -rf $(BUILD)
