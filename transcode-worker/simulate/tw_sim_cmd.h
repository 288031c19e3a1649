/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "simulate ..." (README "Placement simulator"): argv[0] is "simulate";
 * the exit status (0; 1 on bad options or a failure; with --check, 4
 * when a target of issue 16 is missed).
 */

#ifndef TW_SIM_CMD_H
#define TW_SIM_CMD_H

int tw_sim_command(int argc, char **argv);

#endif /* TW_SIM_CMD_H */
