/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * nginx glue of vidorigin: configuration shared by the module's files.
 * Media logic lives in the vo_ core (vo/); this side reads configuration
 * and the request, calls one core function and maps its status.
 */

#ifndef NGX_HTTP_VIDORIGIN_MODULE_H
#define NGX_HTTP_VIDORIGIN_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <hiredis/async.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_manifest.h"
#include "vo_sigv4.h"


typedef struct ngx_http_vidorigin_mc_s  ngx_http_vidorigin_mc_t;
typedef struct ngx_http_vidorigin_purge_s  ngx_http_vidorigin_purge_t;
typedef struct ngx_http_vidorigin_redis_s  ngx_http_vidorigin_redis_t;
typedef struct ngx_http_vidorigin_views_s  ngx_http_vidorigin_views_t;


typedef struct {
    ngx_shm_zone_t     *media_zone;
    time_t              media_valid;
    ngx_http_vidorigin_mc_t  *mc;         /* this worker's manifests */
    ngx_http_vidorigin_purge_t  *purge;   /* vidorigin_purge, or NULL */
    ngx_int_t           cc_index;         /* $vidorigin_cache_control */
    ngx_int_t           cdn_cc_index;     /* $vidorigin_cdn_cache_control */
    ngx_int_t           fetch_index;      /* the fetch record */
    ngx_http_vidorigin_redis_t  *redis;   /* vidorigin_redis, or NULL */
    ngx_http_vidorigin_views_t  *views;   /* vidorigin_views, or NULL */
} ngx_http_vidorigin_main_conf_t;


typedef struct {
    ngx_flag_t          enable;
    ngx_flag_t          admin;            /* vidorigin_admin here */
    ngx_flag_t          redis_ping;       /* vidorigin_redis_ping here */
    ngx_str_t           prefix;           /* of the outermost vidorigin
                                             location: "/v/" */
    ngx_str_t           store;            /* local store root, no '/' at end */
    ngx_str_t           jit;              /* named location, or empty */

    ngx_str_t           segment_cc;       /* configured Cache-Control texts */
    ngx_str_t           manifest_cc;
    ngx_str_t           error_cc;
    ngx_str_t           cdn_cc;
    time_t              stale_if_error;

    ngx_str_t           segment_cc_sent;  /* with stale-if-error appended */
    ngx_str_t           manifest_cc_sent;

    ngx_str_t           tag_header;       /* vidorigin_tag_header name */
    ngx_str_t           tag_prefix;       /* and the text before the id */

    ngx_str_t           admin_secret;

    /* the S3 store (ngx_http_vidorigin_s3.c) */
    ngx_str_t           s3_objects;       /* named locations, or empty */
    ngx_str_t           s3_media;
    ngx_str_t           s3_bucket;
    ngx_str_t           s3_endpoint;      /* host[:port] */
    ngx_str_t           s3_host;          /* Host signed: [bucket.]endpoint */
    ngx_str_t           s3_region;
    ngx_str_t           s3_key_prefix;
    ngx_str_t           s3_access_key;
    ngx_str_t           s3_secret_key;
    ngx_str_t           s3_token;
    ngx_flag_t          s3_path_style;
    ngx_array_t        *s3_credentials;   /* the directive's arguments */
    vo_sigv4_key_t     *s3_key;           /* this worker's, of one day */
} ngx_http_vidorigin_loc_conf_t;


/* what the media cache hands out: a private copy, owned by the caller */
typedef struct {
    vo_media_t          media;
    time_t              mtime;            /* of media.json */
    time_t              checked;          /* when media.json was last seen */
    ngx_uint_t          stale;            /* fetched stale from the cache */
} ngx_http_vidorigin_media_t;


/*
 * What a request handed to another location (S3 objects, S3 media
 * descriptions, just in time) still needs from the playback location:
 * kept in the request pool, found through an internal variable.
 */
