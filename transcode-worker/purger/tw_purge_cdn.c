/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The two CDN APIs: what a batch of purges becomes on the wire (see
 * tw_purge_cdn.h; what an answer means is tw_purge_answer.c's).
 *
 *   CloudFront  POST {endpoint}/2020-05-31/distribution/{id}/invalidation
 *               an InvalidationBatch (XML), signed with SigV4 (service
 *               "cloudfront", region "us-east-1"); 201 is success.  The
 *               CallerReference is "vidorigin-{origin}-{seq}" (or
 *               "-{first}-{last}" for a batch): the same for every attempt
 *               and after a restart, so CloudFront makes one invalidation
 *               however often it is sent.
 *   Cloudflare  POST {endpoint}/client/v4/zones/{zone}/purge_cache
 *               {"prefixes":["host/v/x/"]} or {"files":["https://host/p"]}
 *               with "Authorization: Bearer {token}"; 200 with
 *               "success":true is success.
 *
 * What is signed is what is sent: Host is set here, not left to curl.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vo_sigv4_http.h"
#include "common/tw_log.h"
#include "purger/tw_purge.h"
#include "purger/tw_purge_answer.h"
#include "purger/tw_purge_cdn.h"


#define TW_CLOUDFRONT_API     "/2020-05-31"
#define TW_CLOUDFRONT_XMLNS   "http://cloudfront.amazonaws.com/doc/2020-05-31/"
#define TW_CLOUDFLARE_API     "/client/v4"
#define TW_PURGE_PATH_MAX     (3 * TW_PURGE_PREFIX_MAX + 16)
#define TW_PURGE_URL_MAX      (TW_PURGE_HOST_MAX + 256)
#define TW_PURGE_TOKEN_MAX    1024


typedef struct {
    char               *data;             /* malloc() */
    size_t              len;
    size_t              size;
    unsigned            failed:1;
} tw_text_t;


static int tw_purge_endpoint(tw_cdn_t *cdn);
static int tw_purge_chars(const char *s, const char *extra, size_t max);
static void tw_text_add(tw_text_t *t, const char *s, size_t len);
static void tw_text_str(tw_text_t *t, const char *s);
static size_t tw_cloudfront_path(const tw_purge_t *purge, char *out);
static void tw_cloudfront_body(tw_purger_t *p, tw_send_t *send,
    tw_text_t *t);
static void tw_cloudflare_body(tw_purger_t *p, tw_send_t *send,
    tw_text_t *t);
static int tw_purge_repeated(tw_purger_t *p, tw_send_t *send, uint32_t i);
static int tw_purge_add_header(struct curl_slist **list, const char *name,
    size_t nlen, const char *value, size_t len);
static int tw_cloudfront_headers(tw_purger_t *p, tw_cdn_t *cdn,
    tw_send_t *send, const char *path);
static int tw_cloudflare_headers(tw_purger_t *p, tw_cdn_t *cdn,
    tw_send_t *send);


static const char  tw_hex[] = "0123456789ABCDEF";


/* "http(s)://authority[/]", the authority kept for Host */
static int
tw_purge_endpoint(tw_cdn_t *cdn)
{
    size_t       n;
    const char  *a;

    if (strncmp(cdn->endpoint, "http://", 7) == 0) {
        cdn->scheme_len = 7;

    } else if (strncmp(cdn->endpoint, "https://", 8) == 0) {
        cdn->scheme_len = 8;

    } else {
        goto invalid;
    }

    a = cdn->endpoint + cdn->scheme_len;
    n = strcspn(a, "/?#@ \t\r\n");

    if (n == 0 || n >= sizeof(cdn->authority)
        || (a[n] != '\0' && strcmp(a + n, "/") != 0))
    {
        goto invalid;
    }

    memcpy(cdn->authority, a, n);
    cdn->authority[n] = '\0';

    /* "host" or "host:port" (no IPv6 literal) */
    a = strchr(cdn->authority, ':');

    if (a && (a == cdn->authority || a[1] == '\0' || strlen(a + 1) > 5
              || strspn(a + 1, "0123456789") != strlen(a + 1)))
    {
        goto invalid;
    }

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid %s-endpoint \"%s\": http(s)://host[:port] "
           "expected", cdn->name, cdn->endpoint);

    return -1;
}


