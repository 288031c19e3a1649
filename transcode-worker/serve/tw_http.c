/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The HTTP side of "serve" (libmicrohttpd): one daemon per listen
 * address, each with one internal epoll thread, suspend/resume for the
 * requests that wait on a job or (s3) on their media description.  What
 * runs here never waits: a stat, an open, a small JSON parse (cached), a
 * job submission; never a request to S3.
 *
 *   GET|HEAD /v/{id}/{r}/init.mp4 | {n}.m4s | {n}.ts
 *   GET /metrics     Prometheus text
 *   GET /healthz     "ok"
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <microhttpd.h>

#include "vo_path.h"
#include "common/tw_listen.h"
#include "common/tw_log.h"
#include "serve/tw_http.h"
#include "serve/tw_jobs.h"
#include "serve/tw_mcache.h"
#include "serve/tw_route.h"
#include "store/tw_store.h"


#define TW_BLOCK_SIZE   (64 * 1024)


static void tw_http_resume(tw_ctx_t *ctx);
static int tw_http_gone(tw_ctx_t *ctx);
static void tw_http_log(void *cls, const char *fmt, va_list ap);
static enum MHD_Result tw_http_handler(void *cls,
    struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls);
static void tw_http_completed(void *cls, struct MHD_Connection *conn,
    void **con_cls, enum MHD_RequestTerminationCode code);
static enum MHD_Result tw_http_request(tw_server_t *sv, tw_ctx_t *ctx,
    const char *url);
static enum MHD_Result tw_http_stored(tw_server_t *sv, tw_ctx_t *ctx,
    const vo_media_t *m, const vo_request_t *req, int fd);
static enum MHD_Result tw_http_answer(tw_server_t *sv, tw_ctx_t *ctx);
static enum MHD_Result tw_http_text(struct MHD_Connection *conn,
    unsigned status, const char *text);
static enum MHD_Result tw_http_metrics(tw_server_t *sv,
    struct MHD_Connection *conn);
static void tw_http_validators(struct MHD_Response *resp,
    const struct stat *st);
static ssize_t tw_blob_read(void *cls, uint64_t pos, char *buf, size_t max);
static void tw_blob_free(void *cls);


int
tw_http_start(tw_server_t *sv)
{
    int                  fd;
    uint32_t             i;
    struct MHD_Daemon   *d;

    sv->resume = tw_http_resume;
    sv->gone = tw_http_gone;

    for (i = 0; i < sv->conf.nlisten; i++) {
        fd = tw_listen(sv->conf.listen[i], sv->conf.listen_any,
                       "anyone who reaches this port can start transcodes",
                       &sv->unix_paths[i]);
        if (fd == -1) {
            return -1;
        }

        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL
                             | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                             0, NULL, NULL, tw_http_handler, sv,
                             MHD_OPTION_EXTERNAL_LOGGER, tw_http_log, NULL,
                             MHD_OPTION_LISTEN_SOCKET, fd,
                             MHD_OPTION_NOTIFY_COMPLETED, tw_http_completed,
                             sv,
                             MHD_OPTION_CONNECTION_LIMIT,
                             (unsigned int) sv->conf.connections,
                             MHD_OPTION_CONNECTION_TIMEOUT,
                             (unsigned int) 60,
                             MHD_OPTION_END);
        if (d == NULL) {
            tw_log(TW_LOG_ERR, "cannot serve on \"%s\"", sv->conf.listen[i]);
            close(fd);
            return -1;
        }

        sv->daemons[i] = d;
    }

    return 0;
}


/* stop accepting; requests in progress and idle connections go on */
void
tw_http_quiesce(tw_server_t *sv)
{
    int       fd;
    uint32_t  i;

    for (i = 0; i < sv->conf.nlisten; i++) {
        if (sv->daemons[i] == NULL) {
            continue;
        }

        fd = MHD_quiesce_daemon(sv->daemons[i]);
        if (fd != -1) {
            close(fd);
        }

        if (sv->unix_paths[i]) {
            unlink(sv->unix_paths[i]);
        }
    }
}


void
tw_http_stop(tw_server_t *sv)
{
    uint32_t  i;

    for (i = 0; i < sv->conf.nlisten; i++) {
        if (sv->daemons[i]) {
            MHD_stop_daemon(sv->daemons[i]);
            sv->daemons[i] = NULL;
        }

        if (sv->unix_paths[i]) {
            unlink(sv->unix_paths[i]);
            free(sv->unix_paths[i]);
            sv->unix_paths[i] = NULL;
        }
    }
}


