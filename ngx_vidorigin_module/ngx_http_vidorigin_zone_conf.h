/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The vidorigin_media_cache and vidorigin_purge directives (http level;
 * conf is the module's main configuration): NGX_CONF_OK, or an error
 * (logged).
 */

#ifndef NGX_HTTP_VIDORIGIN_ZONE_CONF_H
#define NGX_HTTP_VIDORIGIN_ZONE_CONF_H

#include "ngx_http_vidorigin.h"


char *ngx_http_vidorigin_media_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_purge_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* NGX_HTTP_VIDORIGIN_ZONE_CONF_H */
