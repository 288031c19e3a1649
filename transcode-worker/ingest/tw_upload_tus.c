/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "vo_sign.h"
#include "catalog/tw_catalog.h"
#include "common/tw_log.h"
#include "ingest/tw_upload_meta.h"
#include "ingest/tw_upload_parse.h"
#include "ingest/tw_upload_reply.h"
#include "ingest/tw_upload_s3.h"
#include "ingest/tw_upload_state.h"
#include "ingest/tw_upload_tus.h"
#include "store/tw_store.h"


static int tw_tus_token(tw_up_req_t *r, const char *id, int create);
static int tw_tus_redis(tw_up_req_t *r);
static void tw_tus_refuse(tw_up_req_t *r, unsigned status, const char *text);
static void tw_tus_create(tw_up_req_t *r);
static void tw_tus_patch(tw_up_req_t *r);
static void tw_tus_delete(tw_up_req_t *r);
static int tw_tus_current(tw_up_req_t *r);
static int tw_tus_checksum(tw_up_req_t *r);
static int tw_tus_open(tw_up_req_t *r, int flags);
static int tw_tus_commit(tw_up_req_t *r);
static int tw_tus_answer(tw_up_req_t *r, unsigned status);


int
tw_tus_url(const tw_upload_srv_t *srv, const char *id, int create,
    uint64_t expires, char *buf, size_t size)
{
    int       n;
    char      signed_id[VO_ID_MAX + 3];
    u_char    query[VO_SIGN_QUERY_MAX + 1];
    size_t    qlen;
    vo_str_t  secret, sid;

    /* "c:" and "u:" keep a creation URL from opening the upload and
     * the other way round */
    n = snprintf(signed_id, sizeof(signed_id), "%s:%s", create ? "c" : "u",
                 id);
    secret.data = (const u_char *) srv->conf.secret;
    secret.len = srv->conf.secret_len;
    sid.data = (const u_char *) signed_id;
    sid.len = (size_t) n;

    if (vo_sign_query(&secret, &sid, expires, query, &qlen) != VO_OK) {
        return -1;
    }

    n = snprintf(buf, size, "%s/%s?%.*s", srv->conf.public_url, id,
                 (int) qlen, query);

    return (n < 0 || (size_t) n >= size) ? -1 : 0;
}


/* the URL's exp and sig: 0, or the refusal set (401, 403, 410) */
static int
tw_tus_token(tw_up_req_t *r, const char *id, int create)
{
    int          n;
    char         signed_id[VO_ID_MAX + 3];
    uint64_t     exp;
    vo_str_t     secret, sid, e, s;
    const char  *ev, *sv, *err;

    ev = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "exp");
    sv = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "sig");

    if (ev == NULL || sv == NULL) {
        tw_tus_refuse(r, 401, "unsigned upload URL");
        return -1;
    }

    n = snprintf(signed_id, sizeof(signed_id), "%s:%s", create ? "c" : "u",
                 id);
    secret.data = (const u_char *) r->srv->conf.secret;
    secret.len = r->srv->conf.secret_len;
    sid.data = (const u_char *) signed_id;
    sid.len = (size_t) n;
    e.data = (const u_char *) ev;
    e.len = strlen(ev);
    s.data = (const u_char *) sv;
    s.len = strlen(sv);

    /* the signature first (now 0: never past), then the expiry, which
     * has its own answer */
    if (vo_sign_check(&secret, 1, &sid, &e, &s, 0, 0, &err) != VO_OK) {
        tw_log(TW_LOG_INFO, "upload \"%s\" refused: %s", id, err);
        tw_tus_refuse(r, 403, "wrong upload URL signature");
        return -1;
    }

    exp = strtoull(ev, NULL, 10);

    if (exp <= (uint64_t) time(NULL)) {
        tw_tus_refuse(r, 410, create ? "upload URL expired"
                                     : "upload expired");
        return -1;
    }

    return 0;
}


/* a refusal, logged, answered once the body is read */
static void
tw_tus_refuse(tw_up_req_t *r, unsigned status, const char *text)
{
    tw_log(status >= 500 ? TW_LOG_ERR : TW_LOG_INFO, "%s \"%s\": %u %s",
           r->method == TW_UP_POST ? "creation" : "upload", r->id, status,
           text);
    r->status = status;
    r->text = text;
}


