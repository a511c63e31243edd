/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  The Prometheus endpoint: a background worker that serves the
 *	  counters of stat.c and the job worker's status in the Prometheus
 *	  text format, over HTTP (libmicrohttpd).
 *
 * When milvus is in shared_preload_libraries, MetricsInit registers a
 * second background worker, "milvus metrics", without a database
 * connection.  It listens only while milvus.metrics_port is not 0 (the
 * default is 0: off), on milvus.metrics_listen_address (default
 * 127.0.0.1); both are read at its start and again at every configuration
 * reload (SIGHUP), which opens, moves or closes the listening socket.
 *
 * libmicrohttpd runs in its external epoll mode inside the worker's own
 * loop: the worker waits on its latch and on the daemon's epoll
 * descriptor, renders a fresh snapshot of the counters when the last is
 * older than milvus.metrics_refresh_interval (PostgreSQL code: LWLock,
 * palloc) and then lets the daemon serve requests (MHD_run).  The request
 * handler, called from MHD_run in the same thread, checks the request's
 * credentials against those the worker read from milvus.metrics_auth_file
 * and queues the one shared, reference-counted response of the last
 * render: it calls no PostgreSQL function, so no error can unwind through
 * the library, and a flood of requests costs no rendering.  There is no
 * other thread.
 *
 * IDENTIFICATION
 *	  src/metrics.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_METRICS_H
#define MILVUS_METRICS_H

#include "postgres.h"

#include "lib/stringinfo.h"

/* settings */
extern int	milvus_metrics_port;
extern char *milvus_metrics_listen_address;
extern char *milvus_metrics_auth_file;
extern int	milvus_metrics_refresh_interval;	/* ms */

/* Settings; and the worker when preloading. */
extern void MetricsInit(void);

/* Append the Prometheus text of every metric family to buf. */
extern void MetricsRender(StringInfo buf);

/* the worker's entry point (named in its registration) */
extern PGDLLEXPORT void milvus_metrics_main(Datum main_arg);

#endif							/* MILVUS_METRICS_H */
