/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "vo_path.h"
#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_cmd.h"
#include "ingest/tw_ingest_conf.h"
#include "ingest/tw_ingest_job.h"
#include "ingest/tw_ingest_metrics.h"
#include "ingest/tw_ingest_queue.h"
#include "ingest/tw_ingest_state.h"


typedef struct {
    tw_ingest_conf_t     conf;
    tw_ingest_metrics_t  mx;
} tw_ingest_srv_t;

typedef struct {
    tw_ingest_srv_t     *srv;
    pthread_t            tid;
    int                  started;
    char                 cursor[64];     /* of XAUTOCLAIM */
} tw_ingest_thread_t;


static volatile sig_atomic_t  tw_ingest_stop;


static void tw_ingest_signal(int sig);
static int tw_ingest_worker(int argc, char **argv);
static void *tw_ingest_thread(void *data);
static int tw_ingest_next(tw_ingest_thread_t *t, tw_rconn_t   *c);
static void tw_ingest_run(tw_ingest_thread_t *t, tw_rconn_t   *c,
    redisReply *entry, uint32_t deliveries);
static uint32_t tw_ingest_deliveries(tw_rconn_t   *c, const char *id);
static void tw_ingest_trim(const tw_ingest_conf_t *conf);
static void tw_ingest_leave(const tw_ingest_conf_t *conf);
static int tw_ingest_admin(int argc, char **argv, int retry);
static void tw_sleep_ms(uint32_t ms);


int
tw_ingest_command(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "submit") == 0) {
        return tw_ingest_admin(argc - 1, argv + 1, 0);
    }

    if (argc >= 2 && strcmp(argv[1], "retry") == 0) {
        return tw_ingest_admin(argc - 1, argv + 1, 1);
    }

    return tw_ingest_worker(argc, argv);
}


static void
tw_ingest_signal(int sig)
{
    tw_ingest_stop = 1;
}


