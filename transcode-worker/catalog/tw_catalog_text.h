/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The catalog's text checks (UTF-8 is vo_utf8_valid()'s).
 */

#ifndef TW_CATALOG_TEXT_H
#define TW_CATALOG_TEXT_H

#include <stddef.h>

#include "vo_core.h"


/* 1 when s has the shape of a BCP 47 tag: a primary subtag of 2 to 8
 * letters, then subtags of 1 to 8 letters or digits */
int tw_language_valid(const char *s);


#endif /* TW_CATALOG_TEXT_H */
