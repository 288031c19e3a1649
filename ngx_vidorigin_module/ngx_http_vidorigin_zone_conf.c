/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The module's http-level directives that make shared zones:
 *
 *     vidorigin_media_cache zone=NAME:SIZE [valid=TIME];
 *     vidorigin_purge zone=NAME:SIZE journal=PATH [cdn_status=PATH]
 *                     [lifetime=TIME];
 *
 * Their conf is the module's main configuration; what they set up is in
 * ngx_http_vidorigin_media_cache.c and ngx_http_vidorigin_purge.c.
 */

#include "ngx_http_vidorigin_zone_conf.h"
#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_purge.h"


static ngx_int_t ngx_http_vidorigin_zone_arg(ngx_conf_t *cf, ngx_str_t *arg,
    ngx_str_t *name, ssize_t *size);


/* vidorigin_purge zone=NAME:SIZE journal=PATH [cdn_status=PATH]
 *                 [lifetime=TIME]; */
char *
ngx_http_vidorigin_purge_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    time_t       lifetime;
    ssize_t      size;
    ngx_str_t   *value, name, journal, cdn_status, s;
    ngx_uint_t   i;

    if (vmcf->purge != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = 0;
    name.len = 0;
    ngx_str_null(&journal);
    ngx_str_null(&cdn_status);
    lifetime = NGX_CONF_UNSET;        /* from the cache paths */

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "lifetime=", 9) == 0) {

            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            lifetime = (ngx_strcmp(s.data, "off") == 0)
                       ? 0 : ngx_parse_time(&s, 1);

            if (lifetime == (time_t) NGX_ERROR
                || (lifetime == 0 && ngx_strcmp(s.data, "off") != 0))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid parameter \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            if (ngx_http_vidorigin_zone_arg(cf, &value[i], &name, &size)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "journal=", 8) == 0
            && value[i].len > 8)
        {
            journal.data = value[i].data + 8;
            journal.len = value[i].len - 8;
            continue;
        }

        if (ngx_strncmp(value[i].data, "cdn_status=", 11) == 0
            && value[i].len > 11)
        {
            cdn_status.data = value[i].data + 11;
            cdn_status.len = value[i].len - 11;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0 || journal.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" and \"journal\" "
                           "parameters", &cmd->name);
        return NGX_CONF_ERROR;
    }

    vmcf->purge = ngx_http_vidorigin_purge_zone(cf, &name, size, &journal,
                                                &cdn_status, lifetime);
    if (vmcf->purge == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "zone=NAME:SIZE" */
static ngx_int_t
ngx_http_vidorigin_zone_arg(ngx_conf_t *cf, ngx_str_t *arg, ngx_str_t *name,
    ssize_t *size)
{
    u_char     *p;
    ngx_str_t   s;

    name->data = arg->data + 5;
    p = (u_char *) ngx_strlchr(name->data, arg->data + arg->len, ':');

    if (p == NULL) {
        goto invalid;
    }

    name->len = p - name->data;

    s.data = p + 1;
    s.len = arg->data + arg->len - s.data;

    *size = ngx_parse_size(&s);

    if (*size == NGX_ERROR || name->len == 0) {
        goto invalid;
    }

    if (*size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small", arg);
        return NGX_ERROR;
    }

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", arg);
    return NGX_ERROR;
}


/* vidorigin_media_cache zone=NAME:SIZE [valid=TIME]; */
char *
ngx_http_vidorigin_media_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    time_t       valid;
    ssize_t      size;
    ngx_str_t   *value, name, s;
    ngx_uint_t   i;

    if (vmcf->media_zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = 0;
    name.len = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            if (ngx_http_vidorigin_zone_arg(cf, &value[i], &name, &size)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "valid=", 6) == 0) {

            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            valid = ngx_parse_time(&s, 1);
            if (valid == (time_t) NGX_ERROR) {
                goto invalid;
            }

            vmcf->media_valid = valid;
            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    vmcf->media_zone = ngx_http_vidorigin_media_zone(cf, &name, size);
    if (vmcf->media_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}