static int
tw_ingest_worker(int argc, char **argv)
{
    int                   rc;
    double                trimmed;
    uint32_t              i;
    tw_ingest_srv_t       srv;
    struct sigaction      sa;
    tw_ingest_thread_t   *thr;

    memset(&srv, 0, sizeof(tw_ingest_srv_t));
    thr = NULL;
    rc = 1;

    if (tw_ingest_conf(argc, argv, &srv.conf) != 0) {
        goto end;
    }

    srv.mx.conf = &srv.conf;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tw_ingest_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    if (tw_ingest_metrics_start(&srv.mx) != 0) {
        goto end;
    }

    thr = calloc(srv.conf.jobs, sizeof(tw_ingest_thread_t));
    if (thr == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    tw_log(TW_LOG_INFO, "ingest worker \"%s\": %u job(s) at once on "
           TW_JOBS_STREAM " (group " TW_JOBS_GROUP "), redis %s, store %s, "
           "ready policy %s, eager %s", srv.conf.consumer, srv.conf.jobs,
           srv.conf.rconf.addr, srv.conf.store.spec, srv.conf.ready,
           srv.conf.eager);

    for (i = 0; i < srv.conf.jobs; i++) {
        thr[i].srv = &srv;
        strcpy(thr[i].cursor, "0-0");

        if (pthread_create(&thr[i].tid, NULL, tw_ingest_thread, &thr[i])
            != 0)
        {
            tw_log(TW_LOG_ERR, "cannot start a job thread");
            tw_ingest_stop = 1;
            break;
        }

        thr[i].started = 1;
    }

    trimmed = tw_clock();

    while (!tw_ingest_stop) {
        tw_sleep_ms(100);

        if ((tw_clock() - trimmed) * 1000 >= srv.conf.trim_ms) {
            tw_ingest_trim(&srv.conf);
            trimmed = tw_clock();
        }
    }

    tw_log(TW_LOG_INFO, "stopping: the jobs running finish first");
    rc = 0;

end:

    for (i = 0; thr && i < srv.conf.jobs; i++) {
        if (thr[i].started) {
            pthread_join(thr[i].tid, NULL);
        }
    }

    if (rc == 0) {
        tw_ingest_leave(&srv.conf);
    }

    free(thr);
    tw_ingest_metrics_stop(&srv.mx);
    tw_ingest_conf_free(&srv.conf);

    return rc;
}


/* one job at a time, on a connection of its own; Redis down: retried
 * with a backoff, the jobs pending meanwhile claimed when it is back */
static void *
tw_ingest_thread(void *data)
{
    int                  down;
    char                 err[256];
    uint32_t             backoff;
    tw_rconn_t          *c;
    tw_ingest_thread_t  *t = data;
    const tw_ingest_conf_t  *conf = &t->srv->conf;

    c = NULL;
    down = 0;
    backoff = 100;

    while (!tw_ingest_stop) {
        if (c == NULL) {
            c = tw_redis_open(&conf->rconf, conf->redis_timeout_ms, err,
                              sizeof(err));
            if (c == NULL || tw_ingest_group(c, err, sizeof(err)) != 0) {
                if (!down) {
                    tw_log(TW_LOG_ERR, "redis at \"%s\": %s (retrying)",
                           conf->rconf.addr, err);
                }
                down = 1;
                if (c) {
                    tw_redis_free(c);
                    c = NULL;
                }
                tw_sleep_ms(backoff);
                backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
                continue;
            }

            if (down) {
                tw_log(TW_LOG_INFO, "redis at \"%s\" is back",
                       conf->rconf.addr);
            }
            down = 0;
            backoff = 100;
        }

        if (tw_ingest_next(t, c) != 0) {
            tw_redis_free(c);
            c = NULL;
        }
    }

    if (c) {
        tw_redis_free(c);
    }

    return NULL;
}


/* a pending entry idle for claim-idle first, else a new one: 0, or -1
 * when the connection is to be made again */
static int
tw_ingest_next(tw_ingest_thread_t *t, tw_rconn_t   *c)
{
    char                     ms[16], block[16];
    uint32_t                 b;
    redisReply              *reply, *list;
    const tw_ingest_conf_t  *conf = &t->srv->conf;

    snprintf(ms, sizeof(ms), "%u", conf->claim_idle_ms);

    reply = tw_redis_command(c, "XAUTOCLAIM %s %s %s %s %s COUNT 1",
                         TW_JOBS_STREAM, TW_JOBS_GROUP, conf->consumer, ms,
                         t->cursor);
    if (reply == NULL) {
        return -1;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: a Redis that came back without its data */
        tw_log(TW_LOG_WARN, "XAUTOCLAIM: %s", reply->str);
        freeReplyObject(reply);
        strcpy(t->cursor, "0-0");
        return -1;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
        && reply->element[0]->type == REDIS_REPLY_STRING)
    {
        snprintf(t->cursor, sizeof(t->cursor), "%s", reply->element[0]->str);
        list = reply->element[1];

        if (list->type == REDIS_REPLY_ARRAY && list->elements > 0
            && list->element[0]->type == REDIS_REPLY_ARRAY)
        {
            tw_ingest_run(t, c, list->element[0],
                          tw_ingest_deliveries(c,
                                   list->element[0]->element[0]->str));
            freeReplyObject(reply);
            return tw_redis_errstr(c)[0] ? -1 : 0;
        }
    }

    freeReplyObject(reply);

    /* under the connection's timeout */
    b = conf->block_ms;
    if (b > conf->redis_timeout_ms / 2) {
        b = conf->redis_timeout_ms / 2;
    }
    snprintf(block, sizeof(block), "%u", b);

    reply = tw_redis_command(c, "XREADGROUP GROUP %s %s COUNT 1 BLOCK %s "
                         "STREAMS %s >", TW_JOBS_GROUP, conf->consumer, block,
                         TW_JOBS_STREAM);
    if (reply == NULL) {
        return -1;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        tw_log(TW_LOG_WARN, "XREADGROUP: %s", reply->str);
        freeReplyObject(reply);
        return -1;
    }

    /* [[stream, [[id, [field, value, ...]]]]] */
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
        && reply->element[0]->elements == 2
        && reply->element[0]->element[1]->elements > 0)
    {
        tw_ingest_run(t, c, reply->element[0]->element[1]->element[0], 1);
    }

    freeReplyObject(reply);
    return tw_redis_errstr(c)[0] ? -1 : 0;
}


