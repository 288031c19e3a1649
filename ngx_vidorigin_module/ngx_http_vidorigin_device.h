/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Device classes (a module of its own).
 *
 * device: the device class of a manifest request, the one its URL names
 * (name not empty; NULL when there is no such class) or the viewer's
 * ($vidorigin_device_class; NULL only without memory), with *vary set to
 * the Vary its answer needs (NULL for none).  Both belong to the
 * configuration.
 */

#ifndef NGX_HTTP_VIDORIGIN_DEVICE_H
#define NGX_HTTP_VIDORIGIN_DEVICE_H

#include "ngx_http_vidorigin.h"


ngx_http_vidorigin_device_class_t *ngx_http_vidorigin_device(
    ngx_http_request_t *r, vo_str_t *name, ngx_str_t **vary);


#endif /* NGX_HTTP_VIDORIGIN_DEVICE_H */
