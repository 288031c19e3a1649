/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: signed origin-direct URLs, "id\nexp\nsig\nnow".
 * Beyond "no crash, no sanitizer report":
 *   - vo_sign_check() never accepts a signature that is not vo_sign()'s
 *     of one of the secrets for that id and exp;
 *   - what it accepts has exp a canonical decimal (no sign, no leading
 *     zero) strictly after now and no further than the maximum lifetime;
 *   - the right signature of the same id and exp is accepted exactly
 *     when exp is such a number (id of at most 64 bytes);
 *   - vo_sign_query() writes "exp=E&sig=S" whose parts check.
 */

#include "fuzz_util.h"
#include "vo_sign.h"


#define MAX_TTL  86400

static vo_str_t  secrets[2] = {
    vo_string("fedcba9876543210-newkey"),
    vo_string("0123456789abcdef-direct")
};


/* exp as vo_sign_check wants it: 1 to 20 digits, no leading zero, no
 * overflow; -1 if not */
static int
fuzz_exp(vo_str_t e, uint64_t *v)
{
    size_t  i;

    if (e.len == 0 || e.len > 20 || e.data[0] == '0') {
        return -1;
    }

    *v = 0;

    for (i = 0; i < e.len; i++) {
        if (e.data[i] < '0' || e.data[i] > '9'
            || *v > (UINT64_MAX - (uint64_t) (e.data[i] - '0')) / 10)
        {
            return -1;
        }

        *v = *v * 10 + (uint64_t) (e.data[i] - '0');
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             valid, known;
    u_char          want[2][VO_SIGN_HEX], q[VO_SIGN_QUERY_MAX];
    size_t          i, qlen;
    uint64_t        exp, now;
    vo_str_t        id, e, sig, n, good, qe, qs;
    vo_status_t     rc;
    const char     *err;
    const uint8_t  *p, *end;

    p = data;
    end = data + size;

    id = fuzz_field(&p, end, '\n');
    e = fuzz_field(&p, end, '\n');
    sig = fuzz_field(&p, end, '\n');
    n = fuzz_field(&p, end, '\n');

    now = 0;
    for (i = 0; i < n.len && i < 8; i++) {
        now = now << 8 | n.data[i];
    }

    valid = fuzz_exp(e, &exp) == 0;
    known = valid && id.len <= 64
            && vo_sign(&secrets[0], &id, exp, want[0]) == VO_OK
            && vo_sign(&secrets[1], &id, exp, want[1]) == VO_OK;

    err = NULL;
    rc = vo_sign_check(secrets, 2, &id, &e, &sig, now, MAX_TTL, &err);

    if (rc == VO_OK) {
        fuzz_assert(known && sig.len == VO_SIGN_HEX);
        fuzz_assert(memcmp(sig.data, want[0], VO_SIGN_HEX) == 0
                    || memcmp(sig.data, want[1], VO_SIGN_HEX) == 0);
        fuzz_assert(exp > now && exp - now <= MAX_TTL);

    } else {
        fuzz_assert(err != NULL
                    && (rc == VO_FORBIDDEN || (rc == VO_ERROR && !known)));
    }

    /* one secret only: the other's signature is refused */
    if (vo_sign_check(secrets, 1, &id, &e, &sig, now, MAX_TTL, &err)
        == VO_OK)
    {
        fuzz_assert(known && memcmp(sig.data, want[0], VO_SIGN_HEX) == 0);
    }

    if (!known) {
        return 0;
    }

    /* the right signature: accepted exactly when not expired nor too far */
    good.data = want[1];
    good.len = VO_SIGN_HEX;

    rc = vo_sign_check(secrets, 2, &id, &e, &good, now, MAX_TTL, &err);
    fuzz_assert((rc == VO_OK) == (exp > now && exp - now <= MAX_TTL));

    /* no maximum lifetime: only the expiry counts */
    rc = vo_sign_check(secrets, 2, &id, &e, &good, now, 0, &err);
    fuzz_assert((rc == VO_OK) == (exp > now));

    /* the query form of the same token */
    fuzz_assert(vo_sign_query(&secrets[1], &id, exp, q, &qlen) == VO_OK);
    fuzz_assert(qlen <= VO_SIGN_QUERY_MAX && qlen > 4 + VO_SIGN_HEX + 5);
    fuzz_assert(memcmp(q, "exp=", 4) == 0);

    qe.data = q + 4;
    qe.len = qlen - 4 - 5 - VO_SIGN_HEX;
    qs.data = q + qlen - VO_SIGN_HEX;
    qs.len = VO_SIGN_HEX;

    fuzz_assert(memcmp(qe.data + qe.len, "&sig=", 5) == 0);
    fuzz_assert(qe.len == e.len && memcmp(qe.data, e.data, e.len) == 0);
    fuzz_assert(memcmp(qs.data, want[1], VO_SIGN_HEX) == 0);

    return 0;
}
