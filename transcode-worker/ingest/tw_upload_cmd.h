/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "transcode-worker upload": the upload server (README "Uploads",
 * conf/upload.conf).  Runs until SIGTERM or SIGINT; every
 * sweep-interval it removes the uploads whose deadline passed (their
 * spool files and records; the catalog says failed).
 */

#ifndef TW_UPLOAD_CMD_H
#define TW_UPLOAD_CMD_H


/* the exit status: 0 after a signal, 1 when it cannot start */
int tw_upload_command(int argc, char **argv);


#endif /* TW_UPLOAD_CMD_H */
