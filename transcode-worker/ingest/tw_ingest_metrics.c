/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>

#include "common/tw_listen.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_metrics.h"
#include "ingest/tw_ingest_queue.h"


typedef struct {
    char     *data;
    size_t    len;
    size_t    size;
    int       failed;
} tw_text_t;


static enum MHD_Result tw_metrics_handler(void *cls,
    struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size,
    void **con_cls);
static void tw_metrics_text(tw_ingest_metrics_t *mx, tw_text_t *t);
static void tw_metrics_groups(tw_rconn_t   *c, tw_text_t *t);
static void tw_printf(tw_text_t *t, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;


int
tw_ingest_metrics_start(tw_ingest_metrics_t *mx)
{
    int  fd;

    if (mx->conf->metrics == NULL) {
        return 0;
    }

    fd = tw_listen(mx->conf->metrics, mx->conf->listen_any,
                   "it shows the job queue to anyone", &mx->unix_path);
    if (fd == -1) {
        return -1;
    }

    mx->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD
                                  | MHD_USE_ERROR_LOG,
                                  0, NULL, NULL, tw_metrics_handler, mx,
                                  MHD_OPTION_LISTEN_SOCKET, fd,
                                  MHD_OPTION_CONNECTION_LIMIT,
                                  (unsigned int) 16,
                                  MHD_OPTION_CONNECTION_TIMEOUT,
                                  (unsigned int) 10,
                                  MHD_OPTION_END);
    if (mx->daemon == NULL) {
        tw_log(TW_LOG_ERR, "cannot serve metrics on \"%s\"",
               mx->conf->metrics);
        close(fd);
        return -1;
    }

    return 0;
}


void
tw_ingest_metrics_stop(tw_ingest_metrics_t *mx)
{
    if (mx->daemon) {
        MHD_stop_daemon(mx->daemon);
        mx->daemon = NULL;
    }

    if (mx->unix_path) {
        unlink(mx->unix_path);
        free(mx->unix_path);
        mx->unix_path = NULL;
    }
}


static enum MHD_Result
tw_metrics_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
    int                    status;
    tw_text_t              t;
    enum MHD_Result        ret;
    struct MHD_Response   *resp;

    memset(&t, 0, sizeof(tw_text_t));

    if (strcmp(method, "GET") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        tw_printf(&t, "GET only\n");

    } else if (strcmp(url, "/metrics") == 0) {
        status = MHD_HTTP_OK;
        tw_metrics_text(cls, &t);

    } else if (strcmp(url, "/healthz") == 0) {
        status = MHD_HTTP_OK;
        tw_printf(&t, "ok\n");

    } else {
        status = MHD_HTTP_NOT_FOUND;
        tw_printf(&t, "not found\n");
    }

    if (t.failed) {
        free(t.data);
        return MHD_NO;
    }

    resp = MHD_create_response_from_buffer(t.len, t.data,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(t.data);
        return MHD_NO;
    }

    MHD_add_response_header(resp, "Content-Type",
                            "text/plain; version=0.0.4");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);

    return ret;
}


static void
tw_printf(tw_text_t *t, const char *fmt, ...)
{
    int      n;
    char    *p;
    va_list  ap;

    for ( ;; ) {
        if (t->failed) {
            return;
        }

        va_start(ap, fmt);
        n = vsnprintf(t->data ? t->data + t->len : NULL,
                      t->data ? t->size - t->len : 0, fmt, ap);
        va_end(ap);

        if (n < 0) {
            t->failed = 1;
            return;
        }

        if (t->data && t->len + (size_t) n < t->size) {
            t->len += (size_t) n;
            return;
        }

        p = realloc(t->data, t->size + (size_t) n + 4096);
        if (p == NULL) {
            t->failed = 1;
            return;
        }

        t->data = p;
        t->size += (size_t) n + 4096;
    }
}


