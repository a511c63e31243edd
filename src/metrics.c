/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  The Prometheus endpoint: settings, the "milvus metrics" background
 *	  worker with its libmicrohttpd daemon, and the text it serves.
 *
 * See metrics.h for the threading: one thread, libmicrohttpd in external
 * epoll mode, the text rendered by the worker (at most once per
 * milvus.metrics_refresh_interval) before MHD_run, into one response that
 * every request until the next render shares.
 *
 * Who sees what: with milvus.metrics_auth_file set, every request needs
 * HTTP basic credentials from that file (401 otherwise) and gets the whole
 * text, as milvus_metrics() gives pg_monitor; without it, the endpoint
 * serves the redacted text: the index families summed per access method,
 * labelled with index_type only, so no database, schema, table or index
 * name reaches a reader who proved nothing.
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
#include <sys/stat.h>

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
/*
 * Connections: an idle one (nothing sent, or a request never finished) is
 * closed after METRICS_CONNECTION_TIMEOUT seconds, and the daemon holds up
 * to METRICS_MAX_CONNECTIONS at once, so a few idle sockets cannot lock
 * Prometheus out (each costs a descriptor and libmicrohttpd's 32 kB).
 */
#define METRICS_MAX_CONNECTIONS		256
#define METRICS_CONNECTION_TIMEOUT	5	/* seconds */
#define METRICS_IDLE_WAIT_MS		10000L
#define METRICS_CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_REALM				"milvus metrics"
#define METRICS_MAX_LINE			1024	/* of the credentials file */

int			milvus_metrics_port = 0;
char	   *milvus_metrics_listen_address = NULL;
char	   *milvus_metrics_auth_file = NULL;
int			milvus_metrics_refresh_interval = 1000;

/* One user:password line of milvus.metrics_auth_file */
typedef struct MetricsCredential
{
	char	   *user;
	char	   *password;
} MetricsCredential;

/*
 * Worker side: the daemon, what it listens on, the credentials, and the
 * response every request shares until the next render.
 */
static struct MHD_Daemon *daemon_ = NULL;
static int	daemon_port = 0;
static char daemon_address[256] = "";
static StringInfoData metrics_text;
static MetricsCredential *credentials = NULL;
static int	ncredentials = 0;
static struct MHD_Response *cached_response = NULL;
static TimestampTz rendered_at = 0;
static struct MHD_Response *unauthorized_response = NULL;

