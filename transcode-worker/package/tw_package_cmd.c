/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vo_path.h"
#include "catalog/tw_catalog.h"
#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "package/tw_package.h"
#include "package/tw_package_cmd.h"
#include "package/tw_request.h"


/* the command line of "package" or "segment" */
typedef struct {
    tw_package_opts_t   pkg;           /* store and id for both */
    tw_meta_args_t      catalog;       /* --meta, --title, ..., --redis */
    tw_redis_conf_t     redis;         /* the catalog's */

    /* segment */
    const char         *rendition;
    int64_t             segment;       /* -1: none */
    unsigned            init:1;
    unsigned            format;        /* VO_FORMAT_FMP4 or VO_FORMAT_TS */
    const char         *out;
} tw_args_t;


static void tw_args_init(tw_args_t *a);
static int tw_parse(int argc, char **argv, tw_args_t *a, int segment);
static int tw_parse_option(tw_args_t *a, int c, const char *name,
    char *arg);
static int tw_parse_check(const tw_args_t *a, int segment);
static int tw_parse_u32(const char *name, const char *s, uint32_t min,
    uint32_t max, uint32_t *v);

static int tw_package_catalog(tw_args_t *a, tw_meta_t *meta, int stage);
static int tw_segment_run(const tw_args_t *a);


static const struct option  tw_options[] = {
    { "store",            required_argument, NULL, 's' },
    { "id",               required_argument, NULL, 'i' },
    { "source",           required_argument, NULL, 'S' },
    { "segment-duration", required_argument, NULL, 'd' },
    { "ladder",           required_argument, NULL, 'l' },
    { "preset",           required_argument, NULL, 'p' },
    { "threads",          required_argument, NULL, 't' },
    { "jobs",             required_argument, NULL, 'j' },
    { "crf",              required_argument, NULL, 'c' },
    { "audio-bitrate",    required_argument, NULL, 'a' },
    { "formats",          required_argument, NULL, 'f' },
    { "log-level",        required_argument, NULL, 'L' },
    { "rendition",        required_argument, NULL, 'r' },
    { "segment",          required_argument, NULL, 'n' },
    { "init",             no_argument,       NULL, 'I' },
    { "format",           required_argument, NULL, 'F' },
    { "out",              required_argument, NULL, 'o' },
    { "eager",            required_argument, NULL, 'e' },
    /* the catalog's: tw_meta_option() */
    { "meta",             required_argument, NULL, 'M' },
    { "title",            required_argument, NULL, 'M' },
    { "description",      required_argument, NULL, 'M' },
    { "creator",          required_argument, NULL, 'M' },
    { "language",         required_argument, NULL, 'M' },
    { "tag",              required_argument, NULL, 'M' },
    { "thumbnail",        required_argument, NULL, 'M' },
    { "redis",            required_argument, NULL, 'M' },
    { "config",           required_argument, NULL, 'M' },
    /* the store's: tw_store_set() */
    { "s3-endpoint",        required_argument, NULL, 'X' },
    { "s3-region",          required_argument, NULL, 'X' },
    { "s3-path-style",      required_argument, NULL, 'X' },
    { "s3-connect-timeout", required_argument, NULL, 'X' },
    { "s3-timeout",         required_argument, NULL, 'X' },
    { "s3-retries",         required_argument, NULL, 'X' },
    { "s3-multipart-size",  required_argument, NULL, 'X' },
    { "s3-part-size",       required_argument, NULL, 'X' },
    { "s3-read-ahead",      required_argument, NULL, 'X' },
    { NULL, 0, NULL, 0 }
};

/* the options of one command only */
#define TW_PACKAGE_ONLY  "SdlptjcafeM"
#define TW_SEGMENT_ONLY  "rnIFo"


