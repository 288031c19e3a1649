/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vo_media_types.h"
#include "ingest/tw_upload_parse.h"


int
tw_up_number(const char *s, uint64_t *v)
{
    char  *end;

    if (s == NULL || s[0] < '0' || s[0] > '9' || strlen(s) > 19) {
        return -1;
    }

    errno = 0;
    *v = strtoull(s, &end, 10);

    return (*end || errno) ? -1 : 0;
}


int
tw_up_id(const char *url, const char **id)
{
    size_t  n;

    if (strncmp(url, TW_UPLOADS_PATH, sizeof(TW_UPLOADS_PATH) - 1) != 0) {
        return 0;
    }

    *id = url + sizeof(TW_UPLOADS_PATH) - 1;
    n = strspn(*id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789_-");

    return (n == 0 || n > VO_ID_MAX || (*id)[n]) ? -1 : 1;
}


int
tw_up_base64(const char *b64, size_t len, unsigned char *out)
{
    int          n, pad;
    size_t       i;
    const char  *c;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    if (len % 4 || len > INT_MAX) {
        return -1;
    }

    if (len == 0) {
        return 0;
    }

    pad = (b64[len - 1] == '=') + (b64[len - 1] == '=' && b64[len - 2] == '=');

    /* EVP_DecodeBlock takes '=' anywhere, and blanks: not here */
    for (i = 0; i < len - (size_t) pad; i++) {
        if (b64[i] == '\0' || strchr(alphabet, b64[i]) == NULL) {
            return -1;
        }
    }

    /* the bits past the last byte: zero, so one text per value */
    c = strchr(alphabet, b64[len - 1 - (size_t) pad]);

    if ((pad == 1 && (c - alphabet) & 0x03)
        || (pad == 2 && (c - alphabet) & 0x0f))
    {
        return -1;
    }

    n = EVP_DecodeBlock(out, (const unsigned char *) b64, (int) len);

    return n < 0 ? -1 : n - pad;
}


const char *
tw_up_checksum(const char *v, const EVP_MD **md, unsigned char *want,
    unsigned *len)
{
    int            n;
    size_t         blen;
    const char    *b64;
    unsigned char  raw[96];

    if (strncmp(v, "sha1 ", 5) == 0) {
        *md = EVP_sha1();
        b64 = v + 5;
    } else if (strncmp(v, "sha256 ", 7) == 0) {
        *md = EVP_sha256();
        b64 = v + 7;
    } else {
        return "Upload-Checksum: sha1 or sha256 only";
    }

    blen = strlen(b64);

    if (blen == 0 || blen > 88
        || (n = tw_up_base64(b64, blen, raw)) != EVP_MD_size(*md))
    {
        return "Upload-Checksum: malformed digest";
    }

    memcpy(want, raw, (size_t) n);
    *len = (unsigned) n;

    return NULL;
}
