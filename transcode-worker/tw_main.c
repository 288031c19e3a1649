/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * transcode-worker: command dispatch and option parsing.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "vo_path.h"
#include "catalog/tw_catalog.h"
#include "common/tw_log.h"
#include "package/tw_package.h"
#include "placer/tw_placer.h"
#include "purger/tw_purge.h"
#include "s3/tw_s3.h"
#include "serve/tw_serve.h"


#define TW_VERSION         "0.1.0"

#define TW_DEFAULT_LADDER  "1080p:1080:5000,720p:720:2800,480p:480:1400," \
                           "360p:360:800,240p:240:400"


static void tw_usage(FILE *f);
static int tw_parse_u32(const char *name, const char *s, uint32_t min,
    uint32_t max, uint32_t *v);
static int tw_parse_formats(const char *s, unsigned *formats);
static int tw_parse(int argc, char **argv, tw_opts_t *o, int segment);
static int tw_package_catalog(tw_opts_t *o, tw_meta_t *meta, int stage);


static const char  tw_usage_text[] =
"usage:\n"
"  transcode-worker package --store DIR|s3://BUCKET[/PREFIX] --id ID\n"
"      --source FILE\n"
"      [--segment-duration SECONDS (6)] [--ladder NAME:HEIGHT:KBPS,...]\n"
"      [--preset veryfast] [--threads 1] [--crf 23] [--audio-bitrate 128]\n"
"      [--formats fmp4,ts] [--eager all|none|NAME,...] [--jobs N (cores)]\n"
"      [--log-level error|warn|info|debug]\n"
"      [--meta FILE.json] [--title T] [--description D] [--creator C]\n"
"      [--language L] [--tag T]... [--thumbnail URL:WxH]...\n"
"      [--redis ADDR | --config FILE (its redis line)]\n"
"  transcode-worker segment --store DIR|s3://BUCKET[/PREFIX] --id ID\n"
"      --rendition R\n"
"      (--segment N | --init) [--format fmp4|ts] [--out FILE|-]\n"
"      [--log-level LEVEL]\n"
"  transcode-worker serve [--config FILE] [--store DIR|s3://BUCKET[/PREFIX]]\n"
"      [--listen unix:/path.sock | --listen 127.0.0.1:PORT]...\n"
"      [--slots N (cores)] [--queue N (2*slots)] [--connections 1024]\n"
"      [--redis 127.0.0.1:6379 | --redis unix:/path | --redis off]\n"
"      [--lock-ttl 10s] [--wait 20s] [--prefetch on|off (on)]\n"
"      [--log-level LEVEL]\n"
"  transcode-worker s3 head|get|put|delete|list --endpoint URL --bucket B\n"
"      [--region R ($AWS_REGION, us-east-1)] [--path-style]\n"
"      [--range FIRST-LAST] [--out FILE|- (-)] [--in FILE|- (-)]\n"
"      [--multipart-size 16m] [--part-size 8m] [--retries 0]\n"
"      [--timeout SECONDS (60)] [--connect-timeout SECONDS (5)]\n"
"      [--log-level LEVEL] KEY\n"
"  transcode-worker purger [--config FILE] --journal FILE\n"
"      [--cloudfront-distribution ID] [--cloudflare-zone ID\n"
"      --cloudflare-host HOST] [--state FILE] [--status FILE]\n"
"      [--poll 200ms] [--attempts 10] [--retry-delay 1s] ...\n"
"      (see conf/purger.conf)\n"
"  transcode-worker catalog get|set|delete ID [--redis ADDR | --config FILE]\n"
"      [--meta FILE.json] [--title T] ... [--replace]\n"
"  transcode-worker placer [--config FILE] [--once] [--option value]...\n"
"      (see conf/placer.conf)\n"
"  transcode-worker --help | --version\n"
"\n"
"package, segment and serve take an S3 store's settings too:\n"
"  [--s3-endpoint URL (AWS)] [--s3-region R] [--s3-path-style on|off]\n"
"  [--s3-connect-timeout 5s] [--s3-timeout 60s] [--s3-retries 3]\n"
"  [--s3-multipart-size 16m] [--s3-part-size 8m] [--s3-read-ahead 1m]\n"
"with credentials from $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and\n"
"$AWS_SESSION_TOKEN only (see docs/s3-store.md).\n"
"\n"
"package copies FILE to {id}/source.{ext} in the store, makes every\n"
"init and media segment of every rendition, and writes {id}/media.json\n"
"last.  segment makes one object from the master copy, with the settings\n"
"of {id}/media.json, into the store (or --out).  serve answers\n"
"GET /v/{id}/{r}/{init.mp4,N.m4s,N.ts} over HTTP, from the store or made\n"
"just in time (see docs/worker-serve.md).  s3 sends one signed request\n"
"for KEY in bucket B, with the credentials of $AWS_ACCESS_KEY_ID,\n"
"$AWS_SECRET_ACCESS_KEY and $AWS_SESSION_TOKEN; head prints the size and\n"
"ETag (see docs/s3-client.md).  purger sends the purges nginx writes to\n"
"its journal to CloudFront and Cloudflare (see docs/cdn-purge.md).\n"
"With catalog fields, package writes them to vo:video:{id} in Redis after\n"
"media.json; catalog reads and writes that entry; placer turns the view\n"
"counts into placement hints (docs/redis-layout.md, docs/placer.md).\n"
"Exit status 0 or 1; package 3: packaged, catalog not written; catalog\n"
"2: no such entry, 3: Redis unreachable.\n"
"default ladder: " TW_DEFAULT_LADDER "\n";