int
tw_package_command(int argc, char **argv)
{
    int        rc;
    tw_args_t  a;
    tw_meta_t  meta;

    tw_args_init(&a);
    memset(&meta, 0, sizeof(tw_meta_t));

    if (tw_parse(argc, argv, &a, 0) != 0
        || tw_package_catalog(&a, &meta, 0) != 0
        || tw_store_init(&a.pkg.store) != 0)
    {
        rc = 1;
        goto end;
    }

    rc = tw_package(&a.pkg);

    if (rc == 0) {
        rc = tw_package_catalog(&a, &meta, 1);
    }

end:

    tw_meta_free(&meta);
    tw_meta_args_free(&a.catalog);
    tw_store_free(&a.pkg.store);

    return rc;
}


int
tw_segment_command(int argc, char **argv)
{
    int        rc;
    tw_args_t  a;

    tw_args_init(&a);

    if (tw_parse(argc, argv, &a, 1) != 0
        || tw_store_init(&a.pkg.store) != 0)
    {
        rc = 1;
        goto end;
    }

    rc = tw_segment_run(&a);

end:

    tw_meta_args_free(&a.catalog);
    tw_store_free(&a.pkg.store);

    return rc;
}


/* the defaults, as README "The packager" lists them */
static void
tw_args_init(tw_args_t *a)
{
    memset(a, 0, sizeof(tw_args_t));

    a->pkg.segment_ms = 6000;
    a->pkg.ladder = TW_DEFAULT_LADDER;
    a->pkg.preset = "veryfast";
    a->pkg.threads = 1;
    a->pkg.jobs = tw_ncpus();
    a->pkg.crf = 23;
    a->pkg.audio_kbps = 128;
    a->pkg.formats = VO_FORMAT_FMP4 | VO_FORMAT_TS;
    a->segment = -1;
    a->format = VO_FORMAT_FMP4;
}


