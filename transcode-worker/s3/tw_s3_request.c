/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One attempt of an S3 request (the retry loop is tw_s3.c's; see tw_s3.h
 * for the contract), in three steps: built and signed by the core's
 * request builder (tw_s3_build), sent on a CURL easy handle of its own
 * (tw_s3_send), and its answer classified: done, missing, or failed,
 * and then worth retrying or not (tw_s3_classify).
 *
 * What is signed is exactly what is sent: the Host header is set by us,
 * not left to curl, and the path goes out encoded once, the way the
 * signer encoded it, with curl told not to touch it (CURLOPT_PATH_AS_IS),
 * since S3 neither normalizes "." and ".." nor decodes twice.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "vo_sigv4_http.h"
#include "common/tw_log.h"
#include "common/tw_xml.h"
#include "s3/tw_s3_request.h"


#define TW_S3_MAX_AUTH   1024    /* the date and Authorization, bytes */


/*
 * What one attempt sends, made again for every attempt since the
 * signature carries the time: the URL, the curl header list, and the
 * text the core's builder writes (the encoded path and query, the date,
 * the Authorization).
 */
typedef struct {
    char                 host[TW_S3_MAX_HOST];
    char                 url[TW_S3_MAX_HOST + TW_S3_MAX_PATH
                             + TW_S3_MAX_QUERY + 16];
    struct curl_slist   *headers;
    u_char               text[TW_S3_MAX_PATH + TW_S3_MAX_QUERY
                              + TW_S3_MAX_AUTH];
} tw_s3_wire_t;


static void tw_s3_fail(tw_s3_req_t *r, unsigned retryable, const char *fmt,
    ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int tw_s3_curl_retryable(CURLcode crc);
static void tw_s3_header_value(const char *p, size_t len, char *out,
    size_t size);
static size_t tw_s3_header(char *p, size_t size, size_t n, void *data);
static size_t tw_s3_body(char *p, size_t size, size_t n, void *data);
static size_t tw_s3_read(char *p, size_t size, size_t n, void *data);
static int tw_s3_build(tw_s3_req_t *r, tw_s3_wire_t *w);
static void tw_s3_creds(const tw_s3_conf_t *conf, vo_sigv4_creds_t *creds);
static int tw_s3_headers(tw_s3_req_t *r, tw_s3_wire_t *w,
    const vo_sigv4_signed_t *out);
static int tw_s3_send(tw_s3_req_t *r, tw_s3_wire_t *w, CURLcode *crc,
    long *status, char *cerr);
static int tw_s3_classify(tw_s3_req_t *r, const char *host, CURLcode crc,
    const char *cerr, long status);


/* "http(s)://authority[/]": where the authority starts and how long */
int
tw_s3_endpoint(const char *endpoint, size_t *scheme_len,
    const char **authority, size_t *alen)
{
    const char  *a;
    size_t       n;

    if (strncmp(endpoint, "http://", 7) == 0) {
        *scheme_len = 7;

    } else if (strncmp(endpoint, "https://", 8) == 0) {
        *scheme_len = 8;

    } else {
        return -1;
    }

    a = endpoint + *scheme_len;
    n = strcspn(a, "/?#@ \t\r\n");

    if (n == 0 || n >= TW_S3_MAX_HOST - 64
        || (a[n] != '\0' && strcmp(a + n, "/") != 0))
    {
        return -1;
    }

    *authority = a;
    *alen = n;

    return 0;
}


/* the outcome of a failed attempt, for the loop to log */
static void
tw_s3_fail(tw_s3_req_t *r, unsigned retryable, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);

    r->retryable = retryable;
}


/* failures where the request may not have reached S3, or S3's answer
 * did not reach us: sending it again is safe for what this client sends
 * (every operation is idempotent but CreateMultipartUpload, whose lost
 * answer costs one unused upload) */
