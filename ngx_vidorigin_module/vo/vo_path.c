/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Playback path grammar (see vo_path.h).  This is a security boundary:
 * the components end up in store keys and file names, so the parser
 * accepts a closed grammar, allocates nothing and never reads outside
 * [p, p + len).  nginx hands over the URI already percent-decoded, so a
 * '%', '.', '\\' or NUL left in an id or a rendition is simply a bad
 * character; nothing is decoded here a second time.
 */

#include <string.h>

#include "vo_path.h"


/* n is below 10^9: nine digits at most, and it fits in uint32_t */
#define VO_SEGMENT_DIGITS    9


typedef struct {
    const char      *name;
    size_t           len;
    vo_req_kind_t    kind;
} vo_file_t;


#define vo_file(s, kind)  { s, sizeof(s) - 1, kind }

static const vo_file_t  vo_video_files[] = {
    vo_file("master.m3u8", VO_REQ_HLS_MASTER),
    vo_file("master-ts.m3u8", VO_REQ_HLS_MASTER_TS),
    vo_file("manifest.mpd", VO_REQ_DASH_MPD),
    { NULL, 0, 0 }
};

static const vo_file_t  vo_rendition_files[] = {
    vo_file("index.m3u8", VO_REQ_HLS_MEDIA),
    vo_file("index-ts.m3u8", VO_REQ_HLS_MEDIA_TS),
    vo_file("init.mp4", VO_REQ_INIT),
    { NULL, 0, 0 }
};


static int vo_path_char(u_char c);
static vo_status_t vo_path_file(const u_char *p, size_t len,
    const vo_file_t *files, int segments, vo_request_t *req,
    const char **err);
static vo_status_t vo_path_device(const u_char *p, size_t len,
    vo_request_t *req);
static vo_status_t vo_path_segment(const u_char *p, size_t len,
    vo_request_t *req, const char **err);
static size_t vo_key_put(char *buf, size_t size, size_t pos,
    const void *data, size_t len);


/* the only bytes a playback path may hold */
static int
vo_path_char(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'
           || c == '/';
}


vo_status_t
vo_path_below(const u_char *path, size_t len, const u_char *prefix,
    size_t plen, vo_str_t *rest)
{
    if (len < plen || memcmp(path, prefix, plen) != 0) {
        return VO_NOT_FOUND;
    }

    path += plen;
    len -= plen;

    if (plen == 0 || prefix[plen - 1] != '/') {
        if (len == 0 || path[0] != '/') {
            return VO_NOT_FOUND;
        }

        path++;
        len--;
    }

    rest->data = path;
    rest->len = len;

    return VO_OK;
}


vo_status_t
vo_path_parse(const u_char *p, size_t len, vo_request_t *req,
    const char **err)
{
    size_t         i, n, clen;
    vo_str_t       comp[3];
    const char    *dummy;
    const u_char  *start;

    if (err == NULL) {
        err = &dummy;
    }

    memset(req, 0, sizeof(vo_request_t));

    if (len == 0) {
        *err = "empty path";
        return VO_BAD_REQUEST;
    }

    /*
     * First pass over the whole path: bad bytes, ".", ".." and empty
     * components are refused wherever they are, before anything looks
     * at the structure, so that no later branch can forget them.
     */
    n = 0;
    start = p;

    for (i = 0; i <= len; i++) {

        if (i < len && p[i] != '/') {
            if (!vo_path_char(p[i])) {
                *err = "bad character in path";
                return VO_BAD_REQUEST;
            }

            continue;
        }

        clen = (size_t) (p + i - start);

        if (clen == 0) {
            /* "demo/" names a directory, not a file; "demo//x" is not
             * a path this server ever produced */
            if (i == len && n > 0) {
                *err = "trailing slash";
                return VO_NOT_FOUND;
            }

            *err = "empty path component";
            return VO_BAD_REQUEST;
        }

        if (start[0] == '.'
            && (clen == 1 || (clen == 2 && start[1] == '.')))
        {
            *err = "dot component in path";
            return VO_BAD_REQUEST;
        }

        if (n < 3) {
            comp[n].data = start;
            comp[n].len = clen;
        }

        n++;
        start = p + i + 1;
    }

    if (!vo_id_valid(comp[0].data, comp[0].len)) {
        *err = "invalid video id";
        return VO_BAD_REQUEST;
    }

    req->id = comp[0];

    switch (n) {

    case 1:
        *err = "no file name";
        return VO_NOT_FOUND;

    case 2:
        if (vo_path_device(comp[1].data, comp[1].len, req) == VO_OK) {
            return VO_OK;
        }

        return vo_path_file(comp[1].data, comp[1].len, vo_video_files, 0,
                            req, err);

    case 3:
        if (!vo_token_valid(comp[1].data, comp[1].len, VO_NAME_MAX)) {
            *err = "invalid rendition name";
            return VO_BAD_REQUEST;
        }

        req->rendition = comp[1];

        if (comp[2].len && comp[2].data[0] >= '0'
            && comp[2].data[0] <= '9')
        {
            return vo_path_segment(comp[2].data, comp[2].len, req, err);
        }

        return vo_path_file(comp[2].data, comp[2].len, vo_rendition_files,
                            1, req, err);

    default:
        *err = "too many path components";
        return VO_NOT_FOUND;
    }
}


