/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a CDN answered: the curl callbacks that keep the head of the
 * answer and its Retry-After, and the verdict (see tw_purge_answer.h).
 *
 *   - no answer (refused, timed out, reset): retry;
 *   - 5xx, 429, 408: retry, after Retry-After when it says longer than
 *     the backoff; CloudFront's 400 "TooManyInvalidationsInProgress"
 *     and "Throttling" too, since they pass;
 *   - CloudFront 201, Cloudflare 200 with "success": true: done;
 *   - anything else: rejected, with the CDN's own words kept
 *     (CloudFront's <Code> and <Message>, Cloudflare's first error's
 *     code and message).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vo_json.h"
#include "common/tw_xml.h"
#include "purger/tw_purge_answer.h"


static void tw_cloudfront_result(tw_send_t *send, tw_send_result_t *res);
static u_char tw_json_peek(vo_json_t *j);
static int tw_json_is_true(vo_json_t *j, int *yes);
static int tw_cloudflare_error(vo_json_t *j, uint64_t *code, u_char *text,
    size_t size);
static int tw_cloudflare_errors(vo_json_t *j, uint64_t *code, u_char *text,
    size_t size);
static void tw_cloudflare_result(tw_send_t *send, tw_send_result_t *res);


#define tw_key_is(key, s)                                                    \
    ((key).len == sizeof(s) - 1 && memcmp((key).data, s, sizeof(s) - 1) == 0)


size_t
tw_purge_header(char *b, size_t size, size_t n, void *data)
{
    char           *end;
    size_t          len;
    tw_send_t      *send;
    unsigned long   v;

    send = data;
    len = size * n;

    /* a new status line (after a "100 Continue") starts the answer over */
    if (len > 5 && strncmp(b, "HTTP/", 5) == 0) {
        send->answer_len = 0;
        send->retry_after_ms = 0;
        return len;
    }

    /* seconds only: an HTTP date is ignored (the backoff applies) */
    if (len > 12 && strncasecmp(b, "Retry-After:", 12) == 0) {
        v = strtoul(b + 12, &end, 10);

        if (end > b + 12 && (*end == '\r' || *end == '\n')) {
            send->retry_after_ms = v > 3600 ? 3600000 : (uint32_t) v * 1000;
        }
    }

    return len;
}


size_t
tw_purge_write(char *b, size_t size, size_t n, void *data)
{
    size_t      len, keep;
    tw_send_t  *send;

    send = data;
    len = size * n;
    keep = TW_PURGE_ANSWER_MAX - send->answer_len;

    if (keep > len) {
        keep = len;
    }

    memcpy(send->answer + send->answer_len, b, keep);
    send->answer_len += keep;

    return len;
}


void
tw_purge_clean(char *out, size_t size, const char *s, size_t len)
{
    size_t  i;

    if (len >= size) {
        len = size - 1;
    }

    /* memmove semantics: out may be s */
    for (i = 0; i < len; i++) {
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    }

    out[len] = '\0';
}


static void
tw_cloudfront_result(tw_send_t *send, tw_send_result_t *res)
{
    char  code[64], message[TW_PURGE_MESSAGE_MAX];

    if (res->status == 201) {
        res->verdict = TW_SEND_OK;
        tw_xml_print(send->answer, "Id", res->id, sizeof(res->id));
        return;
    }

    tw_xml_print(send->answer, "Code", code, sizeof(code));
    tw_xml_print(send->answer, "Message", message, sizeof(message));

    snprintf(res->message, sizeof(res->message), "%s%s%.180s", code,
             code[0] && message[0] ? ": " : "", message);

    res->verdict = (res->status >= 500 || res->status == 429
                    || res->status == 408
                    || strcmp(code, "Throttling") == 0
                    || strcmp(code, "TooManyInvalidationsInProgress") == 0
                    || strcmp(code, "ServiceUnavailable") == 0)
                   ? TW_SEND_RETRY : TW_SEND_REJECTED;
}


/* the next value's first byte, blanks passed over ('\0' at the end) */
static u_char
tw_json_peek(vo_json_t *j)
{
    while (j->pos < j->end && (*j->pos == ' ' || *j->pos == '\t'
                               || *j->pos == '\n' || *j->pos == '\r'))
    {
        j->pos++;
    }

    return j->pos < j->end ? *j->pos : '\0';
}


/* vo_json has no boolean reader: the value skipped is compared */
static int
tw_json_is_true(vo_json_t *j, int *yes)
{
    const u_char  *start;

    tw_json_peek(j);
    start = j->pos;

    if (vo_json_skip(j) != VO_OK) {
        return -1;
    }

    *yes = j->pos - start == 4 && memcmp(start, "true", 4) == 0;

    return 0;
}


