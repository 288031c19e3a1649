/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * S3 client: one signed request per call on its own CURL easy handle
 * (see tw_s3.h for the contract).
 *
 * What is signed is exactly what is sent: the Host header is set by us,
 * not left to curl, and the path goes out encoded once, the way the
 * signer encoded it, with curl told not to touch it (CURLOPT_PATH_AS_IS),
 * since S3 neither normalizes "." and ".." nor decodes twice.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "vo_sigv4.h"
#include "tw_log.h"
#include "tw_s3.h"


#define TW_S3_ERR_BODY   4096    /* bytes of an error answer kept */
#define TW_S3_MAX_PATH   (3 * (TW_S3_MAX_KEY + 70) + 1)


typedef struct {
    const tw_s3_conf_t  *conf;
    const char          *method;
    const char          *key;
    int64_t              first;
    int64_t              last;          /* < 0: no Range */

    const u_char        *body;          /* PUT */
    size_t               left;

    tw_s3_write_pt       write;         /* GET */
    void                *data;
    const char          *abort_reason;
    unsigned             checked:1;

    int64_t              cr_first;      /* Content-Range of a 206 */
    int64_t              cr_last;
    char                 abort_text[160];

    tw_s3_res_t         *res;
    size_t               nerr;
    char                 err[TW_S3_ERR_BODY + 1];
} tw_s3_req_t;


typedef struct {
    u_char              *buf;
    size_t               size;
    size_t               len;
} tw_s3_buf_t;


static void tw_s3_global(void);
static int tw_s3_endpoint(const char *endpoint, size_t *scheme_len,
    const char **authority, size_t *alen);
static void tw_s3_req_init(tw_s3_req_t *r, const tw_s3_conf_t *conf,
    const char *method, const char *key, tw_s3_res_t *res);
static int tw_s3_request(tw_s3_req_t *r);
static size_t tw_s3_header(char *p, size_t size, size_t n, void *data);
static size_t tw_s3_body(char *p, size_t size, size_t n, void *data);
static size_t tw_s3_read(char *p, size_t size, size_t n, void *data);
static int tw_s3_to_buf(void *data, const void *buf, size_t len);
static void tw_s3_xml(const char *xml, const char *tag, char *out,
    size_t size);


static pthread_once_t  tw_s3_once = PTHREAD_ONCE_INIT;
static CURLcode        tw_s3_init_rc;


static void
tw_s3_global(void)
{
    tw_s3_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}


int
tw_s3_init(void)
{
    pthread_once(&tw_s3_once, tw_s3_global);

    if (tw_s3_init_rc != CURLE_OK) {
        tw_log(TW_LOG_ERR, "curl_global_init() failed: %s",
               curl_easy_strerror(tw_s3_init_rc));
        return -1;
    }

    return 0;
}


void
tw_s3_cleanup(void)
{
    if (tw_s3_init_rc == CURLE_OK) {
        curl_global_cleanup();
    }
}


/* "http(s)://authority[/]": where the authority starts and how long */
static int
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


