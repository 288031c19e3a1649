/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The state "serve" shares between its threads (types only; the design
 * is in serve/tw_serve.h): the server, its jobs (one per missing object),
 * the HTTP requests waiting on them, the results they share, the
 * counters.
 *
 * Everything shared is in tw_server_t, guarded by its one mutex, except
 * the counters (atomics), the media cache (its own mutex) and what is set
 * before the threads start.
 */

#ifndef TW_SERVER_H
#define TW_SERVER_H

#include <pthread.h>
#include <stdint.h>

#include "vo_media.h"
#include "vo_path.h"
#include "common/tw_redis.h"
#include "package/tw_package.h"
#include "serve/tw_serve_conf.h"
#include "store/tw_store.h"


#define TW_MCACHE_SIZE      256      /* media descriptions kept, by id */
#define TW_MFETCH_THREADS   4        /* s3: media.json fetch threads */
#define TW_MFETCH_MAX       256      /* s3: ids being fetched at once */


/* result of a job, shared by its waiters: the encoded bytes, and for an
 * s3 store the stored object's validators (a local one's come from the
 * file).  Freed by the last tw_blob_unref() (serve/tw_jobs.h). */
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


typedef struct tw_ctx_s      tw_ctx_t;
typedef struct tw_jit_job_s  tw_jit_job_t;
typedef struct tw_mfetch_s   tw_mfetch_t;


/* one HTTP request (libmicrohttpd's con_cls), owned by its connection:
 * tw_http.c allocates it and frees it when the request ends */
struct tw_ctx_s {
    struct MHD_Connection  *conn;
    tw_ctx_t               *next;        /* in its job's waiters */
    tw_jit_job_t           *job;         /* while attached */
    double                  deadline;    /* monotonic, while attached */
    unsigned                first:1;     /* it created the job */
    unsigned                started:1;   /* the request was looked at */
    unsigned                suspended:1;

    /* s3: waiting for the media description (tw_mcache.c), under the
     * media cache's mutex; mfetched once it came, in mrc and
     * media */
    tw_ctx_t               *mnext;       /* in its fetch's waiters */
    tw_mfetch_t            *fetch;       /* while waiting */
    unsigned                mready:1;   /* resumed with it */
    unsigned                mfetched:1;  /* mrc and media are set */
    int                     mrc;         /* as tw_media_get() */
    vo_media_t             *media;       /* malloc(), when mrc is 0 */

    /* the answer, set once (under the server mutex while attached) */
    unsigned                done:1;
    unsigned                transcoded:1;   /* X-Vidorigin-Transcode */
    unsigned                from_store:1;   /* open the key at resume */
    int                     status;
    tw_blob_t              *blob;        /* a reference of its own */

    char                    key[TW_KEY_MAX];
    const char             *ctype;
};


/* the making of one object that is missing from the store, however many
 * requests wait for it (tw_jobs.c); malloc(), freed by whoever ends it */
struct tw_jit_job_s {
    tw_jit_job_t           *next;        /* job table */
    tw_jit_job_t           *qnext;       /* queue */
    char                    key[TW_KEY_MAX];
    vo_media_t              media;
    vo_req_kind_t           kind;
    char                    rendition[VO_NAME_MAX + 1];
    uint32_t                n;
    tw_job_state_t          state;
    unsigned                prefetch:1;
    unsigned                heavy:1;     /* HEVC or AV1: --heavy-share */
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
    uint64_t            refused_heavy;   /* rejected: heavy share full */
    uint64_t            refused_queue;   /* rejected: queue full */
    uint64_t            dropped;         /* queued, every waiter gone */
    uint64_t            abandoned;       /* a client left a queued job */
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


/* one media.json being fetched from an s3 store, for the requests
 * waiting for it (tw_mcache.c); under the media cache's mutex */
struct tw_mfetch_s {
    tw_mfetch_t            *next;
    char                    id[VO_ID_MAX + 1];
    unsigned                running:1;   /* a fetch thread has it */
    tw_ctx_t               *waiters;
};


/* resumes a suspended request whose answer is set; ctx must not be
 * touched afterwards: its connection may free it at once */
typedef void (*tw_resume_pt)(tw_ctx_t *ctx);


typedef struct tw_server_s {
    tw_serve_conf_t     conf;

    pthread_mutex_t     mutex;
    pthread_cond_t      cond;            /* queue not empty, or quit */

    tw_jit_job_t       *jobs;            /* the table: every live job */
    tw_jit_job_t       *qhead;           /* queue: requested first */
    tw_jit_job_t       *qtail;
    tw_jit_job_t       *phead;           /* then prefetches */
    tw_jit_job_t       *ptail;
    uint32_t            queued;          /* requested jobs queued */
    uint32_t            busy;            /* slots producing */
    uint32_t            heavy_queued;    /* of queued: HEVC or AV1 */
    uint32_t            heavy_busy;      /* of busy: HEVC or AV1 */
    unsigned            stopping:1;      /* no new work */
    unsigned            quit:1;          /* slots exit */

    void               *slots;           /* tw_slot_t, tw_slot.c */
    uint32_t            nslots;

    tw_redis_conf_t     redis;
    char                host[64];        /* lock owner prefix */

    tw_metrics_t        metrics;

    /* the HTTP side (tw_http.c): its daemons, and how a job that ends
     * hands its answer back to a waiting request */
    void               *daemons[TW_LISTEN_MAX];   /* MHD_Daemon */
    char               *unix_paths[TW_LISTEN_MAX];
    tw_resume_pt        resume;
    /* 1 when the client of a suspended request has left (any thread,
     * while the request is attached) */
    int               (*gone)(tw_ctx_t *ctx);

    pthread_mutex_t     mcache_mutex;
    tw_mcache_entry_t  *mcache;          /* TW_MCACHE_SIZE */

    /* s3: the media.json fetches, off the HTTP threads (tw_mcache.c),
     * under mcache_mutex */
    pthread_cond_t      mfetch_cond;     /* a fetch to run, or quit */
    tw_mfetch_t        *mfetches;        /* pending and running */
    uint32_t            nmfetches;
    pthread_t           mfetch_tid[TW_MFETCH_THREADS];
    uint32_t            nmfetchers;
    unsigned            mfetch_quit:1;

    int                 inflight;        /* HTTP requests, atomic */
} tw_server_t;


#define tw_count(sv, field, n)                                               \
    __atomic_add_fetch(&(sv)->metrics.field, (n), __ATOMIC_RELAXED)
#define tw_read(sv, field)                                                   \
    __atomic_load_n(&(sv)->metrics.field, __ATOMIC_RELAXED)


#endif /* TW_SERVER_H */
