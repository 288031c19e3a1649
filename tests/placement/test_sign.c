/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Signed origin-direct URLs (vo_sign.c): a known answer (Python's hmac),
 * every way a token can be wrong, the maximum lifetime and a second
 * secret accepted while keys rotate.
 */

#include <stdio.h>
#include <string.h>

#include "vo_test.h"
#include "vo_sign.h"


static vo_str_t  secret = vo_string("0123456789abcdef-direct");
static vo_str_t  demo = vo_string("demo");

/* what a rotation accepts: a new secret, then the one it replaces */
static vo_str_t  rotating[2] = {
    vo_string("fedcba9876543210-newkey"),
    vo_string("0123456789abcdef-direct")
};

#define MAX_TTL  86400

static const char  demo_sig[] =
    "f5d76a6ccab73dcfc8d662ed4ce3008276f113bbe2b9dba6f125cae3ca82f205";


static vo_status_t
check(const char *exp, const char *sig, uint64_t now, const char **err)
{
    vo_str_t  e, s;

    e.data = (const u_char *) exp;
    e.len = strlen(exp);
    s.data = (const u_char *) sig;
    s.len = strlen(sig);

    return vo_sign_check(&secret, 1, &demo, &e, &s, now, MAX_TTL, err);
}


static vo_status_t
check_with(vo_str_t *secrets, size_t n, uint64_t expires, uint64_t now,
    uint64_t max_ttl, const char **err)
{
    char      exp[24];
    u_char    hex[VO_SIGN_HEX];
    vo_str_t  e, s;

    if (vo_sign(&secrets[0], &demo, expires, hex) != VO_OK) {
        return VO_ERROR;
    }

    snprintf(exp, sizeof(exp), "%llu", (unsigned long long) expires);
    e.data = (const u_char *) exp;
    e.len = strlen(exp);
    s.data = hex;
    s.len = VO_SIGN_HEX;

    return vo_sign_check(secrets, n, &demo, &e, &s, now, max_ttl, err);
}


/* a token is good for max_ttl seconds at most, whatever its exp says */
static void
test_max_ttl(void)
{
    const char  *err;
    uint64_t     now = 1764700000;

    VO_CHECK_INT(check_with(&secret, 1, now + MAX_TTL, now, MAX_TTL, &err),
                 VO_OK);
    VO_CHECK_INT(check_with(&secret, 1, now + MAX_TTL + 1, now, MAX_TTL,
                            &err),
                 VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "expiry beyond the maximum lifetime") == 0);

    /* ten years ahead */
    VO_CHECK_INT(check_with(&secret, 1, now + 10 * 365 * 86400ULL, now,
                            MAX_TTL, &err),
                 VO_FORBIDDEN);
    VO_CHECK_INT(check_with(&secret, 1, UINT64_MAX / 10, now, MAX_TTL, &err),
                 VO_FORBIDDEN);

    /* 0: no limit */
    VO_CHECK_INT(check_with(&secret, 1, now + 10 * 365 * 86400ULL, now, 0,
                            &err),
                 VO_OK);

    /* the known answer at 1 s before exp: well within */
    VO_CHECK_INT(check("1764700000", demo_sig, 1764699999, &err), VO_OK);
    VO_CHECK_INT(check("1764700000", demo_sig, 1764700000 - MAX_TTL - 1,
                       &err),
                 VO_FORBIDDEN);
}


/* while keys rotate, tokens of either secret open the video */
static void
test_rotation(void)
{
    const char  *err;
    vo_str_t     old[1], stranger[1] = { vo_string("another-secret-0123") };
    uint64_t     now = 1764700000;

    old[0] = rotating[1];

    /* signed with the new one, with the previous one */
    VO_CHECK_INT(check_with(&rotating[0], 1, now + 60, now, MAX_TTL, &err),
                 VO_OK);
    VO_CHECK_INT(check_with(old, 1, now + 60, now, MAX_TTL, &err), VO_OK);

    /* both checked against the pair */
    {
        vo_str_t  e = vo_string("1764700000"), s;

        s.data = (const u_char *) demo_sig;
        s.len = VO_SIGN_HEX;
        VO_CHECK_INT(vo_sign_check(rotating, 2, &demo, &e, &s, 1764699999,
                                   MAX_TTL, &err),
                     VO_OK);
        VO_CHECK_INT(vo_sign_check(rotating, 1, &demo, &e, &s, 1764699999,
                                   MAX_TTL, &err),
                     VO_FORBIDDEN);
        VO_CHECK(strcmp(err, "wrong signature") == 0);
        VO_CHECK_INT(vo_sign_check(stranger, 1, &demo, &e, &s, 1764699999,
                                   MAX_TTL, &err),
                     VO_FORBIDDEN);
    }
}