/* {"code": N, "message": "..."}: what is there of it */
static int
tw_cloudflare_error(vo_json_t *j, uint64_t *code, u_char *text, size_t size)
{
    size_t     len;
    u_char     kbuf[16];
    vo_str_t   key;

    if (vo_json_object_begin(j) != VO_OK) {
        return -1;
    }

    while (vo_json_object_next(j, &key, kbuf, sizeof(kbuf)) == VO_OK) {

        if (tw_key_is(key, "code") && tw_json_peek(j) >= '0'
            && tw_json_peek(j) <= '9')
        {
            if (vo_json_uint(j, code) != VO_OK) {
                return -1;
            }

        } else if (tw_key_is(key, "message") && tw_json_peek(j) == '"') {
            if (vo_json_string(j, text, size, &len) != VO_OK) {
                text[0] = '\0';
                return -1;
            }

        } else if (vo_json_skip(j) != VO_OK) {
            return -1;
        }
    }

    return j->err ? -1 : 0;
}


/* "errors": [...]: the first one's code and message */
static int
tw_cloudflare_errors(vo_json_t *j, uint64_t *code, u_char *text,
    size_t size)
{
    int  first;

    if (vo_json_array_begin(j) != VO_OK) {
        return -1;
    }

    for (first = 1; vo_json_array_next(j) == VO_OK; first = 0) {
        if (first && tw_json_peek(j) == '{') {
            if (tw_cloudflare_error(j, code, text, size) != 0) {
                return -1;
            }

        } else if (vo_json_skip(j) != VO_OK) {
            return -1;
        }
    }

    return j->err ? -1 : 0;
}


/* {"success": true, "errors": [...], ...}, read as far as it is valid
 * JSON */
static void
tw_cloudflare_result(tw_send_t *send, tw_send_result_t *res)
{
    int        success, rc;
    u_char     kbuf[16], text[TW_PURGE_MESSAGE_MAX];
    uint64_t   code;
    vo_str_t   key;
    vo_json_t  j;

    success = 0;
    code = 0;
    text[0] = '\0';

    vo_json_init(&j, (u_char *) send->answer, send->answer_len);

    if (tw_json_peek(&j) != '{' || vo_json_object_begin(&j) != VO_OK) {
        goto done;
    }

    while (vo_json_object_next(&j, &key, kbuf, sizeof(kbuf)) == VO_OK) {

        if (tw_key_is(key, "success")) {
            rc = tw_json_is_true(&j, &success);

        } else if (tw_key_is(key, "errors") && tw_json_peek(&j) == '[') {
            rc = tw_cloudflare_errors(&j, &code, text, sizeof(text));

        } else {
            rc = vo_json_skip(&j) == VO_OK ? 0 : -1;
        }

        if (rc != 0) {
            break;
        }
    }

done:

    if (res->status == 200 && success) {
        res->verdict = TW_SEND_OK;
        return;
    }

    if (code && text[0]) {
        snprintf(res->message, sizeof(res->message), "%" PRIu64 ": %.200s",
                 code, (char *) text);

    } else if (text[0]) {
        snprintf(res->message, sizeof(res->message), "%s", (char *) text);

    } else if (res->status == 200) {
        snprintf(res->message, sizeof(res->message),
                 "answer without \"success\": true");
    }

    tw_purge_clean(res->message, sizeof(res->message), res->message,
                   strlen(res->message));

    res->verdict = (res->status >= 500 || res->status == 429
                    || res->status == 408)
                   ? TW_SEND_RETRY : TW_SEND_REJECTED;
}


void
tw_purge_cdn_result(tw_cdn_t *cdn, tw_send_t *send, CURLcode rc,
    tw_send_result_t *res)
{
    memset(res, 0, sizeof(tw_send_result_t));

    if (rc != CURLE_OK) {
        res->verdict = TW_SEND_RETRY;
        snprintf(res->message, sizeof(res->message), "%s",
                 send->errbuf[0] ? send->errbuf : curl_easy_strerror(rc));
        tw_purge_clean(res->message, sizeof(res->message), res->message,
                       strlen(res->message));
        return;
    }

    curl_easy_getinfo(send->curl, CURLINFO_RESPONSE_CODE, &res->status);
    send->answer[send->answer_len] = '\0';
    res->retry_after_ms = send->retry_after_ms;

    if (cdn->kind == TW_CDN_CLOUDFRONT) {
        tw_cloudfront_result(send, res);

    } else {
        tw_cloudflare_result(send, res);
    }

    if (res->verdict != TW_SEND_OK && res->message[0] == '\0') {
        snprintf(res->message, sizeof(res->message), "HTTP %ld without an "
                 "error document", res->status);
    }
}
