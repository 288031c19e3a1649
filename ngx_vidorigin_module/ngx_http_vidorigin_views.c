/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * View counting: every playback start (a multivariant manifest --
 * master.m3u8, master-ts.m3u8, manifest.mpd and their variants -- sent
 * with 200 or 304 to a GET) counts one view for (video, region, hour).
 *
 * Counting never waits for Redis.  The log phase adds the view to this
 * worker's table (open addressing, "keys" entries at most: a view of a new
 * key past that is dropped and counted as dropped); a timer sends the
 * table every "flush" as one pipeline,
 *
 *   HINCRBY {prefix}{id}:{yyyymmddhh} {region} {views}
 *   EXPIRE  {prefix}{id}:{yyyymmddhh} {ttl}
 *
 * per entry (hour in UTC), and empties it.  Redis not connected, or too
 * many commands waiting: the views are dropped and counted as dropped;
 * nothing is kept for later.
 *
 * Every view counted is, at any time, flushed (Redis confirmed it),
 * dropped (full, down, lost), queued (in a worker's table, sent at the
 * next flush) or sent (its reply is due): the status endpoint shows all
 * six, so the sum can be checked at any instant, not only at rest.  The
 * region is $vidorigin_region when that variable exists at configuration
 * time, else (and when it is empty or not a short token) "ZZ".
 *
 * A worker leaving (reload, quit) sends its last table and waits up to a
 * second for the replies.
 */

#include "ngx_http_vidorigin_views.h"
#include "ngx_http_vidorigin_redis.h"
#include "vo_path.h"


#define NGX_HTTP_VIDORIGIN_VIEWS_ID_LEN      64
#define NGX_HTTP_VIDORIGIN_VIEWS_REGION_LEN  16
#define NGX_HTTP_VIDORIGIN_VIEWS_DRAIN       1000


typedef struct {
    uint32_t            hour;             /* since the epoch; 0: free */
    uint32_t            views;
    u_char              id_len;
    u_char              region_len;
    u_char              id[NGX_HTTP_VIDORIGIN_VIEWS_ID_LEN];
    u_char              region[NGX_HTTP_VIDORIGIN_VIEWS_REGION_LEN];
} ngx_http_vidorigin_views_entry_t;


struct ngx_http_vidorigin_views_s {
    /* configuration */
    ngx_flag_t          enable;
    ngx_msec_t          flush;
    time_t              ttl;
    ngx_str_t           prefix;
    ngx_uint_t          keys;
    ngx_int_t           region_index;     /* NGX_ERROR: no variable */
    ngx_http_vidorigin_redis_t  *redis;

    /* this worker's */
    ngx_http_vidorigin_views_entry_t  *slots;
    ngx_uint_t          mask;             /* slots - 1, a power of 2 */
    ngx_uint_t         *used;             /* indexes of the used slots */
    ngx_uint_t          nused;
    u_char             *key;              /* room for one Redis key */
    ngx_event_t         timer;
    ngx_msec_t          drain;            /* leaving: wait until then */
};


