/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  The Prometheus endpoint: settings, the "milvus metrics" background
 *	  worker with its libmicrohttpd daemon, and the text it serves.
 *
 * See metrics.h for the threading: one thread, libmicrohttpd in external
 * epoll mode, the text rendered by the worker before each MHD_run.
 *
 * Metric families (names after Milvus's where one applies; every index
 * sample has the labels database, schema, table, index and index_type):
 *
 *	milvus_search_requests_total		counter, searches (index scans)
 *	milvus_search_returned_rows_total	counter, rows the searches returned
 *	milvus_search_duration_seconds		histogram, amrescan to amendscan
 *	milvus_insert_requests_total		counter, rows inserted
 *	milvus_index_build_duration_seconds gauge, the last build
 *	milvus_index_rows					gauge, see stat.c
 *	milvus_index_size_bytes				gauge, see stat.c
 *	milvus_index_last_vacuum_timestamp_seconds gauge
 *	milvus_worker_jobs_*				the job worker's queue and counters
 *	milvus_gpu_memory_bytes				the worker's GPU memory, with a GPU
 *
 * IDENTIFICATION
 *	  src/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "metrics.h"
#include "stat.h"
#include "worker.h"

#define METRICS_RESTART_SECONDS		1
#define METRICS_MAX_CONNECTIONS		16
#define METRICS_CONNECTION_TIMEOUT	10	/* seconds */
#define METRICS_IDLE_WAIT_MS		10000L
#define METRICS_CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"

int			milvus_metrics_port = 0;
char	   *milvus_metrics_listen_address = NULL;

/* worker side: the daemon, what it listens on, and the text it serves */
static struct MHD_Daemon *daemon_ = NULL;
static int	daemon_port = 0;
static char daemon_address[256] = "";
static StringInfoData metrics_text;

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_metrics);

/* ----------------------------------------------------------------
 *		Settings and registration
 * ----------------------------------------------------------------
 */

/*
 * The milvus.metrics_* settings, and the worker when preloading.
 */
