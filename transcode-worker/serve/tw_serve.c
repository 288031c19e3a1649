/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "serve": start, the main loop (the periodic timer), graceful stop.
 *
 * SIGTERM / SIGINT only set a flag.  The main loop sees it within one
 * tick and stops: the listen sockets close (no new connections),
 * requests on open connections that need a transcode get 503, jobs
 * already queued or running finish and their requests are answered,
 * then the HTTP threads and the slots end and the process exits 0.  A
 * second signal stops waiting for the requests still being answered.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "common/tw_redis.h"
#include "serve/tw_http.h"
#include "serve/tw_jobs.h"
#include "serve/tw_mcache.h"
#include "serve/tw_serve.h"
#include "serve/tw_serve_conf.h"
#include "serve/tw_server.h"
#include "serve/tw_slot.h"


#define TW_TICK_NS        50000000       /* 50 ms */
#define TW_DRAIN_SECONDS  5.0            /* answers still being sent */


static void tw_serve_signal(int signo);
static void tw_serve_sleep(void);


static volatile sig_atomic_t  tw_signals;


static void
tw_serve_signal(int signo)
{
    tw_signals++;
}


static void
tw_serve_sleep(void)
{
    struct timespec  ts;

    ts.tv_sec = 0;
    ts.tv_nsec = TW_TICK_NS;

    nanosleep(&ts, NULL);
}


int
tw_serve_command(int argc, char **argv)
{
    int                rc;
    char               host[48];
    double             deadline;
    uint32_t           live, i;
    tw_server_t        sv;
    tw_redis_t         redis;
    struct sigaction   sa;

    rc = 1;
    live = 0;
    memset(&sv, 0, sizeof(tw_server_t));
    memset(&redis, 0, sizeof(tw_redis_t));
    pthread_mutex_init(&sv.mutex, NULL);
    pthread_mutex_init(&sv.mcache_mutex, NULL);
    pthread_cond_init(&sv.cond, NULL);
    pthread_cond_init(&sv.mfetch_cond, NULL);

    if (tw_serve_conf(argc, argv, &sv.conf) != 0
        || tw_redis_conf(&sv.redis, sv.conf.redis) != 0)
    {
        goto end;
    }

    redis.conf = &sv.redis;

    /* the lock owner: unique per process across hosts; slots add their
     * index and a sequence */
    if (gethostname(host, sizeof(host)) != 0) {
        strcpy(host, "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    snprintf(sv.host, sizeof(sv.host), "%s:%ld", host, (long) getpid());

    sv.mcache = calloc(TW_MCACHE_SIZE, sizeof(tw_mcache_entry_t));
    if (sv.mcache == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tw_serve_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    if (tw_slots_start(&sv) != 0 || tw_mcache_start(&sv) != 0
        || tw_http_start(&sv) != 0)
    {
        goto stop;
    }

    for (i = 0; i < sv.conf.nlisten; i++) {
        tw_log(TW_LOG_INFO, "serving \"%s\" on \"%s\"",
               sv.conf.store.spec, sv.conf.listen[i]);
    }

    tw_log(TW_LOG_INFO, "%u slot(s) (%u for HEVC and AV1), queue %u (%u), "
           "wait %u ms, redis %s, lock ttl %u ms, prefetch %s", sv.nslots,
           sv.conf.heavy_slots, sv.conf.queue, sv.conf.heavy_queue,
           sv.conf.wait_ms, sv.redis.addr ? sv.redis.addr : "off",
           sv.conf.lock_ttl_ms, sv.conf.prefetch ? "on" : "off");

    while (tw_signals == 0) {
        tw_serve_sleep();
        (void) tw_jobs_tick(&sv, &redis);
    }

    tw_log(TW_LOG_INFO, "stopping: finishing the queued and running jobs");

    tw_http_quiesce(&sv);

    pthread_mutex_lock(&sv.mutex);
    sv.stopping = 1;
    pthread_mutex_unlock(&sv.mutex);

    /* every job ends (made, failed, or its waiters timed out) */
    do {
        live = tw_jobs_tick(&sv, &redis);
        if (live) {
            tw_serve_sleep();
        }
    } while (live && tw_signals < 2);

    /* and the answers are sent */
    deadline = tw_clock() + TW_DRAIN_SECONDS;

    while (__atomic_load_n(&sv.inflight, __ATOMIC_RELAXED) > 0
           && tw_clock() < deadline && tw_signals < 2)
    {
        tw_serve_sleep();
    }

    rc = 0;

stop:

    /* no request is suspended any more unless a second signal cut the
     * wait short; stopping the daemons then would be undefined, so the
     * process just exits */
    /* the fetch threads first: a fetch that ends resumes its requests */
    tw_mcache_stop(&sv);

    if (live == 0 || rc != 0) {
        tw_http_stop(&sv);
    }

    tw_slots_stop(&sv);

    tw_log(TW_LOG_INFO, "stopped");

end:

    tw_redis_close(&redis);
    tw_serve_conf_free(&sv.conf);
    free(sv.mcache);

    return rc;
}
