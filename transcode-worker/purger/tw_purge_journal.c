/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Following the purge journal (see tw_purge_journal.h for the contract
 * and docs/cdn-purge.md for the format).  The file is only appended to, one
 * write per line, so whatever lies before the last '\n' is final and a
 * line without its '\n' is still being written: it is read again later.
 * The file is read with pread() from the offset of the first line not
 * consumed; nothing is buffered between calls.
 *
 * A journal that shrinks, or whose path comes to name another file
 * (rotated, recreated), is read from its start; seqs must keep growing
 * across it, and lines whose seq does not are skipped, so nothing is
 * sent twice.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tw_log.h"
#include "purger/tw_purge_journal.h"


/* "<seq> <unix_ms> <prefix>\n": 20 digits, 20 digits, two blanks, '\n' */
#define TW_JOURNAL_LINE_MAX   (TW_PURGE_PREFIX_MAX + 43)
#define TW_JOURNAL_READ_MAX   65536


static void tw_journal_try_open(tw_journal_t *j, int hint);
static const char *tw_journal_number(const char **p, const char *end,
    uint64_t *v);


void
tw_journal_open(tw_journal_t *j, const char *path, uint64_t dev,
    uint64_t ino, int64_t offset)
{
    memset(j, 0, sizeof(tw_journal_t));
    j->path = path;
    j->fd = -1;
    j->dev = (dev_t) dev;
    j->ino = (ino_t) ino;
    j->offset = offset;
    j->hint = 1;

    tw_journal_try_open(j, 1);
}


/*
 * With hint, the state file's (dev, ino, offset) in j are kept when they
 * still describe the file at the path and the offset is where a line
 * starts; anything else means another journal, read from the start.
 */
static void
tw_journal_try_open(tw_journal_t *j, int hint)
{
    int          fd;
    char         c;
    struct stat  st;

    fd = open(j->path, O_RDONLY | O_CLOEXEC);

    if (fd == -1) {
        if (!j->missing_logged) {
            j->missing_logged = 1;

            if (errno == ENOENT) {
                tw_log(TW_LOG_INFO, "journal \"%s\" does not exist yet: "
                       "waiting for it", j->path);

            } else {
                tw_log(TW_LOG_ERR, "cannot open journal \"%s\": %s",
                       j->path, strerror(errno));
            }
        }

        return;
    }

    if (fstat(fd, &st) != 0) {
        tw_log(TW_LOG_ERR, "cannot stat journal \"%s\": %s", j->path,
               strerror(errno));
        close(fd);
        return;
    }

    if (hint && j->offset > 0) {
        if (st.st_dev != j->dev || st.st_ino != j->ino
            || j->offset > (int64_t) st.st_size
            || pread(fd, &c, 1, j->offset - 1) != 1 || c != '\n')
        {
            tw_log(TW_LOG_INFO, "journal \"%s\" is not the file the state "
                   "file saw: reading it from the start", j->path);
            j->offset = 0;
        }

    } else if (!hint) {
        j->offset = 0;
    }

    j->fd = fd;
    j->hint = 0;
    j->dev = st.st_dev;
    j->ino = st.st_ino;
    j->skipping = 0;
    j->missing_logged = 0;
}


void
tw_journal_close(tw_journal_t *j)
{
    if (j->fd != -1) {
        close(j->fd);
        j->fd = -1;
    }
}


static const char *
tw_journal_number(const char **p, const char *end, uint64_t *v)
{
    int          digits;
    uint64_t     n;
    const char  *s;

    n = 0;
    digits = 0;

    for (s = *p; s < end && *s >= '0' && *s <= '9'; s++) {
        if (n > (UINT64_MAX - 9) / 10 || ++digits > 19) {
            return "number too large";
        }
        n = n * 10 + (uint64_t) (*s - '0');
    }

    if (digits == 0) {
        return "number expected";
    }

    if (s == end || *s != ' ') {
        return "one blank expected after a number";
    }

    *p = s + 1;
    *v = n;

    return NULL;
}


const char *
tw_journal_parse(const char *s, size_t len, tw_purge_t *purge)
{
    uint64_t     seq, ms;
    const char  *p, *end, *err, *q;

    p = s;
    end = s + len;

    if ((err = tw_journal_number(&p, end, &seq)) != NULL
        || (err = tw_journal_number(&p, end, &ms)) != NULL)
    {
        return err;
    }

    if (seq == 0) {
        return "seq 0";
    }

    if (p == end || *p != '/') {
        return "prefix must start with '/'";
    }

    if (end - p > TW_PURGE_PREFIX_MAX) {
        return "prefix too long";
    }

    for (q = p; q < end; q++) {
        if ((unsigned char) *q <= ' ' || *q == 0x7f) {
            return "blank or control byte in the prefix";
        }
    }

    purge->seq = seq;
    purge->time_ms = (int64_t) ms;
    purge->prefix = (char *) p;
    purge->exact = end[-1] != '/';

    return NULL;
}