/*
 * A manifest for one device class: "master.tv.m3u8", "master-ts.tv.m3u8",
 * "manifest.tv.mpd": the file name with the class before its extension.
 */
static vo_status_t
vo_path_device(const u_char *p, size_t len, vo_request_t *req)
{
    size_t            stem, ext;
    const char       *dot;
    const vo_file_t  *f;

    for (f = vo_video_files; f->name; f++) {
        dot = strrchr(f->name, '.');
        stem = (size_t) (dot - f->name);
        ext = f->len - stem;

        if (len > f->len + 1
            && memcmp(p, f->name, stem + 1) == 0
            && memcmp(p + len - ext, dot, ext) == 0
            && vo_token_valid(p + stem + 1, len - f->len - 1, VO_NAME_MAX))
        {
            req->kind = f->kind;
            req->device.data = p + stem + 1;
            req->device.len = len - f->len - 1;
            return VO_OK;
        }
    }

    return VO_NOT_FOUND;
}


/* segments: whether segment files live at this level of the tree */
static vo_status_t
vo_path_file(const u_char *p, size_t len, const vo_file_t *files,
    int segments, vo_request_t *req, const char **err)
{
    const u_char  *dot;

    for ( ; files->name; files++) {
        if (files->len == len && memcmp(files->name, p, len) == 0) {
            req->kind = files->kind;
            return VO_OK;
        }
    }

    /* "x.m4s" or "-1.ts": a segment name whose number is malformed is a
     * bad request, like any other malformed number */
    dot = segments ? memchr(p, '.', len) : NULL;

    if (dot && ((p + len - dot == 4 && memcmp(dot, ".m4s", 4) == 0)
                || (p + len - dot == 3 && memcmp(dot, ".ts", 3) == 0)))
    {
        *err = "invalid segment number";
        return VO_BAD_REQUEST;
    }

    *err = "unknown file name";
    return VO_NOT_FOUND;
}


/* "{n}.m4s" or "{n}.ts"; the first byte is a digit */
static vo_status_t
vo_path_segment(const u_char *p, size_t len, vo_request_t *req,
    const char **err)
{
    size_t    i;
    uint32_t  n;

    n = 0;

    for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        if (i == VO_SEGMENT_DIGITS) {
            *err = "segment number too large";
            return VO_BAD_REQUEST;
        }

        n = n * 10 + (uint32_t) (p[i] - '0');
    }

    if (i > 1 && p[0] == '0') {
        *err = "leading zero in segment number";
        return VO_BAD_REQUEST;
    }

    if (len - i == 4 && memcmp(p + i, ".m4s", 4) == 0) {
        req->kind = VO_REQ_SEGMENT;

    } else if (len - i == 3 && memcmp(p + i, ".ts", 3) == 0) {
        req->kind = VO_REQ_SEGMENT_TS;

    } else if (i < len && p[i] != '.') {
        /* "1a.m4s": the digits run into a letter */
        *err = "invalid segment number";
        return VO_BAD_REQUEST;

    } else {
        *err = "unknown file name";
        return VO_NOT_FOUND;
    }

    req->segment = n;

    return VO_OK;
}


int
vo_id_valid(const u_char *p, size_t len)
{
    return vo_token_valid(p, len, VO_ID_MAX);
}


