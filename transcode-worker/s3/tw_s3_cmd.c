/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "transcode-worker s3 head|get|put|delete|list ... KEY": one S3 operation,
 * for operators checking a bucket and for tests/s3.  put goes up in parts
 * above --multipart-size; list prints the keys under the prefix KEY.
 * Credentials come from the environment only (never argv, which ps
 * shows).  Exit status 0, or 1 with one error line.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "s3/tw_s3.h"
#include "store/tw_store.h"


#define TW_S3_MAX_PUT   ((size_t) 5 << 30)   /* S3's single-PUT limit */


/* the command line of one operation */
typedef struct {
    const char     *op;              /* head, get, put, delete, list */
    const char     *key;
    const char     *in_path;         /* put: "-" is stdin */
    const char     *out_path;        /* get: "-" is stdout */
    int             ranged;
    int64_t         first;
    int64_t         last;
    tw_s3_conf_t    conf;
} tw_s3_args_t;


static int tw_s3_parse_range(const char *s, int64_t *first, int64_t *last);
static int tw_s3_parse_seconds(const char *name, const char *s, long *ms);
static int tw_s3_write_file(void *data, const void *buf, size_t len);
static int tw_s3_slurp(const char *path, unsigned char **data, size_t *len);
static int tw_s3_print_key(void *data, const char *key);
static int tw_s3_option(tw_s3_args_t *a, int c, char **argv);
static int tw_s3_args(int argc, char **argv, tw_s3_args_t *a);
static int tw_s3_get_out(tw_s3_args_t *a, tw_s3_res_t *res);


static int
tw_s3_parse_range(const char *s, int64_t *first, int64_t *last)
{
    char       *end;
    long long   a, b;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    a = strtoll(s, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9') {
        return -1;
    }

    b = strtoll(end + 1, &end, 10);
    if (*end || a > b) {
        return -1;
    }

    *first = a;
    *last = b;

    return 0;
}


/* a timeout: the durations of the serve flags, from 0.1 s to an hour */
static int
tw_s3_parse_seconds(const char *name, const char *s, long *ms)
{
    uint32_t  v;

    if (tw_parse_ms(s, &v) != 0 || v < 100 || v > 3600000) {
        tw_log(TW_LOG_ERR, "--%s must be 0.1 to 3600 seconds", name);
        return -1;
    }

    *ms = v;

    return 0;
}


static int
tw_s3_write_file(void *data, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, data) == len ? 0 : -1;
}


static int
tw_s3_print_key(void *data, const char *key)
{
    return printf("%s\n", key) < 0 ? -1 : 0;
}


/* a whole file (or stdin for "-") into a malloc()ed buffer */
static int
tw_s3_slurp(const char *path, unsigned char **data, size_t *len)
{
    FILE           *f;
    size_t          size, n;
    unsigned char  *p, *b;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot open \"%s\": %s", path, strerror(errno));
        return -1;
    }

    b = NULL;
    size = 0;
    *len = 0;

    for ( ;; ) {
        if (*len == size) {
            if (size >= TW_S3_MAX_PUT) {
                tw_log(TW_LOG_ERR, "\"%s\" is larger than 5 GiB", path);
                goto failed;
            }

            size = size ? 2 * size : 1 << 20;
            p = realloc(b, size);
            if (p == NULL) {
                tw_log(TW_LOG_ERR, "out of memory reading \"%s\"", path);
                goto failed;
            }
            b = p;
        }

        n = fread(b + *len, 1, size - *len, f);
        *len += n;

        if (n == 0) {
            break;
        }
    }

    if (ferror(f)) {
        tw_log(TW_LOG_ERR, "cannot read \"%s\": %s", path, strerror(errno));
        goto failed;
    }

    if (f != stdin) {
        fclose(f);
    }

    *data = b;

    return 0;

failed:

    if (f != stdin) {
        fclose(f);
    }

    free(b);

    return -1;
}


/*
 * One option of the command into a; 0, or 1 (logged).  argv[optind] is
 * what the messages name (optind counts in argv + 1, so it is the
 * argument getopt has just taken).
 */
