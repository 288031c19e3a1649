/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The upload server's header values and paths, read without
 * libmicrohttpd (fuzzed by tests/fuzz/fuzz_upload.c); Upload-Metadata is
 * tw_up_meta's (ingest/tw_upload_meta.h).
 */

#ifndef TW_UPLOAD_PARSE_H
#define TW_UPLOAD_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>


#define TW_UPLOADS_PATH      "/uploads/"
#define TW_UP_DIGEST_MAX     64             /* bytes: SHA-512's */


/* Upload-Length, Upload-Offset, Content-Length: 1 to 19 decimal digits,
 * nothing else; 0 with *v, or -1 (s NULL included) */
int tw_up_number(const char *s, uint64_t *v);

/* /uploads/{id}: 1 with *id (into url), 0 another path, -1 a malformed
 * id (empty, over VO_ID_MAX, a byte but A-Z a-z 0-9 _ -) */
int tw_up_id(const char *url, const char **id);

/*
 * Base64 (RFC 4648, the standard alphabet) as encoders write it: a
 * multiple of 4 characters, '=' only as the last one or two, unused bits
 * zero; decoded into out (3 * len / 4 bytes).  The length decoded, or -1.
 */
int tw_up_base64(const char *b64, size_t len, unsigned char *out);

/*
 * Upload-Checksum: "sha1 BASE64" or "sha256 BASE64".  NULL with *md and
 * the digest (*len bytes, its size) in want (TW_UP_DIGEST_MAX bytes), or
 * the refusal's text.
 */
const char *tw_up_checksum(const char *v, const EVP_MD **md,
    unsigned char *want, unsigned *len);


#endif /* TW_UPLOAD_PARSE_H */
