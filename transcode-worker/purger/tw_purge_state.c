/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The purger's two files (see tw_purge_state.h for the contract, and
 * docs/cdn-purge.md for their formats):
 *
 *   - the state file, what survives a restart: per CDN the last seq done
 *     and the batch being sent, the journal position to resume from, and
 *     the kept failures.  Text, one record a line:
 *
 *       journal <dev> <ino> <offset>
 *       cdn <name> <done> <inflight>
 *       failure <name> <seq> <status> <unix_ms> <prefix> <message...>
 *
 *     written to "<state>.tmp", fsynced, renamed over the state file, and
 *     the directory fsynced: a crash leaves the old file or the new one;
 *
 *   - the status file, for nginx's GET /admin/status: Prometheus text,
 *     written the same way without the fsyncs (it is rewritten every few
 *     seconds anyway).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "purger/tw_purge.h"
#include "purger/tw_purge_answer.h"
#include "purger/tw_purge_state.h"


#define TW_STATE_MAGIC   "# vidorigin purger state 1"


static tw_cdn_t *tw_purge_cdn_named(tw_purger_t *p, const char *name);
static int tw_purge_state_line(tw_purger_t *p, char *line, uint64_t *dev,
    uint64_t *ino, int64_t *offset, unsigned *known);
static int tw_purge_replace(const char *path, const char *data, size_t len,
    int sync);
static void tw_purge_label(FILE *f, const char *s);
static void tw_purge_metric(FILE *f, tw_purger_t *p, const char *name,
    const char *type, const char *help, int field);
static uint64_t tw_purge_pending(tw_purger_t *p, tw_cdn_t *cdn);


static tw_cdn_t *
tw_purge_cdn_named(tw_purger_t *p, const char *name)
{
    int  i;

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (strcmp(p->cdn[i].name, name) == 0) {
            return &p->cdn[i];
        }
    }

    return NULL;
}


/* one line of the state file, '\n' removed; -1 when malformed */
static int
tw_purge_state_line(tw_purger_t *p, char *line, uint64_t *dev,
    uint64_t *ino, int64_t *offset, unsigned *known)
{
    int        n;
    char       name[32], *prefix, *message;
    long       status;
    int64_t    ms;
    uint64_t   a, b;
    tw_cdn_t  *cdn;

    if (line[0] == '#' || line[0] == '\0') {
        return 0;
    }

    n = 0;

    if (sscanf(line, "journal %" SCNu64 " %" SCNu64 " %" SCNd64 "%n", dev,
               ino, offset, &n) == 3
        && line[n] == '\0' && *offset >= 0)
    {
        return 0;
    }

    if (sscanf(line, "cdn %31s %" SCNu64 " %" SCNu64 "%n", name, &a, &b, &n)
        == 3 && line[n] == '\0')
    {
        cdn = tw_purge_cdn_named(p, name);

        /* a CDN no longer configured: forgotten at the next save */
        if (cdn && cdn->enabled) {
            cdn->done = a;
            cdn->inflight = b > a ? b : 0;
            *known |= 1u << cdn->kind;
        }

        return 0;
    }

    if (sscanf(line, "failure %31s %" SCNu64 " %ld %" SCNd64 " %n", name, &a,
               &status, &ms, &n) == 4
        && line[n] == '/')
    {
        prefix = line + n;
        message = strchr(prefix, ' ');

        if (message) {
            *message++ = '\0';

        } else {
            message = prefix + strlen(prefix);
        }

        cdn = tw_purge_cdn_named(p, name);

        if (cdn && cdn->enabled) {
            tw_purge_failure_keep(p, cdn, a, status, ms, prefix, message);
        }

        return 0;
    }

    return -1;
}


