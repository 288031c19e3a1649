/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "vo_cluster.h"


#define VO_CLUSTER_RESP_ARGS  16


static int vo_cluster_is(const vo_str_t *s, const char *name);
static long vo_cluster_number(const u_char **pp, const u_char *end);


uint16_t
vo_cluster_crc16(const u_char *p, size_t len)
{
    int       bit;
    size_t    i;
    uint16_t  crc;

    crc = 0;

    for (i = 0; i < len; i++) {
        crc ^= (uint16_t) (p[i] << 8);

        for (bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000) ? (uint16_t) ((crc << 1) ^ 0x1021)
                                 : (uint16_t) (crc << 1);
        }
    }

    return crc;
}


unsigned
vo_cluster_slot(const u_char *key, size_t len)
{
    const u_char  *open, *close;

    open = memchr(key, '{', len);

    if (open) {
        close = memchr(open + 1, '}', len - (open + 1 - key));

        if (close && close > open + 1) {
            key = open + 1;
            len = close - key;
        }
    }

    return vo_cluster_crc16(key, len) & (VO_CLUSTER_SLOTS - 1);
}


static int
vo_cluster_is(const vo_str_t *s, const char *name)
{
    size_t  n;

    n = strlen(name);

    return s->len == n && strncasecmp((const char *) s->data, name, n) == 0;
}


int
vo_cluster_key_index(int argc, const vo_str_t *argv)
{
    int          i;
    long         n;
    size_t       j;
    const char  *keyless[] = { "MULTI", "EXEC", "DISCARD", "PING", "SCAN",
                               "INFO", "CLUSTER", "ASKING", "AUTH",
                               "SELECT", "READONLY", "HELLO", "KEYS",
                               "DBSIZE", "FLUSHALL", "FLUSHDB", "SCRIPT",
                               "CLIENT", "CONFIG", "TIME", "ECHO" };

    if (argc < 1) {
        return -1;
    }

    for (j = 0; j < sizeof(keyless) / sizeof(keyless[0]); j++) {
        if (vo_cluster_is(&argv[0], keyless[j])) {
            return -1;
        }
    }

    if (vo_cluster_is(&argv[0], "EVAL") || vo_cluster_is(&argv[0], "EVALSHA")
        || vo_cluster_is(&argv[0], "EVAL_RO")
        || vo_cluster_is(&argv[0], "FCALL"))
    {
        if (argc < 4) {
            return -1;
        }

        n = 0;
        for (j = 0; j < argv[2].len; j++) {
            if (argv[2].data[j] < '0' || argv[2].data[j] > '9') {
                return -1;
            }
            n = n * 10 + (argv[2].data[j] - '0');
            if (n > 1000000) {
                return -1;
            }
        }

        return n > 0 ? 3 : -1;
    }

    if (vo_cluster_is(&argv[0], "XGROUP") || vo_cluster_is(&argv[0], "XINFO"))
    {
        return argc > 2 ? 2 : -1;
    }

    if (vo_cluster_is(&argv[0], "XREAD")
        || vo_cluster_is(&argv[0], "XREADGROUP"))
    {
        for (i = 1; i < argc - 1; i++) {
            if (vo_cluster_is(&argv[i], "STREAMS")) {
                return i + 1;
            }
        }
        return -1;
    }

    return argc > 1 ? 1 : -1;
}


/* a decimal number ending in CRLF at *pp, which moves past it; -1 */
static long
vo_cluster_number(const u_char **pp, const u_char *end)
{
    long           n;
    const u_char  *p;

    n = 0;

    for (p = *pp; p < end && *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > 512 * 1024 * 1024) {
            return -1;
        }
    }

    if (p == *pp || end - p < 2 || p[0] != '\r' || p[1] != '\n') {
        return -1;
    }

    *pp = p + 2;

    return n;
}


int
vo_cluster_resp_key(const u_char *cmd, size_t len, vo_str_t *key)
{
    int            i, k;
    long           argc, n;
    vo_str_t       argv[VO_CLUSTER_RESP_ARGS];
    const u_char  *p, *end;

    p = cmd;
    end = cmd + len;

    if (p == end || *p++ != '*') {
        return -1;
    }

    argc = vo_cluster_number(&p, end);
    if (argc < 1) {
        return -1;
    }

    /* the key of every command known is within the first arguments */
    if (argc > VO_CLUSTER_RESP_ARGS) {
        argc = VO_CLUSTER_RESP_ARGS;
    }

    for (i = 0; i < argc; i++) {
        if (p == end || *p++ != '$') {
            return -1;
        }

        n = vo_cluster_number(&p, end);
        if (n < 0 || end - p < n + 2 || p[n] != '\r' || p[n + 1] != '\n') {
            return -1;
        }

        argv[i].data = p;
        argv[i].len = n;
        p += n + 2;
    }

    k = vo_cluster_key_index((int) argc, argv);
    if (k < 0 || k >= argc) {
        return 0;
    }

    *key = argv[k];

    return 1;
}


