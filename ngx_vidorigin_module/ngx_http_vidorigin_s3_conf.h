/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The S3 store's directives (vidorigin_s3_pass, vidorigin_s3_credentials)
 * and the merge of every vidorigin_s3_* setting, called from the
 * module's merge_loc_conf: NGX_CONF_OK, or NGX_CONF_ERROR (logged).
 */

#ifndef NGX_HTTP_VIDORIGIN_S3_CONF_H
#define NGX_HTTP_VIDORIGIN_S3_CONF_H

#include "ngx_http_vidorigin.h"


char *ngx_http_vidorigin_s3_pass(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_s3_credentials(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_vidorigin_s3_merge(ngx_conf_t *cf,
    ngx_http_vidorigin_loc_conf_t *prev, ngx_http_vidorigin_loc_conf_t *conf);


#endif /* NGX_HTTP_VIDORIGIN_S3_CONF_H */
