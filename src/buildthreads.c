/*-------------------------------------------------------------------------
 *
 * buildthreads.c
 *	  milvus.max_build_threads and what the build-thread settings share:
 *	  their check hook and the count a build uses (see buildthreads.h).
 *
 * IDENTIFICATION
 *	  src/buildthreads.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "buildthreads.h"

int			max_build_threads = BUILD_THREADS_DEFAULT_MAX;

/*
 * Define milvus.max_build_threads, once: both access methods that build
 * with threads call this before they define their own setting, so that
 * the cap is in place when those settings' values are checked.
 */
void
BuildThreadsInit(void)
{
	static bool defined = false;

	if (defined)
		return;
	defined = true;
	DefineCustomIntVariable("milvus.max_build_threads",
							"Sets the most threads one index build may use",
							"Caps milvus.hnsw_build_threads and milvus.ivf_build_threads.",
							&max_build_threads, BUILD_THREADS_DEFAULT_MAX,
							1, BUILD_THREADS_LIMIT,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/*
 * Check hook of milvus.hnsw_build_threads and milvus.ivf_build_threads:
 * refuse a count above milvus.max_build_threads from anything a role can
 * set (SET, ALTER ROLE / DATABASE ... SET, the connection).  Values from
 * the configuration file and the command line, which only a superuser
 * writes and which are read in any order, are clamped at use instead.
 */
bool
BuildThreadsCheckHook(int *newval, void **extra, GucSource source)
{
	if (source <= PGC_S_ARGV || *newval <= max_build_threads)
		return true;
	GUC_check_errdetail("%d is more than milvus.max_build_threads (%d).",
						*newval, max_build_threads);
	GUC_check_errhint("A superuser can raise milvus.max_build_threads.");
	return false;
}

/*
 * The threads a build uses for a setting named name of value setting: the
 * setting, or max_parallel_maintenance_workers + 1 for -1, at most
 * milvus.max_build_threads.  An explicit count above the cap (possible
 * only as described in buildthreads.h) is clamped with a NOTICE.
 */
int
BuildThreadsCount(const char *name, int setting)
{
	int			n = setting > 0 ? setting : max_parallel_maintenance_workers + 1;

	if (n > max_build_threads)
	{
		if (setting > 0)
			ereport(NOTICE,
					(errmsg("building with %d threads, not %d: %s is more than milvus.max_build_threads",
							max_build_threads, setting, name)));
		n = max_build_threads;
	}
	elog(DEBUG1, "%s: building with %d threads", name, n);
	return n;
}