vo_status_t
vo_cluster_redirect(const u_char *p, size_t len, vo_cluster_redirect_t *r)
{
    long           n;
    const u_char  *end, *colon, *host;

    end = p + len;

    memset(r, 0, sizeof(vo_cluster_redirect_t));

    if (len > 6 && memcmp(p, "MOVED ", 6) == 0) {
        p += 6;

    } else if (len > 4 && memcmp(p, "ASK ", 4) == 0) {
        r->ask = 1;
        p += 4;

    } else {
        return VO_NOT_FOUND;
    }

    n = 0;
    for (host = p; p < end && *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n >= VO_CLUSTER_SLOTS) {
            return VO_BAD_DATA;
        }
    }

    if (p == host || p == end || *p++ != ' ') {
        return VO_BAD_DATA;
    }

    r->slot = (unsigned) n;

    /* host:port, the host perhaps an IPv6 address: the last colon */
    host = p;
    for (colon = NULL; p < end; p++) {
        if (*p == ':') {
            colon = p;
        }
    }

    if (colon == NULL || (size_t) (colon - host) >= VO_CLUSTER_HOST_LEN) {
        return VO_BAD_DATA;
    }

    memcpy(r->host, host, colon - host);
    r->host[colon - host] = '\0';

    n = 0;
    for (p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return VO_BAD_DATA;
        }
        n = n * 10 + (*p - '0');
        if (n > 65535) {
            return VO_BAD_DATA;
        }
    }

    if (p == colon + 1 || n == 0) {
        return VO_BAD_DATA;
    }

    r->port = (int) n;

    return VO_OK;
}


void
vo_cluster_map_init(vo_cluster_map_t *map)
{
    map->nnodes = 0;
    memset(map->slot, VO_CLUSTER_NO_NODE, sizeof(map->slot));
}


int
vo_cluster_map_find(const vo_cluster_map_t *map, const char *host, int port)
{
    unsigned  i;

    for (i = 0; i < map->nnodes; i++) {
        if (map->nodes[i].port == port
            && strcmp(map->nodes[i].host, host) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


int
vo_cluster_map_node(vo_cluster_map_t *map, const char *host,
    size_t host_len, int port)
{
    int                 i;
    char                name[VO_CLUSTER_HOST_LEN];
    vo_cluster_node_t  *node;

    if (host_len >= VO_CLUSTER_HOST_LEN || port < 1 || port > 65535) {
        return -1;
    }

    memcpy(name, host, host_len);
    name[host_len] = '\0';

    i = vo_cluster_map_find(map, name, port);
    if (i >= 0) {
        return i;
    }

    if (map->nnodes == VO_CLUSTER_MAX_NODES) {
        return -1;
    }

    node = &map->nodes[map->nnodes];
    memcpy(node->host, name, host_len + 1);
    node->port = port;

    return (int) map->nnodes++;
}


vo_status_t
vo_cluster_map_from_slots(vo_cluster_map_t *map, const void *reply,
    const char *default_host, const char **err)
{
    int                i;
    size_t             j, covered;
    long long          lo, hi;
    const char        *host;
    size_t             host_len;
    const redisReply  *r, *e, *m;

    r = reply;

    vo_cluster_map_init(map);
    covered = 0;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        *err = "CLUSTER SLOTS did not answer an array";
        return VO_BAD_DATA;
    }

    for (j = 0; j < r->elements; j++) {
        e = r->element[j];

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3
            || e->element[0]->type != REDIS_REPLY_INTEGER
            || e->element[1]->type != REDIS_REPLY_INTEGER
            || e->element[2]->type != REDIS_REPLY_ARRAY
            || e->element[2]->elements < 2)
        {
            *err = "a CLUSTER SLOTS range is not [start, end, master, ...]";
            return VO_BAD_DATA;
        }

        lo = e->element[0]->integer;
        hi = e->element[1]->integer;
        m = e->element[2];

        if (lo < 0 || hi < lo || hi >= VO_CLUSTER_SLOTS
            || m->element[0]->type != REDIS_REPLY_STRING
            || m->element[1]->type != REDIS_REPLY_INTEGER)
        {
            *err = "a CLUSTER SLOTS range or master is invalid";
            return VO_BAD_DATA;
        }

        host = m->element[0]->str;
        host_len = m->element[0]->len;

        if (host_len == 0 || (host_len == 1 && host[0] == '?')) {
            host = default_host;
            host_len = strlen(default_host);
        }

        i = vo_cluster_map_node(map, host, host_len,
                                (int) m->element[1]->integer);
        if (i < 0) {
            *err = "too many masters, or a master's address is invalid";
            return VO_BAD_DATA;
        }

        memset(&map->slot[lo], i, hi - lo + 1);
        covered += hi - lo + 1;
    }

    if (covered == 0) {
        *err = "CLUSTER SLOTS covers no slot";
        return VO_BAD_DATA;
    }

    return VO_OK;
}
