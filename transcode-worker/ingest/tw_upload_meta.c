/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdlib.h>
#include <string.h>

#include "vo_json.h"
#include "vo_utf8.h"
#include "common/tw_log.h"
#include "ingest/tw_upload_meta.h"
#include "ingest/tw_upload_parse.h"


#define TW_UP_META_MAX   (64 * 1024)     /* bytes of the header */


static int tw_up_meta_pair(vo_buf_t *b, const char *key, size_t klen,
    const char *b64, size_t blen, u_char *value, int *n);


int
tw_up_meta(const char *header, tw_meta_t *m)
{
    int          n, rc;
    size_t       klen, blen;
    u_char      *value;
    vo_buf_t     b;
    vo_arena_t  *arena;
    const char  *p, *end, *sp;

    memset(m, 0, sizeof(tw_meta_t));

    if (header == NULL || header[0] == '\0') {
        return 0;
    }

    if (strlen(header) > TW_UP_META_MAX) {
        tw_log(TW_LOG_INFO, "Upload-Metadata over %d bytes", TW_UP_META_MAX);
        return -1;
    }

    rc = -1;
    n = 0;
    value = malloc(TW_UP_META_MAX);
    arena = vo_arena_create();

    if (value == NULL || arena == NULL
        || vo_buf_init(&b, vo_arena_alloc(arena), 1024) != VO_OK)
    {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    vo_buf_str(&b, "{");

    for (p = header; *p; p = *end ? end + 1 : end) {
        while (*p == ' ') {
            p++;
        }

        end = strchr(p, ',');
        if (end == NULL) {
            end = p + strlen(p);
        }

        sp = memchr(p, ' ', (size_t) (end - p));
        klen = sp ? (size_t) (sp - p) : (size_t) (end - p);
        blen = sp ? (size_t) (end - sp - 1) : 0;

        if (klen == 0
            || tw_up_meta_pair(&b, p, klen, sp ? sp + 1 : "", blen, value,
                               &n) != 0)
        {
            tw_log(TW_LOG_INFO, "malformed Upload-Metadata near \"%.*s\"",
                   (int) (klen < 32 ? klen : 32), p);
            goto end;
        }
    }

    vo_buf_str(&b, "}");

    if (vo_buf_failed(&b)) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    if (n == 0) {
        rc = 0;
        goto end;
    }

    rc = tw_meta_json(m, b.start, vo_buf_len(&b), "Upload-Metadata") == 0
         ? 1 : -1;

end:

    free(value);

    if (arena) {
        vo_arena_free(arena);
    }

    return rc;
}


/* one "key base64" into the JSON object text: 0 (a key not in the
 * catalog passed over), or -1 */
static int
tw_up_meta_pair(vo_buf_t *b, const char *key, size_t klen, const char *b64,
    size_t blen, u_char *value, int *n)
{
    int      i, len;

    /* the catalog's names: text first, then JSON text */
    static const char *const  names[] = {
        "title", "description", "creator", "language", "tags",
        "thumbnails", "ads"
    };

    for (i = 0; i < 7; i++) {
        if (strlen(names[i]) == klen && memcmp(names[i], key, klen) == 0) {
            break;
        }
    }

    len = tw_up_base64(b64, blen, value);

    if (len < 0) {
        return -1;
    }

    if (i == 7) {
        return 0;
    }

    if (!vo_utf8_valid(value, (size_t) len)) {
        return -1;
    }

    if (*n) {
        vo_buf_str(b, ",");
    }

    vo_json_put_string(b, (const u_char *) names[i], strlen(names[i]));
    vo_buf_str(b, ":");

    if (i < 4) {
        vo_json_put_string(b, value, (size_t) len);

    } else if (vo_json_valid(value, (size_t) len)) {
        vo_buf_append(b, value, (size_t) len);

    } else {
        return -1;
    }

    (*n)++;

    return 0;
}