/* 1 to max letters, digits and bytes of extra */
static int
tw_purge_chars(const char *s, const char *extra, size_t max)
{
    size_t  i;

    for (i = 0; s[i]; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')
              || (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
        {
            return 0;
        }
    }

    return i > 0 && i <= max;
}


int
tw_purge_cdn_check(tw_purger_t *p, tw_cdn_t *cdn)
{
    const char  *host, *token;

    if (tw_purge_endpoint(cdn) != 0) {
        return -1;
    }

    if (!tw_purge_chars(cdn->target, "", 64)) {
        tw_log(TW_LOG_ERR, "invalid %s \"%s\": 1 to 64 letters and digits",
               cdn->kind == TW_CDN_CLOUDFRONT ? "cloudfront-distribution"
                                              : "cloudflare-zone",
               cdn->target);
        return -1;
    }

    if (cdn->kind == TW_CDN_CLOUDFRONT) {
        if (p->aws_access_key == NULL || p->aws_access_key[0] == '\0'
            || p->aws_secret_key == NULL || p->aws_secret_key[0] == '\0')
        {
            tw_log(TW_LOG_ERR, "no AWS credentials for cloudfront: set "
                   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
            return -1;
        }

        if (strlen(p->aws_access_key) > VO_SIGV4_MAX_ID
            || strlen(p->aws_secret_key) > VO_SIGV4_MAX_ID
            || (p->aws_session_token
                && strlen(p->aws_session_token) > 4096))
        {
            tw_log(TW_LOG_ERR, "AWS credentials too long");
            return -1;
        }

        return 0;
    }

    host = p->conf.cloudflare_host;

    if (!tw_purge_chars(host, ".-:", 253) || host[0] == '.'
        || host[0] == '-')
    {
        tw_log(TW_LOG_ERR, "invalid cloudflare-host \"%s\": a host name "
               "(www.example.com) expected", host);
        return -1;
    }

    token = p->cloudflare_token;

    if (token == NULL || token[0] == '\0') {
        tw_log(TW_LOG_ERR, "no Cloudflare API token: set "
               "CLOUDFLARE_API_TOKEN");
        return -1;
    }

    if (!tw_purge_chars(token, "-_.~+/=", TW_PURGE_TOKEN_MAX)) {
        tw_log(TW_LOG_ERR, "CLOUDFLARE_API_TOKEN is not a bearer token "
               "(letters, digits and -_.~+/=)");
        return -1;
    }

    return 0;
}


static void
tw_text_add(tw_text_t *t, const char *s, size_t len)
{
    char    *d;
    size_t   size;

    if (t->failed) {
        return;
    }

    if (len > t->size - t->len) {
        size = t->size ? t->size : 1024;

        while (len > size - t->len) {
            size *= 2;
        }

        d = realloc(t->data, size);
        if (d == NULL) {
            t->failed = 1;
            return;
        }

        t->data = d;
        t->size = size;
    }

    memcpy(t->data + t->len, s, len);
    t->len += len;
}


static void
tw_text_str(tw_text_t *t, const char *s)
{
    tw_text_add(t, s, strlen(s));
}


/*
 * An invalidation path, XML-escaped.  As CloudFront asks, bytes RFC 1738
 * calls unsafe and non-ASCII bytes are %-encoded, nothing else: the
 * journal's prefix is a URL path as requested, "%XX" escapes included,
 * so a '%' before two hex digits stays.  A '*' is encoded too, since
 * CloudFront would read it as a wildcard; a prefix gets the one '*' it
 * means at the end.  out has 6 bytes per prefix byte and 2 more.
 */
static size_t
tw_cloudfront_path(const tw_purge_t *purge, char *out)
{
    u_char        c;
    char         *o;
    const char   *s;

    o = out;

    for (s = purge->prefix; *s; s++) {
        c = (u_char) *s;

        if (c == '&') {
            o = stpcpy(o, "&amp;");

        } else if (c == '\'') {
            o = stpcpy(o, "&apos;");

        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                   || (c >= '0' && c <= '9')
                   || strchr("-._/!$()+,;=:@?", c)
                   || (c == '%' && isxdigit((u_char) s[1])
                       && isxdigit((u_char) s[2])))
        {
            *o++ = (char) c;

        } else {
            *o++ = '%';
            *o++ = tw_hex[c >> 4];
            *o++ = tw_hex[c & 0xf];
        }
    }

    if (!purge->exact) {
        *o++ = '*';
    }

    *o = '\0';

    return (size_t) (o - out);
}


/* the same prefix earlier in the batch: sent once */
static int
tw_purge_repeated(tw_purger_t *p, tw_send_t *send, uint32_t i)
{
    uint32_t  k;

    for (k = 0; k < i; k++) {
        if (strcmp(tw_purge_at(p, send->from + k)->prefix,
                   tw_purge_at(p, send->from + i)->prefix)
            == 0)
        {
            return 1;
        }
    }

    return 0;
}


static void
tw_cloudfront_body(tw_purger_t *p, tw_send_t *send, tw_text_t *t)
{
    char       path[6 * TW_PURGE_PREFIX_MAX + 2], num[96];
    size_t     len;
    uint32_t   i, n;

    for (i = 0, n = 0; i < send->count; i++) {
        n += !tw_purge_repeated(p, send, i);
    }

    snprintf(num, sizeof(num), "%u", n);

    tw_text_str(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<InvalidationBatch xmlns=\"" TW_CLOUDFRONT_XMLNS "\">"
                   "<Paths><Quantity>");
    tw_text_str(t, num);
    tw_text_str(t, "</Quantity><Items>");

    for (i = 0; i < send->count; i++) {
        if (tw_purge_repeated(p, send, i)) {
            continue;
        }

        len = tw_cloudfront_path(tw_purge_at(p, send->from + i), path);
        tw_text_str(t, "<Path>");
        tw_text_add(t, path, len);
        tw_text_str(t, "</Path>");
    }

    if (send->first == send->last) {
        snprintf(num, sizeof(num), "%" PRIu64, send->first);

    } else {
        snprintf(num, sizeof(num), "%" PRIu64 "-%" PRIu64, send->first,
                 send->last);
    }

    /* the origin name is letters, digits and "._-": nothing to escape */
    tw_text_str(t, "</Items></Paths><CallerReference>vidorigin-");
    tw_text_str(t, p->conf.origin);
    tw_text_str(t, "-");
    tw_text_str(t, num);
    tw_text_str(t, "</CallerReference></InvalidationBatch>");
}


/* a batch is all prefixes, all files or all "/" (the host): one field */
static void
tw_cloudflare_body(tw_purger_t *p, tw_send_t *send, tw_text_t *t)
{
    int                kind;
    uint32_t           i, n;
    const char        *s;
    const tw_purge_t  *purge;

    kind = tw_purge_cloudflare_kind(tw_purge_at(p, send->from));

    tw_text_str(t, kind == TW_CLOUDFLARE_HOSTS ? "{\"hosts\":[\""
                   : kind == TW_CLOUDFLARE_FILES ? "{\"files\":[\""
                   : "{\"prefixes\":[\"");

    for (i = 0, n = 0; i < send->count; i++) {
        if (tw_purge_repeated(p, send, i)) {
            continue;
        }

        if (n++) {
            tw_text_str(t, "\",\"");
        }

        if (kind == TW_CLOUDFLARE_FILES) {
            tw_text_str(t, "https://");
        }

        /* the host is letters, digits and ".-:" */
        tw_text_str(t, p->conf.cloudflare_host);

        if (kind == TW_CLOUDFLARE_HOSTS) {
            continue;
        }

        purge = tw_purge_at(p, send->from + i);

        for (s = purge->prefix; *s; s++) {
            if (*s == '"' || *s == '\\') {
                tw_text_add(t, "\\", 1);
            }

            tw_text_add(t, s, 1);
        }
    }

    tw_text_str(t, "\"]}");
}


int
tw_purge_cloudflare_kind(const tw_purge_t *purge)
{
    if (strcmp(purge->prefix, "/") == 0) {
        return TW_CLOUDFLARE_HOSTS;
    }

    return purge->exact ? TW_CLOUDFLARE_FILES : TW_CLOUDFLARE_PREFIXES;
}


static int
tw_purge_add_header(struct curl_slist **list, const char *name,
    size_t nlen, const char *value, size_t len)
{
    char                line[TW_PURGE_TOKEN_MAX + 4200];
    struct curl_slist  *l;

    snprintf(line, sizeof(line), "%.*s: %.*s", (int) nlen, name, (int) len,
             value);

    l = curl_slist_append(*list, line);

    /* the line may carry a credential */
    memset(line, 0, sizeof(line));

    if (l == NULL) {
        return -1;
    }

    *list = l;

    return 0;
}


/* CreateInvalidation, signed by the core's request builder: Host,
 * Content-Type, X-Amz-Date, [X-Amz-Security-Token,] Authorization */
static int
tw_cloudfront_headers(tw_purger_t *p, tw_cdn_t *cdn, tw_send_t *send,
    const char *path)
{
    int                  rc;
    size_t               i;
    u_char               text[TW_PURGE_PATH_MAX + 1024];
    u_char               hash[VO_SIGV4_HEX_LEN];
    vo_str_t             piece;
    const char          *reason;
    vo_sigv4_creds_t     creds;
    vo_sigv4_pair_t      type;
    vo_sigv4_http_t      http;
    vo_sigv4_signed_t    out;

    vo_sigv4_sha256_hex((u_char *) send->body, send->body_len, hash);

    creds.access_key = (vo_str_t) { strlen(p->aws_access_key),
                                    (u_char *) p->aws_access_key };
    creds.secret_key = (vo_str_t) { strlen(p->aws_secret_key),
                                    (u_char *) p->aws_secret_key };
    creds.session_token = (vo_str_t) { 0, NULL };
    creds.region = (vo_str_t) vo_string("us-east-1");
    creds.service = (vo_str_t) vo_string("cloudfront");

    if (p->aws_session_token && p->aws_session_token[0]) {
        creds.session_token = (vo_str_t) { strlen(p->aws_session_token),
                                        (u_char *) p->aws_session_token };
    }

    type.name = (vo_str_t) vo_string("Content-Type");
    type.value = (vo_str_t) vo_string("application/xml");
    piece = (vo_str_t) { strlen(path), (u_char *) path };

    memset(&http, 0, sizeof(vo_sigv4_http_t));
    http.method = (vo_str_t) vo_string("POST");
    http.host = (vo_str_t) { strlen(cdn->authority),
                             (u_char *) cdn->authority };
    http.path = &piece;
    http.npath = 1;
    http.headers = &type;
    http.nheaders = 1;
    http.payload_hash = (vo_str_t) { VO_SIGV4_HEX_LEN, hash };
    http.time = time(NULL);

    reason = NULL;

    if (vo_sigv4_http_sign(&creds, NULL, &http, text, sizeof(text), &out,
                           &reason)
        != VO_OK)
    {
        tw_log(TW_LOG_ERR, "cloudfront: cannot sign: %s",
               reason ? reason : "signer failed");
        return -1;
    }

    rc = 0;

    for (i = 0; rc == 0 && i < out.nheaders; i++) {
        rc = tw_purge_add_header(&send->headers,
                                 (const char *) out.headers[i].name.data,
                                 out.headers[i].name.len,
                                 (const char *) out.headers[i].value.data,
                                 out.headers[i].value.len);
    }

    /* the Authorization is a credential until it expires */
    memset(text, 0, sizeof(text));

    return rc;
}


static int
tw_cloudflare_headers(tw_purger_t *p, tw_cdn_t *cdn, tw_send_t *send)
{
    char  bearer[TW_PURGE_TOKEN_MAX + 8];
    int   rc;

    snprintf(bearer, sizeof(bearer), "Bearer %s", p->cloudflare_token);

    rc = tw_purge_add_header(&send->headers, "Host", 4, cdn->authority,
                             strlen(cdn->authority))
         || tw_purge_add_header(&send->headers, "Content-Type", 12,
                                "application/json", 16)
         || tw_purge_add_header(&send->headers, "Authorization", 13, bearer,
                                strlen(bearer));

    memset(bearer, 0, sizeof(bearer));

    return rc ? -1 : 0;
}


int
tw_purge_cdn_request(tw_purger_t *p, tw_cdn_t *cdn, tw_send_t *send)
{
    int        rc;
    char       path[256], url[TW_PURGE_URL_MAX];
    CURL      *curl;
    tw_text_t  t;

    if (send->body == NULL) {
        memset(&t, 0, sizeof(tw_text_t));

        if (cdn->kind == TW_CDN_CLOUDFRONT) {
            tw_cloudfront_body(p, send, &t);

        } else {
            tw_cloudflare_body(p, send, &t);
        }

        if (t.failed) {
            free(t.data);
            tw_log(TW_LOG_ERR, "%s: out of memory", cdn->name);
            return -1;
        }

        send->body = t.data;
        send->body_len = t.len;
    }

    if (cdn->kind == TW_CDN_CLOUDFRONT) {
        snprintf(path, sizeof(path), TW_CLOUDFRONT_API "/distribution/%s"
                 "/invalidation", cdn->target);

    } else {
        snprintf(path, sizeof(path), TW_CLOUDFLARE_API "/zones/%s"
                 "/purge_cache", cdn->target);
    }

    snprintf(url, sizeof(url), "%.*s%s%s", (int) cdn->scheme_len,
             cdn->endpoint, cdn->authority, path);

    curl_slist_free_all(send->headers);
    send->headers = NULL;

    rc = (cdn->kind == TW_CDN_CLOUDFRONT)
         ? tw_cloudfront_headers(p, cdn, send, path)
         : tw_cloudflare_headers(p, cdn, send);

    /* no "Expect: 100-continue" round trip, no Accept */
    if (rc != 0
        || tw_purge_add_header(&send->headers, "Expect", 6, "", 0) != 0
        || tw_purge_add_header(&send->headers, "Accept", 6, "", 0) != 0)
    {
        goto failed;
    }

    curl = curl_easy_init();
    if (curl == NULL) {
        goto failed;
    }

    send->errbuf[0] = '\0';
    send->answer_len = 0;
    send->retry_after_ms = 0;

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) p->conf.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) p->conf.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, send->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t) send->body_len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, send->headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, send->errbuf);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, tw_purge_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, send);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, tw_purge_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, send);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, cdn);

    send->curl = curl;

    return 0;

failed:

    tw_log(TW_LOG_ERR, "%s: out of memory or cannot sign", cdn->name);

    return -1;
}