/* 0, or -1 after the error line */
static int
tw_parse(int argc, char **argv, tw_args_t *a, int segment)
{
    int  c, idx, rc;

    optind = 1;
    opterr = 0;

    for ( ;; ) {
        idx = -1;

        c = getopt_long(argc, argv, "", tw_options, &idx);
        if (c == -1) {
            break;
        }

        /* each command takes only its own options */
        if (strchr(segment ? TW_PACKAGE_ONLY : TW_SEGMENT_ONLY, c) != NULL) {
            tw_log(TW_LOG_ERR, "option \"%s\" not accepted by \"%s\"",
                   argv[optind - 1], segment ? "segment" : "package");
            return -1;
        }

        rc = (c == '?' || idx < 0)
             ? 1 : tw_parse_option(a, c, tw_options[idx].name, optarg);

        if (rc == 1) {
            tw_log(TW_LOG_ERR, "unknown or incomplete option \"%s\"",
                   argv[optind - 1]);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (optind < argc) {
        tw_log(TW_LOG_ERR, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }

    return tw_parse_check(a, segment);
}


/* option name (letter c) with its argument: 0, -1 after the error line,
 * or 1 when it is none of ours */
static int
tw_parse_option(tw_args_t *a, int c, const char *name, char *arg)
{
    char               *end;
    double              d;
    uint32_t            v;
    tw_package_opts_t  *o = &a->pkg;

    switch (c) {

    case 's':
    case 'X':
        return tw_store_set(&o->store, name, arg, "command line") != 0
               ? -1 : 0;

    case 'i':
        o->id = arg;
        return 0;

    case 'S':
        o->source = arg;
        return 0;

    case 'd':
        d = strtod(arg, &end);
        if (*end || !(d >= 1.0 && d <= 60.0)) {
            tw_log(TW_LOG_ERR, "--segment-duration must be 1 to 60 "
                   "seconds");
            return -1;
        }
        o->segment_ms = (uint32_t) (d * 1000 + 0.5);
        return 0;

    case 'l':
        o->ladder = arg;
        return 0;

    case 'p':
        if (strlen(arg) == 0 || strlen(arg) > VO_PRESET_MAX
            || strspn(arg, "abcdefghijklmnopqrstuvwxyz") != strlen(arg))
        {
            tw_log(TW_LOG_ERR, "invalid --preset \"%s\"", arg);
            return -1;
        }
        o->preset = arg;
        return 0;

    case 't':
        return tw_parse_u32(name, arg, 1, 64, &o->threads);

    case 'j':
        return tw_parse_u32(name, arg, 1, 256, &o->jobs);

    case 'c':
        return tw_parse_u32(name, arg, 0, 51, &o->crf);

    case 'a':
        return tw_parse_u32(name, arg, 16, 512, &o->audio_kbps);

    case 'f':
        return tw_parse_formats(arg, &o->formats);

    case 'e':
        o->eager = arg;
        return 0;

    case 'L':
        if (tw_log_set_level(arg) != 0) {
            tw_log(TW_LOG_ERR, "invalid --log-level \"%s\"", arg);
            return -1;
        }
        return 0;

    case 'M':
        return tw_meta_option(&a->catalog, name, arg) != 1 ? -1 : 0;

    case 'r':
        a->rendition = arg;
        return 0;

    case 'n':
        if (tw_parse_u32(name, arg, 0, 999999999, &v) != 0) {
            return -1;
        }
        a->segment = v;
        return 0;

    case 'I':
        a->init = 1;
        return 0;

    case 'F':
        if (strcmp(arg, "fmp4") == 0) {
            a->format = VO_FORMAT_FMP4;

        } else if (strcmp(arg, "ts") == 0) {
            a->format = VO_FORMAT_TS;

        } else {
            tw_log(TW_LOG_ERR, "--format takes fmp4 or ts");
            return -1;
        }
        return 0;

    case 'o':
        a->out = arg;
        return 0;
    }

    return 1;
}


/* what the options must give together */
static int
tw_parse_check(const tw_args_t *a, int segment)
{
    const tw_package_opts_t  *o = &a->pkg;

    if (o->store.spec == NULL || o->id == NULL) {
        tw_log(TW_LOG_ERR, "--store and --id are required");
        return -1;
    }

    if (!vo_id_valid((const u_char *) o->id, strlen(o->id))) {
        tw_log(TW_LOG_ERR, "invalid --id \"%s\": [A-Za-z0-9_-]{1,64}", o->id);
        return -1;
    }

    if (segment) {
        if (a->rendition == NULL || (a->segment < 0) == !a->init) {
            tw_log(TW_LOG_ERR, "segment needs --rendition and one of "
                   "--segment N or --init");
            return -1;
        }

        if (a->init && a->format == VO_FORMAT_TS) {
            tw_log(TW_LOG_ERR, "there is no init segment for ts");
            return -1;
        }

    } else if (o->source == NULL) {
        tw_log(TW_LOG_ERR, "package needs --source");
        return -1;
    }

    return 0;
}


static int
tw_parse_u32(const char *name, const char *s, uint32_t min, uint32_t max,
    uint32_t *v)
{
    char           *end;
    unsigned long   n;

    n = strtoul(s, &end, 10);

    if (*s < '0' || *s > '9' || *end || n < min || n > max) {
        tw_log(TW_LOG_ERR, "--%s must be a number from %u to %u", name, min,
               max);
        return -1;
    }

    *v = (uint32_t) n;

    return 0;
}


int
tw_parse_formats(const char *s, unsigned *formats)
{
    char   buf[64], *p, *save;

    if (strlen(s) >= sizeof(buf)) {
        goto invalid;
    }

    strcpy(buf, s);
    *formats = 0;

    for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (strcmp(p, "fmp4") == 0) {
            *formats |= VO_FORMAT_FMP4;

        } else if (strcmp(p, "ts") == 0) {
            *formats |= VO_FORMAT_TS;

        } else {
            goto invalid;
        }
    }

    if (*formats) {
        return 0;
    }

invalid:

    tw_log(TW_LOG_ERR, "--formats takes fmp4, ts or fmp4,ts");

    return -1;
}


/*
 * The catalog entry of "package": stage 0, before anything is made, the
 * fields and the address are checked (-1 logged: refused); stage 1, once
 * media.json is written (a video is never in the catalog before it can
 * be played), they are written: 0, or TW_EXIT_NO_CATALOG when Redis
 * failed (the video is packaged and stays so).
 */
static int
tw_package_catalog(tw_args_t *a, tw_meta_t *meta, int stage)
{
    char         err[256];
    const char  *id = a->pkg.id;

    if (!a->catalog.fields) {
        if (stage == 0 && (a->catalog.redis || a->catalog.config)) {
            tw_log(TW_LOG_WARN, "no catalog field given: --redis and "
                   "--config are not used");
        }
        return 0;
    }

    if (stage == 0) {
        return (tw_meta_build(meta, &a->catalog) != 0
                || tw_catalog_redis(&a->catalog, &a->redis) != 0) ? -1 : 0;
    }

    if (tw_catalog_write(&a->redis, id, meta, 0, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "\"%s\" is packaged, but its catalog entry was "
               "NOT written (redis at \"%s\": %s): write it with "
               "\"transcode-worker catalog set %s ...\"; exit status %d",
               id, a->redis.addr, err, id, TW_EXIT_NO_CATALOG);
        return TW_EXIT_NO_CATALOG;
    }

    tw_log(TW_LOG_INFO, "catalog entry of \"%s\" written to redis at "
           "\"%s\"", id, a->redis.addr);

    return 0;
}


/* one object of a packaged video, made from its stored description, into
 * the store or --out */
static int
tw_segment_run(const tw_args_t *a)
{
    int                 rc, ret;
    char                key[TW_KEY_MAX];
    size_t              len;
    uint8_t            *json;
    vo_str_t            id;
    const char         *err;
    vo_media_t          m;
    tw_bytes_t          out;
    vo_request_t        req;
    const tw_store_t   *st = &a->pkg.store;

    rc = 1;
    json = NULL;
    memset(&out, 0, sizeof(tw_bytes_t));

    id.data = (const u_char *) a->pkg.id;
    id.len = strlen(a->pkg.id);

    if (vo_media_key(&id, key, sizeof(key)) == 0) {
        tw_log(TW_LOG_ERR, "invalid id \"%s\"", a->pkg.id);
        goto end;
    }

    ret = tw_store_read(st, key, VO_MEDIA_FILE_MAX, &json, &len);
    if (ret == 1) {
        tw_log(TW_LOG_ERR, "video \"%s\" is not packaged (no \"%s\")",
               a->pkg.id, key);
    }
    if (ret != 0) {
        goto end;
    }

    if (vo_media_parse(json, len, &m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description \"%s\" invalid: %s", key, err);
        goto end;
    }

    req.kind = a->init ? VO_REQ_INIT
                       : (a->format == VO_FORMAT_TS ? VO_REQ_SEGMENT_TS
                                                    : VO_REQ_SEGMENT);
    req.id = id;
    req.rendition.data = (const u_char *) a->rendition;
    req.rendition.len = strlen(a->rendition);
    req.segment = a->init ? 0 : (uint32_t) a->segment;

    if (!a->init && (a->segment < 0 || a->segment > UINT32_MAX)) {
        tw_log(TW_LOG_ERR, "segment number out of range");
        goto end;
    }

    if (vo_request_check(&req, &m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "no such object: \"%s\" rendition \"%s\": %s",
               a->pkg.id, a->rendition, err);
        goto end;
    }

    if (vo_request_key(&req, key, sizeof(key)) == 0) {
        tw_log(TW_LOG_ERR, "no store key for the object");
        goto end;
    }

    if (tw_object_make(st, &m, &req, &out, NULL) != 0) {
        tw_log(TW_LOG_ERR, "making \"%s\" failed", key);
        goto end;
    }

    if (a->out) {
        if (tw_write_out(a->out, out.data, out.len) != 0) {
            goto end;
        }

    } else if (tw_store_write(st, key, out.data, out.len) != 0) {
        goto end;
    }

    tw_log(TW_LOG_INFO, "made \"%s\" (%zu bytes)", key, out.len);

    rc = 0;

end:

    free(json);
    tw_bytes_free(&out);

    return rc;
}
