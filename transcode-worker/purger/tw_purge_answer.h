/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a CDN answered (tw_purge_answer.c): the curl callbacks of a send
 * and the verdict on an attempt.
 */

#ifndef TW_PURGE_ANSWER_H
#define TW_PURGE_ANSWER_H

#include <stddef.h>

#include <curl/curl.h>

#include "purger/tw_purge.h"


/* the header and body callbacks of a send's easy handle (data: the
 * send): the head of the answer and its Retry-After are kept in it */
size_t tw_purge_header(char *b, size_t size, size_t n, void *data);
size_t tw_purge_write(char *b, size_t size, size_t n, void *data);

/* the outcome of an attempt from its curl code, status and answer, into
 * res; it logs nothing */
void tw_purge_cdn_result(tw_cdn_t *cdn, tw_send_t *send, CURLcode rc,
    tw_send_result_t *res);

/* s as printable ASCII (others '?'), cut to size - 1 bytes: how a CDN's
 * words are kept (messages, failures); out may be s */
void tw_purge_clean(char *out, size_t size, const char *s, size_t len);


#endif /* TW_PURGE_ANSWER_H */
