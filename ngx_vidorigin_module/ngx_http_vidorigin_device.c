/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Device classes: which renditions and codecs a viewer's manifest lists.
 *
 * A request's class comes from, in order: the CDN's device headers (only
 * on a request that proves it came through the CDN: ngx_http_vidorigin_
 * cdn.h), the User-Agent rules (the first regex that matches, on the
 * first 512 bytes: ngx_http_vidorigin_ua.c), the default class.  Each
 * class has a policy (vo_policy_t).  A module of its own in the
 * vidorigin .so: its directives and its variable $vidorigin_device_class.
 */

#include "ngx_http_vidorigin_device.h"
#include "ngx_http_vidorigin_cdn.h"
#include "ngx_http_vidorigin_headers.h"
#include "ngx_http_vidorigin_ua.h"


#define NGX_HTTP_VIDORIGIN_CLASSES_MAX  32


typedef struct {
    ngx_str_t           header;
    ngx_str_t           value;
    ngx_str_t           class_name;
    ngx_uint_t          class;
} ngx_http_vidorigin_header_rule_t;


typedef struct {
    ngx_array_t         classes;     /* ngx_http_vidorigin_device_class_t */
    ngx_http_vidorigin_ua_t  ua;     /* User-Agent rules */
    ngx_array_t         headers;     /* ngx_http_vidorigin_header_rule_t */
    ngx_str_t           default_name;
    ngx_uint_t          default_class;
    ngx_str_t           vary;             /* Vary of plain manifests */
    ngx_int_t           variable;         /* $vidorigin_device_class */
} ngx_http_vidorigin_device_conf_t;


