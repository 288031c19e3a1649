/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "vo_media.h"
#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "ingest/tw_ingest_job.h"
#include "ingest/tw_ingest_queue.h"
#include "ingest/tw_ingest_state.h"
#include "package/tw_ladder.h"
#include "package/tw_request.h"


#define TW_REASON_MAX  512


static const char *tw_field(redisReply *kv, const char *name);
static int tw_ingest_probe(tw_ingest_ctx_t *x, const char *id,
    const char *source);
static int tw_ingest_describe(tw_ingest_ctx_t *x, const char *id,
    const char *source, tw_ingest_job_t *j, vo_media_t *m, char **json);
static int tw_ingest_split(tw_ingest_ctx_t *x, const char *id,
    const tw_ingest_job_t *j);
static int tw_ingest_eager(const tw_ingest_conf_t *conf, const vo_media_t *m,
    uint32_t *mask);
static int tw_ingest_chunk(tw_ingest_ctx_t *x, redisReply *kv);
static int tw_ingest_segment(tw_ingest_ctx_t *x, const vo_media_t *m,
    uint32_t r, uint32_t n);
static int tw_ingest_object(tw_ingest_ctx_t *x, const vo_media_t *m,
    vo_req_kind_t kind, const char *name, uint32_t n, int companions);
static void tw_ingest_touch(tw_ingest_ctx_t *x);
static int tw_ingest_failed(tw_ingest_ctx_t *x, const char *id,
    const char *gen, const char *reason);
static int tw_ingest_finish(tw_ingest_ctx_t *x, const char *id);
static void tw_ingest_reason(const tw_store_t *st, const char *key,
    char *reason, size_t size);


static const char *
tw_field(redisReply *kv, const char *name)
{
    size_t  i;

    for (i = 0; kv && kv->type == REDIS_REPLY_ARRAY && i + 1 < kv->elements;
         i += 2)
    {
        if (kv->element[i]->type == REDIS_REPLY_STRING
            && kv->element[i + 1]->type == REDIS_REPLY_STRING
            && strcmp(kv->element[i]->str, name) == 0)
        {
            return kv->element[i + 1]->str;
        }
    }

    return NULL;
}


int
tw_ingest_job(tw_ingest_ctx_t *x, void *entry)
{
    redisReply  *kv = entry;
    const char  *type, *id, *source;

    type = tw_field(kv, "type");
    id = tw_field(kv, "id");

    if (type == NULL || id == NULL || vo_id_valid((const u_char *) id, strlen(id)) == 0) {
        tw_log(TW_LOG_WARN, "job %s: no type or no valid id, dropped",
               x->entry);
        return TW_JOB_ACK;
    }

    if (strcmp(type, "probe") == 0) {
        source = tw_field(kv, "source");
        if (source == NULL) {
            return tw_ingest_failed(x, id, x->entry, "probe job without "
                                    "a source");
        }

        return tw_ingest_probe(x, id, source);
    }

    if (strcmp(type, "chunk") == 0) {
        return tw_ingest_chunk(x, kv);
    }

    tw_log(TW_LOG_WARN, "job %s: unknown type \"%s\", dropped", x->entry,
           type);
    return TW_JOB_ACK;
}


/* the probe of gen x->entry; a probe delivered again after it queued its
 * chunks only makes sure the outcome is published */
