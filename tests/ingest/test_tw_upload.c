/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The upload server's header values (ingest/tw_upload_parse.c,
 * tw_upload_meta.c): numbers, upload paths, Upload-Checksum and the
 * base64 of Upload-Metadata, with the inputs fuzz_upload found wrong.
 */

#include <string.h>

#include "vo_test.h"
#include "ingest/tw_upload_meta.h"
#include "ingest/tw_upload_parse.h"


/* sha1("x") and sha256("x"), base64 */
#define SHA1_X    "EfatjsUqKYSrqv18O1FlA3hcIHI="
#define SHA256_X  "LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE="


static const char *
checksum(const char *v, unsigned *len)
{
    unsigned char  want[TW_UP_DIGEST_MAX];
    const EVP_MD  *md;

    *len = 0;

    return tw_up_checksum(v, &md, want, len);
}


static int
b64(const char *s)
{
    unsigned char  out[64];

    return tw_up_base64(s, strlen(s), out);
}


int
main(void)
{
    unsigned     len;
    uint64_t     v;
    tw_meta_t    m;
    const char  *id;

    VO_CHECK_INT(tw_up_number("0", &v), 0);
    VO_CHECK_INT(tw_up_number("9999999999999999999", &v), 0);
    VO_CHECK_UINT(v, 9999999999999999999ULL);
    VO_CHECK_INT(tw_up_number("18446744073709551616", &v), -1);
    VO_CHECK_INT(tw_up_number("-1", &v), -1);
    VO_CHECK_INT(tw_up_number("1 ", &v), -1);
    VO_CHECK_INT(tw_up_number("", &v), -1);
    VO_CHECK_INT(tw_up_number(NULL, &v), -1);

    VO_CHECK_INT(tw_up_id("/uploads/AbC_1-x", &id), 1);
    VO_CHECK(strcmp(id, "AbC_1-x") == 0);
    VO_CHECK_INT(tw_up_id("/uploads/", &id), -1);
    VO_CHECK_INT(tw_up_id("/uploads/a/b", &id), -1);
    VO_CHECK_INT(tw_up_id("/uploads/a.b", &id), -1);
    VO_CHECK_INT(tw_up_id("/admin/uploads", &id), 0);

    VO_CHECK(checksum("sha1 " SHA1_X, &len) == NULL);
    VO_CHECK_UINT(len, 20);
    VO_CHECK(checksum("sha256 " SHA256_X, &len) == NULL);
    VO_CHECK_UINT(len, 32);
    VO_CHECK(checksum("md5 AAAA", &len) != NULL);
    VO_CHECK(checksum("sha1 " SHA256_X, &len) != NULL);
    VO_CHECK(checksum("sha1 ", &len) != NULL);

    /* '=' inside the text, which EVP_DecodeBlock takes (fuzz_upload):
     * a malformed digest, not another one */
    VO_CHECK(checksum("sha256 LXEWQrcmsEQBYnyp+6wy==hTD7GQPMTbAiWHF5IaSIE=",
                      &len) != NULL);
    /* blanks, which it skips */
    VO_CHECK(checksum("sha1  EfatjsUqKYSrqv18O1FlA3hcIHI", &len) != NULL);
    VO_CHECK(checksum("sha1 EfatjsUqKYSrqv18O1FlA3hcIHI ", &len) != NULL);

    VO_CHECK_INT(b64(""), 0);
    VO_CHECK_INT(b64("eA=="), 1);
    VO_CHECK_INT(b64("eHk="), 2);
    VO_CHECK_INT(b64("eHl6"), 3);
    VO_CHECK_INT(b64("eB=="), -1);       /* unused bits set */
    VO_CHECK_INT(b64("eHl="), -1);
    VO_CHECK_INT(b64("e==="), -1);
    VO_CHECK_INT(b64("=eHk"), -1);
    VO_CHECK_INT(b64("eH=k"), -1);
    VO_CHECK_INT(b64("eHk"), -1);
    VO_CHECK_INT(b64("eH k"), -1);
    VO_CHECK_INT(b64("eH-k"), -1);

    /* Upload-Metadata: the same base64 */
    VO_CHECK_INT(tw_up_meta("title ZGVtbw==,filename di5tcDQ=", &m), 1);
    VO_CHECK(m.value[TW_META_TITLE]
             && strcmp(m.value[TW_META_TITLE], "demo") == 0);
    tw_meta_free(&m);
    VO_CHECK_INT(tw_up_meta("filename di5tcDQ=", &m), 0);
    tw_meta_free(&m);
    VO_CHECK_INT(tw_up_meta("title ZG==VtbA==", &m), -1);
    tw_meta_free(&m);
    VO_CHECK_INT(tw_up_meta("title ZGVtbw", &m), -1);
    tw_meta_free(&m);

    VO_TEST_DONE("test_tw_upload");
}