static int
tw_tus_redis(tw_up_req_t *r)
{
    char  err[256];

    r->redis = tw_redis_open(&r->srv->redis, r->srv->conf.redis_timeout_ms,
                             err, sizeof(err));
    if (r->redis == NULL) {
        tw_log(TW_LOG_ERR, "redis at \"%s\" unreachable: %s",
               r->srv->redis.addr, err);
        tw_tus_refuse(r, 503, "upload state unavailable (redis)");
        return -1;
    }

    return 0;
}


void
tw_tus_begin(tw_up_req_t *r, const char *id)
{
    const char  *v;

    r->tus = 1;
    r->fd = -1;
    snprintf(r->id, sizeof(r->id), "%s", id);

    if (r->method == TW_UP_OPTIONS) {
        return;
    }

    v = tw_up_header(r, "Tus-Resumable");
    if (v == NULL || strcmp(v, "1.0.0") != 0) {
        tw_tus_refuse(r, 412, "Tus-Resumable 1.0.0 required");
        return;
    }

    if (r->method != TW_UP_POST && r->method != TW_UP_HEAD
        && r->method != TW_UP_PATCH && r->method != TW_UP_DELETE)
    {
        tw_tus_refuse(r, 405, "method not allowed");
        return;
    }

    if (tw_tus_token(r, id, r->method == TW_UP_POST) != 0
        || tw_tus_redis(r) != 0)
    {
        return;
    }

    switch (r->method) {
    case TW_UP_POST:
        tw_tus_create(r);
        break;
    case TW_UP_PATCH:
        tw_tus_patch(r);
        break;
    case TW_UP_DELETE:
        tw_tus_delete(r);
        break;
    default:
        (void) tw_tus_current(r);
        break;
    }
}


/*
 * The upload's record, which must be one being uploaded (or done: HEAD
 * tells its offset), before its deadline.  A whole upload whose finish
 * was cut off (a crash) is finished here.  0, or -1 with the refusal.
 */
static int
tw_tus_current(tw_up_req_t *r)
{
    int   rc;
    char  err[256];

    rc = tw_up_load(r->redis, r->id, &r->up, err, sizeof(err));

    if (rc == -1) {
        tw_log(TW_LOG_ERR, "upload \"%s\": redis: %s", r->id, err);
        tw_tus_refuse(r, 503, "upload state unavailable (redis)");
        return -1;
    }

    if (rc == 1 || r->up.state == TW_UP_ISSUED) {
        tw_tus_refuse(r, 404, "unknown upload");
        return -1;
    }

    if (r->up.state == TW_UP_UPLOADING
        && r->up.expires <= (uint64_t) time(NULL))
    {
        tw_tus_refuse(r, 410, "upload expired");
        return -1;
    }

    if (r->up.state == TW_UP_UPLOADING && r->up.offset == r->up.length
        && !tw_up_locked(r->srv, r->id)
        && tw_up_finish(r->srv, r->redis, r->id, &r->up) != 0)
    {
        tw_tus_refuse(r, 503, "upload whole but not stored yet: try again");
        return -1;
    }

    return 0;
}


/* Upload-Checksum: "sha1 BASE64" or "sha256 BASE64"; 0 none, 1 set, -1
 * refused */
static int
tw_tus_checksum(tw_up_req_t *r)
{
    const char    *v, *err;
    const EVP_MD  *md;

    v = tw_up_header(r, "Upload-Checksum");
    if (v == NULL) {
        return 0;
    }

    err = tw_up_checksum(v, &md, r->want, &r->want_len);
    if (err) {
        tw_tus_refuse(r, 400, err);
        return -1;
    }

    r->md = EVP_MD_CTX_new();
    if (r->md == NULL || EVP_DigestInit_ex(r->md, md, NULL) != 1) {
        tw_tus_refuse(r, 500, "checksum unavailable");
        return -1;
    }

    return 1;
}


/* the spool file, for writing at the acknowledged offset: what is past
 * it was never acknowledged (a crash between write and answer) */
static int
tw_tus_open(tw_up_req_t *r, int flags)
{
    char  path[PATH_MAX];

    if (tw_up_spool_path(r->srv, &r->up, path, sizeof(path)) != 0) {
        tw_tus_refuse(r, 500, "upload spool unusable");
        return -1;
    }

    r->fd = open(path, O_RDWR | O_CLOEXEC | flags, 0600);

    if (r->fd == -1 || ftruncate(r->fd, (off_t) r->up.offset) != 0) {
        tw_log(TW_LOG_ERR, "spool file \"%s\": %s", path, strerror(errno));
        tw_tus_refuse(r, 500, "upload spool unusable");
        return -1;
    }

    return 0;
}