/* render the index samples with names (false: index_type only) */
static bool render_names = true;

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
	DefineCustomStringVariable("milvus.metrics_auth_file",
							   "Sets the file of the Prometheus endpoint's credentials",
							   "One user:password line per credential; "
							   "requests then need HTTP basic authentication "
							   "and get every index's samples.  Empty serves "
							   "totals per index type without names.  The "
							   "file must not be readable by group or others.",
							   &milvus_metrics_auth_file, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("milvus.metrics_refresh_interval",
							"Sets how often the Prometheus endpoint renders its text",
							"Requests in between get the last rendered copy.",
							&milvus_metrics_refresh_interval, 1000, 100,
							3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
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
	if (!render_names)
	{
		appendStringInfo(buf, "%s{index_type=\"", name);
		AppendLabelValue(buf, NameStr(d->amname));
		appendStringInfo(buf, "\"%s%s} ", extra ? "," : "", extra ? extra : "");
		return;
	}
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
 * The entries of snap summed per access method, into snap itself (names
 * other than amname left empty, no build duration); returns their number.
 */
static int
SumByIndexType(StatIndexData *snap, int n)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
	{
		StatIndexData d = snap[i];	/* snap[i] may be overwritten below */
		StatIndexData *sum;
		int			j = 0;

		while (j < m && strcmp(NameStr(snap[j].amname), NameStr(d.amname)) != 0)
			j++;
		sum = &snap[j];
		if (j == m)
		{
			memset(sum, 0, sizeof(StatIndexData));
			sum->amname = d.amname;
			sum->build_seconds = -1;
			m++;
		}
		sum->last_vacuum = Max(sum->last_vacuum, d.last_vacuum);
		sum->searches += d.searches;
		sum->tuples += d.tuples;
		sum->inserts += d.inserts;
		sum->duration_ns += d.duration_ns;
		for (int b = 0; b <= STAT_NBOUNDS; b++)
			sum->buckets[b] += d.buckets[b];
		sum->rows += d.rows;
		sum->size_bytes += d.size_bytes;
	}
	return m;
}

/*
 * The text an unauthenticated reader gets: the same families, the index
 * ones summed per access method and labelled with index_type only.
 */
static void
MetricsRenderRedacted(StringInfo buf)
{
	StatIndexData *snap;
	int			n;

	snap = StatSnapshot(&n);
	n = SumByIndexType(snap, n);
	render_names = false;
	AppendIndexFamilies(buf, snap, n);
	render_names = true;
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
 * Whether a and b are equal, in a time that depends on their lengths only
 * (not on where they first differ).  Plain C: called from the handler.
 */
static bool
SecretEqual(const char *a, const char *b)
{
	size_t		la = strlen(a);
	size_t		lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char) a[i] ^ (unsigned char) b[i % (lb + 1)];
	return diff == 0;
}

/*
 * Whether the request carries the HTTP basic credentials of a line of
 * milvus.metrics_auth_file.  Calls no PostgreSQL function.
 */
static bool
Authorized(struct MHD_Connection *conn)
{
	char	   *password = NULL;
	char	   *user = MHD_basic_auth_get_username_password(conn, &password);
	bool		ok = false;

	if (user != NULL && password != NULL)
		for (int i = 0; i < ncredentials; i++)
			ok |= SecretEqual(user, credentials[i].user) &
				SecretEqual(password, credentials[i].password);
	if (user != NULL)
		MHD_free(user);
	if (password != NULL)
		MHD_free(password);
	return ok;
}

/*
 * libmicrohttpd's request handler: GET /metrics gets the response rendered
 * last (after a 401 when credentials are configured and the request lacks
 * them); anything else 404.  Calls no PostgreSQL function.
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

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return MHD_NO;			/* closes the connection */
	if (strcmp(url, "/metrics") != 0)
	{
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1,
											   (void *) not_found,
											   MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		ret = MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (ncredentials > 0 && !Authorized(conn))
	{
		if (unauthorized_response == NULL)
			return MHD_NO;
		return MHD_queue_basic_auth_fail_response(conn, METRICS_REALM,
												  unauthorized_response);
	}
	if (cached_response == NULL)
		return MHD_NO;
	/* the response is reference-counted: every request shares this copy */
	return MHD_queue_response(conn, MHD_HTTP_OK, cached_response);
}

/*
 * Render the text again when the last copy is older than
 * milvus.metrics_refresh_interval (or there is none), into a new shared
 * response; requests still sending the old one keep it alive.
 */
static void
RefreshResponse(void)
{
	TimestampTz now = GetCurrentTimestamp();
	struct MHD_Response *resp;

	if (cached_response != NULL &&
		!TimestampDifferenceExceeds(rendered_at, now,
									milvus_metrics_refresh_interval))
		return;
	resetStringInfo(&metrics_text);
	if (ncredentials > 0)
		MetricsRender(&metrics_text);
	else
		MetricsRenderRedacted(&metrics_text);
	resp = MHD_create_response_from_buffer(metrics_text.len,
										   metrics_text.data,
										   MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return;					/* out of memory: serve the old copy */
	MHD_add_response_header(resp, "Content-Type", METRICS_CONTENT_TYPE);
	if (cached_response != NULL)
		MHD_destroy_response(cached_response);
	cached_response = resp;
	rendered_at = now;
}

/* Forget the rendered copy: the next loop renders again. */
static void
DropResponse(void)
{
	if (cached_response != NULL)
		MHD_destroy_response(cached_response);
	cached_response = NULL;
}

/*
 * Forget the credentials, wiping the passwords.
 */
static void
FreeCredentials(void)
{
	for (int i = 0; i < ncredentials; i++)
	{
		explicit_bzero(credentials[i].password, strlen(credentials[i].password));
		pfree(credentials[i].user);
		pfree(credentials[i].password);
	}
	if (credentials != NULL)
		pfree(credentials);
	credentials = NULL;
	ncredentials = 0;
}

/*
 * Add one user:password line (without its newline) to the credentials;
 * false when it has no colon or an empty user.
 */
static bool
AddCredential(const char *line, int *room)
{
	const char *colon = strchr(line, ':');
	MemoryContext old;

	if (colon == NULL || colon == line)
		return false;
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (ncredentials == *room)
	{
		*room = *room == 0 ? 4 : *room * 2;
		credentials = credentials == NULL ?
			palloc(sizeof(MetricsCredential) * *room) :
			repalloc(credentials, sizeof(MetricsCredential) * *room);
	}
	credentials[ncredentials].user = pnstrdup(line, colon - line);
	credentials[ncredentials].password = pstrdup(colon + 1);
	ncredentials++;
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Read milvus.metrics_auth_file (nothing when it is empty).  Returns false,
 * after a WARNING, when it is set but unusable (missing, readable by group
 * or others, a bad line, no credential): the endpoint then stays off
 * rather than serve without the protection asked for.
 */
static bool
LoadCredentials(void)
{
	const char *path = milvus_metrics_auth_file;
	FILE	   *f;
	struct stat st;
	char		line[METRICS_MAX_LINE];
	int			room = 0;
	int			lineno = 0;
	bool		ok = true;

	FreeCredentials();
	if (path == NULL || path[0] == '\0')
		return true;
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), &st) != 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not read milvus.metrics_auth_file \"%s\": %m", path),
				 errdetail("The Prometheus endpoint is off until the next configuration reload.")));
		if (f != NULL)
			fclose(f);
		return false;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("milvus.metrics_auth_file \"%s\" is not a regular file or has group or world access", path),
				 errdetail("The Prometheus endpoint is off until the next configuration reload."),
				 errhint("Make it a file of the server's user with permissions u=rw (0600) or less.")));
		fclose(f);
		return false;
	}
	while (ok && fgets(line, sizeof(line), f) != NULL)
	{
		size_t		len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n')
			ok = false;			/* too long */
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (ok && len > 0 && line[0] != '#')
			ok = AddCredential(line, &room);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (ok && ncredentials > 0)
		return true;
	ereport(WARNING,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 ok ? errmsg("milvus.metrics_auth_file \"%s\" holds no credential", path) :
			 errmsg("invalid line %d in milvus.metrics_auth_file \"%s\"", lineno, path),
			 errdetail("Each line is user:password; the Prometheus endpoint is off until the next configuration reload.")));
	FreeCredentials();
	return false;
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
	DropResponse();
	if (milvus_metrics_port == 0 || !LoadCredentials())
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
 * Reload the configuration and the credentials; restart the daemon when
 * its settings changed, or try again when it could not start.
 */
