/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "purger": start, the main loop, the batches and their retries, stop
 * (see tw_purge.h for the design, docs/cdn-purge.md for the operator's
 * view).
 *
 * One thread.  Each tick (at most "poll" apart, sooner when a transfer
 * has something to do) it reads at most TW_PURGE_READ_MAX bytes of the
 * journal, finishes the requests that ended, starts for each CDN its
 * next attempt when one is due, and writes the state and status files
 * when they changed.  A CDN has at most one request at a time, so its
 * purges go out in journal order and "done" is one number.
 *
 * SIGTERM / SIGINT only set a flag.  Within a tick the purger stops
 * reading and starting, gives the requests in flight up to
 * TW_PURGE_DRAIN_MS to end, abandons the others (their batch stays
 * "inflight" in the state file and is sent again, identically, at the
 * next start), writes both files and exits 0.  A second signal stops
 * the wait.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "purger/tw_purge.h"
#include "purger/tw_purge_answer.h"
#include "purger/tw_purge_cdn.h"
#include "purger/tw_purge_journal.h"
#include "purger/tw_purge_state.h"
#include "s3/tw_s3.h"


#define TW_PURGE_READ_MAX      65536    /* journal bytes per tick */
#define TW_PURGE_STATUS_EVERY  5000     /* ms: status rewritten, state
                                           save retried */
#define TW_PURGE_DRAIN_MS      5000     /* at stop, for requests in
                                           flight */


static void tw_purge_signal(int signo);
static int tw_purge_init(tw_purger_t *p, int argc, char **argv);
static int tw_purge_lock(tw_purger_t *p);
static int tw_purge_emit(void *data, const tw_purge_t *purge);
static void tw_purge_release(tw_purger_t *p);
static int tw_purge_batch(tw_purger_t *p, tw_cdn_t *cdn, int64_t now);
static void tw_purge_start(tw_purger_t *p, tw_cdn_t *cdn, int64_t now);
static void tw_purge_finish(tw_purger_t *p, CURLMsg *msg, int64_t now);
static void tw_purge_outcome(tw_purger_t *p, tw_cdn_t *cdn,
    tw_send_result_t *res, int64_t now);
static void tw_purge_advance(tw_purger_t *p, tw_cdn_t *cdn);
static void tw_purge_send_free(tw_purger_t *p, tw_cdn_t *cdn);
static const char *tw_purge_range(tw_send_t *send, char *buf, size_t size);
static const char *tw_purge_why(tw_send_result_t *res, char *buf,
    size_t size);
static int tw_purge_tick(tw_purger_t *p, int stopping);
static void tw_purge_wait(tw_purger_t *p, int64_t now);
static void tw_purge_free(tw_purger_t *p);


static volatile sig_atomic_t  tw_purge_signals;


static void
tw_purge_signal(int signo)
{
    tw_purge_signals++;
}