static int
tw_ingest_probe(tw_ingest_ctx_t *x, const char *id, const char *source)
{
    int               rc;
    char             *json, err[256], reason[TW_REASON_MAX], key[96];
    vo_media_t       *m;
    redisReply       *reply;
    tw_ingest_job_t   j;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);

    reply = tw_redis_command(x->redis, "HGET %s queued", key);
    if (reply == NULL) {
        return TW_JOB_LEAVE;
    }

    rc = reply->type == REDIS_REPLY_STRING && strcmp(reply->str, x->entry)
                                              == 0;
    freeReplyObject(reply);

    if (rc) {
        return tw_ingest_finish(x, id);
    }

    /* a source the store lacks (or cannot tell about) is tried again
     * until max-deliveries; one that is there and refused fails now */
    if (tw_store_exists(&x->conf->store, source) != 1) {
        tw_log(TW_LOG_WARN, "\"%s\": source \"%s\" not in the store (yet)",
               id, source);
        snprintf(reason, sizeof(reason), "source \"%s\" not in the store",
                 source);
        (void) tw_ingest_chunk_error(x->redis, id, "probe", reason, err,
                                     sizeof(err));
        return TW_JOB_LEAVE;
    }

    m = calloc(1, sizeof(vo_media_t));
    if (m == NULL) {
        return TW_JOB_LEAVE;
    }

    json = NULL;
    tw_log_capture(reason, sizeof(reason));
    rc = tw_ingest_describe(x, id, source, &j, m, &json);
    tw_log_capture(NULL, 0);

    if (rc != 0) {
        free(m);
        tw_ingest_reason(&x->conf->store, source, reason, sizeof(reason));
        return tw_ingest_failed(x, id, x->entry, reason[0] ? reason
                                : "the source cannot be probed");
    }

    rc = TW_JOB_LEAVE;
    j.media = json;

    if (tw_ingest_reset(x->redis, id, &j, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
        goto end;
    }

    /* the probe policy: playable from now on, just in time */
    if (j.policy == TW_READY_PROBE
        && tw_package_describe(&x->conf->store, m) != 0)
    {
        goto end;
    }

    if (tw_ingest_split(x, id, &j) != 0) {
        goto end;
    }

    tw_log(TW_LOG_INFO, "\"%s\" probed: %u segments, %u chunk(s) of %u",
           id, j.segments, j.chunks, j.chunk_segments);

    rc = tw_ingest_finish(x, id);

end:

    free(json);
    free(m);

    return rc;
}


/* the description and the job of the source, the init segments stored */
static int
tw_ingest_describe(tw_ingest_ctx_t *x, const char *id, const char *source,
    tw_ingest_job_t *j, vo_media_t *m, char **json)
{
    int                 rc;
    size_t              len;
    tw_rate_t           rates[VO_MAX_VIDEO + 1];
    tw_source_t        *src;
    tw_package_opts_t   o;

    memset(j, 0, sizeof(tw_ingest_job_t));
    memset(rates, 0, sizeof(rates));
    tw_ingest_package_opts(x->conf, id, source, &o);

    src = NULL;
    rc = -1;

    /* read from the store as just in time reads it (S3: ranged GETs) */
    if (tw_store_source(&x->conf->store, source, &src) < 0
        || tw_package_probe(&o, src, source, m) != 0
        || tw_ingest_eager(x->conf, m, &j->eager) != 0)
    {
        goto end;
    }

    tw_source_close(&src);

    if (tw_package_init(&x->conf->store, m, j->eager) != 0) {
        goto end;
    }

    /* the bounds, for every rendition: the description does not change
     * when the eager ones are done */
    tw_package_bandwidth(m, 0, rates);

    if (tw_package_json(m, json, &len) != 0) {
        goto end;
    }

    j->gen = x->entry;
    j->source = source;
    j->segments = m->segment_count;
    j->chunk_segments = x->conf->chunk_segments;
    j->chunks = j->eager ? (m->segment_count + j->chunk_segments - 1)
                           / j->chunk_segments
                         : 0;
    j->policy = x->conf->ready_policy;
    rc = 0;

end:

    tw_source_close(&src);
    return rc;
}


/* the chunks on vo:jobs, then the record that they are; a job of none is
 * done now */
static int
tw_ingest_split(tw_ingest_ctx_t *x, const char *id, const tw_ingest_job_t *j)
{
    char         err[256], num[3][16], progress[16];
    uint32_t     k, first, last;
    redisReply  *reply;

    for (k = 0; k < j->chunks; k++) {
        first = k * j->chunk_segments;
        last = first + j->chunk_segments - 1;
        if (last >= j->segments) {
            last = j->segments - 1;
        }

        snprintf(num[0], sizeof(num[0]), "%u", k);
        snprintf(num[1], sizeof(num[1]), "%u", first);
        snprintf(num[2], sizeof(num[2]), "%u", last);

        reply = tw_redis_command(x->redis, "XADD %s * type chunk id %s gen %s "
                             "chunk %s first %s last %s", TW_JOBS_STREAM, id,
                             j->gen, num[0], num[1], num[2]);
        if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
            tw_log(TW_LOG_ERR, "\"%s\": XADD chunk: %s", id,
                   reply ? reply->str : "no reply");
            freeReplyObject(reply);
            return -1;
        }

        freeReplyObject(reply);
    }

    if (tw_ingest_queued(x->redis, id, j->gen, err, sizeof(err)) != 0
        || (j->chunks == 0
            && tw_ingest_done(x->redis, id, j->gen, "", progress,
                              sizeof(progress), err, sizeof(err)) < 0))
    {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
        return -1;
    }

    return 0;
}


