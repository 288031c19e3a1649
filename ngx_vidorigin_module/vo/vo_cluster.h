/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis Cluster routing, shared by the module's async connections and the
 * worker's (tw_redis): the key slot (CRC16/XMODEM of the key, or of its
 * {hash tag}, modulo 16384), the slot map built from a CLUSTER SLOTS
 * reply, the key of a command, and the MOVED and ASK redirections.
 *
 * Nothing here does I/O or allocates: a vo_cluster_map_t is a plain
 * struct the caller owns (some 17 KiB), and the hiredis reply it is built
 * from is only read (hiredis.h is included for the struct, no call is
 * made into the library).
 */

#ifndef VO_CLUSTER_H
#define VO_CLUSTER_H

#include "vo_core.h"


#define VO_CLUSTER_SLOTS      16384
#define VO_CLUSTER_MAX_NODES  64      /* masters of one cluster */
#define VO_CLUSTER_NO_NODE    0xff
#define VO_CLUSTER_HOST_LEN   64


typedef struct {
    char            host[VO_CLUSTER_HOST_LEN];
    int             port;
} vo_cluster_node_t;

typedef struct {
    unsigned        nnodes;
    vo_cluster_node_t  nodes[VO_CLUSTER_MAX_NODES];
    uint8_t         slot[VO_CLUSTER_SLOTS];   /* node index, or NO_NODE */
} vo_cluster_map_t;

typedef struct {
    int             ask;        /* 1: ASK, 0: MOVED */
    unsigned        slot;
    char            host[VO_CLUSTER_HOST_LEN];  /* "" : the node that
                                                   answered */
    int             port;
} vo_cluster_redirect_t;


/* CRC16/XMODEM (polynomial 0x1021, initial 0), as the cluster spec */
uint16_t vo_cluster_crc16(const u_char *p, size_t len);

/* the slot of a key: only the part between the first '{' and the first
 * '}' after it is hashed, when that part is not empty */
unsigned vo_cluster_slot(const u_char *key, size_t len);

/*
 * The index in argv of the first key of a command (argv[0] its name, in
 * any case), or -1 for a command with no key (MULTI, EXEC, PING, SCAN,
 * ...; EVAL with 0 keys).  Knows EVAL/EVALSHA/FCALL (numkeys), XGROUP
 * and XINFO (the key after the subcommand), XREAD/XREADGROUP (the key
 * after STREAMS); any other command's key is argv[1].
 */
int vo_cluster_key_index(int argc, const vo_str_t *argv);

/*
 * The same for a command already in RESP form (what redisFormatCommand
 * writes: *N then N bulk strings): 1 with *key set (pointing into cmd),
 * 0 for a command with no key, -1 when cmd is not a well-formed command.
 */
int vo_cluster_resp_key(const u_char *cmd, size_t len, vo_str_t *key);

/*
 * An error reply: VO_OK with r filled for "MOVED slot host:port" or
 * "ASK slot host:port" (host may be empty: the node that answered),
 * VO_NOT_FOUND for any other error text, VO_BAD_DATA for a MOVED or ASK
 * that does not parse.
 */
vo_status_t vo_cluster_redirect(const u_char *p, size_t len,
    vo_cluster_redirect_t *r);

/* empties map: no node, every slot unknown */
void vo_cluster_map_init(vo_cluster_map_t *map);
/* the index of host:port in map, or -1 */
int vo_cluster_map_find(const vo_cluster_map_t *map, const char *host,
    int port);
/* the index of host:port, added when missing; -1 when map is full or
 * host too long */
int vo_cluster_map_node(vo_cluster_map_t *map, const char *host,
    size_t host_len, int port);

/*
 * Builds map from a CLUSTER SLOTS reply (a redisReply *: each element
 * [start, end, [host, port, id, ...], replicas...]); a master whose host
 * is "" or "?" is at default_host (the node that answered).  VO_OK, or
 * VO_BAD_DATA with *err when the reply is not one or covers no slot (the
 * caller keeps its old map).  Slots the reply leaves out stay unknown:
 * a command for one goes to any node, whose MOVED then says where.
 */
vo_status_t vo_cluster_map_from_slots(vo_cluster_map_t *map,
    const void *reply, const char *default_host, const char **err);


#endif /* VO_CLUSTER_H */