static void
tw_usage(FILE *f)
{
    fputs(tw_usage_text, f);
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


static int
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


static int
tw_parse(int argc, char **argv, tw_opts_t *o, int segment)
{
    int       c, idx;
    char     *end;
    double    d;
    uint32_t  v;

    static const struct option  opts[] = {
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

    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {

        /* each command takes only its own options */
        if (segment ? strchr("SdlptjcafeM", c) != NULL
                    : strchr("rnIFo", c) != NULL)
        {
            tw_log(TW_LOG_ERR, "option \"%s\" not accepted by \"%s\"",
                   argv[optind - 1], segment ? "segment" : "package");
            return -1;
        }

        switch (c) {

        case 's':
        case 'X':
            if (tw_store_set(&o->store, c == 's' ? "store" : opts[idx].name,
                             optarg, "command line")
                != 0)
            {
                return -1;
            }
            break;

        case 'i':
            o->id = optarg;
            break;

        case 'S':
            o->source = optarg;
            break;

        case 'd':
            d = strtod(optarg, &end);
            if (*end || !(d >= 1.0 && d <= 60.0)) {
                tw_log(TW_LOG_ERR, "--segment-duration must be 1 to 60 "
                       "seconds");
                return -1;
            }
            o->segment_ms = (uint32_t) (d * 1000 + 0.5);
            break;

        case 'l':
            o->ladder = optarg;
            break;

        case 'p':
            if (strlen(optarg) == 0 || strlen(optarg) > VO_PRESET_MAX
                || strspn(optarg, "abcdefghijklmnopqrstuvwxyz")
                   != strlen(optarg))
            {
                tw_log(TW_LOG_ERR, "invalid --preset \"%s\"", optarg);
                return -1;
            }
            o->preset = optarg;
            break;

        case 't':
            if (tw_parse_u32("threads", optarg, 1, 64, &o->threads) != 0) {
                return -1;
            }
            break;

        case 'j':
            if (tw_parse_u32("jobs", optarg, 1, 256, &o->jobs) != 0) {
                return -1;
            }
            break;

        case 'c':
            if (tw_parse_u32("crf", optarg, 0, 51, &o->crf) != 0) {
                return -1;
            }
            break;

        case 'a':
            if (tw_parse_u32("audio-bitrate", optarg, 16, 512,
                             &o->audio_kbps) != 0)
            {
                return -1;
            }
            break;

        case 'f':
            if (tw_parse_formats(optarg, &o->formats) != 0) {
                return -1;
            }
            break;

        case 'L':
            if (tw_log_set_level(optarg) != 0) {
                tw_log(TW_LOG_ERR, "invalid --log-level \"%s\"", optarg);
                return -1;
            }
            break;

        case 'r':
            o->rendition = optarg;
            break;

        case 'n':
            if (tw_parse_u32("segment", optarg, 0, 999999999, &v) != 0) {
                return -1;
            }
            o->segment = v;
            break;

        case 'I':
            o->init = 1;
            break;

        case 'F':
            if (strcmp(optarg, "fmp4") == 0) {
                o->format = VO_FORMAT_FMP4;

            } else if (strcmp(optarg, "ts") == 0) {
                o->format = VO_FORMAT_TS;

            } else {
                tw_log(TW_LOG_ERR, "--format takes fmp4 or ts");
                return -1;
            }
            break;

        case 'o':
            o->out = optarg;
            break;

        case 'e':
            o->eager = optarg;
            break;

        case 'M':
            if (tw_meta_option(&o->catalog, opts[idx].name, optarg) != 1) {
                return -1;
            }
            break;

        default:
            tw_log(TW_LOG_ERR, "unknown or incomplete option \"%s\"",
                   argv[optind - 1]);
            return -1;
        }
    }

    if (optind < argc) {
        tw_log(TW_LOG_ERR, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }

    if (o->store.spec == NULL || o->id == NULL) {
        tw_log(TW_LOG_ERR, "--store and --id are required");
        return -1;
    }

    if (!vo_id_valid((const u_char *) o->id, strlen(o->id))) {
        tw_log(TW_LOG_ERR, "invalid --id \"%s\": [A-Za-z0-9_-]{1,64}", o->id);
        return -1;
    }

    if (segment) {
        if (o->rendition == NULL || (o->segment < 0) == !o->init) {
            tw_log(TW_LOG_ERR, "segment needs --rendition and one of "
                   "--segment N or --init");
            return -1;
        }

        if (o->init && o->format == VO_FORMAT_TS) {
            tw_log(TW_LOG_ERR, "there is no init segment for ts");
            return -1;
        }

    } else if (o->source == NULL) {
        tw_log(TW_LOG_ERR, "package needs --source");
        return -1;
    }

    return 0;
}


int
main(int argc, char **argv)
{
    int        segment, rc;
    tw_meta_t  meta;
    tw_opts_t  o;

    tw_log_init();

    /* SVT-AV1 writes its banner and settings to stderr for every encoder
     * it opens, not through av_log: errors only, unless asked otherwise */
    setenv("SVT_LOG", "1", 0);

    if (argc < 2) {
        tw_usage(stderr);
        return 1;
    }

    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        tw_usage(stdout);
        return 0;
    }

    if (strcmp(argv[1], "--version") == 0) {
        printf("transcode-worker %s (libavformat %s, libavcodec %s)\n",
               TW_VERSION, AV_STRINGIFY(LIBAVFORMAT_VERSION),
               AV_STRINGIFY(LIBAVCODEC_VERSION));
        return 0;
    }

    if (strcmp(argv[1], "serve") == 0) {
        return tw_serve_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "s3") == 0) {
        return tw_s3_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "purger") == 0) {
        return tw_purge_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "catalog") == 0) {
        return tw_catalog_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "placer") == 0) {
        return tw_placer_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "package") == 0) {
        segment = 0;

    } else if (strcmp(argv[1], "segment") == 0) {
        segment = 1;

    } else {
        tw_log(TW_LOG_ERR, "unknown command \"%s\"", argv[1]);
        tw_usage(stderr);
        return 1;
    }

    memset(&o, 0, sizeof(tw_opts_t));
    o.segment_ms = 6000;
    o.ladder = TW_DEFAULT_LADDER;
    o.preset = "veryfast";
    o.threads = 1;
    o.jobs = tw_ncpus();
    o.crf = 23;
    o.audio_kbps = 128;
    o.formats = VO_FORMAT_FMP4 | VO_FORMAT_TS;
    o.segment = -1;
    o.format = VO_FORMAT_FMP4;

    memset(&meta, 0, sizeof(tw_meta_t));

    if (tw_parse(argc - 1, argv + 1, &o, segment) != 0
        || (!segment && tw_package_catalog(&o, &meta, 0) != 0)
        || tw_store_init(&o.store) != 0)
    {
        rc = 1;
        goto end;
    }

    rc = segment ? tw_segment_command(&o) : tw_package(&o);

    if (!segment && rc == 0) {
        rc = tw_package_catalog(&o, &meta, 1);
    }