/* "lowest" or "lowest:N": the N lowest H.264 renditions (1); otherwise
 * the packager's --eager */
static int
tw_ingest_eager(const tw_ingest_conf_t *conf, const vo_media_t *m,
    uint32_t *mask)
{
    int       r;
    uint32_t  want;

    if (strncmp(conf->eager, "lowest", 6) != 0) {
        return tw_ladder_eager(conf->eager, conf->ladder, m, mask);
    }

    want = conf->eager[6] == ':' ? (uint32_t) atoi(conf->eager + 7) : 1;
    if ((conf->eager[6] != '\0' && conf->eager[6] != ':') || want == 0) {
        tw_log(TW_LOG_ERR, "eager \"%s\": lowest, lowest:N, all, none or "
               "rendition names", conf->eager);
        return -1;
    }

    *mask = 0;

    for (r = (int) m->nvideo - 1; r >= 0 && want; r--) {
        if (tw_video_family(&m->video[r]) == VO_CODEC_AVC) {
            *mask |= 1u << r;
            want--;
        }
    }

    return 0;
}


static int
tw_ingest_chunk(tw_ingest_ctx_t *x, redisReply *kv)
{
    int           rc;
    char          key[96], err[256], reason[TW_REASON_MAX], progress[16];
    char          text[TW_REASON_MAX + 64];
    uint32_t      n, r, first, last, eager;
    vo_media_t   *m;
    redisReply   *st;
    const char   *id, *gen, *chunk, *f, *l, *e;

    id = tw_field(kv, "id");
    gen = tw_field(kv, "gen");
    chunk = tw_field(kv, "chunk");
    f = tw_field(kv, "first");
    l = tw_field(kv, "last");

    if (gen == NULL || chunk == NULL || f == NULL || l == NULL) {
        tw_log(TW_LOG_WARN, "job %s: chunk without gen, chunk, first or "
               "last, dropped", x->entry);
        return TW_JOB_ACK;
    }

    first = (uint32_t) strtoul(f, NULL, 10);
    last = (uint32_t) strtoul(l, NULL, 10);
    snprintf(key, sizeof(key), TW_INGEST_KEY, id);

    st = tw_redis_command(x->redis, "HMGET %s gen outcome media eager", key);
    if (st == NULL || st->type != REDIS_REPLY_ARRAY || st->elements != 4) {
        freeReplyObject(st);
        return TW_JOB_LEAVE;
    }

    if (st->element[0]->type != REDIS_REPLY_STRING
        || strcmp(st->element[0]->str, gen) != 0)
    {
        tw_log(TW_LOG_INFO, "\"%s\": chunk %s of an older job, dropped", id,
               chunk);
        freeReplyObject(st);
        return TW_JOB_ACK;
    }

    /* a failed video's other chunks are still made: a retry of the
     * failed chunk alone then completes it */
    if ((st->element[1]->type == REDIS_REPLY_STRING
         && strcmp(st->element[1]->str, "ready") == 0)
        || st->element[2]->type != REDIS_REPLY_STRING)
    {
        freeReplyObject(st);
        return tw_ingest_finish(x, id);
    }

    m = calloc(1, sizeof(vo_media_t));
    e = NULL;
    if (m == NULL || vo_media_parse((u_char *) st->element[2]->str,
                                    st->element[2]->len, m, &e) != VO_OK
        || last >= m->segment_count || first > last)
    {
        snprintf(text, sizeof(text), "chunk %s: bad description or range: "
                 "%s", chunk, e ? e : "out of memory or range");
        freeReplyObject(st);
        free(m);
        return tw_ingest_failed(x, id, gen, text);
    }

    eager = (uint32_t) strtoul(st->element[3]->type == REDIS_REPLY_STRING
                               ? st->element[3]->str : "0", NULL, 10);
    freeReplyObject(st);

    rc = 0;
    tw_log_capture(reason, sizeof(reason));

    for (n = first; rc == 0 && n <= last; n++) {
        for (r = 0; rc == 0 && r < m->nvideo; r++) {
            if (eager & (1u << r)) {
                rc = tw_ingest_segment(x, m, r, n);
            }
        }

        if (rc == 0 && m->naudio) {
            rc = tw_ingest_segment(x, m, VO_MAX_VIDEO, n);
        }
    }

    tw_log_capture(NULL, 0);

    if (rc != 0) {
        tw_ingest_reason(&x->conf->store, m->source, reason, sizeof(reason));
        free(m);
        tw_log(TW_LOG_WARN, "\"%s\": chunk %s (segments %u-%u) failed at "
               "delivery %u: %s", id, chunk, first, last, x->deliveries,
               reason);
        (void) tw_ingest_chunk_error(x->redis, id, chunk, reason[0] ? reason
                                     : "segment not made", err, sizeof(err));
        return TW_JOB_LEAVE;
    }

    free(m);
    rc = tw_ingest_done(x->redis, id, gen, chunk, progress, sizeof(progress),
                        err, sizeof(err));
    if (rc < 0) {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
        return TW_JOB_LEAVE;
    }

    tw_log(TW_LOG_INFO, "\"%s\": chunk %s (segments %u-%u) done, progress %s",
           id, chunk, first, last, progress);

    if (rc == 1) {
        (void) tw_ingest_progress(x->redis, id, progress, err, sizeof(err));
    }

    return tw_ingest_finish(x, id);
}


