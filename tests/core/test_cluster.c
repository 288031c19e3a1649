/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vo_cluster: Redis Cluster key slots (the spec's CRC16 vector and hash
 * tag rules), the key of a command, MOVED/ASK, the slot map from a
 * CLUSTER SLOTS reply.
 */

#include <string.h>

#include <hiredis/hiredis.h>

#include "vo_test.h"
#include "vo_cluster.h"


#define S(s)  (const u_char *) (s), sizeof(s) - 1


static unsigned
slot(const char *key)
{
    return vo_cluster_slot((const u_char *) key, strlen(key));
}


static int
key_of(const char *resp, const char *want)
{
    int       rc;
    vo_str_t  key;

    rc = vo_cluster_resp_key((const u_char *) resp, strlen(resp), &key);
    if (rc != 1) {
        return want == NULL ? rc == 0 : 0;
    }

    return want && key.len == strlen(want)
           && memcmp(key.data, want, key.len) == 0;
}


static void
test_slots(void)
{
    /* the cluster spec's test vector */
    VO_CHECK_UINT(vo_cluster_crc16(S("123456789")), 0x31c3);
    VO_CHECK_UINT(vo_cluster_crc16(S("")), 0);

    /* values redis-server's CLUSTER KEYSLOT gives */
    VO_CHECK_UINT(slot("foo"), 12182);
    VO_CHECK_UINT(slot("bar"), 5061);
    VO_CHECK_UINT(slot("123456789"), 0x31c3 % 16384);

    /* the spec's hash tag cases */
    VO_CHECK_UINT(slot("{user1000}.following"), slot("user1000"));
    VO_CHECK_UINT(slot("{user1000}.followers"), slot("user1000"));
    /* only the first {...} counts */
    VO_CHECK_UINT(slot("foo{bar}{zap}"), slot("bar"));
    /* an empty {} is no tag: the whole key is hashed */
    VO_CHECK_UINT(slot("foo{}{bar}"), slot("foo{}{bar}"));
    VO_CHECK(slot("foo{}{bar}") != slot("bar"));
    /* the tag ends at the first } after the first { */
    VO_CHECK_UINT(slot("foo{{bar}}zap"), slot("{bar"));
    VO_CHECK_UINT(slot("foo{bar}{zap}"), slot("bar"));
    /* no closing brace: the whole key */
    VO_CHECK_UINT(slot("foo{bar"), vo_cluster_crc16(S("foo{bar")) & 16383);

    /* vidorigin's keys: one video's keys share a slot */
    VO_CHECK_UINT(slot("vo:ingest:{demo}"), slot("demo"));
    VO_CHECK_UINT(slot("vo:video:{demo}"), slot("vo:ingest:{demo}"));
}


static void
test_keys(void)
{
    VO_CHECK(key_of("*3\r\n$3\r\nSET\r\n$3\r\nabc\r\n$1\r\nx\r\n", "abc"));
    VO_CHECK(key_of("*1\r\n$5\r\nMULTI\r\n", NULL));
    VO_CHECK(key_of("*1\r\n$4\r\nexec\r\n", NULL));
    VO_CHECK(key_of("*4\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$5\r\nMATCH\r\n"
                    "$1\r\n*\r\n", NULL));
    VO_CHECK(key_of("*5\r\n$4\r\nEVAL\r\n$3\r\nlua\r\n$1\r\n1\r\n"
                    "$4\r\nk{1}\r\n$1\r\na\r\n", "k{1}"));
    VO_CHECK(key_of("*3\r\n$4\r\neval\r\n$3\r\nlua\r\n$1\r\n0\r\n", NULL));
    VO_CHECK(key_of("*6\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n$7\r\nvo:jobs\r\n"
                    "$1\r\ng\r\n$1\r\n0\r\n$8\r\nMKSTREAM\r\n", "vo:jobs"));
    VO_CHECK(key_of("*7\r\n$10\r\nXREADGROUP\r\n$5\r\nGROUP\r\n$1\r\ng\r\n"
                    "$1\r\nc\r\n$7\r\nSTREAMS\r\n$7\r\nvo:jobs\r\n$1\r\n>\r\n",
                    "vo:jobs"));
    /* malformed */
    VO_CHECK_INT(vo_cluster_resp_key(S("*2\r\n$3\r\nGET\r\n$9\r\nab\r\n"),
                                     &(vo_str_t) { 0, NULL }), -1);
    VO_CHECK_INT(vo_cluster_resp_key(S("GET a\r\n"),
                                     &(vo_str_t) { 0, NULL }), -1);
    VO_CHECK_INT(vo_cluster_resp_key(S("*0\r\n"),
                                     &(vo_str_t) { 0, NULL }), -1);
}