int
tw_purge_state_load(tw_purger_t *p, uint64_t *dev, uint64_t *ino,
    int64_t *offset)
{
    int        i, rc, line;
    char       buf[TW_PURGE_PREFIX_MAX + TW_PURGE_MESSAGE_MAX + 128], *nl;
    FILE      *f;
    uint64_t   max;
    unsigned   known;

    *dev = 0;
    *ino = 0;
    *offset = 0;

    f = fopen(p->conf.state, "r");

    if (f == NULL) {
        if (errno == ENOENT) {
            tw_log(TW_LOG_INFO, "no state file \"%s\": first start, the "
                   "journal is read from its start", p->conf.state);
            return 0;
        }

        tw_log(TW_LOG_ERR, "cannot open state file \"%s\": %s",
               p->conf.state, strerror(errno));
        return -1;
    }

    rc = 0;
    known = 0;

    for (line = 1; fgets(buf, sizeof(buf), f); line++) {
        nl = strchr(buf, '\n');

        if (line == 1 && strcmp(buf, TW_STATE_MAGIC "\n") != 0) {
            rc = -1;
            break;
        }

        if (nl == NULL
            || (*nl = '\0', tw_purge_state_line(p, buf, dev, ino, offset,
                                                &known))
               != 0)
        {
            rc = -1;
            break;
        }
    }

    if (rc == 0 && ferror(f)) {
        tw_log(TW_LOG_ERR, "cannot read state file \"%s\": %s",
               p->conf.state, strerror(errno));
        fclose(f);
        return -1;
    }

    fclose(f);

    if (rc != 0) {
        tw_log(TW_LOG_ERR, "state file \"%s\", line %d: not a purger state "
               "line; move the file away to start over from the journal's "
               "start", p->conf.state, line);
        return -1;
    }

    /* a CDN added to the configuration starts with the purges that come
     * after those the others had done: old ones are not its business */
    max = 0;

    for (i = 0; i < TW_CDN_MAX; i++) {
        if ((known & (1u << i)) && p->cdn[i].done > max) {
            max = p->cdn[i].done;
        }
    }

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (p->cdn[i].enabled && !(known & (1u << i))) {
            p->cdn[i].done = max;
            tw_log(TW_LOG_INFO, "%s is new to the state file: it starts "
                   "after seq %" PRIu64, p->cdn[i].name, max);
        }
    }

    return 0;
}


/* path's contents replaced at once: temporary file, rename */
static int
tw_purge_replace(const char *path, const char *data, size_t len, int sync)
{
    int      fd, dfd;
    char     tmp[4096], *slash;
    ssize_t  n;
    size_t   done;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
        tw_log(TW_LOG_ERR, "path too long: \"%s\"", path);
        return -1;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        tw_log(TW_LOG_ERR, "cannot create \"%s\": %s", tmp, strerror(errno));
        return -1;
    }

    for (done = 0; done < len; done += (size_t) n) {
        n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n < 0) {
            tw_log(TW_LOG_ERR, "cannot write \"%s\": %s", tmp,
                   strerror(errno));
            goto failed;
        }
    }

    if (sync && fsync(fd) != 0) {
        tw_log(TW_LOG_ERR, "cannot fsync \"%s\": %s", tmp, strerror(errno));
        goto failed;
    }

    if (close(fd) != 0) {
        fd = -1;
        tw_log(TW_LOG_ERR, "cannot write \"%s\": %s", tmp, strerror(errno));
        goto failed;
    }

    fd = -1;

    if (rename(tmp, path) != 0) {
        tw_log(TW_LOG_ERR, "cannot rename \"%s\" to \"%s\": %s", tmp, path,
               strerror(errno));
        goto failed;
    }

    if (sync) {
        /* the rename itself, durable */
        slash = strrchr(tmp, '/');

        if (slash == NULL) {
            strcpy(tmp, ".");

        } else if (slash == tmp) {
            tmp[1] = '\0';

        } else {
            *slash = '\0';
        }

        dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd != -1) {
            (void) fsync(dfd);
            close(dfd);
        }
    }

    return 0;

failed:

    if (fd != -1) {
        close(fd);
    }

    unlink(tmp);

    return -1;
}


