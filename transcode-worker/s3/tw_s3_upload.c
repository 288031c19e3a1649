/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * S3 uploads that may not fit one PUT (multipart: CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload, and AbortMultipartUpload when any
 * of them fails for good), the ETag such an upload gives, and listing
 * (ListObjectsV2).  Built on tw_s3_call(), whose retries each request
 * inherits.  See tw_s3.h for the contract.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libavutil/md5.h>
#include <libavutil/mem.h>

#include "common/tw_log.h"
#include "common/tw_xml.h"
#include "s3/tw_s3.h"


#define TW_S3_XML_MAX      ((size_t) 4 << 20)   /* an answer's body */


/* where the bytes of an upload come from: memory, or a file read part by
 * part into buf */
typedef struct {
    const u_char       *mem;
    int                 fd;
    u_char             *buf;
    const char         *key;
} tw_s3_body_t;


/* an answer's body, grown up to TW_S3_XML_MAX */
typedef struct {
    char               *data;
    size_t              len;
    size_t              size;
} tw_s3_text_t;


static size_t tw_s3_part_size(const tw_s3_conf_t *conf, int64_t size);
static int tw_s3_chunk(tw_s3_body_t *b, int64_t off, size_t len,
    const u_char **p);
static int tw_s3_upload_body(const tw_s3_conf_t *conf, const char *key,
    tw_s3_body_t *b, int64_t size, tw_s3_res_t *res);
static int tw_s3_multipart(const tw_s3_conf_t *conf, const char *key,
    tw_s3_body_t *b, int64_t size, tw_s3_res_t *res);
static int tw_s3_text(void *data, const void *buf, size_t len);


/* part size for an object of size bytes: the configured one, or larger
 * (a whole MiB) when S3's 10000 parts would not hold the object */
static size_t
tw_s3_part_size(const tw_s3_conf_t *conf, int64_t size)
{
    size_t  part;

    part = conf->part_size ? conf->part_size : TW_S3_PART_SIZE;

    if ((size + (int64_t) part - 1) / (int64_t) part > TW_S3_MAX_PARTS) {
        part = (size_t) ((size + TW_S3_MAX_PARTS - 1) / TW_S3_MAX_PARTS);
        part = (part + (1 << 20) - 1) & ~(size_t) ((1 << 20) - 1);
    }

    return part;
}


static int
tw_s3_chunk(tw_s3_body_t *b, int64_t off, size_t len, const u_char **p)
{
    size_t   have;
    ssize_t  n;

    if (b->mem) {
        *p = b->mem + off;
        return 0;
    }

    for (have = 0; have < len; have += n) {
        n = pread(b->fd, b->buf + have, len - have, off + have);

        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            tw_log(TW_LOG_ERR, "reading the body of \"%s\" failed: %s",
                   b->key, n == 0 ? "the file got shorter"
                                  : strerror(errno));
            return -1;
        }
    }

    *p = b->buf;

    return 0;
}


int
tw_s3_upload(const tw_s3_conf_t *conf, const char *key, const void *body,
    size_t len, tw_s3_res_t *res)
{
    tw_s3_body_t  b;

    memset(&b, 0, sizeof(tw_s3_body_t));
    b.mem = body ? body : (const u_char *) "";
    b.fd = -1;
    b.key = key;

    return tw_s3_upload_body(conf, key, &b, (int64_t) len, res);
}


int
tw_s3_upload_fd(const tw_s3_conf_t *conf, const char *key, int fd,
    tw_s3_res_t *res)
{
    int           rc;
    struct stat   st;
    tw_s3_body_t  b;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        tw_log(TW_LOG_ERR, "the body of \"%s\" is not a readable file",
               key);
        return -1;
    }

    memset(&b, 0, sizeof(tw_s3_body_t));
    b.fd = fd;
    b.key = key;

    rc = tw_s3_upload_body(conf, key, &b, st.st_size, res);

    free(b.buf);

    return rc;
}


static int
tw_s3_upload_body(const tw_s3_conf_t *conf, const char *key,
    tw_s3_body_t *b, int64_t size, tw_s3_res_t *res)
{
    size_t         multipart, len;
    const u_char  *p;

    multipart = conf->multipart_size ? conf->multipart_size
                                     : TW_S3_MULTIPART_SIZE;

    if (size > (int64_t) multipart) {
        return tw_s3_multipart(conf, key, b, size, res);
    }

    len = (size_t) size;

    if (b->mem == NULL) {
        b->buf = malloc(len ? len : 1);
        if (b->buf == NULL) {
            tw_log(TW_LOG_ERR, "out of memory uploading \"%s\"", key);
            return -1;
        }
    }

    if (tw_s3_chunk(b, 0, len, &p) != 0) {
        return -1;
    }

    return tw_s3_put(conf, key, p, len, res);
}