static void
tw_ingest_run(tw_ingest_thread_t *t, tw_rconn_t   *c, redisReply *entry,
    uint32_t deliveries)
{
    int                   rc;
    redisReply           *ack;
    tw_ingest_ctx_t       x;
    tw_ingest_metrics_t  *mx = &t->srv->mx;

    if (entry->elements != 2 || entry->element[0]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    memset(&x, 0, sizeof(tw_ingest_ctx_t));
    x.conf = &t->srv->conf;
    x.redis = c;
    x.entry = entry->element[0]->str;
    x.deliveries = deliveries;
    x.touched = tw_clock();

    __atomic_add_fetch(&mx->busy, 1, __ATOMIC_RELAXED);

    if (deliveries > x.conf->max_deliveries) {
        tw_log(TW_LOG_WARN, "job %s delivered %u times: dead letter",
               x.entry, deliveries);
        rc = tw_ingest_dead(&x, entry->element[1]);
        if (rc == TW_JOB_ACK) {
            __atomic_add_fetch(&mx->dead, 1, __ATOMIC_RELAXED);
        }

    } else {
        rc = tw_ingest_job(&x, entry->element[1]);
    }

    __atomic_sub_fetch(&mx->busy, 1, __ATOMIC_RELAXED);

    if (rc != TW_JOB_ACK) {
        __atomic_add_fetch(&mx->left, 1, __ATOMIC_RELAXED);
        return;
    }

    ack = tw_redis_command(c, "XACK %s %s %s", TW_JOBS_STREAM, TW_JOBS_GROUP,
                       x.entry);
    if (ack && ack->type == REDIS_REPLY_INTEGER) {
        __atomic_add_fetch(&mx->acked, 1, __ATOMIC_RELAXED);
    }
    freeReplyObject(ack);
}


/* the delivery count of a pending entry (XAUTOCLAIM counted this one) */
static uint32_t
tw_ingest_deliveries(tw_rconn_t   *c, const char *id)
{
    uint32_t     n;
    redisReply  *reply, *e;

    n = 1;
    reply = tw_redis_command(c, "XPENDING %s %s %s %s 1", TW_JOBS_STREAM,
                         TW_JOBS_GROUP, id, id);

    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        e = reply->element[0];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 4
            && e->element[3]->type == REDIS_REPLY_INTEGER)
        {
            n = (uint32_t) e->element[3]->integer;
        }
    }

    freeReplyObject(reply);
    return n;
}


/* "ms-seq" compared */
static int
tw_id_less(const char *a, const char *b)
{
    unsigned long long  am, as, bm, bs;

    am = as = bm = bs = 0;
    sscanf(a, "%llu-%llu", &am, &as);
    sscanf(b, "%llu-%llu", &bm, &bs);

    return am < bm || (am == bm && as < bs);
}


/*
 * vo:jobs trimmed of what every group is done with: below the oldest
 * pending entry of every group and below the last entry delivered to
 * each, never past one (a trimmed pending entry is lost to its claim)
 */
static void
tw_ingest_trim(const tw_ingest_conf_t *conf)
{
    char           err[256], min[64], *name;
    size_t         i, f;
    redisReply    *groups, *g, *p, *r;
    tw_rconn_t    *c;

    c = tw_redis_open(&conf->rconf, conf->redis_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        return;
    }

    min[0] = '\0';
    groups = tw_redis_command(c, "XINFO GROUPS %s", TW_JOBS_STREAM);

    for (i = 0; groups && groups->type == REDIS_REPLY_ARRAY
                && i < groups->elements; i++)
    {
        g = groups->element[i];
        name = NULL;

        for (f = 0; f + 1 < g->elements; f += 2) {
            if (strcmp(g->element[f]->str, "name") == 0) {
                name = g->element[f + 1]->str;
            } else if (strcmp(g->element[f]->str, "last-delivered-id") == 0
                       && (min[0] == '\0'
                           || tw_id_less(g->element[f + 1]->str, min)))
            {
                snprintf(min, sizeof(min), "%s", g->element[f + 1]->str);
            }
        }

        if (name == NULL) {
            min[0] = '\0';
            break;
        }

        p = tw_redis_command(c, "XPENDING %s %s", TW_JOBS_STREAM, name);
        if (p == NULL || p->type != REDIS_REPLY_ARRAY || p->elements < 2) {
            freeReplyObject(p);
            min[0] = '\0';
            break;
        }

        if (p->element[1]->type == REDIS_REPLY_STRING
            && tw_id_less(p->element[1]->str, min))
        {
            snprintf(min, sizeof(min), "%s", p->element[1]->str);
        }

        freeReplyObject(p);
    }

    if (min[0] && strcmp(min, "0-0") != 0) {
        r = tw_redis_command(c, "XTRIM %s MINID %s", TW_JOBS_STREAM, min);
        if (r && r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
            tw_log(TW_LOG_DEBUG, "trimmed %lld entries below %s",
                   r->integer, min);
        }
        freeReplyObject(r);
    }

    freeReplyObject(groups);
    tw_redis_free(c);
}


/* a consumer is removed from the group only with nothing pending */
static void
tw_ingest_leave(const tw_ingest_conf_t *conf)
{
    char           err[256];
    redisReply    *p, *d;
    tw_rconn_t    *c;

    c = tw_redis_open(&conf->rconf, conf->redis_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        return;
    }

    p = tw_redis_command(c, "XPENDING %s %s - + 1 %s", TW_JOBS_STREAM,
                     TW_JOBS_GROUP, conf->consumer);

    if (p && p->type == REDIS_REPLY_ARRAY && p->elements == 0) {
        d = tw_redis_command(c, "XGROUP DELCONSUMER %s %s %s", TW_JOBS_STREAM,
                         TW_JOBS_GROUP, conf->consumer);
        freeReplyObject(d);
    }

    freeReplyObject(p);
    tw_redis_free(c);
}