int
tw_purge_state_save(tw_purger_t *p)
{
    int                  i, rc;
    char                *buf;
    FILE                *f;
    size_t               len;
    int64_t              offset;
    uint32_t             k, n;
    uint64_t             min;
    tw_cdn_t            *cdn;
    tw_purge_failure_t  *fl;

    /* resume from the oldest purge a CDN still needs, or what follows
     * everything read */
    min = p->qtail;

    for (i = 0; i < TW_CDN_MAX; i++) {
        if (p->cdn[i].enabled && p->cdn[i].pos < min) {
            min = p->cdn[i].pos;
        }
    }

    offset = min < p->qtail ? tw_purge_at(p, min)->offset
                            : p->journal.offset;

    f = open_memstream(&buf, &len);
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot save the state: out of memory");
        return -1;
    }

    fprintf(f, TW_STATE_MAGIC "\n");
    fprintf(f, "journal %" PRIu64 " %" PRIu64 " %" PRId64 "\n",
            (uint64_t) p->journal.dev, (uint64_t) p->journal.ino, offset);

    for (i = 0; i < TW_CDN_MAX; i++) {
        cdn = &p->cdn[i];

        if (!cdn->enabled) {
            continue;
        }

        fprintf(f, "cdn %s %" PRIu64 " %" PRIu64 "\n", cdn->name, cdn->done,
                cdn->inflight);

        n = p->conf.failures;

        for (k = 0; k < cdn->nfailures; k++) {
            fl = &cdn->failures[(cdn->failure_next + n - cdn->nfailures + k)
                                % n];
            fprintf(f, "failure %s %" PRIu64 " %ld %" PRId64 " %s %s\n",
                    cdn->name, fl->seq, fl->status, fl->time_ms, fl->prefix,
                    fl->message);
        }
    }

    if (fclose(f) != 0) {
        free(buf);
        tw_log(TW_LOG_ERR, "cannot save the state: out of memory");
        return -1;
    }

    rc = tw_purge_replace(p->conf.state, buf, len, 1);

    free(buf);

    if (rc == 0) {
        p->state_dirty = 0;
    }

    return rc;
}


void
tw_purge_failure_keep(tw_purger_t *p, tw_cdn_t *cdn, uint64_t seq,
    long status, int64_t time_ms, const char *prefix, const char *message)
{
    char                *copy;
    tw_purge_failure_t  *fl;

    copy = strdup(prefix);
    if (copy == NULL) {
        tw_log(TW_LOG_ERR, "%s: out of memory: failure of seq %" PRIu64
               " not kept", cdn->name, seq);
        return;
    }

    fl = &cdn->failures[cdn->failure_next];

    free(fl->prefix);
    fl->prefix = copy;
    fl->seq = seq;
    fl->status = status;
    fl->time_ms = time_ms;
    tw_purge_clean(fl->message, sizeof(fl->message), message,
                   strlen(message));

    cdn->failure_next = (cdn->failure_next + 1) % p->conf.failures;

    if (cdn->nfailures < p->conf.failures) {
        cdn->nfailures++;
    }
}


void
tw_purge_failures_free(tw_purger_t *p, tw_cdn_t *cdn)
{
    uint32_t  k;

    if (cdn->failures == NULL) {
        return;
    }

    for (k = 0; k < p->conf.failures; k++) {
        free(cdn->failures[k].prefix);
    }

    free(cdn->failures);
    cdn->failures = NULL;
}


/* a label value: '\' '"' and newlines escaped, as Prometheus reads
 * them; bytes outside printable ASCII become '?' */
static void
tw_purge_label(FILE *f, const char *s)
{
    for ( /* void */ ; s && *s; s++) {
        if (*s == '\\' || *s == '"') {
            fputc('\\', f);
            fputc(*s, f);

        } else if (*s == '\n') {
            fputs("\\n", f);

        } else {
            fputc((*s >= 0x20 && *s < 0x7f) ? *s : '?', f);
        }
    }
}


static uint64_t
tw_purge_pending(tw_purger_t *p, tw_cdn_t *cdn)
{
    uint64_t  i;

    for (i = cdn->pos; i < p->qtail && tw_purge_at(p, i)->seq <= cdn->done;
         i++)
    {
        /* void */
    }

    return p->qtail - i;
}


#define TW_M_SENT      0
#define TW_M_RETRIES   1
#define TW_M_FAILED    2
#define TW_M_PENDING   3
#define TW_M_LAST      4