static int
tw_s3_multipart(const tw_s3_conf_t *conf, const char *key, tw_s3_body_t *b,
    int64_t size, tw_s3_res_t *res)
{
    int                  rc;
    char                 id[TW_S3_UPLOAD_ID];
    char               (*etags)[TW_S3_ETAG_MAX];
    size_t               part, len;
    int64_t              off;
    uint32_t             n, nparts;
    const u_char        *p;

    rc = -1;
    id[0] = '\0';
    etags = NULL;

    part = tw_s3_part_size(conf, size);
    nparts = (uint32_t) ((size + (int64_t) part - 1) / (int64_t) part);

    if (part > TW_S3_MAX_PART) {
        tw_log(TW_LOG_ERR, "\"%s\": %" PRId64 " bytes is more than S3 "
               "takes", key, size);
        return -1;
    }

    etags = calloc(nparts, TW_S3_ETAG_MAX);
    if (etags == NULL || (b->mem == NULL && (b->buf = malloc(part)) == NULL))
    {
        tw_log(TW_LOG_ERR, "out of memory uploading \"%s\"", key);
        goto end;
    }

    if (tw_s3_mp_create(conf, key, id, sizeof(id)) != 0) {
        goto end;
    }

    tw_log(TW_LOG_DEBUG, "s3 multipart upload of \"%s\": %" PRId64 " bytes "
           "in %u parts of %zu, upload id \"%s\"", key, size, nparts, part,
           id);

    for (n = 0; n < nparts; n++) {
        off = (int64_t) n * (int64_t) part;
        len = (size_t) (size - off < (int64_t) part ? size - off
                                                     : (int64_t) part);

        if (tw_s3_chunk(b, off, len, &p) != 0
            || tw_s3_mp_part(conf, key, id, n + 1, p, len, etags[n]) != 0)
        {
            goto end;
        }
    }

    if (tw_s3_mp_complete(conf, key, id, etags, nparts, res) != 0) {
        goto end;
    }

    rc = 0;

end:

    if (rc != 0 && id[0] != '\0') {
        tw_s3_mp_abort(conf, key, id);
    }

    free(etags);

    return rc;
}


/* CreateMultipartUpload: POST /key?uploads */
int
tw_s3_mp_create(const tw_s3_conf_t *conf, const char *key, char *id,
    size_t size)
{
    int             rc;
    tw_s3_op_t      op;
    tw_s3_res_t     r;
    tw_s3_text_t    text;
    tw_s3_param_t   q[1];

    rc = -1;
    id[0] = '\0';
    memset(&text, 0, sizeof(tw_s3_text_t));

    q[0] = (tw_s3_param_t) { "uploads", "" };

    memset(&op, 0, sizeof(tw_s3_op_t));
    op.method = "POST";
    op.key = key;
    op.query = q;
    op.nquery = 1;
    op.last = -1;
    op.write = tw_s3_text;
    op.data = &text;

    if (tw_s3_call(conf, &op, &r) != 0) {
        if (r.status == 404) {
            tw_log(TW_LOG_ERR, "s3 POST \"%s\": HTTP 404 %s", key, r.code);
        }
        goto end;
    }

    if (tw_xml_text(text.data, "UploadId", NULL, id, size) != 0
        || id[0] == '\0')
    {
        tw_log(TW_LOG_ERR, "s3 multipart upload of \"%s\": no UploadId in "
               "the answer", key);
        id[0] = '\0';
        goto end;
    }

    rc = 0;

end:

    free(text.data);

    return rc;
}


/* UploadPart: PUT /key?partNumber=N&uploadId=ID */
int
tw_s3_mp_part(const tw_s3_conf_t *conf, const char *key, const char *id,
    uint32_t n, const void *body, size_t len, char *etag)
{
    char            num[16];
    tw_s3_op_t      op;
    tw_s3_res_t     r;
    tw_s3_param_t   q[2];

    snprintf(num, sizeof(num), "%u", n);
    q[0] = (tw_s3_param_t) { "partNumber", num };
    q[1] = (tw_s3_param_t) { "uploadId", id };

    memset(&op, 0, sizeof(tw_s3_op_t));
    op.method = "PUT";
    op.key = key;
    op.query = q;
    op.nquery = 2;
    op.last = -1;
    op.body = body;
    op.len = len;

    if (tw_s3_call(conf, &op, &r) != 0) {
        if (r.status == 404) {
            tw_log(TW_LOG_ERR, "s3 PUT part %u of \"%s\": HTTP 404 %s", n,
                   key, r.code);
        }
        return -1;
    }

    if (r.etag[0] == '\0') {
        tw_log(TW_LOG_ERR, "s3 PUT part %u of \"%s\": no ETag in the "
               "answer", n, key);
        return -1;
    }

    memcpy(etag, r.etag, TW_S3_ETAG_MAX);

    return 0;
}