/* one purger per state file: two would send everything twice */
static int
tw_purge_lock(tw_purger_t *p)
{
    char  path[4096];

    snprintf(path, sizeof(path), "%s.lock", p->conf.state);

    p->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (p->lock_fd == -1) {
        tw_log(TW_LOG_ERR, "cannot open \"%s\": %s", path, strerror(errno));
        return -1;
    }

    if (flock(p->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        tw_log(TW_LOG_ERR, "another purger holds \"%s\": %s", path,
               errno == EWOULDBLOCK ? "already running" : strerror(errno));
        return -1;
    }

    return 0;
}


static int
tw_purge_init(tw_purger_t *p, int argc, char **argv)
{
    int        i;
    int64_t    offset;
    uint64_t   dev, ino;
    tw_cdn_t  *cdn;

    p->lock_fd = -1;
    p->journal.fd = -1;

    if (tw_purge_conf(argc, argv, &p->conf) != 0) {
        return -1;
    }

    p->aws_access_key = getenv("AWS_ACCESS_KEY_ID");
    p->aws_secret_key = getenv("AWS_SECRET_ACCESS_KEY");
    p->aws_session_token = getenv("AWS_SESSION_TOKEN");
    p->cloudflare_token = getenv("CLOUDFLARE_API_TOKEN");

    cdn = &p->cdn[TW_CDN_CLOUDFRONT];
    cdn->kind = TW_CDN_CLOUDFRONT;
    cdn->name = "cloudfront";
    cdn->enabled = p->conf.cloudfront_distribution != NULL;
    cdn->endpoint = p->conf.cloudfront_endpoint;
    cdn->target = p->conf.cloudfront_distribution;
    cdn->batch = p->conf.cloudfront_batch;

    cdn = &p->cdn[TW_CDN_CLOUDFLARE];
    cdn->kind = TW_CDN_CLOUDFLARE;
    cdn->name = "cloudflare";
    cdn->enabled = p->conf.cloudflare_zone != NULL;
    cdn->endpoint = p->conf.cloudflare_endpoint;
    cdn->target = p->conf.cloudflare_zone;
    cdn->batch = p->conf.cloudflare_batch;

    for (i = 0; i < TW_CDN_MAX; i++) {
        cdn = &p->cdn[i];

        if (!cdn->enabled) {
            continue;
        }

        if (tw_purge_cdn_check(p, cdn) != 0) {
            return -1;
        }

        cdn->failures = calloc(p->conf.failures, sizeof(tw_purge_failure_t));
        if (cdn->failures == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
    }

    p->queue = calloc(p->conf.queue, sizeof(tw_purge_t));
    if (p->queue == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    if (tw_purge_lock(p) != 0
        || tw_purge_state_load(p, &dev, &ino, &offset) != 0
        || tw_s3_init() != 0)
    {
        return -1;
    }

    p->multi = curl_multi_init();
    if (p->multi == NULL) {
        tw_log(TW_LOG_ERR, "curl_multi_init() failed");
        return -1;
    }

    /* one connection per CDN is all a purger needs */
    curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, (long) TW_CDN_MAX);

    tw_journal_open(&p->journal, p->conf.journal, dev, ino, offset);

    return 0;
}


/* a purge read from the journal joins the queue, unless every CDN has
 * done it already */
static int
tw_purge_emit(void *data, const tw_purge_t *purge)
{
    int          i, needed;
    tw_purge_t  *q;
    tw_purger_t *p;

    p = data;
    needed = 0;

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (p->cdn[i].enabled && purge->seq > p->cdn[i].done) {
            needed = 1;
        }
    }

    if (!needed) {
        return 0;
    }

    if (p->qtail - p->qhead == p->conf.queue) {
        return 1;
    }

    q = tw_purge_at(p, p->qtail);
    *q = *purge;
    q->prefix = strdup(purge->prefix);

    if (q->prefix == NULL) {
        tw_log(TW_LOG_ERR, "out of memory: journal reading paused");
        return 1;
    }

    p->qtail++;
    p->status_dirty = 1;

    return 0;
}


/* purges every CDN is past leave the queue */
static void
tw_purge_release(tw_purger_t *p)
{
    int       i;
    uint64_t  min;

    min = p->qtail;

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (p->cdn[i].enabled && p->cdn[i].pos < min) {
            min = p->cdn[i].pos;
        }
    }

    while (p->qhead < min) {
        free(tw_purge_at(p, p->qhead)->prefix);
        tw_purge_at(p, p->qhead)->prefix = NULL;
        p->qhead++;
    }
}


/*
 * The next batch of cdn: consecutive purges after done, up to its batch
 * size, one Cloudflare kind.  After a restart the batch that was in
 * flight is made again exactly (same seqs, so the same CallerReference),
 * once the journal has been read that far.  1 when there is one.
 */