/* the body that follows: after the checks of a PATCH or a creation */
static int
tw_tus_body(tw_up_req_t *r)
{
    uint64_t     len;
    const char  *v;

    v = tw_up_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);

    if (v && tw_up_number(v, &len) == 0
        && len > r->up.length - r->up.offset)
    {
        tw_tus_refuse(r, 413, "body past Upload-Length");
        return -1;
    }

    if (tw_tus_checksum(r) < 0) {
        return -1;
    }

    r->writing = 1;

    return 0;
}


static void
tw_tus_create(tw_up_req_t *r)
{
    int         rc;
    char        err[256], nonce[9], path[PATH_MAX];
    tw_meta_t   m;
    const char *v;

    memset(&m, 0, sizeof(m));

    v = tw_up_header(r, "Upload-Length");

    if (v == NULL) {
        tw_tus_refuse(r, 400, tw_up_header(r, "Upload-Defer-Length")
                              ? "Upload-Defer-Length is not supported"
                              : "Upload-Length required");
        return;
    }

    if (tw_up_number(v, &r->up.length) != 0) {
        tw_tus_refuse(r, 400, "malformed Upload-Length");
        return;
    }

    if (r->up.length == 0) {
        tw_tus_refuse(r, 400, "zero-length upload refused: a video has "
                      "bytes");
        return;
    }

    if (r->up.length > r->srv->conf.max_size) {
        tw_tus_refuse(r, 413, "Upload-Length over Tus-Max-Size");
        return;
    }

    rc = tw_up_load(r->redis, r->id, &r->up, err, sizeof(err));
    r->up.length = strtoull(v, NULL, 10);

    if (rc == -1) {
        tw_log(TW_LOG_ERR, "creation \"%s\": redis: %s", r->id, err);
        tw_tus_refuse(r, 503, "upload state unavailable (redis)");
        return;
    }

    if (rc == 1) {
        tw_tus_refuse(r, 404, "unknown upload");
        return;
    }

    if (r->up.state != TW_UP_ISSUED) {
        tw_tus_refuse(r, 403, "upload URL already used");
        return;
    }

    rc = tw_up_meta(tw_up_header(r, "Upload-Metadata"), &m);

    if (rc < 0) {
        tw_tus_refuse(r, 400, "invalid Upload-Metadata catalog fields");
        goto end;
    }

    if (rc > 0 && tw_catalog_write(&r->srv->redis, r->id, &m, 0, err,
                                   sizeof(err))
                  != 0)
    {
        tw_log(TW_LOG_ERR, "creation \"%s\": catalog: %s", r->id, err);
        tw_tus_refuse(r, 503, "catalog unavailable (redis)");
        goto end;
    }

    if (tw_up_random(nonce, 8) != 0) {
        tw_tus_refuse(r, 500, "no randomness");
        goto end;
    }

    snprintf(r->up.spool, sizeof(r->up.spool), "%s.%s", r->id, nonce);
    r->up.offset = 0;
    r->up.expires = (uint64_t) time(NULL) + r->srv->conf.expiry_ms / 1000;
    r->up.part_size = tw_up_s3_part_size(r->srv, r->up.length);

    if (tw_tus_open(r, O_CREAT | O_EXCL) != 0) {
        goto end;
    }

    /* the one step that uses the URL: until it, nothing is half made */
    rc = tw_up_begin(r->redis, r->id, &r->up, err, sizeof(err));

    if (rc != 0) {
        tw_tus_close(r);

        if (tw_up_spool_path(r->srv, &r->up, path, sizeof(path)) == 0) {
            unlink(path);
        }

        if (rc == 1) {
            tw_tus_refuse(r, 403, "upload URL already used");
        } else {
            tw_log(TW_LOG_ERR, "creation \"%s\": redis: %s", r->id, err);
            tw_tus_refuse(r, 503, "upload state unavailable (redis)");
        }

        goto end;
    }

    r->up.state = TW_UP_UPLOADING;
    r->created = 1;

    if (tw_up_lock(r->srv, r->id) == 0) {
        r->locked = 1;
    }

    tw_log(TW_LOG_INFO, "upload \"%s\" created: %llu bytes, until %llu",
           r->id, (unsigned long long) r->up.length,
           (unsigned long long) r->up.expires);

    v = tw_up_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);

    if (r->locked && v && strcmp(v, "application/offset+octet-stream") == 0)
    {
        (void) tw_tus_body(r);
    }

end:

    tw_meta_free(&m);
}