int
main(void)
{
    u_char       hex[VO_SIGN_HEX], q[VO_SIGN_QUERY_MAX];
    char         sig[VO_SIGN_HEX + 1];
    size_t       len;
    const char  *err;
    vo_str_t     other = vo_string("demo2");

    /* known answer: hmac.new(secret, "vidorigin-v1\ndemo\n1764700000",
     * sha256).hexdigest() */
    VO_CHECK_INT(vo_sign(&secret, &demo, 1764700000, hex), VO_OK);
    VO_CHECK(memcmp(hex, demo_sig, VO_SIGN_HEX) == 0);

    VO_CHECK_INT(vo_sign_query(&secret, &demo, 1764700000, q, &len), VO_OK);
    VO_CHECK_UINT(len, sizeof("exp=1764700000&sig=") - 1 + VO_SIGN_HEX);
    VO_CHECK(memcmp(q, "exp=1764700000&sig=", 19) == 0);
    VO_CHECK(memcmp(q + 19, demo_sig, VO_SIGN_HEX) == 0);

    VO_CHECK_INT(check("1764700000", demo_sig, 1764699999, &err), VO_OK);

    /* expired: at exp and after */
    VO_CHECK_INT(check("1764700000", demo_sig, 1764700000, &err),
                 VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "expired signature") == 0);

    /* missing */
    VO_CHECK_INT(check("", demo_sig, 0, &err), VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "unsigned request") == 0);
    VO_CHECK_INT(check("1764700000", "", 0, &err), VO_FORBIDDEN);

    /* malformed exp: leading zero, sign, overflow, letters */
    VO_CHECK_INT(check("01764700000", demo_sig, 0, &err), VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "malformed exp") == 0);
    VO_CHECK_INT(check("+1764700000", demo_sig, 0, &err), VO_FORBIDDEN);
    VO_CHECK_INT(check("18446744073709551616", demo_sig, 0, &err),
                 VO_FORBIDDEN);
    VO_CHECK_INT(check("123456789012345678901", demo_sig, 0, &err),
                 VO_FORBIDDEN);
    VO_CHECK_INT(check("17647e0000", demo_sig, 0, &err), VO_FORBIDDEN);

    /* another exp with the same sig; another video */
    VO_CHECK_INT(check("1764700001", demo_sig, 0, &err), VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "wrong signature") == 0);
    {
        vo_str_t  e = vo_string("1764700000"), s;

        s.data = (const u_char *) demo_sig;
        s.len = VO_SIGN_HEX;
        VO_CHECK_INT(vo_sign_check(&secret, 1, &other, &e, &s, 0, MAX_TTL,
                                   &err),
                     VO_FORBIDDEN);
    }

    /* one digit changed anywhere; upper case; short; long */
    memcpy(sig, demo_sig, sizeof(sig));
    sig[63] = sig[63] == '0' ? '1' : '0';
    VO_CHECK_INT(check("1764700000", sig, 0, &err), VO_FORBIDDEN);
    memcpy(sig, demo_sig, sizeof(sig));
    sig[0] = 'F';
    VO_CHECK_INT(check("1764700000", sig, 0, &err), VO_FORBIDDEN);
    sig[0] = 'f';
    sig[63] = '\0';
    VO_CHECK_INT(check("1764700000", sig, 0, &err), VO_FORBIDDEN);
    VO_CHECK(strcmp(err, "malformed sig") == 0);

    test_max_ttl();
    test_rotation();

    VO_TEST_DONE("test_sign");
}
