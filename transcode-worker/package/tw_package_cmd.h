/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The "package" and "segment" commands: their command line (options,
 * defaults, and the error line that refuses it), the catalog entry that
 * "package" writes once media.json is, and the run of "segment" (one
 * object, from the stored description, into the store or --out).
 * argv[0] is the command's name.  Both return the process exit code: 0,
 * or 1 after logging why; "package" TW_EXIT_NO_CATALOG when the video is
 * packaged but its catalog entry could not be written.
 */

#ifndef TW_PACKAGE_CMD_H
#define TW_PACKAGE_CMD_H


#define TW_DEFAULT_LADDER  "1080p:1080:5000,720p:720:2800,480p:480:1400," \
                           "360p:360:800,240p:240:400"


int tw_package_command(int argc, char **argv);
int tw_segment_command(int argc, char **argv);

/* "fmp4", "ts" or "fmp4,ts" into VO_FORMAT_* bits: 0, or -1 logged */
int tw_parse_formats(const char *s, unsigned *formats);


#endif /* TW_PACKAGE_CMD_H */