typedef struct {
    ngx_http_vidorigin_loc_conf_t  *vlcf;      /* the playback location's */
    ngx_str_t           key;              /* store key; empty for JIT */
    ngx_str_t          *type;             /* Content-Type, or NULL */
    ngx_str_t           tag;              /* tag header value, or empty */

    unsigned            s3_signed:1;      /* the fields below are set */
    ngx_str_t           s3_uri;
    ngx_str_t           s3_host;
    ngx_str_t           s3_date;
    ngx_str_t           s3_sha256;
    ngx_str_t           s3_authorization;
} ngx_http_vidorigin_fetch_t;


/* a generated manifest: what is sent, and what the cache keeps */
typedef struct {
    ngx_str_t           key;              /* path below the prefix */
    ngx_str_t           body;
    ngx_str_t          *type;
    uint32_t            crc;              /* of body: the ETag */
    time_t              mtime;            /* Last-Modified */
} ngx_http_vidorigin_manifest_t;


typedef struct {
    uint64_t            generation;
    ngx_str_t           purged;           /* the prefix, or a parent */
} ngx_http_vidorigin_purge_result_t;


typedef struct {
    uint64_t            generation;
    uint64_t            prefixes;
    uint64_t            purges;
    uint64_t            broadened;
    ngx_str_t           cdn_status;       /* file path, or empty */
} ngx_http_vidorigin_purge_stats_t;


/* a device class and what its manifests list (vo_manifest.h) */
typedef struct {
    ngx_str_t           name;
    vo_policy_t         policy;
    ngx_uint_t          defined;          /* by vidorigin_device_class */
} ngx_http_vidorigin_device_class_t;


extern ngx_module_t  ngx_http_vidorigin_module;
extern ngx_module_t  ngx_http_vidorigin_device_module;
extern ngx_module_t  ngx_http_vidorigin_direct_module;
extern ngx_module_t  ngx_http_vidorigin_api_module;


/* ngx_http_vidorigin_handler.c: the content handler and its helpers */
ngx_int_t ngx_http_vidorigin_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r,
    ngx_str_t *value, ngx_uint_t success);
ngx_int_t ngx_http_vidorigin_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);


/*
 * ngx_http_vidorigin_device.c (a module of its own): the device class of
 * a manifest request, the one its URL names (name not empty; NULL when
 * there is no such class) or the viewer's, with *vary set to the Vary
 * its answer needs (NULL for none).  cdn_trusted: the request proves it
 * came through the CDN (vidorigin_cdn_secret, vidorigin_cdn_from), so
 * the CDN's viewer headers can be believed.
 */
ngx_http_vidorigin_device_class_t *ngx_http_vidorigin_device(
    ngx_http_request_t *r, vo_str_t *name, ngx_str_t **vary);
ngx_int_t ngx_http_vidorigin_cdn_trusted(ngx_http_request_t *r);


/*
 * ngx_http_vidorigin_direct.c (a module of its own): a request not proven
 * to come through the CDN, where vidorigin_direct_secret is set, must
 * carry a valid signature for video id: NGX_OK (*query: the token, for
 * the manifests to carry on), NGX_HTTP_FORBIDDEN (logged), or NGX_DECLINED
 * (not origin-direct; query empty).  direct_headers adds the
 * vidorigin_direct_header of an origin-direct answer: NGX_OK, NGX_DECLINED
 * (not origin-direct: send the usual CDN-Cache-Control), NGX_ERROR.
 */
ngx_int_t ngx_http_vidorigin_direct(ngx_http_request_t *r, vo_str_t *id,
    vo_str_t *query);
ngx_int_t ngx_http_vidorigin_direct_headers(ngx_http_request_t *r);
/* the location's vidorigin_direct_secret: NGX_OK, or NGX_DECLINED */
ngx_int_t ngx_http_vidorigin_direct_secret(ngx_http_request_t *r,
    vo_str_t *secret);


