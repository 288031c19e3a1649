/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "serve": the just-in-time worker daemon.  The design is in
 * docs/worker-serve.md; in short, from the request down:
 *
 *   - HTTP (tw_http.c; libmicrohttpd, one internal epoll thread per
 *     listen socket) answers what is in the store from the store and
 *     never waits: a request for a missing object is suspended and
 *     attached to the one job of its key, then resumed with the job's
 *     result.  The media descriptions it checks requests against are
 *     cached (tw_mcache.c);
 *   - jobs (tw_jobs.c): one per missing key in the process (the job
 *     table), in a bounded queue; a full queue answers 503 at once;
 *   - a fixed pool of transcode slots (tw_slot.c, threads) takes jobs
 *     from the queue and makes each object once (tw_object_make(), then
 *     the store), one producer per key across processes and hosts (a
 *     Redis lock, common/tw_redis.c); jobs whose key another process is
 *     producing wait in the main loop, which polls the store, not in a
 *     slot;
 *   - the main thread (tw_serve.c) is the periodic timer: signals,
 *     waiter deadlines, remote waits, lock refreshes, shutdown.
 *
 * What the threads share is serve/tw_server.h.
 */

#ifndef TW_SERVE_H
#define TW_SERVE_H


/* "serve ...": argv[0] is "serve"; the process exit status */
int tw_serve_command(int argc, char **argv);


#endif /* TW_SERVE_H */