static void
tw_http_resume(tw_ctx_t *ctx)
{
    MHD_resume_connection(ctx->conn);
}


/*
 * Whether the client of a suspended request closed its connection:
 * libmicrohttpd does not watch a suspended connection, so a look at its
 * socket (a peek that does not wait) tells; data still to read (a next
 * request) is a client that stays.
 */
static int
tw_http_gone(tw_ctx_t *ctx)
{
    char                              c;
    ssize_t                           n;
    const union MHD_ConnectionInfo   *ci;

    ci = MHD_get_connection_info(ctx->conn,
                                 MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL) {
        return 0;
    }

    n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

    return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK
                      && errno != EINTR);
}


/* libmicrohttpd's messages go through the one logger, as warnings */
static void
tw_http_log(void *cls, const char *fmt, va_list ap)
{
    char    line[1024];
    size_t  len;

    if (tw_log_level() < TW_LOG_WARN) {
        return;
    }

    vsnprintf(line, sizeof(line), fmt, ap);

    len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }

    tw_log_write(TW_LOG_WARN, "microhttpd: %s", line);
}


static enum MHD_Result
tw_http_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    tw_ctx_t     *ctx;
    tw_server_t  *sv = cls;

    ctx = *con_cls;

    if (ctx == NULL) {
        ctx = calloc(1, sizeof(tw_ctx_t));
        if (ctx == NULL) {
            return MHD_NO;
        }

        ctx->conn = conn;
        *con_cls = ctx;
        __atomic_add_fetch(&sv->inflight, 1, __ATOMIC_RELAXED);
        tw_count(sv, requests, 1);

        /* answered once the whole request is read: an answer queued
         * earlier makes libmicrohttpd close the connection */
        return MHD_YES;
    }

    if (*upload_data_size) {
        /* a body on GET: read and ignored */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (!ctx->started) {
        ctx->started = 1;

        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
            && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        {
            return tw_http_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                "method not allowed\n");
        }

        return tw_http_request(sv, ctx, url);
    }

    if (ctx->mready) {
        /* resumed with its media description: on with the request */
        ctx->mready = 0;
        ctx->suspended = 0;
        return tw_http_request(sv, ctx, url);
    }

    if (!ctx->done) {
        return MHD_YES;
    }

    return tw_http_answer(sv, ctx);
}


static void
tw_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
    tw_ctx_t     *ctx;
    tw_server_t  *sv = cls;

    ctx = *con_cls;
    if (ctx == NULL) {
        return;
    }

    tw_media_detach(sv, ctx);
    tw_jobs_detach(sv, ctx);
    tw_blob_unref(ctx->blob);
    free(ctx);
    *con_cls = NULL;

    __atomic_sub_fetch(&sv->inflight, 1, __ATOMIC_RELAXED);
}