vo_status_t
vo_request_check(const vo_request_t *req, const vo_media_t *m,
    const char **err)
{
    unsigned           format;
    const char        *dummy;
    const vo_audio_t  *a;
    const vo_video_t  *v;

    if (err == NULL) {
        err = &dummy;
    }

    /* the description was found under req->id; if it names another
     * video, the store is inconsistent and nothing in it can be served */
    if (strlen(m->id) != req->id.len
        || memcmp(m->id, req->id.data, req->id.len) != 0)
    {
        *err = "media description belongs to another id";
        return VO_BAD_DATA;
    }

    switch (req->kind) {

    case VO_REQ_HLS_MASTER:
    case VO_REQ_DASH_MPD:
    case VO_REQ_HLS_MEDIA:
    case VO_REQ_INIT:
    case VO_REQ_SEGMENT:
        format = VO_FORMAT_FMP4;
        break;

    case VO_REQ_HLS_MASTER_TS:
    case VO_REQ_HLS_MEDIA_TS:
    case VO_REQ_SEGMENT_TS:
        format = VO_FORMAT_TS;
        break;

    default:
        *err = "invalid request kind";
        return VO_ERROR;
    }

    if (!(m->formats & format)) {
        *err = format == VO_FORMAT_TS ? "video has no ts format"
                                      : "video has no fmp4 format";
        return VO_NOT_FOUND;
    }

    if (req->kind == VO_REQ_HLS_MASTER || req->kind == VO_REQ_HLS_MASTER_TS
        || req->kind == VO_REQ_DASH_MPD)
    {
        return VO_OK;
    }

    v = vo_media_video(m, (vo_str_t *) &req->rendition);
    a = v ? NULL : vo_media_audio(m, (vo_str_t *) &req->rendition);

    if (v == NULL && a == NULL) {
        *err = "unknown rendition";
        return VO_NOT_FOUND;
    }

    /* audio is muxed into the TS of each video rendition */
    if (format == VO_FORMAT_TS && v == NULL) {
        *err = "no ts for an audio track";
        return VO_NOT_FOUND;
    }

    /* HEVC and AV1 renditions are CMAF only */
    if (format == VO_FORMAT_TS && vo_codec_family(v->codec) != VO_CODEC_AVC)
    {
        *err = "no ts for a rendition other than h.264";
        return VO_NOT_FOUND;
    }

    if ((req->kind == VO_REQ_SEGMENT || req->kind == VO_REQ_SEGMENT_TS)
        && req->segment >= m->segment_count)
    {
        *err = "segment number out of range";
        return VO_RANGE;
    }

    return VO_OK;
}


/* appends data at pos if it fits with a NUL after it; 0 otherwise */
static size_t
vo_key_put(char *buf, size_t size, size_t pos, const void *data, size_t len)
{
    if (pos >= size || len >= size - pos) {
        return 0;
    }

    memcpy(buf + pos, data, len);
    buf[pos + len] = '\0';

    return pos + len;
}


size_t
vo_request_key(const vo_request_t *req, char *buf, size_t size)
{
    u_char         num[16], *q;
    size_t         pos;
    uint32_t       n;
    const char    *ext;

    if (vo_req_is_manifest(req->kind) || req->kind > VO_REQ_SEGMENT_TS
        || !vo_id_valid(req->id.data, req->id.len)
        || !vo_token_valid(req->rendition.data, req->rendition.len,
                           VO_NAME_MAX))
    {
        return 0;
    }

    pos = vo_key_put(buf, size, 0, req->id.data, req->id.len);
    pos = pos ? vo_key_put(buf, size, pos, "/", 1) : 0;
    pos = pos ? vo_key_put(buf, size, pos, req->rendition.data,
                           req->rendition.len) : 0;
    pos = pos ? vo_key_put(buf, size, pos, "/", 1) : 0;

    if (pos == 0) {
        return 0;
    }

    if (req->kind == VO_REQ_INIT) {
        return vo_key_put(buf, size, pos, "init.mp4", 8);
    }

    q = num + sizeof(num);
    n = req->segment;

    do {
        *--q = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    ext = req->kind == VO_REQ_SEGMENT ? ".m4s" : ".ts";

    pos = vo_key_put(buf, size, pos, q, (size_t) (num + sizeof(num) - q));

    return pos ? vo_key_put(buf, size, pos, ext, strlen(ext)) : 0;
}


size_t
vo_media_key(vo_str_t *id, char *buf, size_t size)
{
    size_t  pos;

    /* the key is opened in the store: never build one from a bad id */
    if (!vo_id_valid(id->data, id->len)) {
        return 0;
    }

    pos = vo_key_put(buf, size, 0, id->data, id->len);

    return pos ? vo_key_put(buf, size, pos, "/media.json", 11) : 0;
}