static void
tw_purge_metric(FILE *f, tw_purger_t *p, const char *name, const char *type,
    const char *help, int field)
{
    int        i;
    uint64_t   v;
    tw_cdn_t  *cdn;

    fprintf(f, "# HELP vidorigin_cdn_purge_%s %s\n", name, help);
    fprintf(f, "# TYPE vidorigin_cdn_purge_%s %s\n", name, type);

    for (i = 0; i < TW_CDN_MAX; i++) {
        cdn = &p->cdn[i];

        if (!cdn->enabled) {
            continue;
        }

        v = field == TW_M_SENT ? cdn->sent
            : field == TW_M_RETRIES ? cdn->retries
            : field == TW_M_FAILED ? cdn->failed
            : field == TW_M_PENDING ? tw_purge_pending(p, cdn)
            : cdn->done;

        fprintf(f, "vidorigin_cdn_purge_%s{cdn=\"%s\"} %" PRIu64 "\n", name,
                cdn->name, v);
    }
}


int
tw_purge_status_write(tw_purger_t *p)
{
    int                  i, rc;
    char                *buf;
    FILE                *f;
    size_t               len;
    int64_t              now;
    uint32_t             k, n;
    tw_cdn_t            *cdn;
    tw_purge_failure_t  *fl;

    f = open_memstream(&buf, &len);
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot write the status: out of memory");
        return -1;
    }

    tw_purge_metric(f, p, "sent_total", "counter",
                    "Purges the CDN accepted, since the purger started.",
                    TW_M_SENT);
    tw_purge_metric(f, p, "retries_total", "counter",
                    "Requests sent again after a failed attempt.",
                    TW_M_RETRIES);
    tw_purge_metric(f, p, "failed_total", "counter",
                    "Purges given up: rejected, or out of attempts.",
                    TW_M_FAILED);
    tw_purge_metric(f, p, "pending", "gauge",
                    "Purges read from the journal, not yet done.",
                    TW_M_PENDING);
    tw_purge_metric(f, p, "last_seq", "gauge",
                    "Every purge up to this seq is done (sent or failed).",
                    TW_M_LAST);

    fprintf(f, "# HELP vidorigin_cdn_purge_failure Kept failures (the "
            "last %u per CDN); the value is when, in unix seconds.\n"
            "# TYPE vidorigin_cdn_purge_failure gauge\n",
            p->conf.failures);

    n = p->conf.failures;

    for (i = 0; i < TW_CDN_MAX; i++) {
        cdn = &p->cdn[i];

        for (k = 0; cdn->enabled && k < cdn->nfailures; k++) {
            fl = &cdn->failures[(cdn->failure_next + n - cdn->nfailures + k)
                                % n];

            fprintf(f, "vidorigin_cdn_purge_failure{cdn=\"%s\",seq=\"%"
                    PRIu64 "\",prefix=\"", cdn->name, fl->seq);
            tw_purge_label(f, fl->prefix);
            fprintf(f, "\",status=\"%ld\",error=\"", fl->status);
            tw_purge_label(f, fl->message);
            fprintf(f, "\"} %" PRId64 ".%03d\n", fl->time_ms / 1000,
                    (int) (fl->time_ms % 1000));
        }
    }

    now = tw_wall_ms();

    fprintf(f, "# HELP vidorigin_cdn_purge_journal_seq Highest seq read "
            "from the journal since the purger started.\n"
            "# TYPE vidorigin_cdn_purge_journal_seq gauge\n"
            "vidorigin_cdn_purge_journal_seq %" PRIu64 "\n"
            "# HELP vidorigin_cdn_purge_journal_skipped_total Journal lines "
            "skipped as invalid.\n"
            "# TYPE vidorigin_cdn_purge_journal_skipped_total counter\n"
            "vidorigin_cdn_purge_journal_skipped_total %" PRIu64 "\n"
            "# HELP vidorigin_cdn_purge_updated_seconds When the purger "
            "last wrote this (every few seconds while it runs).\n"
            "# TYPE vidorigin_cdn_purge_updated_seconds gauge\n"
            "vidorigin_cdn_purge_updated_seconds %" PRId64 ".%03d\n",
            p->journal.last_seq, p->journal.bad_lines, now / 1000,
            (int) (now % 1000));

    if (fclose(f) != 0) {
        free(buf);
        tw_log(TW_LOG_ERR, "cannot write the status: out of memory");
        return -1;
    }

    rc = tw_purge_replace(p->conf.status, buf, len, 0);

    free(buf);

    return rc;
}