static enum MHD_Result
tw_http_request(tw_server_t *sv, tw_ctx_t *ctx, const char *url)
{
    int                  fd, rc;
    unsigned             status;
    vo_media_t           m;
    const char          *err;
    vo_request_t         req;
    char                 path[PATH_MAX];

    switch (tw_route(url, &req, &err)) {

    case TW_ROUTE_HEALTHZ:
        return tw_http_text(ctx->conn, MHD_HTTP_OK, "ok\n");

    case TW_ROUTE_METRICS:
        return tw_http_metrics(sv, ctx->conn);

    case TW_ROUTE_BAD_REQUEST:
        tw_log(TW_LOG_INFO, "bad request \"%s\": %s", url, err);
        return tw_http_text(ctx->conn, MHD_HTTP_BAD_REQUEST, "bad request\n");

    case TW_ROUTE_OBJECT:
        break;

    default:
        return tw_http_text(ctx->conn, MHD_HTTP_NOT_FOUND, "not found\n");
    }

    if (ctx->mfetched) {
        /* fetched for this request (s3) */
        rc = ctx->mrc;
        if (ctx->media) {
            m = *ctx->media;
        }

    } else {
        rc = tw_media_get(sv, &req.id, &m);
    }

    if (rc == TW_MEDIA_FETCH) {
        /* suspended before it can be resumed, as below; the fetch
         * threads wait on S3, this one goes on */
        MHD_suspend_connection(ctx->conn);
        ctx->suspended = 1;
        tw_media_fetch(sv, ctx, &req.id);
        return MHD_YES;
    }

    if (rc == 1) {
        return tw_http_text(ctx->conn, MHD_HTTP_NOT_FOUND, "not found\n");
    }

    if (rc == -2) {
        return tw_http_text(ctx->conn, MHD_HTTP_BAD_GATEWAY,
                            "store unreachable\n");
    }

    if (rc == TW_MEDIA_BUSY) {
        return tw_http_text(ctx->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                            "busy\n");
    }

    if (rc != 0) {
        return tw_http_text(ctx->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "invalid media description\n");
    }

    err = NULL;
    status = tw_route_object(&m, &req, ctx->key, sizeof(ctx->key),
                             &ctx->ctype, &err);

    if (status == 404) {
        if (err) {
            tw_log(TW_LOG_INFO, "no object \"%s\": %s", url, err);
        }
        return tw_http_text(ctx->conn, MHD_HTTP_NOT_FOUND, "not found\n");
    }

    if (status != 0) {
        tw_log(TW_LOG_ERR, "request \"%s\" refused: %s", url, err);
        return tw_http_text(ctx->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "internal error\n");
    }

    /* in a local store: answered from it, nothing to make.  In an s3
     * one a slot looks (a GET) and makes it if missing: this thread
     * never waits on S3 for an object */
    if (tw_store_is_local(&sv->conf.store)) {
        snprintf(path, sizeof(path), "%s/%s", sv->conf.store.root,
                 ctx->key);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd != -1) {
            return tw_http_stored(sv, ctx, &m, &req, fd);
        }

        if (errno != ENOENT) {
            tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", path,
                   strerror(errno));
            return tw_http_text(ctx->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                "internal error\n");
        }
    }

    /* suspended before it can be resumed: a job may end (and resume it)
     * as soon as it is attached */
    MHD_suspend_connection(ctx->conn);
    ctx->suspended = 1;

    if (tw_jobs_submit(sv, ctx, &m, &req) == TW_SUBMIT_REJECTED) {
        tw_count(sv, rejected, 1);
        ctx->done = 1;
        ctx->status = MHD_HTTP_SERVICE_UNAVAILABLE;
        MHD_resume_connection(ctx->conn);
    }

    return MHD_YES;
}


/* the answer from a local store's file fd (owned from here on) */
static enum MHD_Result
tw_http_stored(tw_server_t *sv, tw_ctx_t *ctx, const vo_media_t *m,
    const vo_request_t *req, int fd)
{
    int                   rc;
    vo_request_t          next;
    struct stat           st;
    struct MHD_Response  *resp;

    if (fstat(fd, &st) != 0 || (resp = MHD_create_response_from_fd(
                                     st.st_size, fd)) == NULL)
    {
        close(fd);
        return MHD_NO;
    }

    tw_count(sv, store_hits, 1);

    /* a player reading on from a stored segment: make the next one
     * while the pool is idle (the slots do the same after making a
     * segment) */
    if (req->kind != VO_REQ_INIT) {
        next = *req;
        next.segment++;
        tw_jobs_prefetch(sv, m, &next);
    }

    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctx->ctype);
    MHD_add_response_header(resp, "X-Vidorigin-Transcode", "0");
    tw_http_validators(resp, &st);

    rc = MHD_queue_response(ctx->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);

    return rc;
}