static ngx_int_t ngx_http_vidorigin_views_log(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_views_start(ngx_http_request_t *r,
    vo_request_t *req);
static void ngx_http_vidorigin_views_region(ngx_http_request_t *r,
    ngx_http_vidorigin_views_t *vw, ngx_str_t *region);
static void ngx_http_vidorigin_views_add(ngx_http_vidorigin_views_t *vw,
    vo_str_t *id, ngx_str_t *region, uint32_t hour);
static void ngx_http_vidorigin_views_flush(ngx_event_t *ev);
static void ngx_http_vidorigin_views_send(ngx_http_vidorigin_views_t *vw,
    ngx_http_vidorigin_views_entry_t *e);
static void ngx_http_vidorigin_views_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static void ngx_http_vidorigin_views_expire_reply(redisAsyncContext *ac,
    void *reply, void *privdata);


static ngx_str_t  ngx_http_vidorigin_region_name =
    ngx_string("vidorigin_region");


/*
 * vidorigin_views on | off [flush=TIME] [ttl=TIME] [prefix=TEXT]
 *     [keys=N];
 */
char *
ngx_http_vidorigin_views_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    ngx_str_t                   *value, s;
    ngx_int_t                    n;
    ngx_uint_t                   i;
    ngx_http_vidorigin_views_t  *vw;

    if (vmcf->views != NULL) {
        return "is duplicate";
    }

    vw = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_views_t));
    if (vw == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        vw->enable = 1;

    } else if (ngx_strcmp(value[1].data, "off") != 0) {
        i = 1;
        goto invalid;
    }

    vw->flush = 300;
    vw->ttl = 3 * 86400;
    ngx_str_set(&vw->prefix, "vo:views:");
    vw->keys = 4096;
    vw->region_index = NGX_ERROR;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "flush=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            vw->flush = ngx_parse_time(&s, 0);
            if (vw->flush == (ngx_msec_t) NGX_ERROR || vw->flush == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            vw->ttl = ngx_parse_time(&s, 1);
            if (vw->ttl == (time_t) NGX_ERROR || vw->ttl == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0
            && value[i].len <= 7 + 128)
        {
            vw->prefix.data = value[i].data + 7;
            vw->prefix.len = value[i].len - 7;
            continue;
        }

        if (ngx_strncmp(value[i].data, "keys=", 5) == 0) {
            n = ngx_atoi(value[i].data + 5, value[i].len - 5);
            if (n < 1 || n > 1048576) {
                goto invalid;
            }

            vw->keys = n;
            continue;
        }

        goto invalid;
    }

    vmcf->views = vw;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/* postconfiguration: the region variable, if any, and the log handler */
