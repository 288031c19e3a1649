/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the upload server's header values and paths,
 * "number\nurl\nUpload-Checksum\nUpload-Metadata" (the last runs to the
 * end; each is a C string, as libmicrohttpd gives them).  Beyond "no
 * crash, no sanitizer report, no leak":
 *   - Upload-Length / Upload-Offset (tw_up_number) is taken exactly when
 *     it is 1 to 19 digits, and *v is their value;
 *   - /uploads/{id} (tw_up_id) gives an id that is the rest of the path,
 *     1 to VO_ID_MAX bytes of A-Z a-z 0-9 _ -;
 *   - an Upload-Checksum taken names sha1 or sha256, is canonical
 *     base64 of exactly the digest's size, and that digest is want;
 *   - Upload-Metadata (tw_up_meta) taken gives values that the playback
 *     API takes from Redis (vo_api_field), as the catalog's own do; one
 *     that names no catalog field gives none.
 */

#include <openssl/evp.h>

#include "fuzz_util.h"
#include "vo_api.h"
#include "vo_media_types.h"
#include "ingest/tw_upload_meta.h"
#include "ingest/tw_upload_parse.h"


static void
fuzz_number(const char *s)
{
    int       want;
    size_t    i, len;
    uint64_t  v, n;

    len = strlen(s);
    want = len >= 1 && len <= 19;
    n = 0;

    for (i = 0; want && i < len; i++) {
        want = s[i] >= '0' && s[i] <= '9';
        n = n * 10 + (uint64_t) (s[i] - '0');
    }

    v = 0;

    if (tw_up_number(s, &v) == 0) {
        fuzz_assert(want && v == n);
    } else {
        fuzz_assert(!want);
    }
}


static void
fuzz_id(const char *url)
{
    int          rc;
    size_t       n;
    const char  *id;

    id = NULL;
    rc = tw_up_id(url, &id);

    if (rc == 0) {
        fuzz_assert(strncmp(url, TW_UPLOADS_PATH,
                            sizeof(TW_UPLOADS_PATH) - 1) != 0);
        return;
    }

    fuzz_assert(id == url + sizeof(TW_UPLOADS_PATH) - 1);

    if (rc == 1) {
        n = strlen(id);
        fuzz_assert(n >= 1 && n <= VO_ID_MAX);
        fuzz_assert(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789_-")
                    == n);
    } else {
        fuzz_assert(rc == -1);
    }
}


static void
fuzz_checksum(const char *v)
{
    unsigned char    want[TW_UP_DIGEST_MAX], enc[2 * TW_UP_DIGEST_MAX];
    unsigned         len;
    const char      *err, *b64;
    const EVP_MD    *md;

    md = NULL;
    len = 0;
    err = tw_up_checksum(v, &md, want, &len);

    if (err != NULL) {
        return;
    }

    fuzz_assert(md == EVP_sha1() || md == EVP_sha256());
    fuzz_assert(len == (unsigned) EVP_MD_size(md) && len <= sizeof(want));

    b64 = v + (md == EVP_sha1() ? 5 : 7);

    /* the digest, encoded again, is the header's text */
    fuzz_assert(EVP_EncodeBlock(enc, want, (int) len) == (int) strlen(b64));
    fuzz_assert(memcmp(enc, b64, strlen(b64)) == 0);
}


static void
fuzz_meta(const char *header)
{
    int        i, rc;
    unsigned   k;
    tw_meta_t  m;

    rc = tw_up_meta(header, &m);

    fuzz_assert(rc == -1 || rc == 0 || rc == 1);

    /* refused: m holds what was read so far, only to be freed */
    for (i = 0; rc != -1 && i < TW_META_NFIELDS; i++) {
        if (m.value[i] == NULL) {
            continue;
        }

        fuzz_assert(rc == 1);
        k = VO_API_FIELDS;
        fuzz_assert(vo_api_field((const u_char *) tw_meta_names[i],
                                 strlen(tw_meta_names[i]),
                                 (const u_char *) m.value[i],
                                 strlen(m.value[i]), &k)
                    == VO_OK);
    }

    tw_meta_free(&m);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           *num, *url, *sum, *meta;
    vo_str_t        rest;
    const uint8_t  *p, *end;

    p = data;
    end = data + size;

    num = fuzz_cstr(fuzz_field(&p, end, '\n'));
    url = fuzz_cstr(fuzz_field(&p, end, '\n'));
    sum = fuzz_cstr(fuzz_field(&p, end, '\n'));
    rest.data = p;
    rest.len = (size_t) (end - p);
    meta = fuzz_cstr(rest);

    fuzz_number(num);
    fuzz_id(url);
    fuzz_checksum(sum);
    fuzz_meta(meta);

    free(num);
    free(url);
    free(sum);
    free(meta);

    return 0;
}