static enum MHD_Result
tw_http_answer(tw_server_t *sv, tw_ctx_t *ctx)
{
    int                   fd;
    char                  path[PATH_MAX];
    tw_blob_t            *blob;
    struct stat           st;
    enum MHD_Result       rc;
    struct MHD_Response  *resp;

    if (ctx->status == MHD_HTTP_SERVICE_UNAVAILABLE) {
        resp = MHD_create_response_from_buffer(sizeof("busy\n") - 1,
                                               (void *) "busy\n",
                                               MHD_RESPMEM_PERSISTENT);
        if (resp == NULL) {
            return MHD_NO;
        }

        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain");

        rc = MHD_queue_response(ctx->conn, ctx->status, resp);
        MHD_destroy_response(resp);

        return rc;
    }

    if (ctx->status != MHD_HTTP_OK) {
        return tw_http_text(ctx->conn, ctx->status,
                            ctx->status == MHD_HTTP_BAD_GATEWAY
                            ? "source unreadable\n" : "internal error\n");
    }

    if (ctx->blob) {
        blob = ctx->blob;
        resp = MHD_create_response_from_callback(blob->len, TW_BLOCK_SIZE,
                                                 tw_blob_read, blob,
                                                 tw_blob_free);
        if (resp == NULL) {
            return MHD_NO;
        }

        /* the response owns the reference now */
        ctx->blob = NULL;

        /* stored before the answer: the validators of the stored
         * object */
        if (!tw_store_is_local(&sv->conf.store)) {
            if (blob->meta.etag[0]) {
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG,
                                        blob->meta.etag);
            }

            if (blob->meta.last_modified[0]) {
                MHD_add_response_header(resp,
                                        MHD_HTTP_HEADER_LAST_MODIFIED,
                                        blob->meta.last_modified);
            }

        } else {
            snprintf(path, sizeof(path), "%s/%s", sv->conf.store.root,
                     ctx->key);

            if (stat(path, &st) == 0 && (uint64_t) st.st_size == blob->len)
            {
                tw_http_validators(resp, &st);
            }
        }

    } else {
        /* answered by another producer, into a local store (an s3
         * store's answers always carry their bytes) */
        snprintf(path, sizeof(path), "%s/%s", sv->conf.store.root,
                 ctx->key);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", path,
                   strerror(errno));
            return tw_http_text(ctx->conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                "internal error\n");
        }

        if (fstat(fd, &st) != 0
            || (resp = MHD_create_response_from_fd(st.st_size, fd)) == NULL)
        {
            close(fd);
            return MHD_NO;
        }

        tw_http_validators(resp, &st);
    }

    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctx->ctype);
    MHD_add_response_header(resp, "X-Vidorigin-Transcode",
                            ctx->transcoded ? "1" : "0");

    rc = MHD_queue_response(ctx->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);

    return rc;
}


/*
 * ETag and Last-Modified as nginx makes them for the same file, so that a
 * segment's first answer (made here) and the later ones (nginx serving
 * the store) carry the same validators and a CDN's revalidation gets 304.
 */
static void
tw_http_validators(struct MHD_Response *resp, const struct stat *st)
{
    char       buf[64];
    struct tm  tm;

    snprintf(buf, sizeof(buf), "\"%llx-%llx\"",
             (unsigned long long) st->st_mtime,
             (unsigned long long) st->st_size);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, buf);

    if (gmtime_r(&st->st_mtime, &tm) != NULL
        && strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0)
    {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, buf);
    }
}


static ssize_t
tw_blob_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    size_t      n;
    tw_blob_t  *blob = cls;

    if (pos >= blob->len) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }

    n = blob->len - pos;
    if (n > max) {
        n = max;
    }

    memcpy(buf, blob->data + pos, n);

    return (ssize_t) n;
}


static void
tw_blob_free(void *cls)
{
    tw_blob_unref(cls);
}


static enum MHD_Result
tw_http_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    enum MHD_Result       rc;
    struct MHD_Response  *resp;

    resp = MHD_create_response_from_buffer(strlen(text), (void *) text,
                                           MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        return MHD_NO;
    }

    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain");

    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }

    rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);

    return rc;
}