void
MetricsInit(void)
{
	BackgroundWorker bgw;

	DefineCustomIntVariable("milvus.metrics_port",
							"Sets the TCP port of the Prometheus endpoint",
							"0 turns the endpoint off.  It needs milvus in "
							"shared_preload_libraries; a reload applies a "
							"change.",
							&milvus_metrics_port, 0, 0, 65535,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("milvus.metrics_listen_address",
							   "Sets the address the Prometheus endpoint listens on",
							   "One IPv4 or IPv6 address or host name; * "
							   "means every IPv4 address.",
							   &milvus_metrics_listen_address, "127.0.0.1",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS;
	bgw.bgw_start_time = BgWorkerStart_PostmasterStart;
	bgw.bgw_restart_time = METRICS_RESTART_SECONDS;
	strlcpy(bgw.bgw_library_name, "milvus", sizeof(bgw.bgw_library_name));
	strlcpy(bgw.bgw_function_name, "milvus_metrics_main",
			sizeof(bgw.bgw_function_name));
	strlcpy(bgw.bgw_name, "milvus metrics", sizeof(bgw.bgw_name));
	strlcpy(bgw.bgw_type, "milvus metrics", sizeof(bgw.bgw_type));
	RegisterBackgroundWorker(&bgw);
}

/* ----------------------------------------------------------------
 *		The text format
 * ----------------------------------------------------------------
 */

/*
 * Append a label value, escaped as the text format wants.
 */
static void
AppendLabelValue(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		if (*s == '\\' || *s == '"')
			appendStringInfoChar(buf, '\\');
		if (*s == '\n')
			appendStringInfoString(buf, "\\n");
		else
			appendStringInfoChar(buf, *s);
	}
}

/* the # HELP and # TYPE lines of a family */
static void
AppendFamily(StringInfo buf, const char *name, const char *type,
			 const char *help)
{
	appendStringInfo(buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
					 type);
}

/*
 * Append name{labels of d[,extra]} (a sample without its value).
 */
static void
AppendIndexSample(StringInfo buf, const char *name, const StatIndexData *d,
				  const char *extra)
{
	appendStringInfo(buf, "%s{database=\"", name);
	AppendLabelValue(buf, NameStr(d->dbname));
	appendStringInfoString(buf, "\",schema=\"");
	AppendLabelValue(buf, NameStr(d->schema));
	appendStringInfoString(buf, "\",table=\"");
	AppendLabelValue(buf, NameStr(d->table));
	appendStringInfoString(buf, "\",index=\"");
	AppendLabelValue(buf, NameStr(d->index));
	appendStringInfoString(buf, "\",index_type=\"");
	AppendLabelValue(buf, NameStr(d->amname));
	appendStringInfo(buf, "\"%s%s} ", extra ? "," : "", extra ? extra : "");
}

/*
 * The search duration histogram of every index: cumulative buckets,
 * +Inf, sum and count.
 */
static void
AppendHistograms(StringInfo buf, const StatIndexData *snap, int n)
{
	const char *name = "milvus_search_duration_seconds";
	char		le[64];

	AppendFamily(buf, name, "histogram",
				 "Search latency in the index, from amrescan to the end of the scan.");
	for (int i = 0; i < n; i++)
	{
		int64		cumulative = 0;

		for (int b = 0; b <= STAT_NBOUNDS; b++)
		{
			cumulative += snap[i].buckets[b];
			if (b < STAT_NBOUNDS)
				snprintf(le, sizeof(le), "le=\"%g\"", StatBucketBounds[b]);
			else
				strlcpy(le, "le=\"+Inf\"", sizeof(le));
			AppendIndexSample(buf, "milvus_search_duration_seconds_bucket",
							  &snap[i], le);
			appendStringInfo(buf, INT64_FORMAT "\n", cumulative);
		}
		AppendIndexSample(buf, "milvus_search_duration_seconds_sum", &snap[i],
						  NULL);
		appendStringInfo(buf, "%.9f\n", snap[i].duration_ns / 1e9);
		AppendIndexSample(buf, "milvus_search_duration_seconds_count",
						  &snap[i], NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", cumulative);
	}
}

/*
 * The per-index families.
 */
static void
AppendIndexFamilies(StringInfo buf, const StatIndexData *snap, int n)
{
	AppendFamily(buf, "milvus_search_requests_total", "counter",
				 "Searches (index scans and rescans) of the index.");
	for (int i = 0; i < n; i++)
	{
		AppendIndexSample(buf, "milvus_search_requests_total", &snap[i], NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", snap[i].searches);
	}
	AppendFamily(buf, "milvus_search_returned_rows_total", "counter",
				 "Rows the searches of the index returned.");
	for (int i = 0; i < n; i++)
	{
		AppendIndexSample(buf, "milvus_search_returned_rows_total", &snap[i],
						  NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", snap[i].tuples);
	}
	AppendHistograms(buf, snap, n);
	AppendFamily(buf, "milvus_insert_requests_total", "counter",
				 "Rows inserted into the index.");
	for (int i = 0; i < n; i++)
	{
		AppendIndexSample(buf, "milvus_insert_requests_total", &snap[i], NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", snap[i].inserts);
	}
	AppendFamily(buf, "milvus_index_build_duration_seconds", "gauge",
				 "Duration of the index's last build.");
	for (int i = 0; i < n; i++)
		if (snap[i].build_seconds >= 0)
		{
			AppendIndexSample(buf, "milvus_index_build_duration_seconds",
							  &snap[i], NULL);
			appendStringInfo(buf, "%.6f\n", snap[i].build_seconds);
		}
	AppendFamily(buf, "milvus_index_rows", "gauge",
				 "Index entries at the last build or vacuum, plus the inserts since.");
	for (int i = 0; i < n; i++)
	{
		AppendIndexSample(buf, "milvus_index_rows", &snap[i], NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", snap[i].rows);
	}
	AppendFamily(buf, "milvus_index_size_bytes", "gauge",
				 "Size of the index on disk at its last scan, insert, build or vacuum.");
	for (int i = 0; i < n; i++)
	{
		AppendIndexSample(buf, "milvus_index_size_bytes", &snap[i], NULL);
		appendStringInfo(buf, INT64_FORMAT "\n", snap[i].size_bytes);
	}
	AppendFamily(buf, "milvus_index_last_vacuum_timestamp_seconds", "gauge",
				 "Unix time of the index's last vacuum.");
	for (int i = 0; i < n; i++)
		if (snap[i].last_vacuum != 0)
		{
			AppendIndexSample(buf, "milvus_index_last_vacuum_timestamp_seconds",
							  &snap[i], NULL);
			appendStringInfo(buf, "%.3f\n",
							 (double) timestamptz_to_time_t(snap[i].last_vacuum) +
							 (snap[i].last_vacuum % USECS_PER_SEC) / 1e6);
		}
}

/* one family with one unlabelled sample */
static void
AppendSingle(StringInfo buf, const char *name, const char *type,
			 const char *help, int64 value)
{
	AppendFamily(buf, name, type, help);
	appendStringInfo(buf, "%s " INT64_FORMAT "\n", name, value);
}

/*
 * The job worker's families.
 */
static void
AppendWorkerFamilies(StringInfo buf)
{
	WorkerStatusData st;

	WorkerGetStatus(&st);
	AppendSingle(buf, "milvus_worker_jobs_queued", "gauge",
				 "Background worker jobs waiting.", st.queued);
	AppendSingle(buf, "milvus_worker_jobs_running", "gauge",
				 "Background worker jobs running.", st.running);
	AppendSingle(buf, "milvus_worker_jobs_finished_total", "counter",
				 "Background worker jobs finished.", st.finished);
	AppendSingle(buf, "milvus_worker_jobs_failed_total", "counter",
				 "Background worker jobs failed.", st.failed);
	AppendSingle(buf, "milvus_worker_jobs_cancelled_total", "counter",
				 "Background worker jobs given up by their backend.",
				 st.cancelled);
	AppendSingle(buf, "milvus_worker_gpu_jobs_total", "counter",
				 "Background worker jobs finished on the GPU.", st.gpu_jobs);
	AppendSingle(buf, "milvus_worker_job_memory_bytes", "gauge",
				 "Shared memory of the queued and running jobs.",
				 st.job_memory);
	AppendSingle(buf, "milvus_worker_restarts_total", "counter",
				 "Restarts of the background worker.", st.restarts);
	if (st.device_memory >= 0)
	{
		AppendFamily(buf, "milvus_gpu_memory_bytes", "gauge",
					 "Memory of the GPU the background worker uses.");
		appendStringInfoString(buf, "milvus_gpu_memory_bytes{device=\"");
		AppendLabelValue(buf, st.device);
		appendStringInfo(buf, "\"} " INT64_FORMAT "\n", st.device_memory);
	}
}

/*
 * Append the text of every family; see metrics.h.
 */
void
MetricsRender(StringInfo buf)
{
	StatIndexData *snap;
	int			n;

	snap = StatSnapshot(&n);
	AppendIndexFamilies(buf, snap, n);
	AppendWorkerFamilies(buf);
	if (snap != NULL)
		pfree(snap);
}

/*
 * milvus_metrics(): the text the endpoint serves, from SQL.
 */
Datum
milvus_metrics(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	MetricsRender(&buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* ----------------------------------------------------------------
 *		The worker
 * ----------------------------------------------------------------
 */

/*
 * libmicrohttpd's request handler: GET /metrics gets the text rendered
 * before this MHD_run; anything else 404.  Calls no PostgreSQL function.
 */
static enum MHD_Result
HandleRequest(void *cls, struct MHD_Connection *conn, const char *url,
			  const char *method, const char *version,
			  const char *upload_data, size_t *upload_data_size,
			  void **con_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool		ok = strcmp(url, "/metrics") == 0;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return MHD_NO;			/* closes the connection */
	if (ok)
		resp = MHD_create_response_from_buffer(metrics_text.len,
											   metrics_text.data,
											   MHD_RESPMEM_MUST_COPY);
	else
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1,
											   (void *) not_found,
											   MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", METRICS_CONTENT_TYPE);
	ret = MHD_queue_response(conn, ok ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND,
							 resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Stop the daemon, closing its socket.
 */
static void
StopDaemon(void)
{
	if (daemon_ != NULL)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}

/* before_shmem_exit callback: close the socket */
static void
MetricsExit(int code, Datum arg)
{
	StopDaemon();
}

/*
 * Start the daemon on the current settings (nothing when the port is 0);
 * a failure is logged and leaves the endpoint off until the next reload.
 */
static void
StartDaemon(void)
{
	struct addrinfo hints;
	struct addrinfo *addrs = NULL;
	const char *address = milvus_metrics_listen_address;
	int			rc;

	daemon_port = milvus_metrics_port;
	strlcpy(daemon_address, address, sizeof(daemon_address));
	if (milvus_metrics_port == 0)
		return;
	if (strcmp(address, "*") == 0)
		address = "0.0.0.0";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(address, NULL, &hints, &addrs);
	if (rc != 0 || addrs == NULL)
	{
		ereport(WARNING,
				(errmsg("invalid milvus.metrics_listen_address \"%s\": %s",
						address, gai_strerror(rc)),
				 errdetail("The Prometheus endpoint is off.")));
		return;
	}
	/* libmicrohttpd binds to the port in the address, not its argument */
	if (addrs->ai_family == AF_INET6)
		((struct sockaddr_in6 *) addrs->ai_addr)->sin6_port =
			htons((uint16_t) milvus_metrics_port);
	else
		((struct sockaddr_in *) addrs->ai_addr)->sin_port =
			htons((uint16_t) milvus_metrics_port);
	daemon_ = MHD_start_daemon(MHD_USE_EPOLL |
							   (addrs->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
							   (uint16_t) milvus_metrics_port, NULL, NULL,
							   HandleRequest, NULL,
							   MHD_OPTION_SOCK_ADDR, addrs->ai_addr,
							   MHD_OPTION_CONNECTION_LIMIT,
							   (unsigned int) METRICS_MAX_CONNECTIONS,
							   MHD_OPTION_CONNECTION_TIMEOUT,
							   (unsigned int) METRICS_CONNECTION_TIMEOUT,
							   MHD_OPTION_END);
	freeaddrinfo(addrs);
	if (daemon_ == NULL)
		ereport(WARNING,
				(errmsg("could not listen on %s port %d for the Prometheus endpoint",
						address, milvus_metrics_port),
				 errdetail("The address may be in use or not local; the endpoint is off until the next configuration reload.")));
	else
		ereport(LOG,
				(errmsg("milvus metrics endpoint listening on %s port %d",
						address, milvus_metrics_port)));
}

/*
 * Reload the configuration; restart the daemon when its settings changed,
 * or try again when it could not start.
 */
static void
ReloadSettings(void)
{
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	if (milvus_metrics_port == daemon_port &&
		strcmp(milvus_metrics_listen_address, daemon_address) == 0 &&
		(daemon_ != NULL || milvus_metrics_port == 0))
		return;
	StopDaemon();
	StartDaemon();
}

/*
 * Sleep until the latch is set, the daemon has work, or its timeout.
 */
static void
WaitForWork(void)
{
	const union MHD_DaemonInfo *info = NULL;
	MHD_UNSIGNED_LONG_LONG mhd_timeout;
	long		timeout = METRICS_IDLE_WAIT_MS;
	int			events = WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH;

	if (daemon_ != NULL)
		info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
	if (info != NULL)
		events |= WL_SOCKET_READABLE;
	if (daemon_ != NULL && MHD_get_timeout(daemon_, &mhd_timeout) == MHD_YES &&
		mhd_timeout < (MHD_UNSIGNED_LONG_LONG) timeout)
		timeout = (long) mhd_timeout;
	(void) WaitLatchOrSocket(MyLatch, events,
							 info != NULL ? info->epoll_fd : PGINVALID_SOCKET,
							 timeout, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/*
 * The worker's entry point: (re)open the endpoint as the settings say;
 * render and serve while it is open.
 */
void
milvus_metrics_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	before_shmem_exit(MetricsExit, 0);

	initStringInfo(&metrics_text);	/* TopMemoryContext: lives on */
	StartDaemon();
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			ReloadSettings();
		if (daemon_ != NULL)
		{
			resetStringInfo(&metrics_text);
			MetricsRender(&metrics_text);
			MHD_run(daemon_);
		}
		WaitForWork();
	}
}