static void
tw_tus_patch(tw_up_req_t *r)
{
    uint64_t     offset;
    const char  *v;

    v = tw_up_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (v == NULL || strcmp(v, "application/offset+octet-stream") != 0) {
        tw_tus_refuse(r, 415, "Content-Type application/offset+octet-stream "
                      "required");
        return;
    }

    if (tw_up_number(tw_up_header(r, "Upload-Offset"), &offset) != 0) {
        tw_tus_refuse(r, 400, "Upload-Offset required");
        return;
    }

    if (tw_tus_current(r) != 0) {
        return;
    }

    if (r->up.state == TW_UP_DONE) {
        tw_tus_refuse(r, 403, "upload complete");
        return;
    }

    /*
     * A PATCH whose client was cut off may still be storing what it
     * received (a part going up to S3, with its retries): the resumed
     * client's PATCH waits for it, then reads the offset it left.
     */

    if (tw_up_lock_wait(r->srv, r->id, TW_UP_LOCK_WAIT_MS) != 0) {
        tw_tus_refuse(r, 423, "upload busy: another request writes it");
        return;
    }

    r->locked = 1;

    if (tw_tus_current(r) != 0) {
        return;
    }

    if (r->up.state == TW_UP_DONE) {
        tw_tus_refuse(r, 403, "upload complete");
        return;
    }

    if (offset != r->up.offset) {
        tw_tus_refuse(r, 409, "Upload-Offset is not the upload's offset");
        return;
    }

    if (tw_tus_body(r) == 0) {
        (void) tw_tus_open(r, 0);
    }
}


static void
tw_tus_delete(tw_up_req_t *r)
{
    if (tw_tus_current(r) != 0) {
        return;
    }

    if (r->up.state == TW_UP_DONE) {
        tw_tus_refuse(r, 409, "upload complete: not terminated");
        return;
    }

    if (tw_up_lock(r->srv, r->id) != 0) {
        tw_tus_refuse(r, 423, "upload busy: another request writes it");
        return;
    }

    r->locked = 1;

    if (tw_up_remove(r->srv, r->redis, r->id, &r->up, "upload terminated")
        != 0)
    {
        tw_tus_refuse(r, 503, "upload state unavailable (redis)");
    }
}


void
tw_tus_data(tw_up_req_t *r, const char *data, size_t len)
{
    ssize_t   n;
    uint64_t  at;

    if (!r->writing || r->status) {
        return;
    }

    at = r->up.offset + r->received;

    if (len > r->up.length - at) {
        tw_tus_refuse(r, 413, "body past Upload-Length");
        return;
    }

    if (r->md && EVP_DigestUpdate(r->md, data, len) != 1) {
        tw_tus_refuse(r, 500, "checksum failed");
        return;
    }

    while (len) {
        n = pwrite(r->fd, data, len, (off_t) at);

        if (n <= 0) {
            tw_log(TW_LOG_ERR, "upload \"%s\": write failed: %s", r->id,
                   strerror(errno));
            tw_tus_refuse(r, 500, "upload spool write failed");
            return;
        }

        data += n;
        len -= (size_t) n;
        at += (uint64_t) n;
        r->received += (uint64_t) n;
    }
}


/*
 * The bytes of this request made durable and acknowledged: fsync(),
 * then the offset in Redis; the whole upload finished.  Anything else
 * (a checksum that differs, a failure) cuts them off again.  0, or -1
 * with the refusal set.
 */