/* segment n of video[r] (VO_MAX_VIDEO: the audio track) in each format,
 * those the store lacks; a TS segment's encode gives the fMP4 ones */
static int
tw_ingest_segment(tw_ingest_ctx_t *x, const vo_media_t *m, uint32_t r,
    uint32_t n)
{
    const char  *name;

    name = r < VO_MAX_VIDEO ? m->video[r].name : m->audio[0].name;

    if (r < VO_MAX_VIDEO && (m->formats & VO_FORMAT_TS)
        && tw_video_family(&m->video[r]) == VO_CODEC_AVC
        && tw_ingest_object(x, m, VO_REQ_SEGMENT_TS, name, n, 1) != 0)
    {
        return -1;
    }

    if ((m->formats & VO_FORMAT_FMP4)
        && tw_ingest_object(x, m, VO_REQ_SEGMENT, name, n, 0) != 0)
    {
        return -1;
    }

    return 0;
}


static int
tw_ingest_object(tw_ingest_ctx_t *x, const vo_media_t *m, vo_req_kind_t kind,
    const char *name, uint32_t n, int companions)
{
    int             rc, i;
    char            key[TW_KEY_MAX];
    tw_bytes_t      out;
    vo_request_t    req;
    tw_companion_t  comp[TW_COMPANIONS];
    const tw_store_t  *st = &x->conf->store;

    if (tw_object_key(m, kind, name, n, key, sizeof(key)) != 0) {
        return -1;
    }

    /* made just in time for an early viewer, or by a worker that died
     * before it recorded the chunk */
    if (tw_store_exists(st, key) == 1) {
        return 0;
    }

    memset(&req, 0, sizeof(vo_request_t));
    req.kind = kind;
    req.id.data = (const u_char *) m->id;
    req.id.len = strlen(m->id);
    req.rendition.data = (const u_char *) name;
    req.rendition.len = strlen(name);
    req.segment = n;

    memset(&out, 0, sizeof(tw_bytes_t));
    memset(comp, 0, sizeof(comp));

    rc = tw_object_make(st, m, &req, &out, companions ? comp : NULL) == 0
         && tw_store_write(st, key, out.data, out.len) == 0
         ? 0 : -1;

    for (i = 0; companions && i < TW_COMPANIONS; i++) {
        if (rc == 0 && comp[i].key[0]
            && tw_store_write(st, comp[i].key, comp[i].bytes.data,
                              comp[i].bytes.len) != 0)
        {
            rc = -1;
        }
        tw_bytes_free(&comp[i].bytes);
    }

    tw_bytes_free(&out);
    tw_ingest_touch(x);

    return rc;
}


/* the entry's idle time reset (XCLAIM JUSTID of our own entry: no
 * delivery counted) every third of claim-idle, so that a long chunk is
 * not taken from a live worker */
static void
tw_ingest_touch(tw_ingest_ctx_t *x)
{
    double       now;
    redisReply  *reply;

    now = tw_clock();
    if ((now - x->touched) * 1000 < x->conf->claim_idle_ms / 3.0) {
        return;
    }

    x->touched = now;
    reply = tw_redis_command(x->redis, "XCLAIM %s %s %s 0 %s JUSTID",
                         TW_JOBS_STREAM, TW_JOBS_GROUP, x->conf->consumer,
                         x->entry);
    freeReplyObject(reply);
}