/*
 * ngx_http_vidorigin_jit.c: hands a missing object (store path "path") to
 * the vidorigin_jit named location; returns what ngx_http_named_location
 * does (NGX_DONE).  add_variables runs at preconfiguration, init (the
 * header filter) at postconfiguration.
 */
ngx_int_t ngx_http_vidorigin_jit(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *type, vo_str_t *id);
ngx_int_t ngx_http_vidorigin_jit_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_jit_init(ngx_conf_t *cf);

/* the fetch record: stash makes this request's (key NULL: just in time;
 * type and id may be NULL), get finds it (NULL if none) */
ngx_http_vidorigin_fetch_t *ngx_http_vidorigin_fetch_stash(
    ngx_http_request_t *r, ngx_str_t *key, ngx_str_t *type, vo_str_t *id);
ngx_http_vidorigin_fetch_t *ngx_http_vidorigin_fetch_get(
    ngx_http_request_t *r);


/*
 * ngx_http_vidorigin_s3.c: the S3 store.  media_pass hands the media
 * subrequest on (NGX_DECLINED for any other request); media_get is the
 * handler's description lookup; fetch sends an object to the objects
 * location (returns what ngx_http_named_location does).
 */
ngx_int_t ngx_http_vidorigin_s3_add_variables(ngx_conf_t *cf);