static ngx_int_t ngx_http_vidorigin_device_add_variables(ngx_conf_t *cf);
static void *ngx_http_vidorigin_device_create_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_device_init_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_vidorigin_device_class_cmd(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_device_codecs(ngx_conf_t *cf,
    ngx_str_t *arg, vo_policy_t *policy);
static char *ngx_http_vidorigin_device_ua_cmd(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_vidorigin_device_header_cmd(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_http_vidorigin_device_class_t *ngx_http_vidorigin_device_find(
    ngx_http_vidorigin_device_conf_t *dcf, u_char *name, size_t len,
    ngx_uint_t *index);
static char *ngx_http_vidorigin_device_resolve(ngx_conf_t *cf,
    ngx_http_vidorigin_device_conf_t *dcf, ngx_str_t *name,
    ngx_uint_t *index);
static ngx_int_t ngx_http_vidorigin_device_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_uint_t ngx_http_vidorigin_device_classify(ngx_http_request_t *r,
    ngx_http_vidorigin_device_conf_t *dcf);


static ngx_command_t  ngx_http_vidorigin_device_commands[] = {

    { ngx_string("vidorigin_device_class"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_vidorigin_device_class_cmd,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_device_ua"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_vidorigin_device_ua_cmd,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_device_header"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE3,
      ngx_http_vidorigin_device_header_cmd,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_device_default"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_device_conf_t, default_name),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_device_module_ctx = {
    ngx_http_vidorigin_device_add_variables, /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_device_create_conf, /* create main configuration */
    ngx_http_vidorigin_device_init_conf,   /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_device_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_device_module_ctx, /* module context */
    ngx_http_vidorigin_device_commands,    /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* the classes every configuration has; vidorigin_device_class redefines
 * them (until then: any size, H.264 only, fMP4) */
static ngx_str_t  ngx_http_vidorigin_builtin_classes[] = {
    ngx_string("desktop"),
    ngx_string("mobile"),
    ngx_string("tablet"),
    ngx_string("tv"),
    ngx_null_string
};

static ngx_str_t  ngx_http_vidorigin_device_var =
    ngx_string("vidorigin_device_class");


static ngx_int_t
ngx_http_vidorigin_device_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_device_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_device_variable;

    return NGX_OK;
}


static void *
ngx_http_vidorigin_device_create_conf(ngx_conf_t *cf)
{
    ngx_str_t                          *name;
    ngx_http_vidorigin_device_class_t  *c;
    ngx_http_vidorigin_device_conf_t   *dcf;

    dcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_device_conf_t));
    if (dcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&dcf->classes, cf->pool, 8,
                       sizeof(ngx_http_vidorigin_device_class_t))
        != NGX_OK
        || ngx_http_vidorigin_ua_init(cf, &dcf->ua) != NGX_OK
        || ngx_array_init(&dcf->headers, cf->pool, 8,
                          sizeof(ngx_http_vidorigin_header_rule_t))
           != NGX_OK)
    {
        return NULL;
    }

    for (name = ngx_http_vidorigin_builtin_classes; name->len; name++) {
        c = ngx_array_push(&dcf->classes);
        if (c == NULL) {
            return NULL;
        }

        ngx_memzero(c, sizeof(ngx_http_vidorigin_device_class_t));
        c->name = *name;
        c->policy.ncodecs = 1;
        c->policy.codecs[0] = VO_CODEC_AVC;
        c->policy.format = VO_FORMAT_FMP4;
    }

    return dcf;
}


static char *
ngx_http_vidorigin_device_init_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_device_conf_t *dcf = conf;

    u_char                            *p;
    size_t                             len;
    ngx_str_t                          default_name = ngx_string("desktop");
    ngx_uint_t                         i, k, trusted;
    ngx_http_vidorigin_ua_rule_t      *ua;
    ngx_http_vidorigin_header_rule_t  *h;

    if (dcf->default_name.data == NULL) {
        dcf->default_name = default_name;
    }

    dcf->variable = ngx_http_get_variable_index(cf,
                                          &ngx_http_vidorigin_device_var);
    if (dcf->variable == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    /* rules may name classes defined after them: resolved here */

    if (ngx_http_vidorigin_device_resolve(cf, dcf, &dcf->default_name,
                                          &dcf->default_class)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    ua = dcf->ua.rules.elts;

    for (i = 0; i < dcf->ua.rules.nelts; i++) {
        if (ngx_http_vidorigin_device_resolve(cf, dcf, &ua[i].class_name,
                                              &ua[i].class)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    h = dcf->headers.elts;

    for (i = 0; i < dcf->headers.nelts; i++) {
        if (ngx_http_vidorigin_device_resolve(cf, dcf, &h[i].class_name,
                                              &h[i].class)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    trusted = ngx_http_vidorigin_cdn_configured(cf);

    if (dcf->headers.nelts && !trusted) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "vidorigin_device_header is ignored on every "
                           "request: no vidorigin_cdn_secret or "
                           "vidorigin_cdn_from says which requests come "
                           "through the CDN");
    }

    /*
     * Vary of a manifest whose content depends on the class: the
     * User-Agent when there are rules for it, and the CDN's headers when
     * they can be trusted.
     */
    len = 0;

    if (dcf->ua.rules.nelts) {
        len += sizeof("User-Agent, ") - 1;
    }

    if (trusted) {
        for (i = 0; i < dcf->headers.nelts; i++) {
            len += h[i].header.len + 2;
        }
    }

    if (len) {
        p = ngx_pnalloc(cf->pool, len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        dcf->vary.data = p;

        if (dcf->ua.rules.nelts) {
            p = ngx_cpymem(p, "User-Agent, ", sizeof("User-Agent, ") - 1);
        }

        for (i = 0; len && i < dcf->headers.nelts; i++) {
            if (!trusted) {
                break;
            }

            /* each header once, however many rules name it */
            for (k = 0; k < i; k++) {
                if (h[k].header.len == h[i].header.len
                    && ngx_strncasecmp(h[k].header.data, h[i].header.data,
                                       h[i].header.len) == 0)
                {
                    break;
                }
            }

            if (k == i) {
                p = ngx_cpymem(p, h[i].header.data, h[i].header.len);
                *p++ = ',';
                *p++ = ' ';
            }
        }

        dcf->vary.len = p - dcf->vary.data - 2;
    }

    return NGX_CONF_OK;
}


/*
 * vidorigin_device_class NAME [max_height=N] [max_bitrate=N[k|m]]
 *                             [codecs=c1,c2,...] [format=fmp4|ts];
 */
static char *
ngx_http_vidorigin_device_class_cmd(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_device_conf_t *dcf = conf;

    u_char                             *last;
    ssize_t                             size;
    ngx_int_t                           n, rc;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i;
    vo_policy_t                         policy;
    ngx_http_vidorigin_device_class_t  *c;

    value = cf->args->elts;

    if (!vo_token_valid(value[1].data, value[1].len, VO_NAME_MAX)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid device class name "
                           "\"%V\": [A-Za-z0-9_-], 1 to 32 characters",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&policy, sizeof(vo_policy_t));
    policy.ncodecs = 1;
    policy.codecs[0] = VO_CODEC_AVC;
    policy.format = VO_FORMAT_FMP4;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_height=", 11) == 0) {
            n = ngx_atoi(value[i].data + 11, value[i].len - 11);

            if (n <= 0 || n > 8192) {
                goto invalid;
            }

            policy.max_height = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_bitrate=", 12) == 0) {
            s.data = value[i].data + 12;
            s.len = value[i].len - 12;

            /* "3m", "800k": bits/s, like the size suffixes of nginx */
            size = ngx_parse_size(&s);

            if (size <= 0 || size > 1000000000) {
                goto invalid;
            }

            /* ngx_parse_size multiplies by 1024: bit rates are decimal */
            last = s.data + s.len - 1;

            if (*last == 'k' || *last == 'K') {
                size = size / 1024 * 1000;

            } else if (*last == 'm' || *last == 'M') {
                size = size / (1024 * 1024) * 1000000;
            }

            policy.max_bitrate = (uint32_t) size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "codecs=", 7) == 0) {
            rc = ngx_http_vidorigin_device_codecs(cf, &value[i], &policy);

            if (rc == NGX_ERROR) {
                return NGX_CONF_ERROR;
            }

            if (rc == NGX_DECLINED) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "format=fmp4") == 0) {
            policy.format = VO_FORMAT_FMP4;
            continue;
        }

        if (ngx_strcmp(value[i].data, "format=ts") == 0) {
            policy.format = VO_FORMAT_TS;
            continue;
        }

        goto invalid;
    }

    c = ngx_http_vidorigin_device_find(dcf, value[1].data, value[1].len,
                                       NULL);

    if (c == NULL) {
        if (dcf->classes.nelts == NGX_HTTP_VIDORIGIN_CLASSES_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "more than %d device classes",
                               NGX_HTTP_VIDORIGIN_CLASSES_MAX);
            return NGX_CONF_ERROR;
        }

        c = ngx_array_push(&dcf->classes);
        if (c == NULL) {
            return NGX_CONF_ERROR;
        }

        c->name = value[1];

    } else if (c->defined) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "device class \"%V\" is defined twice", &value[1]);
        return NGX_CONF_ERROR;
    }

    c->policy = policy;
    c->defined = 1;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}