int
tw_s3_conf_check(tw_s3_conf_t *conf)
{
    size_t       n, slen, alen;
    const char  *a, *b;

    if (conf->endpoint == NULL
        || tw_s3_endpoint(conf->endpoint, &slen, &a, &alen) != 0)
    {
        tw_log(TW_LOG_ERR, "invalid s3 endpoint \"%s\": "
               "http(s)://host[:port] expected",
               conf->endpoint ? conf->endpoint : "");
        return -1;
    }

    /* S3's bucket naming rules, which also keep the name a valid host
     * label for virtual-hosted style */
    b = conf->bucket ? conf->bucket : "";
    n = strlen(b);

    if (n < 3 || n > 63
        || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n
        || b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
    {
        tw_log(TW_LOG_ERR, "invalid s3 bucket name \"%s\"", b);
        return -1;
    }

    if (conf->access_key == NULL) {
        conf->access_key = getenv("AWS_ACCESS_KEY_ID");
    }

    if (conf->secret_key == NULL) {
        conf->secret_key = getenv("AWS_SECRET_ACCESS_KEY");
    }

    if (conf->session_token == NULL) {
        conf->session_token = getenv("AWS_SESSION_TOKEN");
    }

    if (conf->region == NULL) {
        conf->region = getenv("AWS_REGION");
    }

    if (conf->region == NULL || conf->region[0] == '\0') {
        conf->region = "us-east-1";
    }

    if (conf->access_key == NULL || conf->access_key[0] == '\0'
        || conf->secret_key == NULL || conf->secret_key[0] == '\0')
    {
        tw_log(TW_LOG_ERR, "no s3 credentials: set AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY");
        return -1;
    }

    if (strlen(conf->access_key) > TW_S3_MAX_ID
        || strlen(conf->secret_key) > TW_S3_MAX_ID
        || strlen(conf->region) > TW_S3_MAX_ID
        || (conf->session_token
            && strlen(conf->session_token) > TW_S3_MAX_TOKEN))
    {
        tw_log(TW_LOG_ERR, "s3 credentials or region too long");
        return -1;
    }

    if (conf->connect_timeout_ms <= 0) {
        conf->connect_timeout_ms = TW_S3_CONNECT_TIMEOUT;
    }

    if (conf->timeout_ms <= 0) {
        conf->timeout_ms = TW_S3_TIMEOUT;
    }

    return 0;
}


static int
tw_s3_request(tw_s3_req_t *r)
{
    int                  rc, nh;
    long                 status;
    CURL                *curl;
    size_t               klen, slen, alen, plen, rawlen, len;
    u_char               ts[VO_SIGV4_TIMESTAMP_LEN];
    u_char               hash[VO_SIGV4_HEX_LEN];
    u_char               path[TW_S3_MAX_PATH];
    u_char               auth[1024];
    char                 host[TW_S3_MAX_HOST], range[64];
    char                 url[TW_S3_MAX_HOST + TW_S3_MAX_PATH + 16];
    char                 line[TW_S3_MAX_TOKEN + 64];
    char                 cerr[CURL_ERROR_SIZE];
    char                 message[256];
    char                *raw;
    CURLcode             crc;
    const char          *a, *reason;
    vo_sigv4_creds_t     creds;
    vo_sigv4_pair_t      headers[5];
    vo_sigv4_request_t   req;
    struct curl_slist   *list, *l;
    tw_s3_res_t          dummy;
    const tw_s3_conf_t  *conf;

    conf = r->conf;
    curl = NULL;
    list = NULL;
    raw = NULL;
    rc = -1;

    if (r->res == NULL) {
        r->res = &dummy;
    }

    memset(r->res, 0, sizeof(tw_s3_res_t));
    r->res->size = -1;

    if (tw_s3_init() != 0) {
        return -1;
    }

    klen = strlen(r->key);

    if (klen == 0 || klen > TW_S3_MAX_KEY) {
        tw_log(TW_LOG_ERR, "s3 %s: invalid key \"%s\"", r->method, r->key);
        return -1;
    }

    if (tw_s3_endpoint(conf->endpoint, &slen, &a, &alen) != 0) {
        tw_log(TW_LOG_ERR, "invalid s3 endpoint \"%s\"", conf->endpoint);
        return -1;
    }

    /* path style: host "authority", path "/bucket/key"; virtual-hosted:
     * host "bucket.authority", path "/key" */
    if (conf->path_style) {
        snprintf(host, sizeof(host), "%.*s", (int) alen, a);

    } else {
        snprintf(host, sizeof(host), "%s.%.*s", conf->bucket, (int) alen,
                 a);
    }

    raw = malloc(klen + strlen(conf->bucket) + 3);
    if (raw == NULL) {
        tw_log(TW_LOG_ERR, "s3 %s: out of memory", r->method);
        return -1;
    }

    rawlen = conf->path_style
             ? (size_t) sprintf(raw, "/%s/%s", conf->bucket, r->key)
             : (size_t) sprintf(raw, "/%s", r->key);

    if (vo_sigv4_uri_encode((u_char *) raw, rawlen, 1, path, sizeof(path),
                            &plen)
        != VO_OK)
    {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": key too long", r->method, r->key);
        goto end;
    }

    snprintf(url, sizeof(url), "%.*s%s%.*s", (int) slen, conf->endpoint,
             host, (int) plen, path);

    if (vo_sigv4_timestamp(time(NULL), ts) != VO_OK) {
        tw_log(TW_LOG_ERR, "s3 %s: clock out of range", r->method);
        goto end;
    }

    if (r->body) {
        vo_sigv4_sha256_hex(r->body, r->left, hash);

    } else {
        memcpy(hash, VO_SIGV4_EMPTY_SHA256, VO_SIGV4_HEX_LEN);
    }

    /* what is signed, and below, what is sent: the same list */
    nh = 0;
    headers[nh].name = (vo_str_t) vo_string("Host");
    headers[nh].value = (vo_str_t) { strlen(host), (u_char *) host };
    nh++;

    if (r->last >= 0) {
        snprintf(range, sizeof(range), "bytes=%lld-%lld",
                 (long long) r->first, (long long) r->last);
        headers[nh].name = (vo_str_t) vo_string("Range");
        headers[nh].value = (vo_str_t) { strlen(range), (u_char *) range };
        nh++;
    }

    headers[nh].name = (vo_str_t) vo_string("x-amz-content-sha256");
    headers[nh].value = (vo_str_t) { VO_SIGV4_HEX_LEN, hash };
    nh++;
    headers[nh].name = (vo_str_t) vo_string("x-amz-date");
    headers[nh].value = (vo_str_t) { VO_SIGV4_TIMESTAMP_LEN, ts };
    nh++;

    creds.access_key = (vo_str_t) { strlen(conf->access_key),
                                    (u_char *) conf->access_key };
    creds.secret_key = (vo_str_t) { strlen(conf->secret_key),
                                    (u_char *) conf->secret_key };
    creds.session_token = (vo_str_t) { 0, NULL };
    creds.region = (vo_str_t) { strlen(conf->region),
                                (u_char *) conf->region };
    creds.service = (vo_str_t) vo_string("s3");

    if (conf->session_token && conf->session_token[0]) {
        creds.session_token = (vo_str_t) { strlen(conf->session_token),
                                           (u_char *) conf->session_token };
        headers[nh].name = (vo_str_t) vo_string("x-amz-security-token");
        headers[nh].value = creds.session_token;
        nh++;
    }

    memset(&req, 0, sizeof(vo_sigv4_request_t));
    req.method = (vo_str_t) { strlen(r->method), (u_char *) r->method };
    req.path = (vo_str_t) { plen, path };
    req.path_encoded = 1;
    req.headers = headers;
    req.nheaders = nh;
    req.payload_hash = (vo_str_t) { VO_SIGV4_HEX_LEN, hash };
    req.timestamp = (vo_str_t) { VO_SIGV4_TIMESTAMP_LEN, ts };

    if (vo_sigv4_authorization(&creds, NULL, &req, auth, sizeof(auth) - 1,
                               &len, &reason)
        != VO_OK)
    {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": cannot sign: %s", r->method,
               r->key, reason ? reason : "signer failed");
        goto end;
    }

    auth[len] = '\0';

    for (nh = 0; nh < (int) req.nheaders; nh++) {
        snprintf(line, sizeof(line), "%.*s: %.*s",
                 (int) headers[nh].name.len, headers[nh].name.data,
                 (int) headers[nh].value.len, headers[nh].value.data);
        if ((l = curl_slist_append(list, line)) == NULL) {
            goto nomem;
        }
        list = l;
    }

    snprintf(line, sizeof(line), "Authorization: %s", auth);

    /* no "Expect: 100-continue" round trip before a PUT body; no Accept */
    if ((l = curl_slist_append(list, line)) == NULL
        || (list = l, l = curl_slist_append(list, "Expect:")) == NULL
        || (list = l, l = curl_slist_append(list, "Accept:")) == NULL)
    {
        goto nomem;
    }
    list = l;

    curl = curl_easy_init();
    if (curl == NULL) {
        goto nomem;
    }

    cerr[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
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

    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r->method);
    }

    crc = curl_easy_perform(curl);

    if (crc != CURLE_OK) {
        if (r->abort_reason || crc == CURLE_WRITE_ERROR) {
            tw_log(TW_LOG_ERR, "s3 %s \"%s\" at %s: %s", r->method, r->key,
                   host, r->abort_reason ? r->abort_reason
                                         : "the receiver stopped the body");
        } else {
            tw_log(TW_LOG_ERR, "s3 %s \"%s\" at %s: %s", r->method, r->key,
                   host, cerr[0] ? cerr : curl_easy_strerror(crc));
        }
        goto end;
    }

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    r->res->status = status;

    r->err[r->nerr] = '\0';
    tw_s3_xml(r->err, "Code", r->res->code, sizeof(r->res->code));

    if (status == 404) {
        rc = TW_S3_NOT_FOUND;
        goto end;
    }

    if (status < 200 || status > 299) {
        tw_s3_xml(r->err, "Message", message, sizeof(message));

        if (r->nerr == 0 && strcmp(r->method, "HEAD") == 0) {
            /* S3 sends no error document with HEAD answers */
            snprintf(message, sizeof(message), "(no error body for HEAD)");
        }

        tw_log(TW_LOG_ERR, "s3 %s \"%s\" at %s: HTTP %ld%s%s%s%s", r->method,
               r->key, host, status, r->res->code[0] ? " " : "",
               r->res->code, message[0] ? (r->res->code[0] ? ": " : " ")
                                        : "", message);
        goto end;
    }

    if (r->last >= 0 && status != 206) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\" at %s: HTTP %ld to a ranged "
               "request, 206 expected", r->method, r->key, host, status);
        goto end;
    }

    rc = 0;
    goto end;