/* CompleteMultipartUpload: POST /key?uploadId=ID with the parts' list */
int
tw_s3_mp_complete(const tw_s3_conf_t *conf, const char *key, const char *id,
    char (*etags)[TW_S3_ETAG_MAX], uint32_t nparts, tw_s3_res_t *res)
{
    int             rc;
    char           *xml, etag[TW_S3_ETAG_MAX], code[64];
    FILE           *f;
    const char     *c;
    size_t          len;
    uint32_t        n;
    tw_s3_op_t      op;
    tw_s3_res_t     r;
    tw_s3_text_t    text;
    tw_s3_param_t   q[1];

    rc = -1;
    xml = NULL;
    memset(&text, 0, sizeof(tw_s3_text_t));

    f = open_memstream(&xml, &len);
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "out of memory completing \"%s\"", key);
        return -1;
    }

    fputs("<CompleteMultipartUpload>", f);

    for (n = 0; n < nparts; n++) {
        /* S3's ETags are quoted hex: nothing to escape but the quotes */
        fprintf(f, "<Part><PartNumber>%u</PartNumber><ETag>", n + 1);

        for (c = etags[n]; *c; c++) {
            if (*c == '"') {
                fputs("&quot;", f);

            } else if (*c == '&' || *c == '<') {
                fputs(*c == '&' ? "&amp;" : "&lt;", f);

            } else {
                fputc(*c, f);
            }
        }

        fputs("</ETag></Part>", f);
    }

    fputs("</CompleteMultipartUpload>", f);

    if (fclose(f) != 0) {
        tw_log(TW_LOG_ERR, "out of memory completing \"%s\"", key);
        goto end;
    }

    q[0] = (tw_s3_param_t) { "uploadId", id };

    memset(&op, 0, sizeof(tw_s3_op_t));
    op.method = "POST";
    op.key = key;
    op.query = q;
    op.nquery = 1;
    op.last = -1;
    op.body = xml;
    op.len = len;
    op.write = tw_s3_text;
    op.data = &text;

    if (tw_s3_call(conf, &op, &r) != 0) {
        if (r.status == 404) {
            tw_log(TW_LOG_ERR, "s3 POST \"%s\" (complete): HTTP 404 %s", key,
                   r.code);
        }
        goto end;
    }

    /* S3 may answer 200 and then fail while it assembles the parts: the
     * error is then the body */
    if (text.data && strstr(text.data, "<Error>") != NULL) {
        tw_xml_text(text.data, "Code", NULL, code, sizeof(code));
        tw_log(TW_LOG_ERR, "s3 POST \"%s\" (complete): %s", key,
               code[0] ? code : "error in the answer");
        goto end;
    }

    if (res) {
        *res = r;

        if (text.data && tw_xml_text(text.data, "ETag", NULL, etag,
                                     sizeof(etag)) == 0)
        {
            memcpy(res->etag, etag, sizeof(res->etag) < sizeof(etag)
                                    ? sizeof(res->etag) : sizeof(etag));
            res->etag[sizeof(res->etag) - 1] = '\0';
        }
    }

    rc = 0;

end:

    free(xml);
    free(text.data);

    return rc;
}


/* AbortMultipartUpload: DELETE /key?uploadId=ID; its failure is logged
 * by tw_s3_call, and the upload is then left to the bucket's lifecycle
 * rule (docs/s3-store.md) */
void
tw_s3_mp_abort(const tw_s3_conf_t *conf, const char *key, const char *id)
{
    tw_s3_op_t     op;
    tw_s3_res_t    r;
    tw_s3_param_t  q[1];

    q[0] = (tw_s3_param_t) { "uploadId", id };

    memset(&op, 0, sizeof(tw_s3_op_t));
    op.method = "DELETE";
    op.key = key;
    op.query = q;
    op.nquery = 1;
    op.last = -1;

    if (tw_s3_call(conf, &op, &r) == 0 || r.status == 404) {
        tw_log(TW_LOG_INFO, "s3 multipart upload of \"%s\" aborted", key);
    }
}


