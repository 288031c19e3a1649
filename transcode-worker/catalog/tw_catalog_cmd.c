/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The catalog in Redis: the write "package" does after media.json, and
 * the operators' command
 *
 *   transcode-worker catalog get ID            the entry as JSON
 *   transcode-worker catalog set ID ...        fields from --meta / flags
 *   transcode-worker catalog delete ID
 *
 * Exit status: 0; 1 invalid command or metadata (nothing written);
 * 2 no entry for ID (get, delete); 3 Redis unreachable or failing.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "vo_json.h"
#include "vo_utf8.h"
#include "vo_path.h"
#include "catalog/tw_catalog.h"
#include "catalog/tw_catalog_text.h"
#include "common/tw_conf.h"
#include "common/tw_log.h"


#define TW_CATALOG_NOT_FOUND  2
#define TW_CATALOG_REDIS      3


static int tw_catalog_exec(tw_rconn_t *c, int n, int *argc,
    const char ***argv, size_t **argvlen, redisReply **last, char *err,
    size_t size);
static int tw_catalog_get(tw_rconn_t *c, const char *id);
static size_t tw_catalog_rank(const char *name);
static void tw_catalog_print(vo_buf_t *b, const char *name, size_t name_len,
    const char *value, size_t len);
static int tw_catalog_delete(tw_rconn_t *c, const char *id);


