/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "transcode-worker ingest" (README "Ingest"): a worker of the ingest
 * fleet, jobs threads reading vo:jobs in the group vo-workers; and its
 * admin calls "ingest submit ID SOURCE_KEY" and "ingest retry ID
 * [CHUNK]".
 */

#ifndef TW_INGEST_CMD_H
#define TW_INGEST_CMD_H


int tw_ingest_command(int argc, char **argv);


#endif /* TW_INGEST_CMD_H */
