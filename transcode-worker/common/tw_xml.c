/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The XML tag reader of S3 and CloudFront answers (see tw_xml.h).
 */

#include <stdio.h>
#include <string.h>

#include "common/tw_xml.h"


/* an element found: its text, raw, in the caller's xml */
typedef struct {
    const char     *text;
    size_t          len;
    const char     *next;          /* past the closing tag */
} tw_xml_elem_t;


typedef struct {
    const char     *name;
    size_t          len;
    char            c;
} tw_xml_entity_t;


static int tw_xml_find(const char *xml, const char *tag, tw_xml_elem_t *e);


static const tw_xml_entity_t  tw_xml_entities[] = {
    { "&quot;", 6, '"' },
    { "&amp;",  5, '&' },
    { "&lt;",   4, '<' },
    { "&gt;",   4, '>' },
    { "&apos;", 6, '\'' },
    { NULL, 0, 0 }
};


/* the first <tag>...</tag> of xml; 0 or -1 */
static int
tw_xml_find(const char *xml, const char *tag, tw_xml_elem_t *e)
{
    int          n;
    char         open[TW_XML_TAG_MAX + 3], close[TW_XML_TAG_MAX + 4];
    const char  *s, *end;

    if (xml == NULL) {
        return -1;
    }

    n = snprintf(open, sizeof(open), "<%s>", tag);
    if (n < 0 || (size_t) n >= sizeof(open)) {
        return -1;
    }

    snprintf(close, sizeof(close), "</%s>", tag);

    s = strstr(xml, open);
    if (s == NULL) {
        return -1;
    }

    s += n;

    end = strstr(s, close);
    if (end == NULL) {
        return -1;
    }

    e->text = s;
    e->len = (size_t) (end - s);
    e->next = end + n + 1;

    return 0;
}


int
tw_xml_text(const char *xml, const char *tag, const char **next, char *out,
    size_t size)
{
    size_t                  i, n;
    const char             *s;
    tw_xml_elem_t           e;
    const tw_xml_entity_t  *ent;

    out[0] = '\0';

    if (tw_xml_find(xml, tag, &e) != 0) {
        return -1;
    }

    n = 0;

    for (i = 0; i < e.len; n++) {
        if (n + 1 >= size) {
            out[0] = '\0';
            return -1;
        }

        s = e.text + i;
        out[n] = *s;
        i++;

        if (*s != '&') {
            continue;
        }

        for (ent = tw_xml_entities; ent->name; ent++) {
            if (e.len - (i - 1) >= ent->len
                && memcmp(s, ent->name, ent->len) == 0)
            {
                out[n] = ent->c;
                i += ent->len - 1;
                break;
            }
        }
    }

    out[n] = '\0';

    if (next) {
        *next = e.next;
    }

    return 0;
}


void
tw_xml_print(const char *xml, const char *tag, char *out, size_t size)
{
    size_t         i, n;
    tw_xml_elem_t  e;

    out[0] = '\0';

    if (tw_xml_find(xml, tag, &e) != 0) {
        return;
    }

    n = e.len < size ? e.len : size - 1;

    for (i = 0; i < n; i++) {
        out[i] = (e.text[i] >= 0x20 && e.text[i] < 0x7f) ? e.text[i] : '?';
    }

    out[n] = '\0';
}