static int
tw_purge_batch(tw_purger_t *p, tw_cdn_t *cdn, int64_t now)
{
    int          kind;
    uint32_t     n, limit;
    tw_send_t   *send;
    tw_purge_t  *first, *e;

    while (cdn->pos < p->qtail && tw_purge_at(p, cdn->pos)->seq <= cdn->done)
    {
        cdn->pos++;
    }

    if (cdn->pos == p->qtail) {
        return 0;
    }

    if (cdn->inflight && p->journal.last_seq < cdn->inflight
        && p->journal.more)
    {
        return 0;
    }

    first = tw_purge_at(p, cdn->pos);

    if (cdn->inflight && first->seq > cdn->inflight) {
        /* its purges are not in this journal any more */
        cdn->inflight = 0;
    }

    kind = tw_purge_cloudflare_kind(first);
    limit = first->seq <= cdn->solo_until ? 1 : cdn->batch;

    for (n = 0; n < limit && cdn->pos + n < p->qtail; n++) {
        e = tw_purge_at(p, cdn->pos + n);

        if ((cdn->inflight && e->seq > cdn->inflight)
            || (cdn->kind == TW_CDN_CLOUDFLARE
                && tw_purge_cloudflare_kind(e) != kind))
        {
            break;
        }
    }

    send = calloc(1, sizeof(tw_send_t));
    if (send == NULL) {
        tw_log(TW_LOG_ERR, "%s: out of memory", cdn->name);
        return 0;
    }

    send->from = cdn->pos;
    send->count = n;
    send->first = first->seq;
    send->last = tw_purge_at(p, cdn->pos + n - 1)->seq;
    send->next_ms = now;

    cdn->send = send;

    /* durable before it goes out: a restart sends the same batch */
    if (cdn->inflight != send->last) {
        cdn->inflight = send->last;

        if (tw_purge_state_save(p) != 0) {
            p->state_dirty = 1;
        }
    }

    return 1;
}


static void
tw_purge_start(tw_purger_t *p, tw_cdn_t *cdn, int64_t now)
{
    tw_send_t         *send;
    tw_send_result_t   res;

    if (cdn->send == NULL && !tw_purge_batch(p, cdn, now)) {
        return;
    }

    send = cdn->send;

    if (send->curl || now < send->next_ms) {
        return;
    }

    send->attempt++;

    if (tw_purge_cdn_request(p, cdn, send) != 0
        || curl_multi_add_handle(p->multi, send->curl) != CURLM_OK)
    {
        /* logged (or curl's refusal, which cannot happen with a new
         * handle): counts as a failed attempt */
        if (send->curl) {
            curl_easy_cleanup(send->curl);
            send->curl = NULL;
        }

        memset(&res, 0, sizeof(tw_send_result_t));
        res.verdict = TW_SEND_RETRY;
        snprintf(res.message, sizeof(res.message), "request not made");
        tw_purge_outcome(p, cdn, &res, now);
    }
}


static void
tw_purge_finish(tw_purger_t *p, CURLMsg *msg, int64_t now)
{
    char              *priv;
    tw_cdn_t          *cdn;
    tw_send_result_t   res;

    priv = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    cdn = (tw_cdn_t *) priv;

    tw_purge_cdn_result(cdn, cdn->send, msg->data.result, &res);

    curl_multi_remove_handle(p->multi, cdn->send->curl);
    curl_easy_cleanup(cdn->send->curl);
    cdn->send->curl = NULL;

    tw_purge_outcome(p, cdn, &res, now);
}


static const char *
tw_purge_range(tw_send_t *send, char *buf, size_t size)
{
    if (send->first == send->last) {
        snprintf(buf, size, "purge %" PRIu64, send->first);

    } else {
        snprintf(buf, size, "purges %" PRIu64 "-%" PRIu64 " (%u)",
                 send->first, send->last, send->count);
    }

    return buf;
}


/* "HTTP 503 <the CDN's words>", or "no answer: <curl's reason>" */
static const char *
tw_purge_why(tw_send_result_t *res, char *buf, size_t size)
{
    if (res->status) {
        snprintf(buf, size, "HTTP %ld %s", res->status, res->message);

    } else {
        snprintf(buf, size, "no answer: %s", res->message);
    }

    return buf;
}