static int
tw_s3_curl_retryable(CURLcode crc)
{
    switch (crc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}


/*
 * The request of r signed, as URL and headers: the core's builder
 * (vo_sigv4_http.h) gives the path, the query, the signed headers and
 * the Authorization; the headers curl would add on its own are removed.
 * 0, or -1 logged.
 */
static int
tw_s3_build(tw_s3_req_t *r, tw_s3_wire_t *w)
{
    size_t               i, klen, slen, alen;
    char                 range[64];
    u_char               hash[VO_SIGV4_HEX_LEN];
    const char          *a, *reason;
    vo_status_t          rc;
    vo_str_t             path[2];
    vo_sigv4_creds_t     creds;
    vo_sigv4_pair_t      params[TW_S3_MAX_PARAMS], extra[1];
    vo_sigv4_http_t      http;
    vo_sigv4_signed_t    out;
    const tw_s3_conf_t  *conf;

    conf = r->conf;
    klen = strlen(r->key);

    if (klen > TW_S3_MAX_KEY || (klen == 0 && r->op->nquery == 0)) {
        tw_log(TW_LOG_ERR, "s3 %s: invalid key \"%s\"", r->method, r->key);
        return -1;
    }

    if (r->op->nquery > TW_S3_MAX_PARAMS) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": too many query parameters",
               r->method, r->key);
        return -1;
    }

    if (tw_s3_endpoint(conf->endpoint, &slen, &a, &alen) != 0) {
        tw_log(TW_LOG_ERR, "invalid s3 endpoint \"%s\"", conf->endpoint);
        return -1;
    }

    memset(&http, 0, sizeof(vo_sigv4_http_t));

    /* path style: host "authority", path "/bucket/key"; virtual-hosted:
     * host "bucket.authority", path "/key"; the bucket itself is
     * "/bucket" or "/" */
    path[0] = (vo_str_t) vo_string("/");
    path[1] = (vo_str_t) { klen, (u_char *) r->key };
    http.path = path;
    http.npath = 2;

    if (conf->path_style) {
        snprintf(w->host, sizeof(w->host), "%.*s", (int) alen, a);
        http.bucket = (vo_str_t) { strlen(conf->bucket),
                                   (u_char *) conf->bucket };
        http.npath = klen ? 2 : 0;

    } else {
        snprintf(w->host, sizeof(w->host), "%s.%.*s", conf->bucket,
                 (int) alen, a);
    }

    for (i = 0; i < r->op->nquery; i++) {
        params[i].name = (vo_str_t) { strlen(r->op->query[i].name),
                                      (u_char *) r->op->query[i].name };
        params[i].value = (vo_str_t) { strlen(r->op->query[i].value),
                                       (u_char *) r->op->query[i].value };
    }

    if (r->body) {
        vo_sigv4_sha256_hex(r->body, r->left, hash);

    } else {
        memcpy(hash, VO_SIGV4_EMPTY_SHA256, VO_SIGV4_HEX_LEN);
    }

    if (r->last >= 0) {
        snprintf(range, sizeof(range), "bytes=%lld-%lld",
                 (long long) r->first, (long long) r->last);
        extra[0].name = (vo_str_t) vo_string("Range");
        extra[0].value = (vo_str_t) { strlen(range), (u_char *) range };
        http.headers = extra;
        http.nheaders = 1;
    }

    tw_s3_creds(conf, &creds);

    http.method = (vo_str_t) { strlen(r->method), (u_char *) r->method };
    http.host = (vo_str_t) { strlen(w->host), (u_char *) w->host };
    http.query = params;
    http.nquery = r->op->nquery;
    http.payload_hash = (vo_str_t) { VO_SIGV4_HEX_LEN, hash };
    http.time = time(NULL);

    reason = NULL;
    rc = vo_sigv4_http_sign(&creds, NULL, &http, w->text, sizeof(w->text),
                            &out, &reason);

    /* the path and key are bounded: only the query can outgrow its
     * share, TW_S3_MAX_QUERY with its '?' */
    if (rc == VO_NO_SPACE
        || (rc == VO_OK && out.target.len - out.path.len >= TW_S3_MAX_QUERY))
    {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": query too long", r->method,
               r->key);
        return -1;
    }

    if (rc != VO_OK) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": cannot sign: %s", r->method,
               r->key, reason ? reason : "signer failed");
        return -1;
    }

    snprintf(w->url, sizeof(w->url), "%.*s%s%.*s", (int) slen,
             conf->endpoint, w->host, (int) out.target.len,
             (const char *) out.target.data);

    return tw_s3_headers(r, w, &out);
}


