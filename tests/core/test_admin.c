/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The admin HMAC headers (vo_admin.c): X-Vidorigin-Date's digits and
 * window, X-Vidorigin-Signature's exact lowercase hex.
 */

#include <string.h>

#include "vo_test.h"
#include "vo_admin.h"


#define NOW   1764700000
#define SKEW  300


static vo_status_t
date(const char *s, uint64_t *t)
{
    const char  *err;

    err = NULL;

    if (vo_admin_date((const u_char *) s, strlen(s), NOW, SKEW, t, &err)
        == VO_OK)
    {
        return VO_OK;
    }

    VO_CHECK(err != NULL);

    return VO_FORBIDDEN;
}


int
main(void)
{
    u_char    mac[32];
    char      hex[65];
    size_t    i;
    uint64_t  t;
    const char  *err;

    VO_CHECK_INT(date("1764700000", &t), VO_OK);
    VO_CHECK_UINT(t, NOW);
    VO_CHECK_INT(date("1764700300", &t), VO_OK);
    VO_CHECK_INT(date("1764699700", &t), VO_OK);
    /* leading zeros: the same number (the signed text is the header's) */
    VO_CHECK_INT(date("01764700000", &t), VO_OK);
    VO_CHECK_UINT(t, NOW);

    VO_CHECK_INT(date("1764700301", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("1764699699", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date(" 1764700000", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("1764700000 ", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("+1764700000", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("-1", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("0", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("9223372036854775807", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("9999999999999999999", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("18446744073709551617", &t), VO_FORBIDDEN);
    VO_CHECK_INT(date("000000000001764700000", &t), VO_FORBIDDEN);

    /* a window at the ends of the range does not wrap */
    VO_CHECK_INT(vo_admin_date((const u_char *) "5", 1, 0, SKEW, &t, &err),
                 VO_OK);
    VO_CHECK_INT(vo_admin_date((const u_char *) "9223372036854775807", 19,
                               UINT64_MAX, SKEW, &t, &err),
                 VO_FORBIDDEN);

    for (i = 0; i < sizeof(mac); i++) {
        mac[i] = (u_char) (i * 37 + 11);
        hex[2 * i] = "0123456789abcdef"[mac[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[mac[i] & 0xf];
    }

    hex[64] = '\0';

    VO_CHECK_INT(vo_admin_signature((u_char *) hex, 64, mac, 32), VO_OK);
    VO_CHECK_INT(vo_admin_signature((u_char *) hex, 63, mac, 32),
                 VO_FORBIDDEN);
    VO_CHECK_INT(vo_admin_signature((u_char *) hex, 0, mac, 32),
                 VO_FORBIDDEN);
    VO_CHECK_INT(vo_admin_signature((u_char *) hex, 64, mac, 0),
                 VO_FORBIDDEN);

    /* upper case is not what is signed */
    hex[1] = (char) (hex[1] >= 'a' ? hex[1] - 32 : hex[1]);
    hex[0] = 'B';
    VO_CHECK_INT(vo_admin_signature((u_char *) hex, 64, mac, 32),
                 VO_FORBIDDEN);

    VO_TEST_DONE("test_admin");
}