static int
tw_s3_option(tw_s3_args_t *a, int c, char **argv)
{
    size_t  n;

    /* --range and --out belong to get, --in to put */
    if ((strchr("Ro", c) && strcmp(a->op, "get") != 0)
        || (strchr("imP", c) && strcmp(a->op, "put") != 0))
    {
        tw_log(TW_LOG_ERR, "option \"%s\" not accepted by \"s3 %s\"",
               argv[optind], a->op);
        return 1;
    }

    switch (c) {

    case 'e':
        a->conf.endpoint = optarg;
        break;

    case 'b':
        a->conf.bucket = optarg;
        break;

    case 'r':
        a->conf.region = optarg;
        break;

    case 'p':
        a->conf.path_style = 1;
        break;

    case 'R':
        if (tw_s3_parse_range(optarg, &a->first, &a->last) != 0) {
            tw_log(TW_LOG_ERR, "--range takes FIRST-LAST (bytes, "
                   "inclusive), not \"%s\"", optarg);
            return 1;
        }
        a->ranged = 1;
        break;

    case 'i':
        a->in_path = optarg;
        break;

    case 'o':
        a->out_path = optarg;
        break;

    case 't':
        return tw_s3_parse_seconds("timeout", optarg, &a->conf.timeout_ms)
               != 0;

    case 'c':
        return tw_s3_parse_seconds("connect-timeout", optarg,
                                   &a->conf.connect_timeout_ms)
               != 0;

    case 'L':
        if (tw_log_set_level(optarg) != 0) {
            tw_log(TW_LOG_ERR, "invalid --log-level \"%s\"", optarg);
            return 1;
        }
        break;

    case 'm':
    case 'P':
        if (tw_parse_size(optarg, TW_S3_MIN_PART, TW_S3_MAX_PART,
                          c == 'm' ? &a->conf.multipart_size
                                   : &a->conf.part_size)
            != 0)
        {
            tw_log(TW_LOG_ERR, "--%s must be a size from 5m to 5g",
                   c == 'm' ? "multipart-size" : "part-size");
            return 1;
        }
        break;

    case 'T':
        if (tw_parse_size(optarg, 0, TW_S3_MAX_RETRIES, &n) != 0) {
            tw_log(TW_LOG_ERR, "--retries must be a number from 0 "
                   "to %d", TW_S3_MAX_RETRIES);
            return 1;
        }
        a->conf.retries = (uint32_t) n;
        break;

    default:
        tw_log(TW_LOG_ERR, "unknown or incomplete option \"%s\"",
               argv[optind]);
        return 1;
    }

    return 0;
}


/* "s3 OP [options] KEY" into a; 0, or 1 (logged) */
static int
tw_s3_args(int argc, char **argv, tw_s3_args_t *a)
{
    int  c;

    static const struct option  opts[] = {
        { "endpoint",        required_argument, NULL, 'e' },
        { "bucket",          required_argument, NULL, 'b' },
        { "region",          required_argument, NULL, 'r' },
        { "path-style",      no_argument,       NULL, 'p' },
        { "range",           required_argument, NULL, 'R' },
        { "in",              required_argument, NULL, 'i' },
        { "out",             required_argument, NULL, 'o' },
        { "timeout",         required_argument, NULL, 't' },
        { "connect-timeout", required_argument, NULL, 'c' },
        { "log-level",       required_argument, NULL, 'L' },
        { "multipart-size",  required_argument, NULL, 'm' },
        { "part-size",       required_argument, NULL, 'P' },
        { "retries",         required_argument, NULL, 'T' },
        { NULL, 0, NULL, 0 }
    };

    if (argc < 2 || (strcmp(argv[1], "head") != 0
                     && strcmp(argv[1], "get") != 0
                     && strcmp(argv[1], "put") != 0
                     && strcmp(argv[1], "delete") != 0
                     && strcmp(argv[1], "list") != 0))
    {
        tw_log(TW_LOG_ERR, "s3 needs one of head, get, put, delete, list");
        return 1;
    }

    memset(a, 0, sizeof(tw_s3_args_t));
    a->op = argv[1];
    a->first = 0;
    a->last = -1;
    a->in_path = "-";
    a->out_path = "-";

    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (tw_s3_option(a, c, argv) != 0) {
            return 1;
        }
    }

    /* optind counts in argv + 1 */
    if (optind + 1 != argc - 1) {
        tw_log(TW_LOG_ERR, "s3 %s needs exactly one KEY", a->op);
        return 1;
    }

    a->key = argv[optind + 1];

    if (a->conf.endpoint == NULL || a->conf.bucket == NULL) {
        tw_log(TW_LOG_ERR, "--endpoint and --bucket are required");
        return 1;
    }

    return 0;
}


