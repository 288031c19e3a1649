/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * transcode-worker: the usage text and the dispatch of each command to
 * its subsystem, which parses its own options.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "catalog/tw_catalog.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_cmd.h"
#include "ingest/tw_upload_cmd.h"
#include "package/tw_package_cmd.h"
#include "placer/tw_placer.h"
#include "purger/tw_purge.h"
#include "s3/tw_s3.h"
#include "serve/tw_serve.h"
#include "simulate/tw_sim_cmd.h"


#define TW_VERSION         "0.1.0"


static void tw_usage(FILE *f);


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
"  transcode-worker placer train [--config FILE] [--preset external]\n"
"      [--window 6h] [--out FILE] [--publish] (see docs/placer.md)\n"
"  transcode-worker simulate [--preset aws|external|flat] [--alpha A]\n"
"      [--seed N] [--json] [--csv FILE] [--train --out FILE] [--scale]...\n"
"      (see simulate --help)\n"
"  transcode-worker upload [--config FILE] --listen ADDR --store ...\n"
"      --secret-file FILE [--option value]... (see conf/upload.conf)\n"
"  transcode-worker ingest [--config FILE] --store ... [--option value]...\n"
"      (see conf/ingest.conf)\n"
"  transcode-worker ingest submit ID SOURCE_KEY [--config FILE] ...\n"
"  transcode-worker ingest retry ID [CHUNK] [--config FILE] ...\n"
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


int
main(int argc, char **argv)
{
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

    if (strcmp(argv[1], "simulate") == 0) {
        return tw_sim_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "upload") == 0) {
        return tw_upload_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "ingest") == 0) {
        return tw_ingest_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "package") == 0) {
        return tw_package_command(argc - 1, argv + 1);
    }

    if (strcmp(argv[1], "segment") == 0) {
        return tw_segment_command(argc - 1, argv + 1);
    }

    tw_log(TW_LOG_ERR, "unknown command \"%s\"", argv[1]);
    tw_usage(stderr);

    return 1;
}