int
tw_s3_upload_etag(const tw_s3_conf_t *conf, int fd, int64_t size,
    int multipart, char *etag, size_t len)
{
    int          rc;
    u_char      *buf, *sums;
    size_t       part, n, want;
    ssize_t      got;
    int64_t      off;
    uint32_t     i, nparts;
    uint8_t      md5[16];
    struct AVMD5 *whole, *one;

    rc = -1;
    buf = NULL;
    sums = NULL;
    whole = av_md5_alloc();
    one = av_md5_alloc();

    part = multipart ? tw_s3_part_size(conf, size) : (size_t) 1 << 20;
    nparts = size ? (uint32_t) ((size + (int64_t) part - 1) / (int64_t) part)
                  : 1;

    buf = malloc(1 << 20);
    sums = malloc((size_t) nparts * 16);

    if (whole == NULL || one == NULL || buf == NULL || sums == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    av_md5_init(whole);

    for (i = 0, off = 0; i < nparts; i++) {
        av_md5_init(one);

        for (n = 0; n < part && off < size; n += got, off += got) {
            want = part - n < (1 << 20) ? part - n : (1 << 20);
            got = pread(fd, buf, want, off);

            if (got == -1 && errno == EINTR) {
                got = 0;
                continue;
            }

            if (got <= 0) {
                tw_log(TW_LOG_ERR, "reading for an ETag failed: %s",
                       got == 0 ? "short file" : strerror(errno));
                goto end;
            }

            av_md5_update(one, buf, got);
            av_md5_update(whole, buf, got);
        }

        av_md5_final(one, sums + 16 * i);
    }

    if (multipart) {
        av_md5_sum(md5, sums, (size_t) nparts * 16);

    } else {
        av_md5_final(whole, md5);
    }

    n = 0;
    n += snprintf(etag + n, len - n, "\"");
    for (i = 0; i < 16 && n < len; i++) {
        n += snprintf(etag + n, len - n, "%02x", md5[i]);
    }
    if (n < len) {
        snprintf(etag + n, len - n, multipart ? "-%u\"" : "\"", nparts);
    }

    rc = 0;

end:

    av_free(whole);
    av_free(one);
    free(buf);
    free(sums);

    return rc;
}


int
tw_s3_list(const tw_s3_conf_t *conf, const char *prefix, size_t max,
    tw_s3_key_pt cb, void *data)
{
    int             rc, truncated;
    char            key[TW_S3_MAX_KEY + 1], token[1024], flag[8];
    char            page[24];
    size_t          count;
    const char     *p;
    tw_s3_op_t      op;
    tw_s3_res_t     r;
    tw_s3_text_t    text;
    tw_s3_param_t   q[4];

    rc = -1;
    count = 0;
    token[0] = '\0';
    memset(&text, 0, sizeof(tw_s3_text_t));

    /* no longer a page than needed */
    snprintf(page, sizeof(page), "%zu", max < 1000 ? max + 1 : 1000);

    do {
        q[0] = (tw_s3_param_t) { "list-type", "2" };
        q[1] = (tw_s3_param_t) { "prefix", prefix };
        q[2] = (tw_s3_param_t) { "max-keys", page };
        q[3] = (tw_s3_param_t) { "continuation-token", token };

        memset(&op, 0, sizeof(tw_s3_op_t));
        op.method = "GET";
        op.key = "";
        op.query = q;
        op.nquery = token[0] ? 4 : 3;
        op.last = -1;
        op.write = tw_s3_text;
        op.data = &text;

        text.len = 0;

        if (tw_s3_call(conf, &op, &r) != 0) {
            if (r.status == 404) {
                tw_log(TW_LOG_ERR, "s3 list \"%s\": HTTP 404 %s", prefix,
                       r.code);
            }
            goto end;
        }

        if (text.data == NULL) {
            tw_log(TW_LOG_ERR, "s3 list \"%s\": empty answer", prefix);
            goto end;
        }

        for (p = text.data;
             tw_xml_text(p, "Key", &p, key, sizeof(key)) == 0; /* void */)
        {
            if (++count > max) {
                tw_log(TW_LOG_ERR, "s3 list \"%s\": more than %zu keys",
                       prefix, max);
                goto end;
            }

            if (cb(data, key) != 0) {
                goto end;
            }
        }

        truncated = tw_xml_text(text.data, "IsTruncated", NULL, flag,
                                sizeof(flag)) == 0
                    && strcmp(flag, "true") == 0;

        if (truncated
            && (tw_xml_text(text.data, "NextContinuationToken", NULL,
                            token, sizeof(token)) != 0
                || token[0] == '\0'))
        {
            tw_log(TW_LOG_ERR, "s3 list \"%s\": truncated without a "
                   "continuation token", prefix);
            goto end;
        }

    } while (truncated);

    rc = 0;

end:

    free(text.data);

    return rc;
}


static int
tw_s3_text(void *data, const void *buf, size_t len)
{
    char          *p;
    size_t         size;
    tw_s3_text_t  *t = data;

    if (t->len + len + 1 > t->size) {
        if (t->len + len + 1 > TW_S3_XML_MAX) {
            return -1;
        }

        size = t->size ? t->size : 16384;
        while (size < t->len + len + 1) {
            size *= 2;
        }

        p = realloc(t->data, size);
        if (p == NULL) {
            return -1;
        }

        t->data = p;
        t->size = size;
    }

    memcpy(t->data + t->len, buf, len);
    t->len += len;
    t->data[t->len] = '\0';

    return 0;
}
