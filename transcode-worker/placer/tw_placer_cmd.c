/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "placer": start, the runs every "interval", the status file, stop (see
 * placer/tw_placer.h for the design, docs/placer.md for the operator's
 * view).
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "common/tw_redis.h"
#include "placer/tw_placer.h"
#include "placer/tw_placer_conf.h"
#include "placer/tw_placer_redis.h"
#include "placer/tw_placer_model.h"
#include "placer/tw_placer_scan.h"
#include "placer/tw_placer_train.h"
#include "placer/tw_placer_write.h"


static void tw_placer_signal(int signo);
static int tw_placer_run(tw_placer_t *p);
static void tw_placer_status(tw_placer_t *p);
static void tw_placer_sleep(double until);


static volatile sig_atomic_t  tw_placer_signals;


static void
tw_placer_signal(int signo)
{
    tw_placer_signals++;
}


/* one run: 0, -1 failed (logged), 1 stopped by a signal */
static int
tw_placer_run(tw_placer_t *p)
{
    int  rc;

    p->now = p->conf.now ? p->conf.now : (int64_t) time(NULL);

    if (tw_placer_connect(p) != 0) {
        return -1;
    }

    p->videos = 0;

    if (tw_placer_model_sync(p) != 0) {
        return -1;
    }

    rc = tw_placer_scan(p);

    if (rc == 0) {
        /* reopened every run: a rotated log is followed */
        p->log = fopen(p->conf.log, "a");

        if (p->log == NULL) {
            tw_log(TW_LOG_ERR, "cannot open the placement log \"%s\": %s: "
                   "the decisions are written without it", p->conf.log,
                   strerror(errno));
            p->log_errors++;
        }

        rc = tw_placer_write(p);

        if (p->log && fclose(p->log) != 0) {
            p->log_errors++;
        }

        p->log = NULL;
    }

    tw_table_free(&p->table);

    return rc;
}


static void
tw_placer_status(tw_placer_t *p)
{
    char    *buf, tmp[4096];
    FILE    *f;
    size_t   len;

    f = open_memstream(&buf, &len);
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot write the status: out of memory");
        return;
    }

    fprintf(f,
        "# HELP vidorigin_placer_runs_total Runs since the placer "
        "started, by result.\n"
        "# TYPE vidorigin_placer_runs_total counter\n"
        "vidorigin_placer_runs_total{result=\"ok\"} %" PRIu64 "\n"
        "vidorigin_placer_runs_total{result=\"failed\"} %" PRIu64 "\n"
        "# HELP vidorigin_placer_videos Videos given hints by the last "
        "run.\n"
        "# TYPE vidorigin_placer_videos gauge\n"
        "vidorigin_placer_videos %" PRIu64 "\n"
        "# HELP vidorigin_placer_decisions_total Hints written, by "
        "decision.\n"
        "# TYPE vidorigin_placer_decisions_total counter\n"
        "vidorigin_placer_decisions_total{decision=\"cdn\"} %" PRIu64 "\n"
        "vidorigin_placer_decisions_total{decision=\"origin\"} %" PRIu64
        "\n"
        "# HELP vidorigin_placer_redis_errors_total Failed Redis "
        "connections and commands.\n"
        "# TYPE vidorigin_placer_redis_errors_total counter\n"
        "vidorigin_placer_redis_errors_total %" PRIu64 "\n"
        "# HELP vidorigin_placer_skipped_total Keys and fields that do "
        "not parse, or past max-pairs.\n"
        "# TYPE vidorigin_placer_skipped_total counter\n"
        "vidorigin_placer_skipped_total %" PRIu64 "\n"
        "# HELP vidorigin_placer_log_errors_total Failed writes to the "
        "placement log.\n"
        "# TYPE vidorigin_placer_log_errors_total counter\n"
        "vidorigin_placer_log_errors_total %" PRIu64 "\n"
        "# HELP vidorigin_placer_last_run_seconds When the last run "
        "ended, unix seconds.\n"
        "# TYPE vidorigin_placer_last_run_seconds gauge\n"
        "vidorigin_placer_last_run_seconds %" PRId64 "\n"
        "# HELP vidorigin_placer_last_success_seconds When the last "
        "successful run ended (0: none yet).\n"
        "# TYPE vidorigin_placer_last_success_seconds gauge\n"
        "vidorigin_placer_last_success_seconds %" PRId64 "\n"
        "# HELP vidorigin_placer_last_run_duration_seconds How long the "
        "last run took.\n"
        "# TYPE vidorigin_placer_last_run_duration_seconds gauge\n"
        "vidorigin_placer_last_run_duration_seconds %.3f\n",
        p->runs_ok, p->runs_failed, p->videos,
        p->decisions[TW_HINT_CDN], p->decisions[TW_HINT_ORIGIN],
        p->redis_errors, p->skipped, p->log_errors, p->last_run,
        p->last_ok, p->last_duration);

    if (fclose(f) != 0) {
        free(buf);
        tw_log(TW_LOG_ERR, "cannot write the status: out of memory");
        return;
    }

    /* replaced whole: a reader never sees half a file */
    snprintf(tmp, sizeof(tmp), "%s.tmp", p->conf.status);

    f = fopen(tmp, "w");

    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0
        || rename(tmp, p->conf.status) != 0)
    {
        tw_log(TW_LOG_ERR, "cannot write the status file \"%s\": %s",
               p->conf.status, strerror(errno));
        (void) unlink(tmp);
    }

    free(buf);
}