static void
tw_s3_creds(const tw_s3_conf_t *conf, vo_sigv4_creds_t *creds)
{
    creds->access_key = (vo_str_t) { strlen(conf->access_key),
                                     (u_char *) conf->access_key };
    creds->secret_key = (vo_str_t) { strlen(conf->secret_key),
                                     (u_char *) conf->secret_key };
    creds->session_token = (vo_str_t) { 0, NULL };
    creds->region = (vo_str_t) { strlen(conf->region),
                                 (u_char *) conf->region };
    creds->service = (vo_str_t) vo_string("s3");

    if (conf->session_token && conf->session_token[0]) {
        creds->session_token = (vo_str_t) { strlen(conf->session_token),
                                            (u_char *) conf->session_token };
    }
}


/* w's curl header list: what is signed and Authorization, as the builder
 * lists them, then the headers curl would add on its own removed */
static int
tw_s3_headers(tw_s3_req_t *r, tw_s3_wire_t *w, const vo_sigv4_signed_t *out)
{
    size_t              i;
    char                line[TW_S3_MAX_TOKEN + 64];
    struct curl_slist  *l;

    for (i = 0; i < out->nheaders; i++) {
        snprintf(line, sizeof(line), "%.*s: %.*s",
                 (int) out->headers[i].name.len,
                 (const char *) out->headers[i].name.data,
                 (int) out->headers[i].value.len,
                 (const char *) out->headers[i].value.data);

        l = curl_slist_append(w->headers, line);
        if (l == NULL) {
            goto nomem;
        }

        w->headers = l;
    }

    /* the Authorization line carries no secret, but the signature is
     * a credential for this request until it expires */
    memset(line, 0, sizeof(line));

    /* no "Expect: 100-continue" round trip before a body, no Accept, and
     * no form Content-Type on a POST */
    if ((l = curl_slist_append(w->headers, "Expect:")) == NULL
        || (w->headers = l, l = curl_slist_append(w->headers, "Accept:"))
           == NULL
        || (w->headers = l, l = curl_slist_append(w->headers,
                                strcmp(r->method, "POST") == 0
                                ? "Content-Type: application/xml"
                                : "Content-Type:")) == NULL)
    {
        goto nomem;
    }

    w->headers = l;

    return 0;

nomem:

    memset(line, 0, sizeof(line));
    tw_log(TW_LOG_ERR, "s3 %s \"%s\": out of memory", r->method, r->key);

    return -1;
}


/*
 * The request of w on an easy handle of its own, made and freed here:
 * *crc is curl's result, *status the answer's (0 without one), cerr
 * curl's reason.  0, or -1 (logged) when no handle could be made.
 */
static int
tw_s3_send(tw_s3_req_t *r, tw_s3_wire_t *w, CURLcode *crc, long *status,
    char *cerr)
{
    CURL                *curl;
    const tw_s3_conf_t  *conf;

    conf = r->conf;
    *status = 0;

    curl = curl_easy_init();
    if (curl == NULL) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": out of memory", r->method,
               r->key);
        return -1;
    }

    cerr[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_URL, w->url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, w->headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     conf->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, conf->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, tw_s3_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tw_s3_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);

    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

    } else if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, tw_s3_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, r);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t) r->left);

    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, tw_s3_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, r);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t) r->left);

    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r->method);
    }

    *crc = curl_easy_perform(curl);

    if (*crc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    }

    curl_easy_cleanup(curl);

    return 0;
}


