/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "purger": fans the purges nginx records in its journal out to the
 * CDNs, CloudFront (CreateInvalidation) and Cloudflare (purge_cache).
 * The design is in docs/cdn-purge.md; in short:
 *
 *   - the journal is a file of "<seq> <unix_ms> <prefix>\n" lines that
 *     nginx appends to; the purger follows it (tw_purge_journal.c) into a
 *     bounded in-memory queue of purges;
 *   - each CDN walks the queue on its own, one request at a time, a
 *     batch of consecutive purges per request (tw_purge_cdn.c), with
 *     retries and exponential backoff; CDNs never wait for each other
 *     (curl's multi interface, one thread);
 *   - what each CDN has finished ("done": every purge up to that seq was
 *     sent or kept as a failure) and the batch it is sending are written
 *     atomically to a state file, so a restart resends nothing finished
 *     and loses nothing unfinished (tw_purge_state.c);
 *   - counters, pending purges and the last failures go to a status
 *     file in Prometheus text format for nginx's /admin/status.
 *
 * Everything is owned by one tw_purger_t on the stack of the command;
 * one thread; no globals beyond the signal flag of tw_purger.c.
 *
 * This header is the purger's data, shared by its files, and its two
 * entry points; it depends on none of them.  The daemon (tw_purger.c:
 * start, loop, batches, stop) is on top; below it, each with its own
 * header, the journal (tw_purge_journal.h), the state and status files
 * (tw_purge_state.h), and the CDNs: what a batch becomes on the wire
 * (tw_purge_cdn.h) and what an answer means (tw_purge_answer.h).
 */

#ifndef TW_PURGE_H
#define TW_PURGE_H

#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>


#define TW_PURGE_PREFIX_MAX    1024     /* bytes of a journal prefix */
#define TW_PURGE_MESSAGE_MAX   256      /* a CDN's error, as kept */
#define TW_PURGE_ANSWER_MAX    8192     /* bytes of an answer kept */
#define TW_PURGE_ORIGIN_MAX    64
#define TW_PURGE_HOST_MAX      256


typedef enum {
    TW_CDN_CLOUDFRONT = 0,
    TW_CDN_CLOUDFLARE,
    TW_CDN_MAX
} tw_cdn_kind_t;


typedef struct {
    char               *journal;          /* required */
    char               *state;            /* NULL: journal + ".state" */
    char               *status;           /* NULL: journal + ".status" */
    char               *origin;           /* NULL: the host name */
    uint32_t            poll_ms;
    uint32_t            connect_timeout_ms;
    uint32_t            timeout_ms;
    uint32_t            retry_ms;          /* first backoff */
    uint32_t            retry_max_ms;
    uint32_t            attempts;          /* per request, first included */
    uint32_t            failures;          /* kept per CDN */
    uint32_t            queue;             /* purges held in memory */

    char               *cloudfront_distribution;   /* NULL: off */
    char               *cloudfront_endpoint;
    uint32_t            cloudfront_batch;

    char               *cloudflare_zone;           /* NULL: off */
    char               *cloudflare_host;
    char               *cloudflare_endpoint;
    uint32_t            cloudflare_batch;
} tw_purge_conf_t;


/* one purge read from the journal */
typedef struct {
    uint64_t            seq;
    int64_t             time_ms;
    int64_t             offset;            /* of its line */
    char               *prefix;            /* malloc(), NUL terminated */
    unsigned            exact:1;           /* not ending in '/' */
} tw_purge_t;


/* a purge a CDN did not take: kept for the status file */
typedef struct {
    uint64_t            seq;
    long                status;            /* HTTP; 0: no answer */
    int64_t             time_ms;           /* wall clock, when kept */
    char               *prefix;            /* malloc() */
    char                message[TW_PURGE_MESSAGE_MAX];
} tw_purge_failure_t;


typedef enum {
    TW_SEND_OK = 0,
    TW_SEND_RETRY,                         /* no answer, 5xx, 429, ... */
    TW_SEND_REJECTED                       /* any other answer */
} tw_send_verdict_t;


typedef struct {
    tw_send_verdict_t   verdict;
    long                status;            /* 0: no answer */
    uint32_t            retry_after_ms;    /* 0: the CDN did not say */
    char                message[TW_PURGE_MESSAGE_MAX];   /* "" on OK */
    char                id[64];            /* CloudFront's invalidation */
} tw_send_result_t;


/*
 * A request for one batch of consecutive purges, kept from its first
 * attempt to its outcome: the body (and so CloudFront's CallerReference)
 * is the same for every attempt; the signature is made anew each time.
 */
typedef struct {
    uint64_t            from;              /* queue index of the first */
    uint32_t            count;
    uint64_t            first;             /* seqs */
    uint64_t            last;
    uint32_t            attempt;           /* attempts started */
    int64_t             next_ms;           /* monotonic: next attempt */

    char               *body;              /* malloc() */
    size_t              body_len;

    CURL               *curl;              /* while an attempt runs */
    struct curl_slist  *headers;
    char                errbuf[CURL_ERROR_SIZE];
    char                answer[TW_PURGE_ANSWER_MAX + 1];
    size_t              answer_len;
    uint32_t            retry_after_ms;
} tw_send_t;


typedef struct {
    tw_cdn_kind_t       kind;
    const char         *name;              /* "cloudfront", the label */
    unsigned            enabled:1;
    const char         *endpoint;          /* scheme://authority */
    size_t              scheme_len;
    char                authority[TW_PURGE_HOST_MAX];   /* Host header */
    const char         *target;            /* distribution, zone */
    uint32_t            batch;

    /* durable (the state file) */
    uint64_t            done;
    uint64_t            inflight;          /* last seq of the batch being
                                              sent; 0: none */

    uint64_t            pos;               /* queue index, next purge */
    uint64_t            solo_until;        /* send alone up to this seq */
    tw_send_t          *send;

    /* counted since the start, for the status file */
    uint64_t            sent;
    uint64_t            retries;
    uint64_t            failed;

    tw_purge_failure_t *failures;          /* ring of conf.failures */
    uint32_t            nfailures;
    uint32_t            failure_next;
} tw_cdn_t;


typedef struct {
    const char         *path;
    int                 fd;                /* -1: not open */
    dev_t               dev;
    ino_t               ino;
    int64_t             offset;            /* next line starts here */
    uint64_t            last_seq;          /* highest read */
    uint64_t            bad_lines;
    unsigned            hint:1;            /* offset is the state file's,
                                              not yet checked */
    unsigned            skipping:1;        /* in an overlong line */
    unsigned            more:1;            /* the last read stopped
                                              before the end */
    unsigned            missing_logged:1;
} tw_journal_t;


typedef struct {
    tw_purge_conf_t     conf;
    tw_cdn_t            cdn[TW_CDN_MAX];
    tw_journal_t        journal;

    /* the queue: a ring of conf.queue purges, indexes absolute */
    tw_purge_t         *queue;
    uint64_t            qhead;
    uint64_t            qtail;

    CURLM              *multi;

    /* from the environment, read once at start */
    const char         *aws_access_key;
    const char         *aws_secret_key;
    const char         *aws_session_token;
    const char         *cloudflare_token;

    int                 lock_fd;
    unsigned            state_dirty:1;
    unsigned            status_dirty:1;
    int64_t             status_ms;         /* last written, monotonic */
    int64_t             state_ms;          /* last save retried */
} tw_purger_t;

#define tw_purge_at(p, i)  (&(p)->queue[(i) % (p)->conf.queue])


/* tw_purger.c: "transcode-worker purger ..." */
int tw_purge_command(int argc, char **argv);

/* tw_purge_conf.c: the configuration file and the flags, defaults
 * applied and checked; -1 logged */
int tw_purge_conf(int argc, char **argv, tw_purge_conf_t *conf);
void tw_purge_conf_free(tw_purge_conf_t *conf);


#endif /* TW_PURGE_H */
