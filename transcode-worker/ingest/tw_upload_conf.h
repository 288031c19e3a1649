/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "upload": its key table beside the store's, read by
 * the worker's configuration reader (common/tw_conf.h) from the file of
 * --config and the flags of the same names; conf/upload.conf is the
 * commented sample.
 */

#ifndef TW_UPLOAD_CONF_H
#define TW_UPLOAD_CONF_H

#include "ingest/tw_upload_types.h"


/* reads, checks and completes conf (the secret read, the spool made):
 * 0, or -1 logged; conf is freed by tw_upload_conf_free() either way */
int tw_upload_conf(int argc, char **argv, tw_upload_conf_t *conf);
void tw_upload_conf_free(tw_upload_conf_t *conf);


#endif /* TW_UPLOAD_CONF_H */