/*
 * What the attempt came to: 0, TW_S3_NOT_FOUND, or -1 with r->msg, and
 * whether sending it again may help: no answer but for a refused body,
 * a 5xx, 408 or 429 may; any other 4xx and a ranged GET answered
 * otherwise than 206 may not.  r->res gets the status and S3's Code.
 */
static int
tw_s3_classify(tw_s3_req_t *r, const char *host, CURLcode crc,
    const char *cerr, long status)
{
    char  message[256];

    if (crc != CURLE_OK) {
        if (r->abort_reason || crc == CURLE_WRITE_ERROR) {
            tw_s3_fail(r, 0, "s3 %s \"%s\" at %s: %s", r->method, r->key,
                       host, r->abort_reason ? r->abort_reason
                                             : "the receiver stopped the "
                                               "body");
        } else {
            tw_s3_fail(r, tw_s3_curl_retryable(crc), "s3 %s \"%s\" at %s: "
                       "%s", r->method, r->key, host,
                       cerr[0] ? cerr : curl_easy_strerror(crc));
        }

        return -1;
    }

    r->res->status = status;

    r->err[r->nerr] = '\0';
    tw_xml_print(r->err, "Code", r->res->code, sizeof(r->res->code));

    if (status == 404) {
        return TW_S3_NOT_FOUND;
    }

    if (status < 200 || status > 299) {
        tw_xml_print(r->err, "Message", message, sizeof(message));

        if (r->nerr == 0 && strcmp(r->method, "HEAD") == 0) {
            /* S3 sends no error document with HEAD answers */
            snprintf(message, sizeof(message), "(no error body for HEAD)");
        }

        tw_s3_fail(r, status >= 500 || status == 408 || status == 429,
                   "s3 %s \"%s\" at %s: HTTP %ld%s%s%s%s", r->method, r->key,
                   host, status, r->res->code[0] ? " " : "", r->res->code,
                   message[0] ? (r->res->code[0] ? ": " : " ") : "",
                   message);
        return -1;
    }

    if (r->last >= 0 && status != 206) {
        tw_s3_fail(r, 0, "s3 %s \"%s\" at %s: HTTP %ld to a ranged "
                   "request, 206 expected", r->method, r->key, host, status);
        return -1;
    }

    return 0;
}


int
tw_s3_attempt(tw_s3_req_t *r)
{
    int            rc;
    long           status;
    char           cerr[CURL_ERROR_SIZE];
    CURLcode       crc;
    tw_s3_wire_t   w;

    rc = -1;
    w.headers = NULL;

    if (tw_s3_build(r, &w) == 0 && tw_s3_send(r, &w, &crc, &status, cerr)
        == 0)
    {
        rc = tw_s3_classify(r, w.host, crc, cerr, status);
    }

    curl_slist_free_all(w.headers);

    /* the Authorization is a credential until it expires */
    memset(w.text, 0, sizeof(w.text));

    return rc;
}