/* "codecs=c1,c2,...": NGX_OK, NGX_DECLINED (empty), NGX_ERROR (logged) */
static ngx_int_t
ngx_http_vidorigin_device_codecs(ngx_conf_t *cf, ngx_str_t *arg,
    vo_policy_t *policy)
{
    u_char      *p, *last, *comma;
    ngx_uint_t   k, family;

    policy->ncodecs = 0;
    p = arg->data + 7;
    last = arg->data + arg->len;

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');
        if (comma == NULL) {
            comma = last;
        }

        family = vo_codec_family_parse(p, comma - p);

        for (k = 0; k < policy->ncodecs; k++) {
            if (policy->codecs[k] == family) {
                family = 0;
            }
        }

        if (family == 0 || policy->ncodecs == VO_CODEC_FAMILIES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid \"%V\": codecs are avc1, "
                               "hvc1 and av01, each once", arg);
            return NGX_ERROR;
        }

        policy->codecs[policy->ncodecs++] = (uint8_t) family;
        p = comma + 1;
    }

    return policy->ncodecs ? NGX_OK : NGX_DECLINED;
}


/* vidorigin_device_ua REGEX CLASS; case-insensitive, first match wins */
static char *
ngx_http_vidorigin_device_ua_cmd(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_device_conf_t *dcf = conf;

    ngx_str_t  *value;

    value = cf->args->elts;

    return ngx_http_vidorigin_ua_rule(cf, &dcf->ua, &value[1], &value[2]);
}