static void
tw_metrics_text(tw_ingest_metrics_t *mx, tw_text_t *t)
{
    char           err[256];
    redisReply    *len, *dead;
    tw_rconn_t    *c;

    c = tw_redis_open(&mx->conf->rconf, mx->conf->redis_timeout_ms, err,
                      sizeof(err));

    tw_printf(t, "# HELP vidorigin_ingest_redis_up 1 when the job Redis "
              "answered this scrape\n# TYPE vidorigin_ingest_redis_up gauge\n"
              "vidorigin_ingest_redis_up %d\n", c != NULL);

    if (c) {
        tw_metrics_groups(c, t);

        len = tw_redis_command(c, "XLEN %s", TW_JOBS_STREAM);
        dead = tw_redis_command(c, "XLEN %s", TW_JOBS_DEAD);

        tw_printf(t, "# HELP vidorigin_ingest_stream_length Entries in the "
                  "stream\n# TYPE vidorigin_ingest_stream_length gauge\n"
                  "vidorigin_ingest_stream_length{stream=\"%s\"} %lld\n"
                  "vidorigin_ingest_stream_length{stream=\"%s\"} %lld\n"
                  "# HELP vidorigin_ingest_dead_letters Entries of the "
                  "dead-letter stream\n"
                  "# TYPE vidorigin_ingest_dead_letters gauge\n"
                  "vidorigin_ingest_dead_letters %lld\n",
                  TW_JOBS_STREAM,
                  len && len->type == REDIS_REPLY_INTEGER ? len->integer : 0,
                  TW_JOBS_DEAD,
                  dead && dead->type == REDIS_REPLY_INTEGER ? dead->integer
                                                            : 0,
                  dead && dead->type == REDIS_REPLY_INTEGER ? dead->integer
                                                            : 0);
        freeReplyObject(len);
        freeReplyObject(dead);
        tw_redis_free(c);
    }

    tw_printf(t, "# HELP vidorigin_ingest_jobs_total Entries this process "
              "ran, by what became of them\n"
              "# TYPE vidorigin_ingest_jobs_total counter\n"
              "vidorigin_ingest_jobs_total{result=\"acked\"} %llu\n"
              "vidorigin_ingest_jobs_total{result=\"left\"} %llu\n"
              "vidorigin_ingest_jobs_total{result=\"dead\"} %llu\n"
              "# HELP vidorigin_ingest_jobs_running Jobs running now\n"
              "# TYPE vidorigin_ingest_jobs_running gauge\n"
              "vidorigin_ingest_jobs_running %u\n"
              "# HELP vidorigin_ingest_jobs_max Jobs at once (jobs)\n"
              "# TYPE vidorigin_ingest_jobs_max gauge\n"
              "vidorigin_ingest_jobs_max %u\n",
              (unsigned long long) __atomic_load_n(&mx->acked,
                                                   __ATOMIC_RELAXED),
              (unsigned long long) __atomic_load_n(&mx->left,
                                                   __ATOMIC_RELAXED),
              (unsigned long long) __atomic_load_n(&mx->dead,
                                                   __ATOMIC_RELAXED),
              __atomic_load_n(&mx->busy, __ATOMIC_RELAXED), mx->conf->jobs);
}


/* XINFO GROUPS: each family's samples together (the text format wants
 * them so); lag is left out for a group whose lag Redis cannot tell */
static const char  *tw_group_fields[] = { "pending", "lag", "consumers" };

static void
tw_metrics_groups(tw_rconn_t   *c, tw_text_t *t)
{
    size_t       i, f, k;
    redisReply  *reply, *g, *name, *v;

    reply = tw_redis_command(c, "XINFO GROUPS %s", TW_JOBS_STREAM);

    tw_printf(t, "# HELP vidorigin_ingest_group_pending Entries delivered "
              "and not acked, per consumer group (XINFO GROUPS pending)\n"
              "# TYPE vidorigin_ingest_group_pending gauge\n");

    for (k = 0; k < 3; k++) {
        if (k == 1) {
            tw_printf(t, "# HELP vidorigin_ingest_group_lag Entries not yet "
                      "delivered to the group (XINFO GROUPS lag)\n"
                      "# TYPE vidorigin_ingest_group_lag gauge\n");
        } else if (k == 2) {
            tw_printf(t, "# HELP vidorigin_ingest_group_consumers Consumers "
                      "of the group\n"
                      "# TYPE vidorigin_ingest_group_consumers gauge\n");
        }

        for (i = 0; reply && reply->type == REDIS_REPLY_ARRAY
                    && i < reply->elements; i++)
        {
            g = reply->element[i];
            name = v = NULL;

            for (f = 0; g->type == REDIS_REPLY_ARRAY && f + 1 < g->elements;
                 f += 2)
            {
                if (g->element[f]->type != REDIS_REPLY_STRING) {
                    continue;
                }

                if (strcmp(g->element[f]->str, "name") == 0) {
                    name = g->element[f + 1];
                } else if (strcmp(g->element[f]->str, tw_group_fields[k])
                           == 0)
                {
                    v = g->element[f + 1];
                }
            }

            if (name && name->type == REDIS_REPLY_STRING && v
                && v->type == REDIS_REPLY_INTEGER)
            {
                tw_printf(t, "vidorigin_ingest_group_%s{stream=\"%s\","
                          "group=\"%s\"} %lld\n", tw_group_fields[k],
                          TW_JOBS_STREAM, name->str, v->integer);
            }
        }
    }

    freeReplyObject(reply);
}
