/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The User-Agent rules, through a per-worker cache: a site sees a few
 * thousand distinct User-Agents a day, so most requests cost one hash and
 * one compare, not a few dozen regex runs.  A slot holds one User-Agent
 * (the newest that hashed there), compared in full.  The cache belongs
 * to the configuration its classes are of (ngx_http_vidorigin_ua.h).
 */

#include "ngx_http_vidorigin_ua.h"


#define NGX_HTTP_VIDORIGIN_UA_SLOTS     1024
#define NGX_HTTP_VIDORIGIN_UA_NONE      0xffff  /* no rule matches */


/* a User-Agent already classified by this worker */
struct ngx_http_vidorigin_ua_slot_s {
    uint32_t            hash;
    uint16_t            len;              /* 0: empty slot */
    uint16_t            class;
    u_char              ua[NGX_HTTP_VIDORIGIN_UA_MAX];
};


static void ngx_http_vidorigin_ua_cleanup(void *data);


ngx_int_t
ngx_http_vidorigin_ua_init(ngx_conf_t *cf, ngx_http_vidorigin_ua_t *ua)
{
    ngx_pool_cleanup_t  *cln;

    if (ngx_array_init(&ua->rules, cf->pool, 32,
                       sizeof(ngx_http_vidorigin_ua_rule_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ua->cache = NULL;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_vidorigin_ua_cleanup;
    cln->data = ua;

    return NGX_OK;
}


static void
ngx_http_vidorigin_ua_cleanup(void *data)
{
    ngx_http_vidorigin_ua_t *ua = data;

    if (ua->cache != NULL) {
        ngx_free(ua->cache);
        ua->cache = NULL;
    }
}


char *
ngx_http_vidorigin_ua_rule(ngx_conf_t *cf, ngx_http_vidorigin_ua_t *ua,
    ngx_str_t *regex, ngx_str_t *class_name)
{
    u_char                         errstr[NGX_MAX_CONF_ERRSTR];
    ngx_regex_compile_t            rc;
    ngx_http_vidorigin_ua_rule_t  *rule;

    ngx_memzero(&rc, sizeof(ngx_regex_compile_t));

    rc.pattern = *regex;
    rc.pool = cf->pool;
    rc.options = NGX_REGEX_CASELESS;
    rc.err.len = NGX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;

    if (ngx_regex_compile(&rc) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rc.err);
        return NGX_CONF_ERROR;
    }

    rule = ngx_array_push(&ua->rules);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    rule->regex = rc.regex;
    rule->pattern = *regex;
    rule->class_name = *class_name;
    rule->class = 0;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_vidorigin_ua_match(ngx_http_request_t *r,
    ngx_http_vidorigin_ua_t *ua, ngx_str_t *agent)
{
    uint32_t                       hash;
    ngx_int_t                      rc, class;
    ngx_uint_t                     i;
    ngx_http_vidorigin_ua_rule_t  *rule;
    ngx_http_vidorigin_ua_slot_t  *s;

    s = NULL;
    hash = ngx_crc32_short(agent->data, agent->len);

    if (ua->cache == NULL) {
        /* a worker's first classification; allocation failure only
         * means no cache */
        ua->cache = ngx_calloc(NGX_HTTP_VIDORIGIN_UA_SLOTS
                               * sizeof(ngx_http_vidorigin_ua_slot_t),
                               r->connection->log);
    }

    if (ua->cache && agent->len) {
        s = &ua->cache[hash % NGX_HTTP_VIDORIGIN_UA_SLOTS];

        if (s->len == agent->len && s->hash == hash
            && ngx_memcmp(s->ua, agent->data, agent->len) == 0)
        {
            return s->class == NGX_HTTP_VIDORIGIN_UA_NONE ? NGX_DECLINED
                                                          : s->class;
        }
    }

    class = NGX_DECLINED;
    rule = ua->rules.elts;

    for (i = 0; i < ua->rules.nelts; i++) {
        rc = ngx_regex_exec(rule[i].regex, agent, NULL, 0);

        if (rc >= 0) {
            class = rule[i].class;
            break;
        }

        if (rc != NGX_REGEX_NO_MATCHED) {
            /* a match limit hit, say: this rule does not match */
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          ngx_regex_exec_n " failed: %i on \"%V\" using "
                          "\"%V\"", rc, agent, &rule[i].pattern);
        }
    }

    if (s != NULL) {
        s->hash = hash;
        s->len = (uint16_t) agent->len;
        s->class = class == NGX_DECLINED ? NGX_HTTP_VIDORIGIN_UA_NONE
                                         : (uint16_t) class;
        ngx_memcpy(s->ua, agent->data, agent->len);
    }

    return class;
}
