/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "serve": the just-in-time worker daemon.  The design is in
 * docs/worker-serve.md; in short:
 *
 *   - HTTP (libmicrohttpd, one internal epoll thread per listen socket)
 *     answers what is in the store from the store and never waits: a
 *     request for a missing object is suspended and attached to the one
 *     job of its key (tw_jobs.c), then resumed with the job's result;
 *   - a fixed pool of transcode slots (threads) takes jobs from a
 *     bounded queue; a full queue answers 503 at once;
 *   - one job per missing key in the process (the job table); one
 *     producer per key across processes and hosts (a Redis lock,
 *     tw_redis.c); jobs whose key another process is producing wait in
 *     the main loop, which polls the store, not in a slot;
 *   - the main thread is the periodic timer: signals, waiter deadlines,
 *     remote waits, lock refreshes, shutdown.
 *
 * Everything shared is in tw_server_t, guarded by its one mutex, except
 * the counters (atomics) and what is set before the threads start.
 */

#ifndef TW_SERVE_H
#define TW_SERVE_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "vo_media.h"
#include "vo_path.h"
#include "package/tw_package.h"
#include "common/tw_redis.h"


#define TW_LISTEN_MAX       8
#define TW_MCACHE_SIZE      256      /* media descriptions kept, by id */
#define TW_MCACHE_S3_TTL    1.0      /* seconds an s3 description is
                                        trusted */
#define TW_FETCH_MAX        ((size_t) 1 << 30)   /* an object answered
                                                    from an s3 store */


typedef struct {
    tw_store_t          store;           /* "store" and the s3-* keys */
    char               *listen[TW_LISTEN_MAX];
    uint32_t            nlisten;
    uint32_t            slots;           /* 0: number of cores */
    uint32_t            queue;           /* 0: 2 * slots */
    char               *redis;           /* NULL: no Redis */
    uint32_t            lock_ttl_ms;
    uint32_t            wait_ms;
    uint32_t            connections;     /* HTTP connection limit */
    int                 prefetch;
} tw_serve_conf_t;


/* result of a job, shared by its waiters: the encoded bytes, and for an
 * s3 store the stored object's validators (a local one's come from the
 * file) */
typedef struct {
    int                 refs;            /* atomic */
    uint8_t            *data;            /* malloc() */
    size_t              len;
    tw_store_meta_t     meta;
} tw_blob_t;


typedef enum {
    TW_JOB_QUEUED = 0,
    TW_JOB_RUNNING,
    TW_JOB_REMOTE                        /* another process produces it */
} tw_job_state_t;


typedef struct tw_ctx_s  tw_ctx_t;
typedef struct tw_job_s  tw_job_t;


/* one HTTP request (libmicrohttpd's con_cls) */
struct tw_ctx_s {
    struct MHD_Connection  *conn;
    tw_ctx_t               *next;        /* in its job's waiters */
    tw_job_t               *job;         /* while attached */
    double                  deadline;    /* monotonic, while attached */
    unsigned                first:1;     /* it created the job */
    unsigned                started:1;   /* the request was looked at */
    unsigned                suspended:1;

    /* the answer, set once (under the server mutex while attached) */
    unsigned                done:1;
    unsigned                transcoded:1;   /* X-Vidorigin-Transcode */
    unsigned                from_store:1;   /* open the key at resume */
    int                     status;
    tw_blob_t              *blob;

    char                    key[TW_KEY_MAX];
    const char             *ctype;
};


struct tw_job_s {
    tw_job_t               *next;        /* job table */
    tw_job_t               *qnext;       /* queue */
    char                    key[TW_KEY_MAX];
    vo_media_t              media;
    vo_req_kind_t           kind;
    char                    rendition[VO_NAME_MAX + 1];
    uint32_t                n;
    tw_job_state_t          state;
    unsigned                prefetch:1;
    unsigned                requested:1; /* a request is attached */
    unsigned                locked:1;    /* this process owns the lock */
    unsigned                waited:1;    /* was REMOTE */
    char                    owner[128];  /* lock value */
    double                  refreshed;   /* lock, monotonic */
    double                  checked;     /* remote: lock last looked at */
    tw_ctx_t               *waiters;
};


typedef struct {
    uint64_t            started;
    uint64_t            finished;
    uint64_t            failed;
    uint64_t            rejected;
    uint64_t            deduplicated;
    uint64_t            store_hits;
    uint64_t            wait_timeouts;
    uint64_t            prefetched;
    uint64_t            bytes_written;
    uint64_t            companions;
    uint64_t            requests;
    uint64_t            seconds_count;
    double              seconds_sum;      /* under the server mutex */
    uint64_t            buckets[8];       /* 0.5 1 2 4 8 16 32 +Inf */
} tw_metrics_t;