static void
tw_purge_outcome(tw_purger_t *p, tw_cdn_t *cdn, tw_send_result_t *res,
    int64_t now)
{
    char          range[96], why[TW_PURGE_MESSAGE_MAX + 32];
    int64_t       when;
    uint32_t      i, delay;
    tw_send_t    *send;
    tw_purge_t   *e;

    send = cdn->send;
    tw_purge_range(send, range, sizeof(range));
    tw_purge_why(res, why, sizeof(why));
    p->status_dirty = 1;

    if (res->verdict == TW_SEND_OK) {
        cdn->sent += send->count;
        tw_log(TW_LOG_INFO, "%s: %s sent%s%s%s", cdn->name, range,
               res->id[0] ? " as " : "", res->id,
               send->attempt > 1 ? ", after retries" : "");
        tw_purge_advance(p, cdn);
        return;
    }

    if (res->verdict == TW_SEND_RETRY && send->attempt < p->conf.attempts) {
        delay = p->conf.retry_ms;

        for (i = 1; i < send->attempt && delay < p->conf.retry_max_ms; i++)
        {
            delay *= 2;
        }

        if (res->retry_after_ms > delay) {
            delay = res->retry_after_ms;
        }

        if (delay > p->conf.retry_max_ms) {
            delay = p->conf.retry_max_ms;
        }

        send->next_ms = now + delay;
        cdn->retries++;

        tw_log(TW_LOG_WARN, "%s: %s: %s; attempt %u of %u, next in %u ms",
               cdn->name, range, why, send->attempt, p->conf.attempts,
               delay);
        return;
    }

    if (res->verdict == TW_SEND_REJECTED && send->count > 1) {
        /* one bad path must not fail its neighbours: each alone */
        tw_log(TW_LOG_WARN, "%s: %s rejected together: %s; sending them "
               "one by one", cdn->name, range, why);
        cdn->solo_until = send->last;
        cdn->inflight = 0;
        tw_purge_send_free(p, cdn);
        p->state_dirty = 1;
        return;
    }

    e = tw_purge_at(p, send->from);

    tw_log(TW_LOG_ERR, "%s: %s (\"%s\"%s) failed%s: %s", cdn->name, range,
           e->prefix, send->count > 1 ? ", ..." : "",
           res->verdict == TW_SEND_RETRY ? " after every attempt" : "", why);

    when = tw_wall_ms();

    for (i = 0; i < send->count; i++) {
        e = tw_purge_at(p, send->from + i);
        tw_purge_failure_keep(p, cdn, e->seq, res->status, when, e->prefix,
                              res->message);
    }

    cdn->failed += send->count;

    tw_purge_advance(p, cdn);
}


/* the batch is done with, sent or failed: saved at once */
static void
tw_purge_advance(tw_purger_t *p, tw_cdn_t *cdn)
{
    cdn->done = cdn->send->last;
    cdn->pos = cdn->send->from + cdn->send->count;
    cdn->inflight = 0;

    tw_purge_send_free(p, cdn);
    tw_purge_release(p);

    if (tw_purge_state_save(p) != 0) {
        p->state_dirty = 1;
    }
}


static void
tw_purge_send_free(tw_purger_t *p, tw_cdn_t *cdn)
{
    tw_send_t  *send;

    send = cdn->send;

    if (send == NULL) {
        return;
    }

    if (send->curl) {
        curl_multi_remove_handle(p->multi, send->curl);
        curl_easy_cleanup(send->curl);
    }

    curl_slist_free_all(send->headers);
    free(send->body);
    free(send);

    cdn->send = NULL;
}


