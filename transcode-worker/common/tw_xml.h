/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Reading tags out of the XML answers of S3 and CloudFront: the text of
 * the first <Tag>...</Tag> after a point.  Not an XML parser: those
 * answers are small documents of elements without attributes, written
 * by machines (<Error><Code>NoSuchKey</Code>...), and a value is found by
 * its exact tag.  A tag nested in itself, CDATA and comments are not
 * understood, and are not needed.
 *
 * Contract:
 *   - xml is a NUL-terminated body (NULL: an empty one) and is only read;
 *     the search stops at its NUL;
 *   - nothing is allocated: text goes into the caller's out, always
 *     NUL-terminated (size >= 1), bounded by size;
 *   - tags are at most TW_XML_TAG_MAX bytes; a longer one is not found.
 */

#ifndef TW_XML_H
#define TW_XML_H

#include <stddef.h>


#define TW_XML_TAG_MAX   48


/*
 * The value of the first <tag>: its text with the five predefined
 * entities decoded (&quot; &amp; &lt; &gt; &apos;; any other '&' stays
 * as it is), bytes as they are.  0; -1, with out "", when the element is
 * absent, not closed, or its text does not fit size (an upload id, a
 * key or a token cut short would be wrong).  next, when not NULL, gets
 * on success where the search for the next element may go on.
 */
int tw_xml_text(const char *xml, const char *tag, const char **next,
    char *out, size_t size);

/*
 * The text of the first <tag> for a log line or a status file: as it is
 * (entities not decoded), bytes outside printable ASCII as '?', cut to
 * size - 1.  "" when the element is absent or not closed.  For the
 * peer's own words: an error Code and Message, an invalidation Id.
 */
void tw_xml_print(const char *xml, const char *tag, char *out, size_t size);


#endif /* TW_XML_H */