static void
test_redirect(void)
{
    vo_cluster_redirect_t  r;

    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 3999 127.0.0.1:6381"), &r),
                 VO_OK);
    VO_CHECK_INT(r.ask, 0);
    VO_CHECK_UINT(r.slot, 3999);
    VO_CHECK(strcmp(r.host, "127.0.0.1") == 0);
    VO_CHECK_INT(r.port, 6381);

    VO_CHECK_INT(vo_cluster_redirect(S("ASK 16383 ::1:7000"), &r), VO_OK);
    VO_CHECK_INT(r.ask, 1);
    VO_CHECK_UINT(r.slot, 16383);
    VO_CHECK(strcmp(r.host, "::1") == 0);
    VO_CHECK_INT(r.port, 7000);

    /* an unknown endpoint: the node that answered */
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 1 :7002"), &r), VO_OK);
    VO_CHECK(r.host[0] == '\0' && r.port == 7002);

    VO_CHECK_INT(vo_cluster_redirect(S("ERR wrong type"), &r), VO_NOT_FOUND);
    VO_CHECK_INT(vo_cluster_redirect(S("CLUSTERDOWN x"), &r), VO_NOT_FOUND);
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 16384 a:1"), &r), VO_BAD_DATA);
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 12 a"), &r), VO_BAD_DATA);
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 12 a:"), &r), VO_BAD_DATA);
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED 12 a:70000"), &r), VO_BAD_DATA);
    VO_CHECK_INT(vo_cluster_redirect(S("MOVED x a:1"), &r), VO_BAD_DATA);
}


/* reply trees built by hand: what hiredis hands over */

static redisReply *
r_int(long long v)
{
    static redisReply  pool[64];
    static int         n;
    redisReply        *r;

    r = &pool[n++ % 64];
    memset(r, 0, sizeof(redisReply));
    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;
    return r;
}


static redisReply *
r_str(const char *s)
{
    static redisReply  pool[64];
    static int         n;
    redisReply        *r;

    r = &pool[n++ % 64];
    memset(r, 0, sizeof(redisReply));
    r->type = REDIS_REPLY_STRING;
    r->str = (char *) s;
    r->len = strlen(s);
    return r;
}


static redisReply *
r_arr(size_t n, redisReply **el)
{
    static redisReply  pool[64];
    static int         k;
    redisReply        *r;

    r = &pool[k++ % 64];
    memset(r, 0, sizeof(redisReply));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = el;
    return r;
}


static void
test_map(void)
{
    const char        *err;
    vo_cluster_map_t   map;
    redisReply        *m0[3], *m1[3], *m2[2], *rep1[2], *e0[4], *e1[3],
                      *e2[3], *top[3], *bad[3], *badtop[1];

    m0[0] = r_str("127.0.0.1"); m0[1] = r_int(7000); m0[2] = r_str("id0");
    rep1[0] = r_str("127.0.0.1"); rep1[1] = r_int(7003);
    m1[0] = r_str("127.0.0.1"); m1[1] = r_int(7001); m1[2] = r_str("id1");
    m2[0] = r_str(""); m2[1] = r_int(7002);

    e0[0] = r_int(0); e0[1] = r_int(5460); e0[2] = r_arr(3, m0);
    e0[3] = r_arr(2, rep1);
    e1[0] = r_int(5461); e1[1] = r_int(10922); e1[2] = r_arr(3, m1);
    e2[0] = r_int(10923); e2[1] = r_int(16383); e2[2] = r_arr(2, m2);
    top[0] = r_arr(4, e0); top[1] = r_arr(3, e1); top[2] = r_arr(3, e2);

    err = NULL;
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_arr(3, top), "10.0.0.9",
                                           &err), VO_OK);
    VO_CHECK_UINT(map.nnodes, 3);
    VO_CHECK_UINT(map.slot[0], 0);
    VO_CHECK_UINT(map.slot[5460], 0);
    VO_CHECK_UINT(map.slot[5461], 1);
    VO_CHECK_UINT(map.slot[16383], 2);
    VO_CHECK(strcmp(map.nodes[2].host, "10.0.0.9") == 0);
    VO_CHECK_INT(map.nodes[2].port, 7002);
    VO_CHECK_INT(vo_cluster_map_find(&map, "127.0.0.1", 7001), 1);
    VO_CHECK_INT(vo_cluster_map_find(&map, "127.0.0.1", 7003), -1);

    /* a partial map: the rest unknown */
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_arr(1, top), "h", &err),
                 VO_OK);
    VO_CHECK_UINT(map.slot[5461], VO_CLUSTER_NO_NODE);

    /* not a CLUSTER SLOTS reply */
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_str("x"), "h", &err),
                 VO_BAD_DATA);
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_arr(0, NULL), "h", &err),
                 VO_BAD_DATA);
    bad[0] = r_int(10); bad[1] = r_int(16384); bad[2] = r_arr(3, m0);
    badtop[0] = r_arr(3, bad);
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_arr(1, badtop), "h", &err),
                 VO_BAD_DATA);
    bad[1] = r_int(5); /* end before start */
    VO_CHECK_INT(vo_cluster_map_from_slots(&map, r_arr(1, badtop), "h", &err),
                 VO_BAD_DATA);
}


int
main(void)
{
    test_slots();
    test_keys();
    test_redirect();
    test_map();

    VO_TEST_DONE("test_cluster");
}