nomem:

    tw_log(TW_LOG_ERR, "s3 %s \"%s\": out of memory", r->method, r->key);

end:

    if (curl) {
        curl_easy_cleanup(curl);
    }

    curl_slist_free_all(list);
    free(raw);

    /* the Authorization line carries no secret, but the signature is
     * a credential for this request until it expires */
    memset(line, 0, sizeof(line));

    return rc;
}


static size_t
tw_s3_header(char *p, size_t size, size_t n, void *data)
{
    char         *sp;
    size_t        len, v;
    tw_s3_req_t  *r;

    r = data;
    len = size * n;

    /* a new status line (after a "100 Continue") starts the answer over */
    if (len > 9 && strncmp(p, "HTTP/", 5) == 0) {
        sp = memchr(p, ' ', len);
        r->res->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->res->size = -1;
        r->res->etag[0] = '\0';
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
        p += 5;
        len -= 5;

        while (len && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }

        for (v = len; v && (p[v - 1] == '\r' || p[v - 1] == '\n'
                            || p[v - 1] == ' '); v--) { /* void */ }

        if (v >= sizeof(r->res->etag)) {
            v = sizeof(r->res->etag) - 1;
        }

        memcpy(r->res->etag, p, v);
        r->res->etag[v] = '\0';
    }

    return size * n;
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


/* the text of the first <tag>...</tag>, printable ASCII only, cut to
 * size; "" when absent */
static void
tw_s3_xml(const char *xml, const char *tag, char *out, size_t size)
{
    char        open[32], close[32];
    size_t      i, n;
    const char *s, *e;

    out[0] = '\0';

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);

    s = strstr(xml, open);
    if (s == NULL) {
        return;
    }

    s += strlen(open);
    e = strstr(s, close);
    if (e == NULL) {
        return;
    }

    n = (size_t) (e - s);
    if (n >= size) {
        n = size - 1;
    }

    for (i = 0; i < n; i++) {
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    }

    out[n] = '\0';
}