int
tw_journal_read(tw_journal_t *j, size_t max, tw_journal_emit_pt emit,
    void *data)
{
    int          emitted;
    char         buf[TW_JOURNAL_READ_MAX], line[TW_JOURNAL_LINE_MAX];
    char        *p, *nl, *end;
    size_t       want, len;
    ssize_t      n;
    struct stat  st;
    const char  *err;
    tw_purge_t   purge;

    j->more = 0;

    if (j->fd == -1) {
        tw_journal_try_open(j, j->hint);

        if (j->fd == -1) {
            return 0;
        }
    }

    if (fstat(j->fd, &st) != 0) {
        tw_log(TW_LOG_ERR, "cannot stat journal \"%s\": %s", j->path,
               strerror(errno));
        return 0;
    }

    if ((int64_t) st.st_size < j->offset) {
        tw_log(TW_LOG_WARN, "journal \"%s\" shrank from %" PRId64 " to %"
               PRId64 " bytes: reading it from the start", j->path,
               j->offset, (int64_t) st.st_size);
        j->offset = 0;
        j->skipping = 0;
    }

    if ((int64_t) st.st_size == j->offset) {

        /* all read: has the path come to name another file? */
        if (stat(j->path, &st) == 0
            && (st.st_dev != j->dev || st.st_ino != j->ino))
        {
            tw_log(TW_LOG_INFO, "journal \"%s\" was replaced: following "
                   "the new file from its start", j->path);
            tw_journal_close(j);
            tw_journal_try_open(j, 0);
        }

        return 0;
    }

    want = (size_t) (st.st_size - j->offset);

    if (max < TW_JOURNAL_LINE_MAX) {
        max = TW_JOURNAL_LINE_MAX;
    }

    if (max > sizeof(buf)) {
        max = sizeof(buf);
    }

    if (want > max) {
        want = max;
        j->more = 1;
    }

    n = pread(j->fd, buf, want, j->offset);

    if (n < 0) {
        tw_log(TW_LOG_ERR, "cannot read journal \"%s\": %s", j->path,
               strerror(errno));
        return 0;
    }

    emitted = 0;
    p = buf;
    end = buf + n;

    while ((nl = memchr(p, '\n', end - p)) != NULL) {
        len = (size_t) (nl - p);

        if (j->skipping) {
            /* the end of an overlong line, logged when it began */
            j->skipping = 0;
            goto next;
        }

        err = tw_journal_parse(p, len, &purge);

        if (err) {
            j->bad_lines++;
            tw_log(TW_LOG_WARN, "journal \"%s\", line at byte %" PRId64
                   ": %s: skipped", j->path, j->offset, err);
            goto next;
        }

        if (purge.seq <= j->last_seq) {
            j->bad_lines++;
            tw_log(TW_LOG_WARN, "journal \"%s\", line at byte %" PRId64
                   ": seq %" PRIu64 " is not above %" PRIu64 ": skipped",
                   j->path, j->offset, purge.seq, j->last_seq);
            goto next;
        }

        /* the prefix as a C string */
        memcpy(line, purge.prefix, nl - purge.prefix);
        line[nl - purge.prefix] = '\0';
        purge.prefix = line;
        purge.offset = j->offset;

        if (emit(data, &purge) != 0) {
            j->more = 1;
            return emitted;
        }

        emitted++;
        j->last_seq = purge.seq;

    next:

        j->offset += (int64_t) len + 1;
        p = nl + 1;
    }

    len = (size_t) (end - p);

    /* no '\n' in a line's worth of bytes: no line that long is valid */
    if (len >= TW_JOURNAL_LINE_MAX || (j->skipping && len > 0)) {
        if (!j->skipping) {
            j->bad_lines++;
            tw_log(TW_LOG_WARN, "journal \"%s\", line at byte %" PRId64
                   ": longer than %d bytes: skipped", j->path, j->offset,
                   TW_JOURNAL_LINE_MAX);
            j->skipping = 1;
        }

        j->offset += (int64_t) len;
    }

    return emitted;
}
