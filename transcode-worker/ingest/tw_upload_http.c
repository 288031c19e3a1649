/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"
#include <microhttpd.h>

#include "common/tw_listen.h"
#include "common/tw_log.h"
#include "ingest/tw_upload_admin.h"
#include "ingest/tw_upload_http.h"
#include "ingest/tw_upload_parse.h"
#include "ingest/tw_upload_reply.h"
#include "ingest/tw_upload_state.h"
#include "ingest/tw_upload_tus.h"


static enum MHD_Result tw_up_handler(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls);
static void tw_up_completed(void *cls, struct MHD_Connection *conn,
    void **con_cls, enum MHD_RequestTerminationCode code);
static void tw_up_log(void *cls, const char *fmt, va_list ap);
static tw_up_method_t tw_up_method(const char *method);


int
tw_upload_http_start(tw_upload_srv_t *srv)
{
    int  fd;

    fd = tw_listen(srv->conf.listen, srv->conf.listen_any,
                   "its admin calls have no authentication of their own",
                   &srv->unix_path);
    if (fd == -1) {
        return -1;
    }

    srv->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION
                                   | MHD_USE_INTERNAL_POLLING_THREAD
                                   | MHD_USE_ERROR_LOG,
                                   0, NULL, NULL, tw_up_handler, srv,
                                   MHD_OPTION_EXTERNAL_LOGGER, tw_up_log,
                                   NULL,
                                   MHD_OPTION_LISTEN_SOCKET, fd,
                                   MHD_OPTION_NOTIFY_COMPLETED,
                                   tw_up_completed, srv,
                                   MHD_OPTION_CONNECTION_LIMIT,
                                   (unsigned int) srv->conf.connections,
                                   MHD_OPTION_CONNECTION_TIMEOUT,
                                   (unsigned int) 120,
                                   MHD_OPTION_END);
    if (srv->daemon == NULL) {
        tw_log(TW_LOG_ERR, "cannot serve on \"%s\"", srv->conf.listen);
        close(fd);
        return -1;
    }

    return 0;
}


void
tw_upload_http_stop(tw_upload_srv_t *srv)
{
    if (srv->daemon) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
    }

    if (srv->unix_path) {
        unlink(srv->unix_path);
        free(srv->unix_path);
        srv->unix_path = NULL;
    }
}


static void
tw_up_log(void *cls, const char *fmt, va_list ap)
{
    char    line[1024];
    size_t  len;

    if (tw_log_level() < TW_LOG_WARN) {
        return;
    }

    vsnprintf(line, sizeof(line), fmt, ap);

    len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }

    tw_log_write(TW_LOG_WARN, "microhttpd: %s", line);
}


static tw_up_method_t
tw_up_method(const char *method)
{
    static const struct {
        const char      *name;
        tw_up_method_t   method;
    } methods[] = {
        { "OPTIONS", TW_UP_OPTIONS }, { "HEAD", TW_UP_HEAD },
        { "GET", TW_UP_GET }, { "POST", TW_UP_POST },
        { "PATCH", TW_UP_PATCH }, { "DELETE", TW_UP_DELETE }
    };

    size_t  i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(method, methods[i].name) == 0) {
            return methods[i].method;
        }
    }

    return TW_UP_OTHER;
}


static enum MHD_Result
tw_up_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    int               kind;
    const char       *id;
    tw_up_req_t      *r;
    tw_upload_srv_t  *srv = cls;

    r = *con_cls;

    /* the headers: every check that needs no body */
    if (r == NULL) {
        r = calloc(1, sizeof(tw_up_req_t));
        if (r == NULL) {
            return MHD_NO;
        }

        r->conn = conn;
        r->srv = srv;
        r->fd = -1;
        r->method = tw_up_method(method);
        *con_cls = r;

        kind = tw_up_id(url, &id);

        if (kind == 1) {
            tw_tus_begin(r, id);

        } else if (kind == -1) {
            r->tus = 1;
            r->status = 404;
            r->text = "unknown upload";

        } else if (!tw_admin_match(r, url) && strcmp(url, "/healthz") != 0)
        {
            r->status = 404;
            r->text = "not found";
        }

        return MHD_YES;
    }

    if (*upload_data_size) {
        if (r->tus) {
            tw_tus_data(r, upload_data, *upload_data_size);

        } else if (strncmp(url, "/admin/", 7) == 0) {
            tw_admin_data(r, upload_data, *upload_data_size);
        }

        /* anything else is read and dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (r->started) {
        return MHD_YES;
    }

    r->started = 1;

    if (r->tus) {
        return (enum MHD_Result) (r->status && r->id[0] == '\0'
                                  ? tw_up_text(r, r->status, r->text)
                                  : tw_tus_end(r));
    }

    if (strncmp(url, "/admin/", 7) == 0) {
        return (enum MHD_Result) tw_admin_end(r, url);
    }

    if (r->status) {
        return (enum MHD_Result) tw_up_text(r, r->status, r->text);
    }

    return (enum MHD_Result) tw_up_text(r, 200, "ok");
}


static void
tw_up_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
    tw_up_req_t      *r;
    tw_upload_srv_t  *srv = cls;

    r = *con_cls;
    if (r == NULL) {
        return;
    }

    if (r->tus) {
        tw_tus_close(r);
    }

    if (r->locked) {
        tw_up_unlock(srv, r->id);
    }

    if (r->redis) {
        tw_redis_free(r->redis);
    }

    free(r->body);
    free(r);
    *con_cls = NULL;
}