/* vidorigin_device_header NAME VALUE CLASS; */
static char *
ngx_http_vidorigin_device_header_cmd(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_device_conf_t *dcf = conf;

    ngx_str_t                         *value;
    ngx_http_vidorigin_header_rule_t  *rule;

    value = cf->args->elts;

    if (value[1].len == 0 || value[2].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty header name or value");
        return NGX_CONF_ERROR;
    }

    rule = ngx_array_push(&dcf->headers);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    rule->header = value[1];
    rule->value = value[2];
    rule->class_name = value[3];
    rule->class = 0;

    return NGX_CONF_OK;
}


static ngx_http_vidorigin_device_class_t *
ngx_http_vidorigin_device_find(ngx_http_vidorigin_device_conf_t *dcf,
    u_char *name, size_t len, ngx_uint_t *index)
{
    ngx_uint_t                          i;
    ngx_http_vidorigin_device_class_t  *c;

    c = dcf->classes.elts;

    for (i = 0; i < dcf->classes.nelts; i++) {
        if (c[i].name.len == len
            && ngx_strncmp(c[i].name.data, name, len) == 0)
        {
            if (index) {
                *index = i;
            }

            return &c[i];
        }
    }

    return NULL;
}


static char *
ngx_http_vidorigin_device_resolve(ngx_conf_t *cf,
    ngx_http_vidorigin_device_conf_t *dcf, ngx_str_t *name,
    ngx_uint_t *index)
{
    if (ngx_http_vidorigin_device_find(dcf, name->data, name->len, index)
        == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown device class \"%V\": define it with "
                           "vidorigin_device_class", name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_http_vidorigin_device_class_t *
ngx_http_vidorigin_device(ngx_http_request_t *r, vo_str_t *name,
    ngx_str_t **vary)
{
    ngx_uint_t                         i;
    ngx_http_variable_value_t         *vv;
    ngx_http_vidorigin_device_conf_t  *dcf;

    dcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_device_module);

    *vary = NULL;

    /* master.tv.m3u8: the class the URL names, whoever asks */
    if (name->len) {
        return ngx_http_vidorigin_device_find(dcf, (u_char *) name->data,
                                              name->len, NULL);
    }

    vv = ngx_http_get_indexed_variable(r, dcf->variable);

    if (vv == NULL || vv->not_found) {
        return NULL;
    }

    /* the variable's value is the class's own name: found by address */
    for (i = 0; i < dcf->classes.nelts; i++) {
        if (((ngx_http_vidorigin_device_class_t *) dcf->classes.elts)[i]
            .name.data == vv->data)
        {
            *vary = dcf->vary.len ? &dcf->vary : NULL;
            return &((ngx_http_vidorigin_device_class_t *)
                     dcf->classes.elts)[i];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_vidorigin_device_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_uint_t                          i;
    ngx_http_vidorigin_device_class_t  *c;
    ngx_http_vidorigin_device_conf_t   *dcf;

    dcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_device_module);

    i = ngx_http_vidorigin_device_classify(r, dcf);
    c = dcf->classes.elts;

    v->data = c[i].name.data;
    v->len = c[i].name.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_vidorigin_device_classify(ngx_http_request_t *r,
    ngx_http_vidorigin_device_conf_t *dcf)
{
    ngx_int_t                          rc;
    ngx_str_t                          ua;
    ngx_uint_t                         i;
    ngx_table_elt_t                   *h;
    ngx_http_vidorigin_header_rule_t  *rule;

    /* the CDN's classification, when the request comes through it */

    if (dcf->headers.nelts && ngx_http_vidorigin_cdn_trusted(r)) {
        rule = dcf->headers.elts;

        for (i = 0; i < dcf->headers.nelts; i++) {
            h = ngx_http_vidorigin_find_header(r, &rule[i].header);

            if (h != NULL && h->value.len == rule[i].value.len
                && ngx_strncasecmp(h->value.data, rule[i].value.data,
                                   h->value.len) == 0)
            {
                return rule[i].class;
            }
        }
    }

    if (dcf->ua.rules.nelts && r->headers_in.user_agent) {
        ua = r->headers_in.user_agent->value;

        if (ua.len > NGX_HTTP_VIDORIGIN_UA_MAX) {
            ua.len = NGX_HTTP_VIDORIGIN_UA_MAX;
        }

        rc = ngx_http_vidorigin_ua_match(r, &dcf->ua, &ua);

        if (rc >= 0) {
            return (ngx_uint_t) rc;
        }
    }

    return dcf->default_class;
}
