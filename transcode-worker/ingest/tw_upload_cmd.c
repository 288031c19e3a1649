/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "ingest/tw_upload_cmd.h"
#include "ingest/tw_upload_conf.h"
#include "ingest/tw_upload_http.h"
#include "ingest/tw_upload_state.h"


#define TW_UP_SWEEP_BATCH   100


static void tw_upload_signal(int signo);
static void tw_upload_sweep(tw_upload_srv_t *srv);


static volatile sig_atomic_t  tw_upload_signals;


static void
tw_upload_signal(int signo)
{
    tw_upload_signals++;
}


int
tw_upload_command(int argc, char **argv)
{
    int                rc;
    double             next;
    struct timespec    ts;
    struct sigaction   sa;
    tw_upload_srv_t   *srv;

    static tw_upload_srv_t  server;

    rc = 1;
    srv = &server;
    pthread_mutex_init(&srv->mutex, NULL);

    if (tw_upload_conf(argc, argv, &srv->conf) != 0
        || tw_redis_conf(&srv->redis, srv->conf.redis) != 0)
    {
        goto end;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tw_upload_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    if (tw_upload_http_start(srv) != 0) {
        goto stop;
    }

    tw_log(TW_LOG_INFO, "uploads to \"%s\" on \"%s\" (spool \"%s\", max "
           "%zu bytes, redis %s)", srv->conf.store.spec, srv->conf.listen,
           srv->conf.spool, srv->conf.max_size, srv->redis.addr);

    next = tw_clock();
    ts.tv_sec = 0;
    ts.tv_nsec = 100 * 1000000;

    while (tw_upload_signals == 0) {
        if (tw_clock() >= next) {
            tw_upload_sweep(srv);
            next = tw_clock() + srv->conf.sweep_ms / 1000.0;
        }

        nanosleep(&ts, NULL);
    }

    tw_log(TW_LOG_INFO, "stopping");
    rc = 0;

stop:

    tw_upload_http_stop(srv);

end:

    tw_upload_conf_free(&srv->conf);

    return rc;
}


/* the uploads past their deadline, a batch per run (the next run takes
 * the rest); one being written now waits for the next run */
static void
tw_upload_sweep(tw_upload_srv_t *srv)
{
    int            n, i;
    char           err[256];
    char           ids[TW_UP_SWEEP_BATCH][VO_ID_MAX + 1];
    tw_upload_t    u;
    tw_rconn_t    *c;

    c = tw_redis_open(&srv->redis, srv->conf.redis_timeout_ms, err,
                      sizeof(err));
    if (c == NULL) {
        tw_log(TW_LOG_WARN, "sweep skipped: redis at \"%s\": %s",
               srv->redis.addr, err);
        return;
    }

    n = tw_up_expired(c, (uint64_t) time(NULL), ids, TW_UP_SWEEP_BATCH,
                      err, sizeof(err));

    if (n < 0) {
        tw_log(TW_LOG_WARN, "sweep failed: %s", err);
    }

    for (i = 0; i < n; i++) {
        if (tw_up_lock(srv, ids[i]) != 0) {
            continue;
        }

        if (tw_up_load(c, ids[i], &u, err, sizeof(err)) == -1) {
            tw_log(TW_LOG_WARN, "sweep of \"%s\" failed: %s", ids[i], err);

        } else if (u.state == TW_UP_DONE) {
            (void) tw_up_done(c, ids[i], u.url_expires, err, sizeof(err));

        } else {
            (void) tw_up_remove(srv, c, ids[i], &u,
                                u.state == TW_UP_UPLOADING
                                ? "upload expired"
                                : "upload URL expired unused");
        }

        tw_up_unlock(srv, ids[i]);
    }

    tw_redis_free(c);
}
