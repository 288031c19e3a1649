/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * tus's Upload-Metadata ("key base64,key base64,...") as catalog fields:
 * title, description, creator and language are text; tags, thumbnails
 * and ads JSON text (the forms of docs/redis-layout.md).  Other keys
 * (filename, filetype: what clients send) are passed over.  The values
 * go through the catalog writer's own checks (tw_meta_json).
 */

#ifndef TW_UPLOAD_META_H
#define TW_UPLOAD_META_H

#include "catalog/tw_catalog.h"


/* header may be NULL.  1 with m set, 0 when it names no catalog field,
 * -1 (logged) when malformed or refused; m freed by tw_meta_free() */
int tw_up_meta(const char *header, tw_meta_t *m);


#endif /* TW_UPLOAD_META_H */
