/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * An upload into an s3 store, as its bytes arrive: a multipart upload
 * of {prefix}{id}/source.bin whose parts (part_size, at least S3's
 * 5 MiB) go up as soon as the spool file holds them acknowledged, each
 * retried (tw_s3_mp_part), recorded in vo:upload:{ID} (s3_id, parts,
 * etag:N) and then punched out of the spool file, which so holds at
 * most one part and the bytes of the request being written.  The last
 * part goes up with the last byte, then CompleteMultipartUpload.  A
 * part that fails stays in the spool, tried again after the next
 * request.  Abandoned, the multipart upload is aborted.
 */

#ifndef TW_UPLOAD_S3_H
#define TW_UPLOAD_S3_H

#include "ingest/tw_upload_types.h"


/* the part size of an upload of length bytes in srv's store */
uint64_t tw_up_s3_part_size(const tw_upload_srv_t *srv, uint64_t length);

/* the whole parts u's acknowledged bytes make, sent from the spool
 * file fd (readable); u->s3_id and u->parts follow.  0, or -1 logged
 * (what was sent stays sent) */
int tw_up_s3_parts(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u, int fd);

/* the rest and the completion of a whole upload whose spool file is
 * at spool (removed once complete); key is the store key.  A spool file
 * already gone with the object there is a completion run again.  0, or
 * -1 logged */
int tw_up_s3_finish(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u, const char *spool, const char *key);

/* AbortMultipartUpload of u (logged) */
void tw_up_s3_abort(tw_upload_srv_t *srv, const char *id,
    const tw_upload_t *u);


#endif /* TW_UPLOAD_S3_H */