/* of a configuration file (serve's, the placer's), the "redis" line */
static const tw_conf_key_t  tw_catalog_keys[] = {
    { "redis", TW_CONF_STR, offsetof(tw_meta_args_t, redis_buf), 0, 0,
      NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


int
tw_catalog_redis(tw_meta_args_t *a, tw_redis_conf_t *rc)
{
    char             *addr;
    tw_conf_table_t   tables[] = {
        { tw_catalog_keys, a, NULL },
        { NULL, NULL, NULL }
    };

    addr = (char *) a->redis;

    if (addr == NULL && a->config) {
        if (tw_conf_file(a->config, tables, TW_CONF_ANY_KEY) != 0) {
            return -1;
        }

        addr = a->redis_buf;
    }

    if (addr == NULL) {
        tw_log(TW_LOG_ERR, "the catalog is in Redis: give --redis "
               "HOST:PORT (or unix:/path), or --config FILE with a "
               "\"redis\" line");
        return -1;
    }

    if (tw_redis_conf(rc, addr) != 0) {
        return -1;
    }

    if (rc->addr == NULL) {
        tw_log(TW_LOG_ERR, "the catalog needs Redis, and redis is \"%s\"",
               addr);
        return -1;
    }

    return 0;
}


int
tw_catalog_write(const tw_redis_conf_t *rc, const char *id,
    const tw_meta_t *m, int replace, char *err, size_t size)
{
    int            i, n, rcode, argc[4];
    char           key[VO_ID_MAX + 16], now[24];
    size_t         hlen[2 * TW_META_NFIELDS + 4], dlen[2], mlen[1],
                  *argvlen[4];
    const char    *hset[2 * TW_META_NFIELDS + 4], *del[2], *multi[1],
                 **argv[4];
    redisReply    *last;
    tw_rconn_t    *c;

    snprintf(key, sizeof(key), "vo:video:%s", id);
    snprintf(now, sizeof(now), "%lld", (long long) time(NULL));

    n = 0;
    hset[n++] = "HSET";
    hset[n++] = key;

    for (i = 0; i < TW_META_NFIELDS; i++) {
        if (m->value[i]) {
            hset[n++] = tw_meta_names[i];
            hset[n++] = m->value[i];
        }
    }

    hset[n++] = "updated";
    hset[n++] = now;

    for (i = 0; i < n; i++) {
        hlen[i] = strlen(hset[i]);
    }

    c = tw_redis_open(rc, TW_META_TIMEOUT_MS, err, size);
    if (c == NULL) {
        return -1;
    }

    if (!replace) {
        argc[0] = n;
        argv[0] = hset;
        argvlen[0] = hlen;
        rcode = tw_catalog_exec(c, 1, argc, argv, argvlen, &last, err, size);

    } else {
        /* the entry is the given fields only, atomically */
        multi[0] = "MULTI";
        mlen[0] = 5;
        del[0] = "DEL";
        del[1] = key;
        dlen[0] = 3;
        dlen[1] = strlen(key);

        argc[0] = 1; argv[0] = multi; argvlen[0] = mlen;
        argc[1] = 2; argv[1] = del; argvlen[1] = dlen;
        argc[2] = n; argv[2] = hset; argvlen[2] = hlen;
        argc[3] = 1; argv[3] = multi; argvlen[3] = mlen;

        rcode = tw_catalog_exec(c, 4, argc, argv, argvlen, &last, err,
                                size);
    }

    if (rcode == 0 && replace && last->type != REDIS_REPLY_ARRAY) {
        snprintf(err, size, "EXEC did not run the transaction");
        rcode = -1;
    }

    if (last) {
        freeReplyObject(last);
    }

    tw_redis_free(c);

    return rcode;
}


/*
 * Sends n commands in one pipeline (the last one of a replace is turned
 * into EXEC here) and reads every reply; the last is kept in *last.
 * -1 with err set when Redis fails or answers an error.
 */
static int
tw_catalog_exec(tw_rconn_t *c, int n, int *argc, const char ***argv,
    size_t **argvlen, redisReply **last, char *err, size_t size)
{
    int          i, rc;
    size_t       exec_len;
    const char  *exec;
    redisReply  *reply;

    *last = NULL;
    exec = "EXEC";
    exec_len = 4;

    for (i = 0; i < n; i++) {
        if (n > 1 && i == n - 1) {
            tw_redis_append_argv(c, 1, &exec, &exec_len);
        } else {
            tw_redis_append_argv(c, argc[i], argv[i], argvlen[i]);
        }
    }

    rc = 0;

    for (i = 0; i < n; i++) {
        if (tw_redis_reply(c, (void **) &reply) != REDIS_OK) {
            snprintf(err, size, "%s", tw_redis_errstr(c));
            return -1;
        }

        if (reply->type == REDIS_REPLY_ERROR && rc == 0) {
            snprintf(err, size, "%s", reply->str);
            rc = -1;
        }

        if (i == n - 1 && rc == 0) {
            *last = reply;
        } else {
            freeReplyObject(reply);
        }
    }

    return rc;
}


static int
tw_catalog_get(tw_rconn_t *c, const char *id)
{
    int          rc;
    size_t       i, k;
    redisReply  *reply, *f, *v;
    vo_buf_t     b;
    vo_arena_t  *arena;

    reply = tw_redis_command(c, "HGETALL vo:video:%s", id);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        tw_log(TW_LOG_ERR, "redis HGETALL vo:video:%s failed: %s", id,
               reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : tw_redis_errstr(c));
        if (reply) {
            freeReplyObject(reply);
        }
        return TW_CATALOG_REDIS;
    }

    if (reply->elements == 0) {
        tw_log(TW_LOG_ERR, "no catalog entry for \"%s\"", id);
        freeReplyObject(reply);
        return TW_CATALOG_NOT_FOUND;
    }

    rc = 1;
    arena = vo_arena_create();

    if (arena == NULL
        || vo_buf_init(&b, vo_arena_alloc(arena), 4096) != VO_OK)
    {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    vo_buf_str(&b, "{");

    /* the known fields in their order, then any other one */
    for (k = 0; k <= TW_META_NFIELDS + 1; k++) {
        for (i = 0; i + 1 < reply->elements; i += 2) {
            f = reply->element[i];
            v = reply->element[i + 1];

            if (f->type != REDIS_REPLY_STRING
                || v->type != REDIS_REPLY_STRING)
            {
                continue;
            }

            if (tw_catalog_rank(f->str) != k) {
                continue;
            }

            vo_buf_str(&b, vo_buf_len(&b) > 1 ? ",\n  " : "\n  ");
            tw_catalog_print(&b, f->str, f->len, v->str, v->len);
        }
    }

    vo_buf_str(&b, "\n}\n");

    if (vo_buf_failed(&b)) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    fwrite(b.start, 1, vo_buf_len(&b), stdout);
    rc = 0;

end:

    if (arena) {
        vo_arena_free(arena);
    }

    freeReplyObject(reply);

    return rc;
}


/* the order of the printed fields: known ones, "updated", others */
static size_t
tw_catalog_rank(const char *name)
{
    size_t  k;

    for (k = 0; k < TW_META_NFIELDS; k++) {
        if (strcmp(name, tw_meta_names[k]) == 0) {
            return k;
        }
    }

    return strcmp(name, "updated") == 0 ? TW_META_NFIELDS
                                        : TW_META_NFIELDS + 1;
}


/* a field as a member: JSON-text fields and "updated" as their JSON
 * value when they are one, everything else as a string */
static void
tw_catalog_print(vo_buf_t *b, const char *name, size_t name_len,
    const char *value, size_t len)
{
    int        raw;
    vo_json_t  j;

    vo_json_put_string(b, (const u_char *) name, name_len);
    vo_buf_str(b, ": ");

    raw = 0;

    if (strcmp(name, "thumbnails") == 0 || strcmp(name, "ads") == 0
        || strcmp(name, "tags") == 0)
    {
        vo_json_init(&j, (const u_char *) value, len);
        raw = vo_json_skip(&j) == VO_OK && vo_json_finish(&j) == VO_OK;

    } else if (strcmp(name, "updated") == 0) {
        raw = len > 0 && len < 20 && strspn(value, "0123456789") == len;
    }

    if (raw) {
        vo_buf_append(b, value, len);
        return;
    }

    if (vo_utf8_valid((const u_char *) value, len)) {
        vo_json_put_string(b, (const u_char *) value, len);
    } else {
        vo_buf_str(b, "null");
    }
}


static int
tw_catalog_delete(tw_rconn_t *c, const char *id)
{
    int          rc;
    redisReply  *reply;

    reply = tw_redis_command(c, "DEL vo:video:%s", id);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        tw_log(TW_LOG_ERR, "redis DEL vo:video:%s failed: %s", id,
               reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                          : tw_redis_errstr(c));
        rc = TW_CATALOG_REDIS;

    } else if (reply->integer == 0) {
        tw_log(TW_LOG_ERR, "no catalog entry for \"%s\"", id);
        rc = TW_CATALOG_NOT_FOUND;

    } else {
        tw_log(TW_LOG_INFO, "catalog entry of \"%s\" deleted", id);
        rc = 0;
    }

    if (reply) {
        freeReplyObject(reply);
    }

    return rc;
}


int
tw_catalog_command(int argc, char **argv)
{
    int               c, idx, rc, replace, act;
    char              err[256];
    const char       *id;
    tw_meta_t         m;
    tw_rconn_t       *ctx;
    tw_meta_args_t    a;
    tw_redis_conf_t   rconf;

    static const struct option  opts[] = {
        { "meta",        required_argument, NULL, 'o' },
        { "title",       required_argument, NULL, 'o' },
        { "description", required_argument, NULL, 'o' },
        { "creator",     required_argument, NULL, 'o' },
        { "language",    required_argument, NULL, 'o' },
        { "tag",         required_argument, NULL, 'o' },
        { "thumbnail",   required_argument, NULL, 'o' },
        { "redis",       required_argument, NULL, 'o' },
        { "config",      required_argument, NULL, 'o' },
        { "replace",     no_argument,       NULL, 'r' },
        { "log-level",   required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 }
    };

    memset(&a, 0, sizeof(tw_meta_args_t));
    memset(&m, 0, sizeof(tw_meta_t));
    rc = 1;
    replace = 0;
    ctx = NULL;

    /* argv[0] "catalog", argv[1] the action */
    if (argc < 3 || (strcmp(argv[1], "get") != 0
                     && strcmp(argv[1], "set") != 0
                     && strcmp(argv[1], "delete") != 0))
    {
        tw_log(TW_LOG_ERR, "usage: catalog get|set|delete ID [--redis "
               "ADDR | --config FILE] [--meta FILE.json] [--title T] ...");
        return 1;
    }

    act = argv[1][0];
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc - 1, argv + 1, "", opts, &idx)) != -1) {
        switch (c) {

        case 'o':
            if (tw_meta_option(&a, opts[idx].name, optarg) != 1) {
                goto end;
            }
            break;

        case 'r':
            replace = 1;
            break;

        case 'L':
            if (tw_log_set_level(optarg) != 0) {
                tw_log(TW_LOG_ERR, "invalid --log-level \"%s\"", optarg);
                goto end;
            }
            break;

        default:
            tw_log(TW_LOG_ERR, "unknown or incomplete option \"%s\"",
                   argv[optind]);
            goto end;
        }
    }

    if (optind + 1 != argc - 1) {
        tw_log(TW_LOG_ERR, "catalog %s takes one ID", argv[1]);
        goto end;
    }

    id = argv[1 + optind];

    if (!vo_id_valid((const u_char *) id, strlen(id))) {
        tw_log(TW_LOG_ERR, "invalid ID \"%s\": [A-Za-z0-9_-]{1,64}", id);
        goto end;
    }

    if (act != 's' && (a.fields || replace)) {
        tw_log(TW_LOG_ERR, "catalog %s takes no fields", argv[1]);
        goto end;
    }

    if (act == 's'
        && (!a.fields || tw_meta_build(&m, &a) != 0))
    {
        if (!a.fields) {
            tw_log(TW_LOG_ERR, "catalog set needs --meta FILE.json or "
                   "field flags");
        }
        goto end;
    }

    if (tw_catalog_redis(&a, &rconf) != 0) {
        goto end;
    }

    rc = TW_CATALOG_REDIS;

    if (act == 's') {
        if (tw_catalog_write(&rconf, id, &m, replace, err, sizeof(err))
            != 0)
        {
            tw_log(TW_LOG_ERR, "catalog entry of \"%s\" not written: redis "
                   "at \"%s\": %s", id, rconf.addr, err);
            goto end;
        }

        tw_log(TW_LOG_INFO, "catalog entry of \"%s\" %s", id,
               replace ? "replaced" : "written");
        rc = 0;
        goto end;
    }

    ctx = tw_redis_open(&rconf, TW_META_TIMEOUT_MS, err, sizeof(err));
    if (ctx == NULL) {
        tw_log(TW_LOG_ERR, "redis at \"%s\" unreachable: %s", rconf.addr,
               err);
        goto end;
    }

    rc = (act == 'g') ? tw_catalog_get(ctx, id) : tw_catalog_delete(ctx, id);

end:

    if (ctx) {
        tw_redis_free(ctx);
    }

    tw_meta_free(&m);
    tw_meta_args_free(&a);

    return rc;
}
