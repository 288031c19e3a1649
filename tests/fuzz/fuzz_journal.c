/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: purge journal lines, read by the module on start
 * (vo_purge_parse_line) and followed by the purger (tw_journal_parse,
 * tw_journal_read).  The first byte picks how much the purger reads at a
 * time; the rest is the journal.  Beyond "no crash, no sanitizer report":
 *   - a line the module accepts is written back (vo_purge_line) into a
 *     line it parses to the same entry, no longer than the input;
 *   - a line the module accepts (what it writes) is accepted by the
 *     purger with the same seq, time and prefix: no purge of the
 *     module's is lost on the way to the CDN;
 *   - what the purger accepts starts with '/', holds no blank or
 *     control byte and ends where the line ends;
 *   - tw_journal_read() of the whole file, however it is cut, emits
 *     each line the purger accepts whose seq grows, in order, no more
 *     purges than lines, and never reads past the file.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "vo_purge.h"
#include "purger/tw_purge_journal.h"


typedef struct {
    const uint8_t  *data;
    size_t          size;
    uint64_t        last;
    size_t          emitted;
    size_t          lines;
} fuzz_journal_t;


static char  journal[64];


static void
fuzz_line(const uint8_t *p, size_t len)
{
    u_char             line[VO_PURGE_LINE_MAX];
    size_t             n;
    const char        *err, *werr;
    tw_purge_t         purge;
    vo_purge_entry_t   e, back;

    memset(&purge, 0, sizeof(tw_purge_t));
    werr = tw_journal_parse((const char *) p, len, &purge);

    if (werr == NULL) {
        fuzz_assert(purge.seq != 0);
        fuzz_assert((const uint8_t *) purge.prefix >= p
                    && (const uint8_t *) purge.prefix < p + len
                    && purge.prefix[0] == '/');
        n = len - (size_t) ((const uint8_t *) purge.prefix - p);
        fuzz_assert(n <= TW_PURGE_PREFIX_MAX);
        fuzz_assert(purge.exact == (purge.prefix[n - 1] != '/'));

        for (size_t i = 0; i < n; i++) {
            fuzz_assert((u_char) purge.prefix[i] > ' '
                        && purge.prefix[i] != 0x7f);
        }
    }

    err = NULL;

    if (vo_purge_parse_line(p, len, &e, &err) != VO_OK) {
        fuzz_assert(err != NULL);
        return;
    }

    n = vo_purge_line(&e, line);
    fuzz_assert(n <= VO_PURGE_LINE_MAX && n <= len + 1 && line[n - 1] == '\n');
    fuzz_assert(vo_purge_parse_line(line, n - 1, &back, &err) == VO_OK);
    fuzz_assert(back.generation == e.generation
                && back.time_ms == e.time_ms
                && back.prefix.len == e.prefix.len
                && memcmp(back.prefix.data, e.prefix.data, e.prefix.len)
                   == 0);

    /* the line as the module writes it reaches the purger whole */
    werr = tw_journal_parse((const char *) line, n - 1, &purge);
    fuzz_assert(werr == NULL);
    fuzz_assert(purge.seq == e.generation
                && (uint64_t) purge.time_ms == e.time_ms
                && (u_char *) purge.prefix == line + n - 1 - e.prefix.len);
}


static int
fuzz_emit(void *data, const tw_purge_t *purge)
{
    size_t           n;
    const uint8_t   *nl;
    fuzz_journal_t  *f = data;

    n = strlen(purge->prefix);

    fuzz_assert(purge->seq > f->last);
    fuzz_assert(purge->offset >= 0 && (size_t) purge->offset < f->size);
    fuzz_assert(n >= 1 && n <= TW_PURGE_PREFIX_MAX && purge->prefix[0] == '/');

    /* the prefix ends its line, and the line is complete */
    nl = memchr(f->data + purge->offset, '\n', f->size - purge->offset);
    fuzz_assert(nl != NULL && (size_t) (nl - f->data) >= purge->offset + n);
    fuzz_assert(memcmp(nl - n, purge->prefix, n) == 0);

    f->last = purge->seq;
    f->emitted++;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             fd, rounds;
    size_t          max;
    ssize_t         w;
    tw_journal_t    j;
    fuzz_journal_t  f;
    const uint8_t  *p, *end, *nl;

    if (size == 0) {
        return 0;
    }

    max = (size_t) data[0] * 64;
    data++;
    size--;

    /* each line on its own */
    end = data + size;

    for (p = data; (nl = memchr(p, '\n', (size_t) (end - p))) != NULL;
         p = nl + 1)
    {
        fuzz_line(p, (size_t) (nl - p));
    }

    fuzz_line(p, (size_t) (end - p));

    /* the whole file, followed */
    if (journal[0] == '\0') {
        snprintf(journal, sizeof(journal), "/tmp/vo-fuzz-journal.%ld",
                 (long) getpid());
    }

    fd = open(journal, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    fuzz_assert(fd != -1);
    w = write(fd, data, size);
    fuzz_assert(w == (ssize_t) size);
    close(fd);

    memset(&f, 0, sizeof(fuzz_journal_t));
    f.data = data;
    f.size = size;

    for (p = data; (nl = memchr(p, '\n', (size_t) (end - p))) != NULL;
         p = nl + 1)
    {
        f.lines++;
    }

    tw_journal_open(&j, journal, 0, 0, 0);

    for (rounds = 0; rounds < 10000; rounds++) {
        if (tw_journal_read(&j, max, fuzz_emit, &f) == 0 && !j.more) {
            break;
        }
    }

    fuzz_assert(rounds < 10000);
    fuzz_assert(j.offset >= 0 && (size_t) j.offset <= size);
    fuzz_assert(f.emitted <= f.lines);

    tw_journal_close(&j);
    unlink(journal);

    return 0;
}