/* ingest submit ID SOURCE_KEY | ingest retry ID [CHUNK], then flags */
static int
tw_ingest_admin(int argc, char **argv, int retry)
{
    int                rc, pos, policy;
    char               err[256], gen[64], n[3][16], *end;
    char               mkey[TW_KEY_MAX];
    vo_str_t           vid;
    uint32_t           chunk, first, last;
    redisReply        *reply;
    tw_rconn_t        *c;
    tw_ingest_conf_t   conf;
    const char        *id, *arg2;

    for (pos = 1; pos < argc && strncmp(argv[pos], "--", 2) != 0; pos++) {
        /* the positional arguments */
    }

    id = pos > 1 ? argv[1] : NULL;
    arg2 = pos > 2 ? argv[2] : NULL;
    rc = 1;
    c = NULL;
    argv[pos - 1] = argv[0];

    if (tw_ingest_conf(argc - pos + 1, argv + pos - 1, &conf) != 0) {
        goto end;
    }

    if (id == NULL || vo_id_valid((const u_char *) id, strlen(id)) == 0
        || pos > 3 || (!retry && arg2 == NULL))
    {
        tw_log(TW_LOG_ERR, "usage: ingest submit ID SOURCE_KEY | ingest "
               "retry ID [CHUNK], then --config FILE or flags");
        goto end;
    }

    c = tw_redis_open(&conf.rconf, conf.redis_timeout_ms, err, sizeof(err));
    if (c == NULL) {
        tw_log(TW_LOG_ERR, "redis at \"%s\": %s", conf.rconf.addr, err);
        rc = 3;
        goto end;
    }

    if (!retry) {
        if (tw_store_exists(&conf.store, arg2) != 1) {
            tw_log(TW_LOG_ERR, "no \"%s\" in the store", arg2);
            goto end;
        }

        rc = tw_ingest_enqueue(c, id, arg2, err, sizeof(err)) == 0 ? 0 : 3;
        goto done;
    }

    if (arg2 == NULL) {
        reply = tw_redis_command(c, "HGET " TW_INGEST_KEY " source", id);
        if (reply == NULL || reply->type != REDIS_REPLY_STRING
            || reply->len == 0)
        {
            freeReplyObject(reply);
            tw_log(TW_LOG_ERR, "no ingest job for \"%s\"", id);
            goto end;
        }

        rc = tw_ingest_enqueue(c, id, reply->str, err, sizeof(err)) == 0
             ? 0 : 3;
        freeReplyObject(reply);
        goto done;
    }

    chunk = (uint32_t) strtoul(arg2, &end, 10);
    if (*end != '\0' || end == arg2) {
        tw_log(TW_LOG_ERR, "chunk \"%s\": a number", arg2);
        goto end;
    }

    rc = tw_ingest_reopen(c, id, chunk, gen, sizeof(gen), &first, &last,
                          &policy, err, sizeof(err));
    if (rc != 0) {
        rc = rc < 0 ? 3 : 1;
        goto done;
    }

    snprintf(n[0], sizeof(n[0]), "%u", chunk);
    snprintf(n[1], sizeof(n[1]), "%u", first);
    snprintf(n[2], sizeof(n[2]), "%u", last);

    /* playable again under the probe policy: the description the
     * failure removed */
    reply = policy == TW_READY_PROBE
            ? tw_redis_command(c, "HGET " TW_INGEST_KEY " media", id) : NULL;
    vid.data = (const u_char *) id;
    vid.len = strlen(id);

    if (reply && reply->type == REDIS_REPLY_STRING && reply->len
        && (vo_media_key(&vid, mkey, sizeof(mkey)) == 0
            || tw_store_write(&conf.store, mkey, reply->str, reply->len)
               != 0))
    {
        freeReplyObject(reply);
        goto end;
    }
    freeReplyObject(reply);

    reply = tw_redis_command(c, "HSET " TW_CATALOG_KEY " status processing "
                         "error %s", id, "");
    freeReplyObject(reply);

    reply = tw_redis_command(c, "XADD %s * type chunk id %s gen %s chunk %s "
                         "first %s last %s", TW_JOBS_STREAM, id, gen, n[0],
                         n[1], n[2]);
    rc = (reply && reply->type == REDIS_REPLY_STRING) ? 0 : 3;
    snprintf(err, sizeof(err), "XADD: %s", reply ? reply->str : "no reply");
    freeReplyObject(reply);

done:

    if (rc != 0) {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
    } else {
        printf("%s queued\n", id);
    }

end:

    if (c) {
        tw_redis_free(c);
    }
    tw_ingest_conf_free(&conf);

    return rc;
}


static void
tw_sleep_ms(uint32_t ms)
{
    struct timespec  ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000;
    nanosleep(&ts, NULL);
}