end:

    tw_meta_free(&meta);
    tw_meta_args_free(&o.catalog);
    tw_store_free(&o.store);

    return rc;
}


/*
 * The catalog entry of "package": stage 0, before anything is made, the
 * fields and the address are checked (-1 logged: refused); stage 1, once
 * media.json is written (a video is never in the catalog before it can
 * be played), they are written: 0, or TW_EXIT_NO_CATALOG when Redis
 * failed (the video is packaged and stays so).
 */
static int
tw_package_catalog(tw_opts_t *o, tw_meta_t *meta, int stage)
{
    char  err[256];

    if (!o->catalog.fields) {
        if (stage == 0 && (o->catalog.redis || o->catalog.config)) {
            tw_log(TW_LOG_WARN, "no catalog field given: --redis and "
                   "--config are not used");
        }
        return 0;
    }

    if (stage == 0) {
        return (tw_meta_build(meta, &o->catalog) != 0
                || tw_catalog_redis(&o->catalog, &o->redis) != 0) ? -1 : 0;
    }

    if (tw_catalog_write(&o->redis, o->id, meta, 0, err, sizeof(err)) != 0)
    {
        tw_log(TW_LOG_ERR, "\"%s\" is packaged, but its catalog entry was "
               "NOT written (redis at \"%s\": %s): write it with "
               "\"transcode-worker catalog set %s ...\"; exit status %d",
               o->id, o->redis.addr, err, o->id, TW_EXIT_NO_CATALOG);
        return TW_EXIT_NO_CATALOG;
    }

    tw_log(TW_LOG_INFO, "catalog entry of \"%s\" written to redis at "
           "\"%s\"", o->id, o->redis.addr);

    return 0;
}