static int
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


/* a request without a body or a range, the operations add theirs */
static void
tw_s3_req_init(tw_s3_req_t *r, const tw_s3_conf_t *conf, const char *method,
    const char *key, tw_s3_res_t *res)
{
    memset(r, 0, sizeof(tw_s3_req_t));
    r->conf = conf;
    r->method = method;
    r->key = key;
    r->last = -1;
    r->res = res;
}


int
tw_s3_head(const tw_s3_conf_t *conf, const char *key, tw_s3_res_t *res)
{
    tw_s3_req_t  r;

    tw_s3_req_init(&r, conf, "HEAD", key, res);

    return tw_s3_request(&r);
}


int
tw_s3_get(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, tw_s3_write_pt write, void *data, tw_s3_res_t *res)
{
    tw_s3_req_t  r;

    if (last >= 0 && (first < 0 || first > last)) {
        tw_log(TW_LOG_ERR, "s3 GET \"%s\": invalid range %lld-%lld", key,
               (long long) first, (long long) last);
        return -1;
    }

    tw_s3_req_init(&r, conf, "GET", key, res);
    r.first = first;
    r.last = last;
    r.write = write;
    r.data = data;

    return tw_s3_request(&r);
}


int
tw_s3_get_buf(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, void *buf, size_t size, size_t *len, tw_s3_res_t *res)
{
    int           rc;
    tw_s3_buf_t   b;

    b.buf = buf;
    b.size = size;
    b.len = 0;

    rc = tw_s3_get(conf, key, first, last, tw_s3_to_buf, &b, res);

    *len = b.len;

    return rc;
}


int
tw_s3_put(const tw_s3_conf_t *conf, const char *key, const void *body,
    size_t len, tw_s3_res_t *res)
{
    tw_s3_req_t  r;

    tw_s3_req_init(&r, conf, "PUT", key, res);
    r.body = body ? body : (const u_char *) "";
    r.left = len;

    return tw_s3_request(&r);
}


int
tw_s3_delete(const tw_s3_conf_t *conf, const char *key, tw_s3_res_t *res)
{
    tw_s3_req_t  r;

    tw_s3_req_init(&r, conf, "DELETE", key, res);

    return tw_s3_request(&r);
}