static enum MHD_Result
tw_http_metrics(tw_server_t *sv, struct MHD_Connection *conn)
{
    int                   i;
    char                 *text;
    FILE                 *f;
    size_t                len;
    double                sum;
    uint32_t              queued, busy, heavy_busy;
    uint64_t              buckets[8], count, acc;
    enum MHD_Result       rc;
    struct MHD_Response  *resp;

    static const char  *le[] = { "0.5", "1", "2", "4", "8", "16", "32",
                                 "+Inf" };

    pthread_mutex_lock(&sv->mutex);
    queued = sv->queued;
    busy = sv->busy;
    heavy_busy = sv->heavy_busy;
    memcpy(buckets, sv->metrics.buckets, sizeof(buckets));
    count = sv->metrics.seconds_count;
    sum = sv->metrics.seconds_sum;
    pthread_mutex_unlock(&sv->mutex);

    f = open_memstream(&text, &len);
    if (f == NULL) {
        return MHD_NO;
    }

#define tw_counter(name, help, value)                                        \
    fprintf(f, "# HELP vidorigin_worker_" name " " help "\n"                \
            "# TYPE vidorigin_worker_" name " counter\n"                     \
            "vidorigin_worker_" name " %llu\n",                              \
            (unsigned long long) (value))

#define tw_gauge(name, help, value)                                          \
    fprintf(f, "# HELP vidorigin_worker_" name " " help "\n"                \
            "# TYPE vidorigin_worker_" name " gauge\n"                       \
            "vidorigin_worker_" name " %llu\n",                              \
            (unsigned long long) (value))

    tw_counter("jobs_started_total", "Transcodes started.",
               tw_read(sv, started));
    tw_counter("jobs_finished_total", "Transcodes that made their object.",
               tw_read(sv, finished));
    tw_counter("jobs_failed_total", "Transcodes that failed.",
               tw_read(sv, failed));
    tw_counter("jobs_rejected_total", "Requests answered 503: queue full, "
               "or its HEVC and AV1 share.", tw_read(sv, rejected));

    fprintf(f, "# HELP vidorigin_worker_starts_refused_total Transcodes "
            "not started, by reason.\n"
            "# TYPE vidorigin_worker_starts_refused_total counter\n"
            "vidorigin_worker_starts_refused_total{reason=\"heavy_share\"} "
            "%llu\n"
            "vidorigin_worker_starts_refused_total{reason=\"queue_full\"} "
            "%llu\n"
            "vidorigin_worker_starts_refused_total{reason=\"no_waiter\"} "
            "%llu\n",
            (unsigned long long) tw_read(sv, refused_heavy),
            (unsigned long long) tw_read(sv, refused_queue),
            (unsigned long long) tw_read(sv, dropped));

    tw_counter("requests_abandoned_total",
               "Requests whose client left before their job started.",
               tw_read(sv, abandoned));
    tw_counter("jobs_deduplicated_total",
               "Requests answered with another producer's object.",
               tw_read(sv, deduplicated));
    tw_counter("jobs_prefetched_total", "Prefetch jobs queued.",
               tw_read(sv, prefetched));
    tw_counter("wait_timeouts_total",
               "Requests answered 503: object not ready within --wait.",
               tw_read(sv, wait_timeouts));
    tw_counter("store_hits_total", "Requests answered from the store.",
               tw_read(sv, store_hits));
    tw_counter("requests_total", "HTTP requests.", tw_read(sv, requests));
    tw_counter("bytes_written_total", "Bytes written to the store.",
               tw_read(sv, bytes_written));
    tw_counter("companions_stored_total",
               "fMP4 segments stored from the encode of a TS segment.",
               tw_read(sv, companions));
    tw_gauge("queue_depth", "Jobs waiting for a slot.", queued);
    tw_gauge("busy_slots", "Slots transcoding.", busy);
    tw_gauge("slots", "Transcode slots.", sv->nslots);
    tw_gauge("busy_heavy_slots", "Slots transcoding HEVC or AV1.",
             heavy_busy);
    tw_gauge("heavy_slots", "Slots HEVC and AV1 may hold (--heavy-share).",
             sv->conf.heavy_slots);
    tw_gauge("redis_up", "1 unless Redis is configured and unreachable.",
             sv->redis.addr == NULL
             || !__atomic_load_n(&sv->redis.down, __ATOMIC_RELAXED));

    fprintf(f, "# HELP vidorigin_worker_transcode_seconds Time to make one "
            "object.\n# TYPE vidorigin_worker_transcode_seconds histogram\n");

    for (acc = 0, i = 0; i < 8; i++) {
        acc += buckets[i];
        fprintf(f, "vidorigin_worker_transcode_seconds_bucket{le=\"%s\"} "
                "%llu\n", le[i], (unsigned long long) acc);
    }

    fprintf(f, "vidorigin_worker_transcode_seconds_sum %.6f\n"
            "vidorigin_worker_transcode_seconds_count %llu\n", sum,
            (unsigned long long) count);

#undef tw_counter
#undef tw_gauge

    if (fclose(f) != 0) {
        free(text);
        return MHD_NO;
    }

    resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }

    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4");

    rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);

    return rc;
}
