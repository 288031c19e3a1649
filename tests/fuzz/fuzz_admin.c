/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the admin endpoints' inputs, "date\nsignature\n
 * prefix".  Beyond "no crash, no sanitizer report":
 *   - X-Vidorigin-Date (vo_admin_date) is accepted exactly when it is 1
 *     to 19 digits of a number within the window, and *t is that number;
 *   - X-Vidorigin-Signature (vo_admin_signature) matches only the
 *     lowercase hex of the MAC: a random signature is never accepted;
 *   - a purge prefix that vo_purge_prefix_check() accepts has parents
 *     that are accepted prefixes of it, ancestors that are too, and an
 *     answer (vo_purge_answer) that is valid JSON.
 */

#include <openssl/sha.h>

#include "fuzz_util.h"
#include "vo_admin.h"
#include "vo_json.h"
#include "vo_purge.h"


#define NOW   UINT64_C(1764700000)
#define SKEW  300


static int
fuzz_ancestor(void *data, const u_char *p, size_t len)
{
    const vo_str_t  *path = data;
    const char      *err;

    fuzz_assert(len <= path->len && p == path->data);
    fuzz_assert(p[len - 1] == '/' || len == path->len);
    fuzz_assert(vo_purge_prefix_check(p, len, &err) == VO_OK);

    return 0;
}


static void
fuzz_date(vo_str_t d)
{
    int          want;
    size_t       i;
    uint64_t     t, v;
    const char  *err;

    want = d.len >= 1 && d.len <= 19;
    v = 0;

    for (i = 0; want && i < d.len; i++) {
        want = d.data[i] >= '0' && d.data[i] <= '9';
        v = v * 10 + (uint64_t) (d.data[i] - '0');
    }

    want = want && v <= (uint64_t) INT64_MAX
           && v + SKEW >= NOW && v <= NOW + SKEW;

    err = NULL;
    t = 0;

    if (vo_admin_date(d.data, d.len, NOW, SKEW, &t, &err) == VO_OK) {
        fuzz_assert(want && t == v);
    } else {
        fuzz_assert(!want && err != NULL);
    }

    /* the ends of the clock do not wrap the window */
    if (vo_admin_date(d.data, d.len, UINT64_MAX, SKEW, &t, &err) == VO_OK) {
        fuzz_assert(!"accepted at the end of the clock");
    }

    if (vo_admin_date(d.data, d.len, 0, SKEW, &t, &err) == VO_OK) {
        fuzz_assert(t <= SKEW);
    }
}


static void
fuzz_signature(vo_str_t date, vo_str_t sig)
{
    u_char  mac[SHA256_DIGEST_LENGTH];
    char    hex[2 * SHA256_DIGEST_LENGTH + 1];
    size_t  i;
    int     ok;

    /* a MAC the input does not choose freely */
    SHA256(date.data, date.len, mac);

    for (i = 0; i < sizeof(mac); i++) {
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }

    ok = vo_admin_signature(sig.data, sig.len, mac, sizeof(mac)) == VO_OK;

    fuzz_assert(ok == (sig.len == 64 && memcmp(sig.data, hex, 64) == 0));

    /* its own hex always matches, one changed byte never */
    fuzz_assert(vo_admin_signature((u_char *) hex, 64, mac, sizeof(mac))
                == VO_OK);

    if (sig.len) {
        mac[sig.data[0] % sizeof(mac)] ^= 1 << (sig.data[0] % 8);
        fuzz_assert(vo_admin_signature((u_char *) hex, 64, mac, sizeof(mac))
                    == VO_FORBIDDEN);
    }
}


static void
fuzz_prefix(vo_str_t p)
{
    size_t       n, last;
    vo_buf_t     b;
    vo_str_t     parent;
    vo_arena_t  *a;
    const char  *err;

    err = NULL;

    if (vo_purge_prefix_check(p.data, p.len, &err) != VO_OK) {
        fuzz_assert(err != NULL);
        return;
    }

    fuzz_assert(p.len >= 1 && p.len <= VO_PURGE_PREFIX_MAX
                && p.data[0] == '/');
    fuzz_assert(memchr(p.data, '%', p.len) == NULL
                && memchr(p.data, '\0', p.len) == NULL);

    /* every parent: shorter, ending in '/', itself a prefix */
    last = p.len;

    for (n = vo_purge_parent(p.data, p.len); n; n = vo_purge_parent(p.data, n))
    {
        fuzz_assert(n < last && p.data[n - 1] == '/');
        fuzz_assert(vo_purge_prefix_check(p.data, n, &err) == VO_OK);
        last = n;
    }

    fuzz_assert(last == 1 || p.len == 1);

    vo_purge_ancestors(p.data, p.len, fuzz_ancestor, &p);

    a = vo_arena_create();
    if (a == NULL) {
        return;
    }

    parent.data = p.data;
    parent.len = vo_purge_parent(p.data, p.len);
    if (parent.len == 0) {
        parent.len = p.len;
    }

    vo_buf_init(&b, vo_arena_alloc(a), 0);
    vo_purge_answer(&b, &p, &parent, 42);

    fuzz_assert(!vo_buf_failed(&b));
    fuzz_assert(vo_buf_len(&b) > 1 && b.start[vo_buf_len(&b) - 1] == '\n');
    fuzz_assert(vo_json_valid(b.start, vo_buf_len(&b) - 1));

    vo_arena_free(a);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vo_str_t        date, sig, prefix;
    const uint8_t  *p, *end;

    p = data;
    end = data + size;

    date = fuzz_field(&p, end, '\n');
    sig = fuzz_field(&p, end, '\n');
    prefix.data = p;
    prefix.len = (size_t) (end - p);

    fuzz_date(date);
    fuzz_signature(date, sig);
    fuzz_prefix(prefix);

    return 0;
}