/* gen of id failed with reason (logged), the outcome published */
static int
tw_ingest_failed(tw_ingest_ctx_t *x, const char *id, const char *gen,
    const char *reason)
{
    char             err[256];
    redisReply      *reply;
    tw_ingest_job_t  j;

    tw_log(TW_LOG_WARN, "\"%s\" failed: %s", id, reason);

    /* a probe that failed is the job of its generation */
    if (strcmp(gen, x->entry) == 0) {
        reply = tw_redis_command(x->redis, "HGET " TW_INGEST_KEY " gen", id);
        if (reply == NULL) {
            return TW_JOB_LEAVE;
        }

        if (reply->type != REDIS_REPLY_STRING || strcmp(reply->str, gen)) {
            memset(&j, 0, sizeof(tw_ingest_job_t));
            j.gen = gen;
            j.source = "";
            j.policy = x->conf->ready_policy;

            if (tw_ingest_reset(x->redis, id, &j, err, sizeof(err)) != 0) {
                freeReplyObject(reply);
                tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
                return TW_JOB_LEAVE;
            }
        }

        freeReplyObject(reply);
    }

    if (tw_ingest_fail(x->redis, id, gen, reason, err, sizeof(err)) < 0) {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
        return TW_JOB_LEAVE;
    }

    return tw_ingest_finish(x, id);
}


/* the outcome's event, when there is one; the entry is acked after it */
static int
tw_ingest_finish(tw_ingest_ctx_t *x, const char *id)
{
    int   rc;
    char  err[256];

    rc = tw_ingest_publish(x->redis, &x->conf->store, id,
                           x->conf->claim_idle_ms, err, sizeof(err));
    if (rc < 0) {
        tw_log(TW_LOG_ERR, "\"%s\": %s", id, err);
        return TW_JOB_LEAVE;
    }

    return rc == TW_PUB_WAIT ? TW_JOB_LEAVE : TW_JOB_ACK;
}


int
tw_ingest_dead(tw_ingest_ctx_t *x, void *entry)
{
    char         text[TW_REASON_MAX + 128], n[16];
    const char  *type, *id, *gen, *chunk, *why;
    redisReply  *kv = entry, *reply, *last;

    type = tw_field(kv, "type");
    id = tw_field(kv, "id");
    chunk = tw_field(kv, "chunk");
    gen = tw_field(kv, "gen");

    if (type == NULL || id == NULL || vo_id_valid((const u_char *) id, strlen(id)) == 0) {
        return TW_JOB_ACK;
    }

    last = NULL;
    why = "no error recorded (the worker died?)";

    last = tw_redis_command(x->redis, "HGET " TW_INGEST_ERRORS " %s", id,
                        chunk ? chunk : "probe");
    if (last && last->type == REDIS_REPLY_STRING) {
        why = last->str;
    }

    snprintf(n, sizeof(n), "%u", x->deliveries);

    if (chunk) {
        snprintf(text, sizeof(text), "chunk %s (segments %s-%s) dead after "
                 "%u deliveries: %s", chunk, tw_field(kv, "first"),
                 tw_field(kv, "last"), x->deliveries, why);
    } else {
        snprintf(text, sizeof(text), "%s job dead after %u deliveries: %s",
                 type, x->deliveries, why);
    }

    reply = tw_redis_command(x->redis, "XADD %s * entry %s type %s id %s "
                         "chunk %s deliveries %s error %s", TW_JOBS_DEAD,
                         x->entry, type, id, chunk ? chunk : "", n, text);
    freeReplyObject(last);

    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        freeReplyObject(reply);
        return TW_JOB_LEAVE;
    }

    freeReplyObject(reply);

    return tw_ingest_failed(x, id, gen ? gen : x->entry, text);
}


/* a reason goes to the catalog, which the playback API shows: a local
 * store's path of the source becomes its key */
static void
tw_ingest_reason(const tw_store_t *st, const char *key, char *reason,
    size_t size)
{
    char    path[4096], out[TW_REASON_MAX];
    char   *p;
    size_t  n;

    if (!tw_store_is_local(st)
        || tw_store_path(st, key, path, sizeof(path)) != 0
        || (p = strstr(reason, path)) == NULL)
    {
        return;
    }

    n = (size_t) (p - reason);
    snprintf(out, sizeof(out), "%.*s%s%s", (int) n, reason, key,
             p + strlen(path));
    snprintf(reason, size, "%s", out);
}