/*
 * "s3 get": to --out through a temporary file renamed into place, so
 * that a failed GET leaves no partial FILE behind, or to stdout.  As
 * tw_s3_get(), or -1 when the file could not be created (logged).
 */
static int
tw_s3_get_out(tw_s3_args_t *a, tw_s3_res_t *res)
{
    int    rc;
    FILE  *out;
    char   tmp[4096];

    if (strcmp(a->out_path, "-") == 0) {
        out = stdout;

    } else {
        snprintf(tmp, sizeof(tmp), "%s.tmp.%d", a->out_path, (int) getpid());
        out = fopen(tmp, "wb");
        if (out == NULL) {
            tw_log(TW_LOG_ERR, "cannot create \"%s\": %s", tmp,
                   strerror(errno));
            return -1;
        }
    }

    rc = tw_s3_get(&a->conf, a->key, a->first, a->ranged ? a->last : -1,
                   tw_s3_write_file, out, res);

    if (out == stdout) {
        if (fflush(stdout) != 0 && rc == 0) {
            tw_log(TW_LOG_ERR, "cannot write to stdout: %s",
                   strerror(errno));
            rc = -1;
        }

        return rc;
    }

    if (fclose(out) != 0 && rc == 0) {
        tw_log(TW_LOG_ERR, "cannot write \"%s\": %s", tmp, strerror(errno));
        rc = -1;
    }

    if (rc == 0 && rename(tmp, a->out_path) != 0) {
        tw_log(TW_LOG_ERR, "cannot rename \"%s\": %s", tmp, strerror(errno));
        rc = -1;
    }

    if (rc != 0) {
        unlink(tmp);
    }

    return rc;
}


int
tw_s3_command(int argc, char **argv)
{
    int             rc;
    size_t          len;
    tw_s3_res_t     res;
    tw_s3_args_t    a;
    unsigned char  *body;

    if (tw_s3_args(argc, argv, &a) != 0) {
        return 1;
    }

    if (tw_s3_conf_check(&a.conf) != 0 || tw_s3_init() != 0) {
        return 1;
    }

    body = NULL;
    len = 0;
    rc = 1;

    if (strcmp(a.op, "head") == 0) {
        rc = tw_s3_head(&a.conf, a.key, &res);
        if (rc == 0) {
            printf("size %lld\netag %s\n", (long long) res.size, res.etag);
        }

    } else if (strcmp(a.op, "delete") == 0) {
        rc = tw_s3_delete(&a.conf, a.key, &res);

    } else if (strcmp(a.op, "put") == 0) {
        if (tw_s3_slurp(a.in_path, &body, &len) != 0) {
            goto end;
        }
        rc = tw_s3_upload(&a.conf, a.key, body, len, &res);

    } else if (strcmp(a.op, "list") == 0) {
        rc = tw_s3_list(&a.conf, a.key, (size_t) 1 << 30, tw_s3_print_key,
                        NULL);
        if (fflush(stdout) != 0 && rc == 0) {
            tw_log(TW_LOG_ERR, "cannot write to stdout: %s",
                   strerror(errno));
            rc = -1;
        }

    } else {
        rc = tw_s3_get_out(&a, &res);
    }

    if (rc == TW_S3_NOT_FOUND) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": not found (HTTP 404%s%s)", a.op,
               a.key, res.code[0] ? " " : "", res.code);
    }

end:

    free(body);
    tw_s3_cleanup();

    return rc == 0 ? 0 : 1;
}