typedef struct {
    char                id[VO_ID_MAX + 1];
    uint64_t            ino;             /* local: the file's identity */
    uint64_t            size;
    int64_t             mtime_ns;
    double              fetched;         /* s3: when, monotonic */
    unsigned            missing:1;       /* s3: no media.json then */
    vo_media_t          media;
} tw_mcache_entry_t;


typedef struct tw_server_s {
    tw_serve_conf_t     conf;

    pthread_mutex_t     mutex;
    pthread_cond_t      cond;            /* queue not empty, or quit */

    tw_job_t           *jobs;            /* the table: every live job */
    tw_job_t           *qhead;           /* queue: requested first */
    tw_job_t           *qtail;
    tw_job_t           *phead;           /* then prefetches */
    tw_job_t           *ptail;
    uint32_t            queued;          /* requested jobs queued */
    uint32_t            busy;            /* slots producing */
    unsigned            stopping:1;      /* no new work */
    unsigned            quit:1;          /* slots exit */

    void               *slots;           /* tw_slot_t, tw_slot.c */
    uint32_t            nslots;

    tw_redis_conf_t     redis;
    char                host[64];        /* lock owner prefix */

    tw_metrics_t        metrics;

    void               *daemons[TW_LISTEN_MAX];   /* MHD_Daemon */
    char               *unix_paths[TW_LISTEN_MAX];

    pthread_mutex_t     mcache_mutex;
    tw_mcache_entry_t  *mcache;          /* TW_MCACHE_SIZE */

    int                 inflight;        /* HTTP requests, atomic */
} tw_server_t;


/* tw_serve_conf.c: the configuration file and the flags (the worker's
 * one reader, common/tw_conf.h); 0, or -1 logged */
int tw_serve_conf(int argc, char **argv, tw_serve_conf_t *conf);
void tw_serve_conf_free(tw_serve_conf_t *conf);

/* tw_http.c: the daemons of the listen addresses */
int tw_http_start(tw_server_t *sv);
void tw_http_quiesce(tw_server_t *sv);
void tw_http_stop(tw_server_t *sv);
/* resumes a suspended request whose answer is set; never touch ctx
 * afterwards: its connection may free it at once */
void tw_http_resume(tw_ctx_t *ctx);

/* tw_mcache.c: the media description of id (cached; revalidated by
 * inode, size and mtime in a local store, fetched again after
 * TW_MCACHE_S3_TTL seconds from an s3 one).  0, 1 when the video is not
 * packaged, -1 (logged) when media.json is unreadable or invalid, -2
 * (logged) when an s3 store could not be read. */
int tw_media_get(tw_server_t *sv, const vo_str_t *id, vo_media_t *m);

/* tw_jobs.c: the job table and the queue; tw_slot.c: the slots */
#define TW_SUBMIT_QUEUED     0          /* a new job, ctx first */
#define TW_SUBMIT_ATTACHED   1          /* ctx waits on an existing one */
#define TW_SUBMIT_REJECTED   2          /* queue full: 503 */

int tw_jobs_start(tw_server_t *sv);
/* ctx->key set; m, kind, rendition, n describe the object */
int tw_jobs_submit(tw_server_t *sv, tw_ctx_t *ctx, const vo_media_t *m,
    const vo_request_t *req);
/* prefetch the object of req if the pool is idle and it is missing */
void tw_jobs_prefetch(tw_server_t *sv, const vo_media_t *m,
    const vo_request_t *req);
/* the main loop's tick: deadlines, remote waits, lock refreshes;
 * returns the number of live jobs */
uint32_t tw_jobs_tick(tw_server_t *sv, tw_redis_t *redis);
/* a finished request leaves its job (client gone or answered) */
void tw_jobs_detach(tw_server_t *sv, tw_ctx_t *ctx);
void tw_jobs_stop(tw_server_t *sv);

void tw_blob_unref(tw_blob_t *b);

/* tw_jobs.c, for the slots (tw_slot.c).  tw_job_finish() ends a job: out
 * of the table, every waiting request gets the result and is resumed,
 * the job is freed (hit: the object was in the store when the requests
 * came, they count as store hits); the others are the table's and the
 * metrics' */
void tw_job_finish(tw_server_t *sv, tw_job_t *job, int status,
    tw_blob_t *blob, int from_store, int transcoded, int hit);
void tw_job_unlink(tw_server_t *sv, tw_job_t *job);
void tw_job_request(const tw_job_t *job, vo_request_t *req);
void tw_job_observe(tw_server_t *sv, double seconds);


#define tw_count(sv, field, n)                                               \
    __atomic_add_fetch(&(sv)->metrics.field, (n), __ATOMIC_RELAXED)
#define tw_read(sv, field)                                                   \
    __atomic_load_n(&(sv)->metrics.field, __ATOMIC_RELAXED)


#endif /* TW_SERVE_H */
