/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The S3 store's directives: vidorigin_s3_pass, vidorigin_s3_credentials
 * and the merge of every vidorigin_s3_* setting (the simple ones are
 * ngx_conf_set_*_slot in the module's table).  What they configure is in
 * ngx_http_vidorigin_s3.c.
 */

#include "ngx_http_vidorigin_s3_conf.h"


static ngx_str_t *ngx_http_vidorigin_env(ngx_conf_t *cf, const char *name);


/* vidorigin_s3_pass @objects @descriptions | off; */
char *
ngx_http_vidorigin_s3_pass(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_str_t  *value;

    if (vlcf->s3_objects.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].data[0] != '@' || value[2].data[0] != '@') {
        return "takes two named locations: for objects and for media "
               "descriptions";
    }

    vlcf->s3_objects = value[1];
    vlcf->s3_media = value[2];

    return NGX_CONF_OK;
}


/* vidorigin_s3_credentials ACCESS_KEY SECRET_KEY [SESSION_TOKEN] | env; */
char *
ngx_http_vidorigin_s3_credentials(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_str_t   *value, *s;
    ngx_uint_t   i;

    if (vlcf->s3_credentials != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    vlcf->s3_credentials = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                            sizeof(ngx_str_t));
    if (vlcf->s3_credentials == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        s = ngx_array_push(vlcf->s3_credentials);
        *s = value[i];
    }

    return NGX_CONF_OK;
}


static ngx_str_t *
ngx_http_vidorigin_env(ngx_conf_t *cf, const char *name)
{
    char       *v;
    ngx_str_t  *s;

    v = getenv(name);

    if (v == NULL || *v == '\0') {
        return NULL;
    }

    s = ngx_palloc(cf->pool, sizeof(ngx_str_t));
    if (s == NULL) {
        return NULL;
    }

    s->len = ngx_strlen(v);
    s->data = ngx_pstrdup(cf->pool, &(ngx_str_t) { s->len, (u_char *) v });

    return s->data ? s : NULL;
}


/*
 * S3 settings are read where vidorigin_s3_pass is on (a playback or a
 * playback API location); credentials come
 * from the directive or, with "env" or none, from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN as nginx's master process
 * had them when it read the configuration.
 */
char *
ngx_http_vidorigin_s3_merge(ngx_conf_t *cf,
    ngx_http_vidorigin_loc_conf_t *prev, ngx_http_vidorigin_loc_conf_t *conf)
{
    u_char     *p;
    ngx_str_t  *a, *e;

    ngx_conf_merge_str_value(conf->s3_objects, prev->s3_objects, "");
    ngx_conf_merge_str_value(conf->s3_media, prev->s3_media, "");
    ngx_conf_merge_str_value(conf->s3_bucket, prev->s3_bucket, "");
    ngx_conf_merge_str_value(conf->s3_endpoint, prev->s3_endpoint, "");
    ngx_conf_merge_str_value(conf->s3_region, prev->s3_region, "");
    ngx_conf_merge_str_value(conf->s3_key_prefix, prev->s3_key_prefix, "");
    ngx_conf_merge_value(conf->s3_path_style, prev->s3_path_style, 0);
    ngx_conf_merge_ptr_value(conf->s3_credentials, prev->s3_credentials,
                             NULL);

    if (conf->s3_objects.len == 0 || !(conf->enable || conf->api)) {
        return NGX_CONF_OK;
    }

    if (conf->s3_bucket.len == 0 || conf->s3_endpoint.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_s3_pass\" requires "
                           "\"vidorigin_s3_bucket\" and "
                           "\"vidorigin_s3_endpoint\"");
        return NGX_CONF_ERROR;
    }

    if (conf->s3_region.len == 0) {
        e = ngx_http_vidorigin_env(cf, "AWS_REGION");

        if (e) {
            conf->s3_region = *e;

        } else {
            ngx_str_set(&conf->s3_region, "us-east-1");
        }
    }

    a = conf->s3_credentials ? conf->s3_credentials->elts : NULL;

    if (a && !(conf->s3_credentials->nelts == 1
               && ngx_strcmp(a[0].data, "env") == 0))
    {
        if (conf->s3_credentials->nelts < 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"vidorigin_s3_credentials\" takes "
                               "ACCESS_KEY SECRET_KEY [SESSION_TOKEN], "
                               "or \"env\"");
            return NGX_CONF_ERROR;
        }

        conf->s3_access_key = a[0];
        conf->s3_secret_key = a[1];

        if (conf->s3_credentials->nelts == 3) {
            conf->s3_token = a[2];
        }

    } else {
        e = ngx_http_vidorigin_env(cf, "AWS_ACCESS_KEY_ID");
        if (e) {
            conf->s3_access_key = *e;
        }

        e = ngx_http_vidorigin_env(cf, "AWS_SECRET_ACCESS_KEY");
        if (e) {
            conf->s3_secret_key = *e;
        }

        e = ngx_http_vidorigin_env(cf, "AWS_SESSION_TOKEN");
        if (e) {
            conf->s3_token = *e;
        }
    }

    if (conf->s3_access_key.len == 0 || conf->s3_secret_key.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no S3 credentials: set "
                           "\"vidorigin_s3_credentials\" or "
                           "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "
                           "nginx's environment");
        return NGX_CONF_ERROR;
    }

    if (conf->s3_access_key.len > VO_SIGV4_MAX_ID
        || conf->s3_secret_key.len > VO_SIGV4_MAX_ID
        || conf->s3_region.len > VO_SIGV4_MAX_ID)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "S3 access key, secret or region too long");
        return NGX_CONF_ERROR;
    }

    /* virtual-hosted style: the bucket is part of the host */

    if (conf->s3_path_style) {
        conf->s3_host = conf->s3_endpoint;

    } else {
        p = ngx_pnalloc(cf->pool, conf->s3_bucket.len + 1
                                  + conf->s3_endpoint.len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        conf->s3_host.data = p;
        p = ngx_cpymem(p, conf->s3_bucket.data, conf->s3_bucket.len);
        *p++ = '.';
        p = ngx_cpymem(p, conf->s3_endpoint.data, conf->s3_endpoint.len);
        conf->s3_host.len = p - conf->s3_host.data;
    }

    conf->s3_key = ngx_pcalloc(cf->pool, sizeof(vo_sigv4_key_t));
    if (conf->s3_key == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
