/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The upload server's types ("transcode-worker upload"): its settings,
 * the server, one request in progress.  Types only, shared by the
 * configuration, the HTTP side, tus and the admin calls.
 */

#ifndef TW_UPLOAD_TYPES_H
#define TW_UPLOAD_TYPES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vo_media_types.h"
#include "common/tw_redis.h"
#include "store/tw_store_types.h"


#define TW_UPLOAD_ID_LEN     22          /* generated ids: 132 bits */
#define TW_UPLOAD_BUSY_MAX   1024        /* uploads written at once */


typedef struct {
    char             *listen;            /* unix:/path or 127.0.0.1:PORT */
    int               listen_any;
    uint32_t          connections;
    char             *redis;             /* host:port or unix:/path */
    uint32_t          redis_timeout_ms;
    char             *secret_file;
    char             *spool;             /* directory of partial uploads */
    char             *public_url;        /* before "/{id}" in URLs */
    char             *cors_origin;
    size_t            max_size;          /* largest Upload-Length */
    uint32_t          url_ttl_ms;        /* creation URL lifetime */
    uint32_t          expiry_ms;         /* an upload's lifetime */
    uint32_t          sweep_ms;          /* expired uploads removed */
    tw_store_t        store;

    char              secret[256];       /* the secret file's first line */
    size_t            secret_len;
} tw_upload_conf_t;


typedef struct {
    tw_upload_conf_t  conf;
    tw_redis_conf_t   redis;
    void             *daemon;            /* struct MHD_Daemon */
    char             *unix_path;

    /* the ids being written now: one request at a time per upload */
    pthread_mutex_t   mutex;
    char              busy[TW_UPLOAD_BUSY_MAX][VO_ID_MAX + 1];
} tw_upload_srv_t;


/* a request's method, as tus names them */
typedef enum {
    TW_UP_OTHER = 0,
    TW_UP_OPTIONS,
    TW_UP_HEAD,
    TW_UP_GET,
    TW_UP_POST,
    TW_UP_PATCH,
    TW_UP_DELETE
} tw_up_method_t;


/* an upload's record in Redis, vo:upload:{ID} */
typedef enum {
    TW_UP_NONE = 0,
    TW_UP_ISSUED,                        /* creation URL handed out */
    TW_UP_UPLOADING,                     /* created: bytes may come */
    TW_UP_DONE                           /* whole, in the store, queued */
} tw_up_state_t;

typedef struct {
    tw_up_state_t     state;
    uint64_t          url_expires;       /* the creation URL's expiry */
    uint64_t          expires;           /* the upload's (Upload-Expires) */
    uint64_t          length;
    uint64_t          offset;            /* bytes acknowledged */
    char              spool[VO_ID_MAX + 16];  /* its file in the spool */

    /* an s3 store: the multipart upload ("" before its first part),
     * the parts sent, their size */
    char              s3_id[TW_S3_UPLOAD_ID];
    uint32_t          parts;
    uint64_t          part_size;
} tw_upload_t;


/* one request in progress (libmicrohttpd's con_cls) */
typedef struct {
    void             *conn;              /* struct MHD_Connection */
    tw_upload_srv_t  *srv;
    void             *redis;             /* tw_rconn_t, or NULL */
    tw_up_method_t    method;
    unsigned          started:1;
    unsigned          locked:1;          /* holds id in srv->busy */
    unsigned          tus:1;             /* a tus URL: CORS, Tus-* */
    unsigned          writing:1;         /* body bytes go to fd */
    unsigned          created:1;         /* a creation (201) */

    unsigned          status;            /* decided early, sent once the
                                            body is read; 0: none */
    const char       *text;

    char              id[VO_ID_MAX + 1];
    tw_upload_t       up;
    int               fd;                /* the spool file, or -1 */
    uint64_t          received;          /* bytes of this request */
    void             *md;                /* EVP_MD_CTX (Upload-Checksum) */
    unsigned char     want[64];          /* the digest it must have */
    unsigned          want_len;

    char             *body;              /* admin requests: malloc() */
    size_t            body_len;
} tw_up_req_t;


#endif /* TW_UPLOAD_TYPES_H */