/* one tick; returns the number of requests in flight */
static int
tw_purge_tick(tw_purger_t *p, int stopping)
{
    int        i, running, left;
    int64_t    now;
    CURLMsg   *msg;

    now = tw_clock_ms();

    curl_multi_perform(p->multi, &running);

    while ((msg = curl_multi_info_read(p->multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            tw_purge_finish(p, msg, now);
        }
    }

    if (!stopping) {
        tw_journal_read(&p->journal, TW_PURGE_READ_MAX, tw_purge_emit, p);

        for (i = 0; i < TW_CDN_MAX; i++) {
            if (p->cdn[i].enabled) {
                tw_purge_start(p, &p->cdn[i], now);
            }
        }

        /* the new requests go out now, not at the next tick */
        curl_multi_perform(p->multi, &running);
    }

    /* a save that failed (logged) is tried again now and then */
    if (p->state_dirty && now - p->state_ms >= TW_PURGE_STATUS_EVERY) {
        p->state_ms = now;
        (void) tw_purge_state_save(p);
    }

    if (p->status_dirty || now - p->status_ms >= TW_PURGE_STATUS_EVERY) {
        (void) tw_purge_status_write(p);
        p->status_dirty = 0;
        p->status_ms = now;
    }

    return running;
}


/* until the next tick: "poll", or sooner for a retry or curl's timers;
 * a transfer's socket wakes it up */
static void
tw_purge_wait(tw_purger_t *p, int64_t now)
{
    int        i;
    long       curl_ms;
    int64_t    ms;
    tw_send_t *send;

    ms = p->conf.poll_ms;

    for (i = 0; i < TW_CDN_MAX; i++) {
        send = p->cdn[i].send;

        /* one already due waits for the stop, not for a tick */
        if (send && send->curl == NULL && send->next_ms > now
            && send->next_ms - now < ms)
        {
            ms = send->next_ms - now;
        }
    }

    if (curl_multi_timeout(p->multi, &curl_ms) == CURLM_OK && curl_ms >= 0
        && curl_ms < ms)
    {
        ms = curl_ms;
    }

    if (ms < 0) {
        ms = 0;
    }

    curl_multi_poll(p->multi, NULL, 0, (int) ms, NULL);
}


static void
tw_purge_free(tw_purger_t *p)
{
    int       i;
    uint64_t  k;

    for (i = 0; i < TW_CDN_MAX; i++) {
        tw_purge_send_free(p, &p->cdn[i]);
        tw_purge_failures_free(p, &p->cdn[i]);
    }

    if (p->queue) {
        for (k = p->qhead; k < p->qtail; k++) {
            free(tw_purge_at(p, k)->prefix);
        }

        free(p->queue);
    }

    if (p->multi) {
        curl_multi_cleanup(p->multi);
    }

    tw_s3_cleanup();
    tw_journal_close(&p->journal);

    if (p->lock_fd != -1) {
        close(p->lock_fd);
    }

    tw_purge_conf_free(&p->conf);
}


int
tw_purge_command(int argc, char **argv)
{
    int                rc, i, running;
    int64_t            deadline;
    tw_purger_t        p;
    struct sigaction   sa;

    rc = 1;
    memset(&p, 0, sizeof(tw_purger_t));

    if (tw_purge_init(&p, argc, argv) != 0) {
        goto end;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tw_purge_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    tw_log(TW_LOG_INFO, "purger following \"%s\" (state \"%s\", status "
           "\"%s\", origin \"%s\")", p.conf.journal, p.conf.state,
           p.conf.status, p.conf.origin);

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (p.cdn[i].enabled) {
            tw_log(TW_LOG_INFO, "%s \"%s\" at %s, done up to seq %" PRIu64,
                   p.cdn[i].name, p.cdn[i].target, p.cdn[i].endpoint,
                   p.cdn[i].done);
        }
    }

    while (tw_purge_signals == 0) {
        (void) tw_purge_tick(&p, 0);
        tw_purge_wait(&p, tw_clock_ms());
    }

    tw_log(TW_LOG_INFO, "stopping");

    deadline = tw_clock_ms() + TW_PURGE_DRAIN_MS;

    do {
        running = tw_purge_tick(&p, 1);

        if (running) {
            tw_purge_wait(&p, tw_clock_ms());
        }

    } while (running && tw_clock_ms() < deadline
             && tw_purge_signals < 2);

    if (running) {
        tw_log(TW_LOG_WARN, "%d request(s) still in flight abandoned: "
               "their purges are sent again at the next start", running);
    }

    /* what ended during the drain is saved; abandoned batches stay
     * "inflight" */
    rc = 0;

    if (tw_purge_state_save(&p) != 0) {
        rc = 1;
    }

    (void) tw_purge_status_write(&p);

    tw_log(TW_LOG_INFO, "stopped");

end:

    tw_purge_free(&p);

    return rc;
}