/* ngx_http_vidorigin_s3_conf.c: the directives and the merge */
char *ngx_http_vidorigin_s3_pass(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_s3_credentials(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_s3_merge(ngx_conf_t *cf,
    ngx_http_vidorigin_loc_conf_t *prev, ngx_http_vidorigin_loc_conf_t *conf);

ngx_int_t ngx_http_vidorigin_s3_init(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_s3_media_pass(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_s3_media_get(ngx_http_request_t *r,
    vo_str_t *id, ngx_http_vidorigin_media_t *out);
ngx_int_t ngx_http_vidorigin_s3_fetch(ngx_http_request_t *r, vo_str_t *key,
    ngx_str_t *type, vo_str_t *id);


/*
 * ngx_http_vidorigin_media_cache.c
 *
 * Creates the shared zone (http{} configuration time).
 */
ngx_shm_zone_t *ngx_http_vidorigin_media_zone(ngx_conf_t *cf, ngx_str_t *name,
    size_t size);

/*
 * Copies the media description of video id into *out, from shared memory
 * when it was checked less than media_valid seconds ago, else after a
 * stat (and a parse when media.json changed).  Returns NGX_OK,
 * NGX_DECLINED when the video is not ready (no media.json), or NGX_ERROR
 * when media.json is unreadable or invalid (logged here, once per check).
 */
ngx_int_t ngx_http_vidorigin_media_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out);

/*
 * For stores the module does not read itself (S3): fresh copies the
 * entry kept since the last purge (NGX_OK; NGX_DECLINED if none), and
 * sets *due when it was checked media_valid seconds ago or more: the
 * caller then refreshes it, and other requests see it as checked now
 * meanwhile.  parse checks and keeps a fetched media.json (NGX_OK, or
 * NGX_ERROR logged); forget_id drops an entry (the description is gone).
 */
ngx_int_t ngx_http_vidorigin_media_fresh(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out, ngx_uint_t *due);
ngx_int_t ngx_http_vidorigin_media_parse(ngx_http_request_t *r, vo_str_t *id,
    u_char *body, size_t len, time_t mtime, ngx_uint_t stale,
    ngx_http_vidorigin_media_t *out);
void ngx_http_vidorigin_media_forget_id(ngx_http_request_t *r, vo_str_t *id);


/*
 * ngx_http_vidorigin_manifest_cache.c: this worker's generated manifests.
 * get copies a live entry's body into the request pool (NGX_OK) or
 * returns NGX_DECLINED; put keeps a copy until expires (best effort).
 */
ngx_int_t ngx_http_vidorigin_mc_init(ngx_cycle_t *cycle,
    ngx_http_vidorigin_main_conf_t *vmcf);
void ngx_http_vidorigin_mc_free(ngx_http_vidorigin_main_conf_t *vmcf);
ngx_int_t ngx_http_vidorigin_mc_get(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *out);
void ngx_http_vidorigin_mc_put(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *m, time_t expires);


/*
 * ngx_http_vidorigin_purge.c: generations of purged prefixes.
 *
 * purge_zone creates the shared zone (http{} configuration time; the
 * journal is read when the zone is first made).  purge_generation is the
 * largest generation among path's ancestors (0 without purges); purge_last
 * the last one given, which changes with every purge.  purge records a
 * purge of a checked prefix: NGX_OK, or NGX_ERROR (logged) when the
 * journal could not keep it, in which case nothing changed.
 */
ngx_http_vidorigin_purge_t *ngx_http_vidorigin_purge_zone(ngx_conf_t *cf,
    ngx_str_t *name, size_t size, ngx_str_t *journal, ngx_str_t *cdn_status);
ngx_int_t ngx_http_vidorigin_purge_add_variables(ngx_conf_t *cf);
uint64_t ngx_http_vidorigin_purge_generation(ngx_http_request_t *r,
    u_char *path, size_t len);
uint64_t ngx_http_vidorigin_purge_last(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_purge(ngx_http_request_t *r, ngx_str_t *prefix,
    ngx_http_vidorigin_purge_result_t *res);
void ngx_http_vidorigin_purge_stats(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_stats_t *st);


/*
 * ngx_http_vidorigin_redis.c: one hiredis async connection per nginx
 * worker, driven by nginx's event loop (connected in init_process,
 * reconnected with backoff, freed in exit_process).
 *
 * redis_call (ngx_http_vidorigin_redis_call.c) sends one command for
 * request r (the arguments are copied: they may be freed on return) and
 * holds r (its main request's count) until resume runs, exactly once:
 * with rc NGX_OK and the reply (valid during the call only; it may be a
 * Redis error reply), or
 * NGX_BUSY when the budget (vidorigin_redis budget=) passed first, or
 * NGX_DECLINED when the connection went away meanwhile.  resume owns the
 * reference taken: it ends with ngx_http_finalize_request(r, ...).  A late
 * reply after NGX_BUSY is dropped.  redis_call returns NGX_OK (resume will
 * run), NGX_DECLINED (Redis is not up, or too many commands wait: go on
 * without it; resume will not run) or NGX_ERROR.
 *
 * redis_command is the same without a request or a budget, for the
 * module's own writes: fn runs once with the reply or NULL, and must call
 * redis_replied(ac) first.  Both return NGX_DECLINED when the connection
 * is not up or more than "pending" commands wait.
 */

#define NGX_HTTP_VIDORIGIN_REDIS_STATUS_LEN  4096

/* a worker's connection: the adapter's and the request side's */

#define NGX_HTTP_VIDORIGIN_REDIS_DOWN        0
#define NGX_HTTP_VIDORIGIN_REDIS_CONNECTING  1
#define NGX_HTTP_VIDORIGIN_REDIS_UP          2

struct ngx_http_vidorigin_redis_s {
    /* configuration */
    ngx_str_t                          name;     /* as configured */
    char                              *host;     /* numeric, or NULL */
    int                                port;
    char                              *path;     /* unix socket, or NULL */
    ngx_int_t                          db;       /* -1: no SELECT */
    ngx_str_t                          password; /* empty: no AUTH */
    ngx_msec_t                         budget;
    ngx_shm_zone_t                    *zone;

    /* this worker's */
    redisAsyncContext                 *ac;
    ngx_connection_t                  *conn;
    ngx_event_t                        timer;    /* reconnect, connect
                                                    timeout, or watchdog */
    ngx_msec_t                         backoff;
    ngx_uint_t                         state;
    ngx_uint_t                         pending;  /* commands sent, no
                                                    reply yet */
    ngx_uint_t                         failed;   /* failures since the
                                                    last connection */
    ngx_uint_t                         exiting;
    ngx_msec_t                         error_logged;
    ngx_uint_t                         replies;  /* received, ever */
    ngx_uint_t                         replies_seen;  /* at the last tick */
    ngx_uint_t                         stalled;  /* ticks with commands
                                                    waiting, no reply */
    ngx_log_t                         *log;
};

typedef struct {
    ngx_atomic_t        connected;        /* workers connected now */
    ngx_atomic_t        connects;         /* connections made */
    ngx_atomic_t        disconnects;      /* lost after being made */
    ngx_atomic_t        failures;         /* attempts that failed */
    ngx_atomic_t        calls;            /* redis_call by requests */
    ngx_atomic_t        timeouts;         /* ... past their budget */
    ngx_atomic_t        down;             /* ... refused or cut: no Redis */
    ngx_atomic_t        views_counted;
    ngx_atomic_t        views_flushed;    /* confirmed by Redis */
    ngx_atomic_t        views_dropped_full;    /* worker table full */
    ngx_atomic_t        views_dropped_down;    /* Redis down at flush */
    ngx_atomic_t        views_dropped_lost;    /* sent, no good reply */
    /* not settled yet: counted = flushed + dropped + queued + sent */
    ngx_atomic_t        views_queued;     /* in a worker's table */
    ngx_atomic_t        views_sent;       /* HINCRBY sent, reply due */
} ngx_http_vidorigin_redis_stats_t;

typedef void (*ngx_http_vidorigin_redis_resume_pt)(ngx_http_request_t *r,
    void *data, redisReply *reply, ngx_int_t rc);

char *ngx_http_vidorigin_redis_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_redis_ping_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_vidorigin_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_redis_t *rd);
void ngx_http_vidorigin_redis_exit_process(ngx_http_vidorigin_redis_t *rd);
ngx_int_t ngx_http_vidorigin_redis_call(ngx_http_request_t *r,
    ngx_http_vidorigin_redis_resume_pt resume, void *data, int argc,
    const char **argv, const size_t *argvlen);
ngx_int_t ngx_http_vidorigin_redis_command(ngx_http_vidorigin_redis_t *rd,
    redisCallbackFn *fn, void *privdata, int argc, const char **argv,
    const size_t *argvlen);
ngx_http_vidorigin_redis_t *ngx_http_vidorigin_redis_replied(
    redisAsyncContext *ac);
ngx_uint_t ngx_http_vidorigin_redis_pending(ngx_http_vidorigin_redis_t *rd);
void ngx_http_vidorigin_redis_error(ngx_http_vidorigin_redis_t *rd,
    const char *what, redisReply *reply);
ngx_http_vidorigin_redis_stats_t *ngx_http_vidorigin_redis_stats(
    ngx_http_vidorigin_redis_t *rd);
u_char *ngx_http_vidorigin_redis_status(ngx_http_request_t *r, u_char *p);


/*
 * ngx_http_vidorigin_views.c: playback starts counted per (video, region,
 * hour) in the worker and flushed to Redis (vidorigin_views).
 */
char *ngx_http_vidorigin_views_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_vidorigin_views_init(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_views_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_views_t *vw);
void ngx_http_vidorigin_views_exit_process(ngx_http_vidorigin_views_t *vw);
/* one playback start of video id, for the request's region, now */
void ngx_http_vidorigin_views_count(ngx_http_request_t *r, vo_str_t *id);


/* ngx_http_vidorigin_admin.c: the "vidorigin_admin" content handler */
ngx_int_t ngx_http_vidorigin_admin_handler(ngx_http_request_t *r);


/*
 * ngx_http_vidorigin_region.c: the viewer's region ($vidorigin_region),
 * two upper-case letters in request memory (NGX_OK; NGX_ERROR without
 * memory): a trusted CDN header, the MaxMind DB, or the default.
 */
ngx_int_t ngx_http_vidorigin_region(ngx_http_request_t *r, ngx_str_t *region);


#endif /* NGX_HTTP_VIDORIGIN_MODULE_H */