static size_t
tw_s3_header(char *p, size_t size, size_t n, void *data)
{
    char         *sp;
    size_t        len;
    tw_s3_req_t  *r;

    r = data;
    len = size * n;

    /* a new status line (after a "100 Continue") starts the answer over */
    if (len > 9 && strncmp(p, "HTTP/", 5) == 0) {
        sp = memchr(p, ' ', len);
        r->res->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->res->size = -1;
        r->res->etag[0] = '\0';
        r->res->last_modified[0] = '\0';
        r->res->date[0] = '\0';
        r->nerr = 0;
        r->cr_first = -1;
        r->cr_last = -1;
        return len;
    }

    if (len > 20 && strncasecmp(p, "Content-Range: bytes ", 21) == 0) {
        if (sscanf(p + 21, "%" SCNd64 "-%" SCNd64, &r->cr_first,
                   &r->cr_last)
            != 2)
        {
            r->cr_first = -1;
            r->cr_last = -1;
        }

    } else if (len > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
        r->res->size = strtoll(p + 15, NULL, 10);

    } else if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
        tw_s3_header_value(p + 5, len - 5, r->res->etag,
                           sizeof(r->res->etag));

    } else if (len > 14 && strncasecmp(p, "Last-Modified:", 14) == 0) {
        tw_s3_header_value(p + 14, len - 14, r->res->last_modified,
                           sizeof(r->res->last_modified));

    } else if (len > 5 && strncasecmp(p, "Date:", 5) == 0) {
        tw_s3_header_value(p + 5, len - 5, r->res->date,
                           sizeof(r->res->date));
    }

    return len;
}


/* a header's value without the blanks around it, printable ASCII only,
 * cut to size */
static void
tw_s3_header_value(const char *p, size_t len, char *out, size_t size)
{
    size_t  i, v;

    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }

    for (v = len; v && (p[v - 1] == '\r' || p[v - 1] == '\n'
                        || p[v - 1] == ' ' || p[v - 1] == '\t'); v--)
    {
        /* void */
    }

    if (v >= size) {
        v = size - 1;
    }

    for (i = 0; i < v; i++) {
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    }

    out[v] = '\0';
}


/* a 2xx body goes to the receiver; an error body is kept (its head) for
 * its Code and Message */
static size_t
tw_s3_body(char *p, size_t size, size_t n, void *data)
{
    size_t        len, keep;
    tw_s3_req_t  *r;

    r = data;
    len = size * n;

    if (r->res->status >= 200 && r->res->status <= 299) {
        if (r->write == NULL) {
            return len;
        }

        /* a ranged answer must be the range asked for (S3 may end it
         * earlier, at the object's end): checked before any byte reaches
         * the receiver */
        if (r->last >= 0 && !r->checked) {
            r->checked = 1;

            if (r->res->status != 206) {
                snprintf(r->abort_text, sizeof(r->abort_text),
                         "HTTP %ld to a ranged request, 206 expected",
                         r->res->status);
                r->abort_reason = r->abort_text;
                return 0;
            }

            if (r->cr_first != r->first || r->cr_last < r->cr_first
                || r->cr_last > r->last)
            {
                snprintf(r->abort_text, sizeof(r->abort_text),
                         "answer's Content-Range %lld-%lld is not the "
                         "range asked for, %lld-%lld",
                         (long long) r->cr_first, (long long) r->cr_last,
                         (long long) r->first, (long long) r->last);
                r->abort_reason = r->abort_text;
                return 0;
            }
        }

        r->delivered += len;

        if (r->write(r->data, p, len) != 0) {
            r->abort_reason = (r->write == tw_s3_to_buf)
                              ? "object larger than the buffer"
                              : "the receiver stopped the body";
            return 0;
        }

        return len;
    }

    keep = TW_S3_ERR_BODY - r->nerr;
    if (keep > len) {
        keep = len;
    }

    memcpy(r->err + r->nerr, p, keep);
    r->nerr += keep;

    return len;
}


static size_t
tw_s3_read(char *p, size_t size, size_t n, void *data)
{
    size_t        len;
    tw_s3_req_t  *r;

    r = data;
    len = size * n;

    if (len > r->left) {
        len = r->left;
    }

    memcpy(p, r->body, len);
    r->body += len;
    r->left -= len;

    return len;
}


int
tw_s3_to_buf(void *data, const void *buf, size_t len)
{
    tw_s3_buf_t  *b;

    b = data;

    if (len > b->size - b->len) {
        return -1;
    }

    memcpy(b->buf + b->len, buf, len);
    b->len += len;

    return 0;
}