static int
tw_tus_commit(tw_up_req_t *r)
{
    int            rc;
    char           err[256];
    unsigned char  got[EVP_MAX_MD_SIZE];
    unsigned int   got_len;
    uint64_t       to;

    if (r->status == 0 && r->md) {
        if (EVP_DigestFinal_ex(r->md, got, &got_len) != 1
            || got_len != r->want_len
            || memcmp(got, r->want, got_len) != 0)
        {
            tw_tus_refuse(r, 460, "checksum mismatch: the bytes are "
                          "dropped");
        }
    }

    if (r->status == 0 && r->received && fsync(r->fd) != 0) {
        tw_log(TW_LOG_ERR, "upload \"%s\": fsync failed: %s", r->id,
               strerror(errno));
        tw_tus_refuse(r, 500, "upload spool write failed");
    }

    if (r->status == 0 && r->received) {
        to = r->up.offset + r->received;
        rc = tw_up_advance(r->redis, r->id, r->up.offset, to, err,
                           sizeof(err));

        if (rc == 0) {
            r->up.offset = to;

        } else if (rc == 1) {
            tw_tus_refuse(r, 409, "the upload's offset moved");

        } else {
            tw_log(TW_LOG_ERR, "upload \"%s\": redis: %s", r->id, err);
            tw_tus_refuse(r, 503, "upload state unavailable (redis)");
        }
    }

    if (r->status) {
        if (r->fd != -1 && ftruncate(r->fd, (off_t) r->up.offset) != 0) {
            tw_log(TW_LOG_WARN, "upload \"%s\": ftruncate failed: %s",
                   r->id, strerror(errno));
        }

        r->writing = 0;
        return -1;
    }

    r->writing = 0;

    /* an s3 store: the parts now whole go up (one that fails is tried
     * again after the next request: its bytes are safe in the spool) */
    if (!tw_store_is_local(&r->srv->conf.store)
        && r->up.offset < r->up.length)
    {
        (void) tw_up_s3_parts(r->srv, r->redis, r->id, &r->up, r->fd);
    }

    if (r->up.offset == r->up.length) {
        close(r->fd);
        r->fd = -1;

        if (tw_up_finish(r->srv, r->redis, r->id, &r->up) != 0) {
            tw_tus_refuse(r, 503, "upload whole but not stored yet: HEAD "
                          "again");
            return -1;
        }
    }

    return 0;
}


int
tw_tus_end(tw_up_req_t *r)
{
    const char  *hdr[] = {
        "Allow", "POST, HEAD, PATCH, DELETE, OPTIONS", NULL, NULL
    };

    if (r->method == TW_UP_OPTIONS) {
        return tw_up_reply(r, 204, NULL, NULL, 0, NULL);
    }

    if (r->status == 0 && r->writing) {
        (void) tw_tus_commit(r);
    }

    if (r->status) {
        if (r->writing) {
            r->writing = 0;

            if (r->fd != -1) {
                (void) ftruncate(r->fd, (off_t) r->up.offset);
            }
        }

        if (r->status == 405) {
            return tw_up_reply(r, 405, "text/plain", "method not allowed\n",
                               19, hdr);
        }

        /* a creation that answers an error made nothing the client
         * can name; one whose body failed still made the upload */
        if (!r->created) {
            return tw_up_text(r, r->status, r->text);
        }
    }

    return tw_tus_answer(r, r->created ? 201 : r->method == TW_UP_HEAD ? 200
                                                                       : 204);
}


static int
tw_tus_answer(tw_up_req_t *r, unsigned status)
{
    int          n;
    char         offset[24], length[24], expires[32], location[1024];
    const char  *hdr[12];

    n = 0;
    snprintf(offset, sizeof(offset), "%llu",
             (unsigned long long) r->up.offset);
    snprintf(length, sizeof(length), "%llu",
             (unsigned long long) r->up.length);
    tw_up_http_date(r->up.expires, expires);

    if (r->method == TW_UP_DELETE) {
        return tw_up_reply(r, 204, NULL, NULL, 0, NULL);
    }

    hdr[n++] = "Upload-Offset";
    hdr[n++] = offset;

    if (r->method == TW_UP_HEAD) {
        hdr[n++] = "Upload-Length";
        hdr[n++] = length;
    }

    if (r->up.state != TW_UP_DONE && r->up.offset < r->up.length) {
        hdr[n++] = "Upload-Expires";
        hdr[n++] = expires;
    }

    if (r->created) {
        if (tw_tus_url(r->srv, r->id, 0, r->up.expires, location,
                       sizeof(location)) != 0)
        {
            return tw_up_text(r, 500, "upload URL too long");
        }

        hdr[n++] = "Location";
        hdr[n++] = location;
    }

    hdr[n] = NULL;

    return tw_up_reply(r, status, NULL, NULL, 0, hdr);
}


/* last: a PATCH cut off keeps what was written unless a checksum was
 * to cover it */
void
tw_tus_close(tw_up_req_t *r)
{
    if (r->writing && r->status == 0 && r->received && r->md == NULL
        && r->redis)
    {
        tw_log(TW_LOG_INFO, "upload \"%s\": request cut off after %llu "
               "bytes: kept", r->id, (unsigned long long) r->received);
        (void) tw_tus_commit(r);

    } else if (r->writing && r->fd != -1) {
        (void) ftruncate(r->fd, (off_t) r->up.offset);
    }

    r->writing = 0;

    if (r->fd != -1) {
        close(r->fd);
        r->fd = -1;
    }

    if (r->md) {
        EVP_MD_CTX_free(r->md);
        r->md = NULL;
    }
}