static void
ReloadSettings(void)
{
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	DropResponse();				/* the credentials or the interval may change */
	if (milvus_metrics_port == daemon_port &&
		strcmp(milvus_metrics_listen_address, daemon_address) == 0 &&
		(daemon_ != NULL || milvus_metrics_port == 0))
	{
		/* the file's content may have changed under the same name */
		if (daemon_ != NULL && !LoadCredentials())
			StopDaemon();
		return;
	}
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
 * render (at most once per milvus.metrics_refresh_interval) and serve
 * while it is open.
 */
void
milvus_metrics_main(Datum main_arg)
{
	static const char unauthorized[] = "authentication required\n";
	TimestampTz forgot_at = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	before_shmem_exit(MetricsExit, 0);

	initStringInfo(&metrics_text);	/* TopMemoryContext: lives on */
	unauthorized_response =
		MHD_create_response_from_buffer(sizeof(unauthorized) - 1,
										(void *) unauthorized,
										MHD_RESPMEM_PERSISTENT);
	StartDaemon();
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			ReloadSettings();
		if (TimestampDifferenceExceeds(forgot_at, GetCurrentTimestamp(),
									   METRICS_IDLE_WAIT_MS))
		{
			/* the periodic pass over dropped databases' counters */
			StatForgetDroppedDatabases();
			forgot_at = GetCurrentTimestamp();
		}
		if (daemon_ != NULL)
		{
			RefreshResponse();
			MHD_run(daemon_);
		}
		WaitForWork();
	}
}