ngx_int_t
ngx_http_vidorigin_views_init(ngx_conf_t *cf)
{
    ngx_uint_t                       i;
    ngx_hash_key_t                  *key;
    ngx_http_handler_pt             *h;
    ngx_http_vidorigin_views_t      *vw;
    ngx_http_core_main_conf_t       *cmcf;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_vidorigin_module);
    vw = vmcf->views;

    if (vw == NULL || !vw->enable) {
        return NGX_OK;
    }

    if (vmcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_views\" requires \"vidorigin_redis\"");
        return NGX_ERROR;
    }

    vw->redis = vmcf->redis;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * ngx_http_get_variable_index() of an undefined variable would fail
     * the configuration: ask only for one that something defined
     */

    key = cmcf->variables_keys->keys.elts;

    for (i = 0; i < cmcf->variables_keys->keys.nelts; i++) {
        if (key[i].key.len == ngx_http_vidorigin_region_name.len
            && ngx_strncasecmp(key[i].key.data,
                               ngx_http_vidorigin_region_name.data,
                               key[i].key.len)
               == 0)
        {
            vw->region_index = ngx_http_get_variable_index(cf,
                                            &ngx_http_vidorigin_region_name);
            if (vw->region_index == NGX_ERROR) {
                return NGX_ERROR;
            }

            break;
        }
    }

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_vidorigin_views_log;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_views_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_views_t *vw)
{
    ngx_uint_t  n;

    if (!vw->enable
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    /* at most half full: short probes */

    for (n = 2; n < 2 * vw->keys; n *= 2) { /* void */ }

    vw->slots = ngx_calloc(n * sizeof(ngx_http_vidorigin_views_entry_t),
                           cycle->log);
    vw->used = ngx_alloc(vw->keys * sizeof(ngx_uint_t), cycle->log);
    vw->key = ngx_alloc(vw->prefix.len + NGX_HTTP_VIDORIGIN_VIEWS_ID_LEN
                        + sizeof(":yyyymmddhh"), cycle->log);

    if (vw->slots == NULL || vw->used == NULL || vw->key == NULL) {
        ngx_http_vidorigin_views_exit_process(vw);
        return NGX_ERROR;
    }

    vw->mask = n - 1;
    vw->nused = 0;

    vw->timer.handler = ngx_http_vidorigin_views_flush;
    vw->timer.data = vw;
    vw->timer.log = cycle->log;
    vw->timer.cancelable = 1;

    ngx_add_timer(&vw->timer, vw->flush);

    return NGX_OK;
}


/* after the Redis connection is gone: what is left was not sent */
void
ngx_http_vidorigin_views_exit_process(ngx_http_vidorigin_views_t *vw)
{
    ngx_uint_t                         i;
    ngx_atomic_int_t                   views;
    ngx_http_vidorigin_redis_stats_t  *st;

    if (vw->slots != NULL && vw->nused) {
        views = 0;

        for (i = 0; i < vw->nused; i++) {
            views += vw->slots[vw->used[i]].views;
        }

        st = ngx_http_vidorigin_redis_stats(vw->redis);
        (void) ngx_atomic_fetch_add(&st->views_dropped_down, views);
        (void) ngx_atomic_fetch_add(&st->views_queued, -views);
    }

    if (vw->timer.timer_set) {
        ngx_del_timer(&vw->timer);
    }

    ngx_free(vw->slots);
    ngx_free(vw->used);
    ngx_free(vw->key);

    vw->slots = NULL;
    vw->used = NULL;
    vw->key = NULL;
    vw->nused = 0;
}


static ngx_int_t
ngx_http_vidorigin_views_log(ngx_http_request_t *r)
{
    u_char                         *p;
    size_t                          len;
    const char                     *err;
    vo_request_t                    req;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (r->method != NGX_HTTP_GET
        || (r->headers_out.status != NGX_HTTP_OK
            && r->headers_out.status != NGX_HTTP_NOT_MODIFIED))
    {
        return NGX_OK;
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (!vlcf->enable
        || r->uri.len < vlcf->prefix.len
        || ngx_strncmp(r->uri.data, vlcf->prefix.data, vlcf->prefix.len) != 0)
    {
        return NGX_OK;
    }

    /* as the playback handler read it: the path below the prefix */

    p = r->uri.data + vlcf->prefix.len;
    len = r->uri.len - vlcf->prefix.len;

    if (len && *p == '/'
        && (vlcf->prefix.len == 0
            || vlcf->prefix.data[vlcf->prefix.len - 1] != '/'))
    {
        p++;
        len--;
    }

    if (vo_path_parse(p, len, &req, &err) != VO_OK) {
        return NGX_OK;
    }

    return ngx_http_vidorigin_views_start(r, &req);
}


/* multivariant manifests (no rendition) are where playback starts */
static ngx_int_t
ngx_http_vidorigin_views_start(ngx_http_request_t *r, vo_request_t *req)
{
    ngx_str_t                        region;
    ngx_http_vidorigin_views_t      *vw;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    if (!vo_req_is_manifest(req->kind) || req->rendition.len != 0
        || req->id.len > NGX_HTTP_VIDORIGIN_VIEWS_ID_LEN)
    {
        return NGX_OK;
    }

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    vw = vmcf->views;

    if (vw->slots == NULL) {
        return NGX_OK;
    }

    ngx_http_vidorigin_views_region(r, vw, &region);

    ngx_http_vidorigin_views_add(vw, &req->id, &region,
                                 (uint32_t) (ngx_time() / 3600));

    return NGX_OK;
}


static void
ngx_http_vidorigin_views_region(ngx_http_request_t *r,
    ngx_http_vidorigin_views_t *vw, ngx_str_t *region)
{
    u_char                     *p, *last;
    ngx_http_variable_value_t  *v;

    ngx_str_set(region, "ZZ");

    if (vw->region_index == NGX_ERROR) {
        return;
    }

    v = ngx_http_get_indexed_variable(r, vw->region_index);

    if (v == NULL || v->not_found || v->len == 0
        || v->len > NGX_HTTP_VIDORIGIN_VIEWS_REGION_LEN)
    {
        return;
    }

    last = v->data + v->len;

    for (p = v->data; p < last; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        {
            return;
        }
    }

    region->data = v->data;
    region->len = v->len;
}


static void
ngx_http_vidorigin_views_add(ngx_http_vidorigin_views_t *vw, vo_str_t *id,
    ngx_str_t *region, uint32_t hour)
{
    uint32_t                           hash;
    ngx_uint_t                         i;
    ngx_http_vidorigin_views_entry_t  *e;
    ngx_http_vidorigin_redis_stats_t  *st;

    st = ngx_http_vidorigin_redis_stats(vw->redis);
    (void) ngx_atomic_fetch_add(&st->views_counted, 1);

    ngx_crc32_init(hash);
    ngx_crc32_update(&hash, (u_char *) id->data, id->len);
    ngx_crc32_update(&hash, region->data, region->len);
    ngx_crc32_update(&hash, (u_char *) &hour, sizeof(uint32_t));
    ngx_crc32_final(hash);

    for (i = hash & vw->mask; vw->slots[i].hour != 0; i = (i + 1) & vw->mask)
    {
        e = &vw->slots[i];

        if (e->hour == hour && e->id_len == id->len
            && e->region_len == region->len
            && ngx_memcmp(e->id, id->data, id->len) == 0
            && ngx_memcmp(e->region, region->data, region->len) == 0)
        {
            e->views++;
            (void) ngx_atomic_fetch_add(&st->views_queued, 1);
            return;
        }
    }

    if (vw->nused == vw->keys) {
        (void) ngx_atomic_fetch_add(&st->views_dropped_full, 1);
        return;
    }

    (void) ngx_atomic_fetch_add(&st->views_queued, 1);

    e = &vw->slots[i];
    e->hour = hour;
    e->views = 1;
    e->id_len = (u_char) id->len;
    e->region_len = (u_char) region->len;
    ngx_memcpy(e->id, id->data, id->len);
    ngx_memcpy(e->region, region->data, region->len);

    vw->used[vw->nused++] = i;

    /* views to send: a leaving worker waits for the next flush */
    vw->timer.cancelable = 0;

    if (!vw->timer.timer_set) {
        /* a leaving worker's last requests, after its last flush */
        ngx_add_timer(&vw->timer, vw->flush);
    }
}


static void
ngx_http_vidorigin_views_flush(ngx_event_t *ev)
{
    ngx_http_vidorigin_views_t *vw = ev->data;

    ngx_uint_t                         i;
    ngx_http_vidorigin_views_entry_t  *e;

    for (i = 0; i < vw->nused; i++) {
        e = &vw->slots[vw->used[i]];
        ngx_http_vidorigin_views_send(vw, e);
        ngx_memzero(e, sizeof(ngx_http_vidorigin_views_entry_t));
    }

    vw->nused = 0;

    if (!ngx_exiting) {
        /* replies due: a worker told to leave waits for the next tick */
        vw->timer.cancelable =
                        (ngx_http_vidorigin_redis_pending(vw->redis) == 0);
        ngx_add_timer(&vw->timer, vw->flush);
        return;
    }

    /* leaving: wait a little for the replies of what was sent */

    if (vw->drain == 0) {
        vw->drain = ngx_current_msec + NGX_HTTP_VIDORIGIN_VIEWS_DRAIN;
    }

    if (ngx_http_vidorigin_redis_pending(vw->redis)
        && (ngx_msec_int_t) (vw->drain - ngx_current_msec) > 0)
    {
        vw->timer.cancelable = 0;
        ngx_add_timer(&vw->timer, 10);
    }
}


static void
ngx_http_vidorigin_views_send(ngx_http_vidorigin_views_t *vw,
    ngx_http_vidorigin_views_entry_t *e)
{
    u_char                             *p;
    u_char                              views[NGX_INT_T_LEN];
    u_char                              ttl[NGX_TIME_T_LEN];
    size_t                              argvlen[4];
    ngx_tm_t                            tm;
    const char                         *argv[4];
    ngx_http_vidorigin_redis_stats_t   *st;

    ngx_gmtime((time_t) e->hour * 3600, &tm);

    p = ngx_cpymem(vw->key, vw->prefix.data, vw->prefix.len);
    p = ngx_cpymem(p, e->id, e->id_len);
    p = ngx_sprintf(p, ":%4d%02d%02d%02d", tm.ngx_tm_year, tm.ngx_tm_mon,
                    tm.ngx_tm_mday, tm.ngx_tm_hour);

    argv[0] = "HINCRBY";
    argvlen[0] = 7;
    argv[1] = (const char *) vw->key;
    argvlen[1] = p - vw->key;
    argv[2] = (const char *) e->region;
    argvlen[2] = e->region_len;
    argv[3] = (const char *) views;
    argvlen[3] = ngx_sprintf(views, "%uD", e->views) - views;

    st = ngx_http_vidorigin_redis_stats(vw->redis);

    /* sent (or dropped) before it leaves the queue: the sum never dips */

    if (ngx_http_vidorigin_redis_command(vw->redis,
                                         ngx_http_vidorigin_views_reply,
                                         (void *) (uintptr_t) e->views,
                                         4, argv, argvlen)
        != NGX_OK)
    {
        (void) ngx_atomic_fetch_add(&st->views_dropped_down, e->views);
        (void) ngx_atomic_fetch_add(&st->views_queued,
                                    -(ngx_atomic_int_t) e->views);
        return;
    }

    (void) ngx_atomic_fetch_add(&st->views_sent, e->views);
    (void) ngx_atomic_fetch_add(&st->views_queued,
                                -(ngx_atomic_int_t) e->views);

    argv[0] = "EXPIRE";
    argvlen[0] = 6;
    argv[2] = (const char *) ttl;
    argvlen[2] = ngx_sprintf(ttl, "%T", vw->ttl) - ttl;

    /* refused: the key lives on without expiry until the next flush */

    (void) ngx_http_vidorigin_redis_command(vw->redis,
                                    ngx_http_vidorigin_views_expire_reply,
                                    NULL, 3, argv, argvlen);
}


/* privdata: the views the HINCRBY added */
static void
ngx_http_vidorigin_views_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    redisReply                        *rp = reply;

    ngx_atomic_int_t                   views;
    ngx_http_vidorigin_redis_t        *rd;
    ngx_http_vidorigin_redis_stats_t  *st;

    rd = ngx_http_vidorigin_redis_replied(ac);
    st = ngx_http_vidorigin_redis_stats(rd);
    views = (ngx_atomic_int_t) (uintptr_t) privdata;

    if (rp != NULL && rp->type == REDIS_REPLY_INTEGER) {
        (void) ngx_atomic_fetch_add(&st->views_flushed, views);

    } else {
        ngx_http_vidorigin_redis_error(rd, "HINCRBY", rp);
        (void) ngx_atomic_fetch_add(&st->views_dropped_lost, views);
    }

    (void) ngx_atomic_fetch_add(&st->views_sent, -views);
}


static void
ngx_http_vidorigin_views_expire_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_vidorigin_redis_t  *rd;

    rd = ngx_http_vidorigin_redis_replied(ac);

    ngx_http_vidorigin_redis_error(rd, "EXPIRE", reply);
}


/* a playback start seen elsewhere (the playback API) */
void
ngx_http_vidorigin_views_count(ngx_http_request_t *r, vo_str_t *id)
{
    vo_request_t                     req;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf->views == NULL) {
        return;
    }

    ngx_memzero(&req, sizeof(vo_request_t));
    req.kind = VO_REQ_HLS_MASTER;
    req.id = *id;

    (void) ngx_http_vidorigin_views_start(r, &req);
}