/* until the monotonic time until, or a signal */
static void
tw_placer_sleep(double until)
{
    double           left;
    struct timespec  ts;

    while (!tw_placer_signals) {
        left = until - tw_clock();
        if (left <= 0) {
            return;
        }

        ts.tv_sec = (time_t) left;
        ts.tv_nsec = (long) ((left - ts.tv_sec) * 1e9);

        /* a signal interrupts it (no SA_RESTART) */
        (void) nanosleep(&ts, NULL);
    }
}


int
tw_placer_command(int argc, char **argv)
{
    int                rc;
    double             t0;
    tw_placer_t        p;
    struct sigaction   sa;

    if (argc > 1 && strcmp(argv[1], "train") == 0) {
        return tw_placer_train(argc - 1, argv + 1);
    }

    memset(&p, 0, sizeof(tw_placer_t));
    p.stop = &tw_placer_signals;
    rc = 1;

    if (tw_placer_conf(argc, argv, &p.conf) != 0
        || tw_redis_conf(&p.rconf, p.conf.redis) != 0)
    {
        goto end;
    }

    if (p.rconf.addr == NULL) {
        tw_log(TW_LOG_ERR, "placer needs Redis: \"redis\" is \"%s\"",
               p.conf.redis);
        goto end;
    }

    if (p.conf.learned && tw_placer_model_load(&p) != 0) {
        goto end;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tw_placer_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    tw_log(TW_LOG_INFO, "placer on redis \"%s\": every %u ms, window %u s, "
           "half-life %u s, threshold %" PRIu64 ".%03u, log \"%s\", "
           "status \"%s\"%s", p.rconf.addr, p.conf.interval_ms,
           p.conf.window_ms / 1000, p.conf.half_life_ms / 1000,
           p.conf.threshold_milli / 1000,
           (unsigned) (p.conf.threshold_milli % 1000), p.conf.log,
           p.conf.status, p.conf.once ? ", once" : "");

    for ( ;; ) {
        t0 = tw_clock();

        rc = tw_placer_run(&p);

        p.last_duration = tw_clock() - t0;
        p.last_run = (int64_t) time(NULL);

        if (rc == 0) {
            p.runs_ok++;
            p.last_ok = p.last_run;
            tw_log(TW_LOG_INFO, "run done in %.3f s: %" PRIu64 " video(s), "
                   "%" PRIu64 " cdn and %" PRIu64 " origin decisions so far",
                   p.last_duration, p.videos, p.decisions[TW_HINT_CDN],
                   p.decisions[TW_HINT_ORIGIN]);

        } else if (rc < 0) {
            p.runs_failed++;
            tw_log(TW_LOG_ERR, "run failed after %.3f s (%" PRIu64 " video(s)"
                   " written): the next one in %u ms", p.last_duration,
                   p.videos, p.conf.interval_ms);
        }

        tw_placer_status(&p);

        if (p.conf.once || tw_placer_signals) {
            break;
        }

        tw_placer_sleep(t0 + p.conf.interval_ms / 1000.0);

        if (tw_placer_signals) {
            break;
        }
    }

    if (tw_placer_signals) {
        tw_log(TW_LOG_INFO, "stopped");
        rc = 0;

    } else {
        rc = (rc == 0) ? 0 : 1;
    }

end:

    if (p.redis) {
        tw_redis_free(p.redis);
    }

    tw_table_free(&p.table);
    tw_placer_conf_free(&p.conf);

    return rc;
}
