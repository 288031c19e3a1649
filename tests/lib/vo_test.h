/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Tiny assertion macros for the vo_ unit tests.  Every check counts as
 * passed or failed; a failed one prints file:line and what differed, and
 * makes the binary exit non-zero.  Each binary ends with
 * VO_TEST_DONE("test_x"), which prints "test_x: N passed, M failed"
 * (scripts/run-unit.sh sums those lines).
 *
 * Include it from one .c file only: the counters are static.
 */

#ifndef VO_TEST_H
#define VO_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>


static unsigned long  vo_test_passed;
static unsigned long  vo_test_failed;


#define VO_TEST_RESULT(ok, ...)                                              \
    do {                                                                     \
        if (ok) {                                                            \
            vo_test_passed++;                                                \
        } else {                                                             \
            vo_test_failed++;                                                \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)


#define VO_CHECK(cond)                                                       \
    VO_TEST_RESULT((cond), "check failed: %s", #cond)

#define VO_CHECK_INT(a, b)                                                   \
    do {                                                                     \
        long long  vo_a_ = (long long) (a), vo_b_ = (long long) (b);         \
        VO_TEST_RESULT(vo_a_ == vo_b_, "%s == %s: %lld != %lld",             \
                       #a, #b, vo_a_, vo_b_);                                \
    } while (0)

#define VO_CHECK_UINT(a, b)                                                  \
    do {                                                                     \
        unsigned long long  vo_a_ = (unsigned long long) (a),                \
                            vo_b_ = (unsigned long long) (b);                \
        VO_TEST_RESULT(vo_a_ == vo_b_, "%s == %s: %llu != %llu",             \
                       #a, #b, vo_a_, vo_b_);                                \
    } while (0)

/* a (pointer, length) region against a C string */
#define VO_CHECK_MEM(p, len, s)                                              \
    do {                                                                     \
        size_t  vo_l_ = (size_t) (len);                                      \
        VO_TEST_RESULT(vo_l_ == strlen(s) && memcmp((p), (s), vo_l_) == 0,   \
                       "%s == \"%s\": got \"%.*s\"", #p, (s),                \
                       (int) vo_l_, (const char *) (p));                     \
    } while (0)

#define VO_CHECK_STR(a, b)                                                   \
    VO_CHECK_MEM((a), strlen(a), (b))


#define VO_TEST_DONE(name)                                                   \
    do {                                                                     \
        printf("%s: %lu passed, %lu failed\n", (name), vo_test_passed,       \
               vo_test_failed);                                              \
        return vo_test_failed ? 1 : 0;                                       \
    } while (0)


/* reads a whole file; malloc'd, NUL terminated; NULL on failure */
static inline u_char *
vo_test_read_file(const char *path, size_t *len)
{
    FILE    *f;
    long     size;
    u_char  *p;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    p = malloc((size_t) size + 1);

    if (p == NULL || fread(p, 1, (size_t) size, f) != (size_t) size) {
        free(p);
        fclose(f);
        return NULL;
    }

    fclose(f);
    p[size] = '\0';
    *len = (size_t) size;

    return p;
}


#endif /* VO_TEST_H */
