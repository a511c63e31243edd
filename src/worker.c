/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The background worker, its job queue in shared memory, and the
 *	  backend side that submits jobs and waits for them.
 *
 * See worker.h for the protocol.  Shared state is one WorkerShared struct
 * (ShmemInitStruct) protected by one LWLock of our own tranche; the lock
 * is only ever held for a few assignments, never across a wait, an
 * ereport or a job.  Job inputs and outputs live in a DSM segment the
 * submitting backend creates (and its resource owner destroys); the
 * worker attaches to it for the job's duration.
 *
 * The worker has no database connection: it needs none to compute on the
 * segments.  The postmaster restarts it WORKER_RESTART_SECONDS after it
 * exits; WorkerShared survives that (not a crash restart), so the job
 * counters and the restart count carry on.
 *
 * IDENTIFICATION
 *	  src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <unistd.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/dsm.h"
#include "storage/itemptr.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "worker.h"
#include "worker_gpu.h"

#define WORKER_QUEUE_SLOTS			32
#define WORKER_RESTART_SECONDS		1
#define WORKER_JOB_MAGIC			0x4d564a42	/* "MVJB" */
#define WORKER_ERROR_LEN			256
#define WORKER_ABSENT_LIMIT_MS		10000	/* queued, no worker: give up */
#define WORKER_TRANCHE				"milvus worker"
#define WORKER_DEFAULT_TIMEOUT_MS	600000	/* 10 minutes */
#define WORKER_DEFAULT_MEMORY_MB	1024

bool		milvus_gpu_enabled = false;
int			milvus_gpu_device = 0;
int			milvus_gpu_memory_limit = 0;
int			milvus_worker_threads = 0;
int			milvus_worker_timeout = WORKER_DEFAULT_TIMEOUT_MS;
int			milvus_worker_memory_limit = WORKER_DEFAULT_MEMORY_MB;
char	   *milvus_gpu_library = NULL;

typedef enum WorkerJobKind
{
	WORKER_JOB_KNN = 1,
	WORKER_JOB_KMEANS
} WorkerJobKind;

/* The head of a job's DSM segment; see JobLayout for what follows. */
typedef struct WorkerJobHeader
{
	uint32		magic;
	WorkerJobKind kind;
	WorkerMetric metric;
	bool		use_gpu;		/* milvus.gpu_enabled of the submitter */
	int			dim;
	int			k;				/* neighbours, or centroids */
	int			iterations;		/* k-means */
	int			timeout_ms;		/* milvus.worker_timeout of the submitter */
	int64		n;				/* base rows */
	int64		nq;				/* queries (k-NN) */
	double		objective;		/* out: k-means */
} WorkerJobHeader;

/* Offsets in the segment: base, queries (or centroids), distances, labels */
typedef struct JobLayout
{
	Size		base;
	Size		queries;
	Size		distances;
	Size		labels;
	Size		total;
} JobLayout;

typedef enum WorkerSlotState
{
	SLOT_FREE = 0,
	SLOT_QUEUED,
	SLOT_RUNNING,
	SLOT_DONE,
	SLOT_FAILED
} WorkerSlotState;

typedef struct WorkerSlot
{
	WorkerSlotState state;
	dsm_handle	handle;
	PGPROC	   *backend;		/* whose latch to set when done */
	uint64		job_no;			/* submission order */
	uint32		generation;		/* of the worker that took it */
	bool		abandoned;		/* the backend gave up on it */
	bool		timed_out;		/* FAILED: ran past its timeout_ms */
	Size		size;			/* of the segment */
	char		error[WORKER_ERROR_LEN];	/* a sentence, when FAILED */
} WorkerSlot;

typedef struct WorkerShared
{
	LWLock	   *lock;
	pid_t		pid;			/* 0 while no worker runs */
	PGPROC	   *proc;
	uint32		generation;		/* bumped at every worker start */
	int64		starts;
	uint64		next_job_no;
	int64		finished;
	int64		failed;
	int64		cancelled;
	int64		gpu_jobs;
	char		device[64];
	int64		device_memory;
	int			threads;
	WorkerSlot	slots[WORKER_QUEUE_SLOTS];
} WorkerShared;

/* What a job's poll function looks at (worker.c's, not worker_cpu.c's) */
typedef struct JobPoll
{
	volatile WorkerSlot *slot;	/* in the worker; NULL in a backend */
	TimestampTz start;			/* when the job started running */
	int			timeout_ms;		/* 0: none */
	bool		timed_out;		/* out */
} JobPoll;

static WorkerShared *shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* backend side: the slot this backend waits on, -1 when none */
static int	my_job_slot = -1;
static bool exit_callback_registered = false;

/* worker side */
static uint32 my_generation = 0;
static int	my_running_slot = -1;
static MemoryContext job_context = NULL;
static dsm_segment *job_segment = NULL;	/* attached while a job runs */

/* ----------------------------------------------------------------
 *		Settings, shared memory, registration
 * ----------------------------------------------------------------
 */

/*
 * The milvus.gpu_* and milvus.worker_* settings.
 */
static void
DefineSettings(void)
{
	DefineCustomBoolVariable("milvus.gpu_enabled",
							 "Runs batch jobs of this session on the GPU",
							 "The background worker loads libmilvus_gpu.so "
							 "when a GPU is present; otherwise jobs run on "
							 "the CPU.",
							 &milvus_gpu_enabled, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("milvus.gpu_device",
							"Sets the CUDA device the background worker uses",
							"The worker reads it when it first opens the GPU "
							"library; a change takes effect when it restarts.",
							&milvus_gpu_device, 0, 0, 63,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("milvus.gpu_library",
							   "Sets the path of the GPU library",
							   "Empty means $libdir/libmilvus_gpu.so.  The "
							   "worker reads it when it first opens the "
							   "library.",
							   &milvus_gpu_library, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("milvus.gpu_memory_limit",
							"Sets the GPU memory a job may use",
							"0 uses what is free; larger data is processed "
							"in tiles.",
							&milvus_gpu_memory_limit, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MB, NULL, NULL, NULL);
	DefineCustomIntVariable("milvus.worker_threads",
							"Sets the number of threads a CPU batch job uses",
							"0 uses one per CPU.",
							&milvus_worker_threads, 0, 0, WORKER_MAX_THREADS,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	/*
	 * Both limits are SUSET: they protect the one worker and the server's
	 * memory from any single role, so only a superuser may raise them (for a
	 * session, or for a role with ALTER ROLE ... SET).
	 */
	DefineCustomIntVariable("milvus.worker_timeout",
							"Sets the longest time a batch job may run",
							"The worker stops a job that runs longer and goes "
							"on with the next; 0 means no limit.",
							&milvus_worker_timeout, WORKER_DEFAULT_TIMEOUT_MS,
							0, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("milvus.worker_memory_limit",
							"Sets the memory a batch job may use",
							"Rows, queries, results and the job's working "
							"memory; a larger job is refused before any of "
							"it is allocated.",
							&milvus_worker_memory_limit,
							WORKER_DEFAULT_MEMORY_MB, 1, MAX_KILOBYTES / 1024,
							PGC_SUSET, GUC_UNIT_MB, NULL, NULL, NULL);
}

/*
 * shmem_request_hook: room for WorkerShared and its LWLock.
 */
static void
WorkerShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerShared)));
	RequestNamedLWLockTranche(WORKER_TRANCHE, 1);
}

/*
 * shmem_startup_hook: create (or find) WorkerShared.
 */
static void
WorkerShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("milvus worker", sizeof(WorkerShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(WorkerShared));
		shared->lock = &(GetNamedLWLockTranche(WORKER_TRANCHE))->lock;
		strlcpy(shared->device, "cpu", sizeof(shared->device));
		shared->device_memory = -1;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Register the one background worker (at preload time only).
 */
static void
RegisterWorker(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS;
	bgw.bgw_start_time = BgWorkerStart_PostmasterStart;
	bgw.bgw_restart_time = WORKER_RESTART_SECONDS;
	strlcpy(bgw.bgw_library_name, "milvus", sizeof(bgw.bgw_library_name));
	strlcpy(bgw.bgw_function_name, "milvus_worker_main",
			sizeof(bgw.bgw_function_name));
	strlcpy(bgw.bgw_name, "milvus worker", sizeof(bgw.bgw_name));
	strlcpy(bgw.bgw_type, "milvus worker", sizeof(bgw.bgw_type));
	RegisterBackgroundWorker(&bgw);
}

/*
 * Define the settings; when preloading, also reserve the queue and
 * register the worker.
 */
void
WorkerInit(void)
{
	DefineSettings();
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = WorkerShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = WorkerShmemStartup;
	RegisterWorker();
}

/* ----------------------------------------------------------------
 *		Jobs, wherever they run
 * ----------------------------------------------------------------
 */

/*
 * Threads of a CPU job: milvus.worker_threads, or one per online CPU.
 */
static int
WorkerThreads(void)
{
	if (milvus_worker_threads > 0)
		return milvus_worker_threads;
	return WorkerClampThreads(sysconf(_SC_NPROCESSORS_ONLN));
}

/*
 * Describe in *h a job of kind over n rows of dim dimensions, with nq
 * queries (0 for k-means) and k neighbours or centroids; the rest zero.
 */
static void
InitJobHeader(WorkerJobHeader *h, WorkerJobKind kind, int64 n, int64 nq,
			  int dim, int k)
{
	memset(h, 0, sizeof(WorkerJobHeader));
	h->kind = kind;
	h->n = n;
	h->nq = nq;
	h->dim = dim;
	h->k = k;
}

/* rows of the second input: queries (k-NN) or centroids (k-means) */
static inline int64
JobRows(const WorkerJobHeader *h)
{
	return h->kind == WORKER_JOB_KNN ? h->nq : h->k;
}

/*
 * Where each part of a job's segment starts, and its total size.
 */
static void
ComputeLayout(const WorkerJobHeader *h, JobLayout *l)
{
	int64		nq = JobRows(h);
	int64		nresults = h->kind == WORKER_JOB_KNN ? h->nq * h->k : 0;

	l->base = MAXALIGN(sizeof(WorkerJobHeader));
	l->queries = l->base + MAXALIGN(sizeof(float) * h->n * h->dim);
	l->distances = l->queries + MAXALIGN(sizeof(float) * nq * h->dim);
	l->labels = l->distances + MAXALIGN(sizeof(double) * nresults);
	l->total = l->labels + MAXALIGN(sizeof(int64) * nresults);
}

/*
 * Every byte a job allocates, in both processes: the submitting backend's
 * arrays (rows, queries or centroids, results), the same again in the
 * job's segment, and what the CPU threads allocate on top (k-NN over fewer
 * query blocks than threads splits the rows into parts with a result heap
 * each; k-means keeps an assignment per row and the update step's sums).
 */
static double
JobMemory(const WorkerJobHeader *h)
{
	JobLayout	l;
	double		bytes;
	int			threads = WorkerThreads();

	ComputeLayout(h, &l);
	bytes = 2.0 * l.total;
	if (h->kind == WORKER_JOB_KNN)
	{
		bytes += (double) h->n * sizeof(ItemPointerData);	/* row ids */
		if (h->nq < (int64) 8 * threads)	/* 8: KNN_QUERY_BLOCK */
			bytes += (double) threads * h->nq *
				(sizeof(int) + h->k * (sizeof(double) + sizeof(int64)));
		else
			bytes += (double) h->nq * sizeof(int);
	}
	else
		bytes += (double) h->n * sizeof(int32) +
			(double) h->k * h->dim * sizeof(double) +
			(double) h->k * sizeof(int64);
	return bytes;
}

/*
 * Refuse the job described by h when it needs more than
 * milvus.worker_memory_limit; see worker.h.
 */
static void
CheckJobMemory(const WorkerJobHeader *h)
{
	double		bytes = JobMemory(h);
	double		limit = (double) milvus_worker_memory_limit * 1024 * 1024;

	if (bytes <= limit)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("batch job needs %.0f MB of memory, more than milvus.worker_memory_limit (%d MB)",
					ceil(bytes / (1024 * 1024)), milvus_worker_memory_limit),
			 h->kind == WORKER_JOB_KNN ?
			 errdetail("The job holds %lld rows and %lld queries of %d dimensions, and %lld results (k = %d).",
					   (long long) h->n, (long long) h->nq, h->dim,
					   (long long) h->nq * h->k, h->k) :
			 errdetail("The job holds %lld rows of %d dimensions and %d centroids.",
					   (long long) h->n, h->dim, h->k),
			 errhint("Use fewer queries, a smaller k or fewer rows, or ask a superuser to raise milvus.worker_memory_limit.")));
}

/*
 * The most rows a job of this shape may hold within
 * milvus.worker_memory_limit (0 when even none fit); see worker.h.
 */
int64
WorkerMaxRows(bool knn, int64 nq, int dim, int k)
{
	WorkerJobHeader h;
	double		limit = (double) milvus_worker_memory_limit * 1024 * 1024;
	int64		lo = 0;
	int64		hi = (int64) 1 << 40;

	InitJobHeader(&h, knn ? WORKER_JOB_KNN : WORKER_JOB_KMEANS, 0, nq, dim, k);
	while (lo < hi)
	{
		h.n = lo + (hi - lo + 1) / 2;
		if (JobMemory(&h) <= limit)
			lo = h.n;
		else
			hi = h.n - 1;
	}
	return lo;
}

/*
 * The memory checks of batch.c; see worker.h.
 */
void
WorkerCheckKnnMemory(int64 n, int64 nq, int dim, int k)
{
	WorkerJobHeader h;

	InitJobHeader(&h, WORKER_JOB_KNN, n, nq, dim, k);
	CheckJobMemory(&h);
}

void
WorkerCheckKmeansMemory(int64 n, int dim, int k)
{
	WorkerJobHeader h;

	InitJobHeader(&h, WORKER_JOB_KMEANS, n, 0, dim, k);
	CheckJobMemory(&h);
}

/*
 * Whether this process can run the job on the GPU; the first time, open
 * the library and publish the device in the status.
 */
static bool
GpuReady(void)
{
	char		name[64];
	char		why[256];
	int64		memory;

	if (!WorkerGpuOpen(milvus_gpu_library, milvus_gpu_device, name,
					   sizeof(name), &memory, why, sizeof(why)))
		return false;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	strlcpy(shared->device, name, sizeof(shared->device));
	shared->device_memory = memory;
	LWLockRelease(shared->lock);
	return true;
}

/*
 * Run a job on the segment at seg: on the GPU when allowed and it serves
 * the job, else (or when the GPU fails) with the CPU threads.
 */
static MvStatus
ExecuteJob(WorkerJobHeader *h, char *seg, bool allow_gpu,
		   WorkerPollFn poll, void *poll_arg)
{
	JobLayout	l;
	float	   *base;
	float	   *queries;
	double	   *distances;
	int64	   *labels;
	size_t		limit = (size_t) milvus_gpu_memory_limit * 1024 * 1024;
	char		err[256];

	ComputeLayout(h, &l);
	base = (float *) (seg + l.base);
	queries = (float *) (seg + l.queries);
	distances = (double *) (seg + l.distances);
	labels = (int64 *) (seg + l.labels);

	if (allow_gpu && h->use_gpu &&
		(h->kind == WORKER_JOB_KMEANS || h->metric != WORKER_METRIC_L1) &&
		GpuReady())
	{
		bool		ok;

		if (h->kind == WORKER_JOB_KNN)
			ok = WorkerGpuKnn(milvus_gpu_device, limit, h->metric, base,
							  h->n, queries, h->nq, h->dim, h->k,
							  distances, labels, err, sizeof(err));
		else
			ok = WorkerGpuKmeans(milvus_gpu_device, limit, base, h->n,
								 h->dim, h->k, h->iterations, queries,
								 &h->objective, err, sizeof(err));
		if (ok)
		{
			LWLockAcquire(shared->lock, LW_EXCLUSIVE);
			shared->gpu_jobs++;
			LWLockRelease(shared->lock);
			return MV_OK;
		}
		ereport(LOG,
				(errmsg("milvus background worker: GPU job failed, running it on the CPU"),
				 errdetail("libmilvus_gpu.so reported: %s.", err)));
	}
	if (h->kind == WORKER_JOB_KNN)
		return WorkerCpuKnn(h->metric, base, h->n, queries, h->nq, h->dim,
							h->k, WorkerThreads(), distances, labels,
							poll, poll_arg);
	return WorkerCpuKmeans(base, h->n, h->dim, h->k, h->iterations,
						   WorkerThreads(), queries, &h->objective,
						   poll, poll_arg);
}

/* ----------------------------------------------------------------
 *		Backend side
 * ----------------------------------------------------------------
 */

/*
 * Whether the job polled through p ran past its milvus.worker_timeout;
 * once true, stays true.
 */
static bool
PollTimedOut(JobPoll *p)
{
	if (!p->timed_out && p->timeout_ms > 0 &&
		TimestampDifferenceExceeds(p->start, GetCurrentTimestamp(),
								   p->timeout_ms))
		p->timed_out = true;
	return p->timed_out;
}

/*
 * The error of a job stopped by milvus.worker_timeout, in the backend that
 * submitted it.
 */
static void
TimeoutError(int timeout_ms)
{
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("background worker job timed out after %d ms", timeout_ms),
			 errdetail("The job ran longer than milvus.worker_timeout allows and was stopped."),
			 errhint("Use fewer rows, queries or iterations, or ask a superuser to raise milvus.worker_timeout.")));
}

/* Stop a job running in this backend on cancel, termination or timeout. */
static bool
BackendPoll(void *arg)
{
	return QueryCancelPending || ProcDiePending || PollTimedOut((JobPoll *) arg);
}

/*
 * Give up on the slot this backend submitted: free it, or, while the
 * worker runs it, mark it abandoned (the worker stops and frees it).
 */
static void
AbandonJob(int slotno)
{
	WorkerSlot *slot = &shared->slots[slotno];

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (slot->state == SLOT_QUEUED)
	{
		slot->state = SLOT_FREE;
		shared->cancelled++;
	}
	else if (slot->state == SLOT_RUNNING &&
			 (shared->pid == 0 || slot->generation != shared->generation))
	{
		slot->state = SLOT_FREE;	/* its worker is gone */
		shared->failed++;
	}
	else if (slot->state == SLOT_RUNNING)
		slot->abandoned = true;
	else
		slot->state = SLOT_FREE;
	LWLockRelease(shared->lock);
	my_job_slot = -1;
}

/*
 * before_shmem_exit callback: give up the job of a backend that exits.
 */
static void
BackendExit(int code, Datum arg)
{
	if (my_job_slot >= 0)
		AbandonJob(my_job_slot);
}

/*
 * Sleep until our latch is set or 100 ms pass, then service interrupts.
 */
static void
WaitAWhile(void)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 100L, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Put the segment into a free slot (waiting for one) and wake the worker.
 */
static void
EnqueueJob(dsm_segment *seg, Size size)
{
	PGPROC	   *worker = NULL;

	while (my_job_slot < 0)
	{
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		for (int i = 0; i < WORKER_QUEUE_SLOTS; i++)
		{
			WorkerSlot *slot = &shared->slots[i];

			if (slot->state != SLOT_FREE)
				continue;
			memset(slot, 0, sizeof(WorkerSlot));
			slot->state = SLOT_QUEUED;
			slot->handle = dsm_segment_handle(seg);
			slot->backend = MyProc;
			slot->job_no = shared->next_job_no++;
			slot->size = size;
			my_job_slot = i;
			worker = shared->proc;
			break;
		}
		LWLockRelease(shared->lock);
		if (my_job_slot < 0)
			WaitAWhile();
	}
	if (worker != NULL)
		SetLatch(&worker->procLatch);
}

/*
 * Wait until the worker finishes our slot; free it.  Returns true when the
 * job succeeded, else false with the worker's sentence in error and
 * *timed_out set when milvus.worker_timeout stopped it.  The wait itself
 * has no limit of its own: the worker bounds every job's running time,
 * and statement_timeout bounds the whole statement.
 */
static bool
WaitForJob(char *error, bool *timed_out)
{
	WorkerSlot *slot = &shared->slots[my_job_slot];
	TimestampTz absent_since = 0;

	for (;;)
	{
		WorkerSlotState state;
		bool		worker_gone;

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		state = slot->state;
		worker_gone = shared->pid == 0 ||
			(state == SLOT_RUNNING && slot->generation != shared->generation);
		if (state == SLOT_RUNNING && worker_gone)
		{
			state = SLOT_FAILED;
			strlcpy(slot->error,
					"The background worker exited while running the job.",
					WORKER_ERROR_LEN);
			shared->failed++;
		}
		if (state == SLOT_DONE || state == SLOT_FAILED)
		{
			strlcpy(error, slot->error, WORKER_ERROR_LEN);
			*timed_out = state == SLOT_FAILED && slot->timed_out;
			slot->state = SLOT_FREE;
			my_job_slot = -1;
		}
		LWLockRelease(shared->lock);

		if (state == SLOT_DONE || state == SLOT_FAILED)
			return state == SLOT_DONE;
		if (!worker_gone)
			absent_since = 0;
		else if (absent_since == 0)
			absent_since = GetCurrentTimestamp();
		else if (TimestampDifferenceExceeds(absent_since, GetCurrentTimestamp(),
											WORKER_ABSENT_LIMIT_MS))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("milvus background worker is not running"),
					 errhint("See the server log; the worker needs a free background worker slot (max_worker_processes).")));
		WaitAWhile();
	}
}

/*
 * Hand the job in seg to the worker and wait for it; on any error or
 * cancel, give the job up.
 */
static void
RunInWorker(dsm_segment *seg, Size size, int timeout_ms)
{
	char		error[WORKER_ERROR_LEN];
	bool		ok = false;
	bool		timed_out = false;

	if (!exit_callback_registered)
	{
		before_shmem_exit(BackendExit, 0);
		exit_callback_registered = true;
	}
	PG_TRY();
	{
		EnqueueJob(seg, size);
		ok = WaitForJob(error, &timed_out);
	}
	PG_CATCH();
	{
		if (my_job_slot >= 0)
			AbandonJob(my_job_slot);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (timed_out)
		TimeoutError(timeout_ms);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("background worker job failed"),
				 errdetail_internal("%s", error)));
}

/*
 * Run a job in this backend (no worker): same threads, CPU only.
 */
static void
RunHere(WorkerJobHeader *h, char *seg)
{
	JobPoll		jp = {NULL, GetCurrentTimestamp(), h->timeout_ms, false};
	MvStatus	status = ExecuteJob(h, seg, false, BackendPoll, &jp);

	if (status == MV_ERR_INTERRUPTED)
	{
		CHECK_FOR_INTERRUPTS();
		if (jp.timed_out)
			TimeoutError(h->timeout_ms);
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("batch job was interrupted")));
	}
	if (status == MV_ERR_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not start the threads of a batch job.")));
	if (status != MV_OK)
		elog(ERROR, "invalid batch job");
}

/*
 * Build the job's segment (shared memory with a worker, else local memory),
 * copy the header and the two inputs into it, run the job there, and
 * return its address; the caller reads the results and calls FinishJob.
 */
static char *
StartJob(WorkerJobHeader *h, const float *base, const float *queries,
		 dsm_segment **segp)
{
	JobLayout	l;
	char	   *seg;

	h->magic = WORKER_JOB_MAGIC;
	h->use_gpu = milvus_gpu_enabled;
	h->timeout_ms = milvus_worker_timeout;
	ComputeLayout(h, &l);
	if (shared != NULL)
	{
		*segp = dsm_create(l.total, 0);
		seg = dsm_segment_address(*segp);
	}
	else
	{
		*segp = NULL;
		seg = palloc_extended(l.total, MCXT_ALLOC_HUGE);
	}
	memcpy(seg, h, sizeof(WorkerJobHeader));
	memcpy(seg + l.base, base, sizeof(float) * h->n * h->dim);
	memcpy(seg + l.queries, queries, sizeof(float) * JobRows(h) * h->dim);
	if (shared != NULL)
		RunInWorker(*segp, l.total, h->timeout_ms);
	else
		RunHere((WorkerJobHeader *) seg, seg);
	return seg;
}

/*
 * Release the job's memory once its results are read.
 */
static void
FinishJob(dsm_segment *seg, char *addr)
{
	if (seg != NULL)
		dsm_detach(seg);
	else
		pfree(addr);
}

/*
 * k-NN job; see worker.h.
 */
void
WorkerKnn(WorkerMetric metric, const float *base, int64 n,
		  const float *queries, int64 nq, int dim, int k,
		  double *distances, int64 *labels)
{
	WorkerJobHeader h;
	JobLayout	l;
	dsm_segment *seg;
	char	   *addr;

	InitJobHeader(&h, WORKER_JOB_KNN, n, nq, dim, k);
	h.metric = metric;
	ComputeLayout(&h, &l);
	addr = StartJob(&h, base, queries, &seg);
	memcpy(distances, addr + l.distances, sizeof(double) * nq * k);
	memcpy(labels, addr + l.labels, sizeof(int64) * nq * k);
	FinishJob(seg, addr);
}

/*
 * k-means job; see worker.h.
 */
void
WorkerKmeans(const float *x, int64 n, int dim, int k, int iterations,
			 float *centroids, double *objective)
{
	WorkerJobHeader h;
	JobLayout	l;
	dsm_segment *seg;
	char	   *addr;

	InitJobHeader(&h, WORKER_JOB_KMEANS, n, 0, dim, k);
	h.iterations = iterations;
	ComputeLayout(&h, &l);
	addr = StartJob(&h, x, centroids, &seg);
	memcpy(centroids, addr + l.queries, sizeof(float) * k * dim);
	if (objective != NULL)
		*objective = ((WorkerJobHeader *) addr)->objective;
	FinishJob(seg, addr);
}

/*
 * Fill in what milvus_worker_status shows (a consistent snapshot).
 */
void
WorkerGetStatus(WorkerStatusData *st)
{
	memset(st, 0, sizeof(WorkerStatusData));
	st->preloaded = shared != NULL;
	strlcpy(st->device, "cpu", sizeof(st->device));
	st->device_memory = -1;
	st->threads = WorkerThreads();
	if (shared == NULL)
		return;

	LWLockAcquire(shared->lock, LW_SHARED);
	strlcpy(st->device, shared->device, sizeof(st->device));
	st->device_memory = shared->device_memory;
	st->threads = shared->threads;
	for (int i = 0; i < WORKER_QUEUE_SLOTS; i++)
	{
		WorkerSlot *slot = &shared->slots[i];

		if (slot->state == SLOT_QUEUED)
			st->queued++;
		else if (slot->state == SLOT_RUNNING)
			st->running++;
		if (slot->state == SLOT_QUEUED || slot->state == SLOT_RUNNING)
			st->job_memory += slot->size;
	}
	st->finished = shared->finished;
	st->failed = shared->failed;
	st->cancelled = shared->cancelled;
	st->gpu_jobs = shared->gpu_jobs;
	st->pid = shared->pid;
	st->restarts = shared->starts > 0 ? shared->starts - 1 : 0;
	LWLockRelease(shared->lock);
}

/* ----------------------------------------------------------------
 *		Worker side
 * ----------------------------------------------------------------
 */

/*
 * Stop the job when the worker must exit, its backend gave up, or it ran
 * past its milvus.worker_timeout.
 */
static bool
WorkerPoll(void *arg)
{
	JobPoll    *p = (JobPoll *) arg;

	return ProcDiePending || p->slot->abandoned || PollTimedOut(p);
}

/*
 * Record the end of the running job; the caller holds the lock and sets
 * the returned backend's latch (NULL: nobody waits) after releasing it.
 */
static PGPROC *
FinishSlotLocked(bool ok, const char *error, bool timed_out)
{
	WorkerSlot *slot = &shared->slots[my_running_slot];
	PGPROC	   *backend = NULL;

	if (slot->abandoned)
	{
		slot->state = SLOT_FREE;
		shared->cancelled++;
	}
	else
	{
		slot->state = ok ? SLOT_DONE : SLOT_FAILED;
		slot->timed_out = timed_out;
		if (!ok)
			strlcpy(slot->error, error, WORKER_ERROR_LEN);
		if (ok)
			shared->finished++;
		else
			shared->failed++;
		backend = slot->backend;
	}
	my_running_slot = -1;
	return backend;
}

static void
FinishSlot(bool ok, const char *error, bool timed_out)
{
	PGPROC	   *backend;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	backend = FinishSlotLocked(ok, error, timed_out);
	LWLockRelease(shared->lock);
	if (backend != NULL)
		SetLatch(&backend->procLatch);
}

/*
 * On exit: fail the running job and leave the queue, in one step, so that
 * a backend never sees the worker gone while its job still looks alive.
 */
static void
WorkerExit(int code, Datum arg)
{
	PGPROC	   *backend = NULL;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (my_running_slot >= 0)
		backend = FinishSlotLocked(false,
								   "The background worker exited while running the job.",
								   false);
	shared->pid = 0;
	shared->proc = NULL;
	LWLockRelease(shared->lock);
	if (backend != NULL)
		SetLatch(&backend->procLatch);
}

/*
 * Take the oldest queued job; -1 when there is none.
 */
static int
TakeNextJob(dsm_handle *handle)
{
	int			best = -1;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < WORKER_QUEUE_SLOTS; i++)
		if (shared->slots[i].state == SLOT_QUEUED &&
			(best < 0 || shared->slots[i].job_no < shared->slots[best].job_no))
			best = i;
	if (best >= 0)
	{
		shared->slots[best].state = SLOT_RUNNING;
		shared->slots[best].generation = my_generation;
		*handle = shared->slots[best].handle;
		my_running_slot = best;
	}
	LWLockRelease(shared->lock);
	return best;
}

/*
 * Attach to the job's segment and run it.  Returns true on success, else
 * false with a sentence in error, and *timed_out set when the job ran past
 * its milvus.worker_timeout.
 */
static bool
RunJob(dsm_handle handle, char *error, bool *timed_out)
{
	dsm_segment *seg;
	WorkerJobHeader *h;
	JobLayout	l;
	MvStatus	status;
	JobPoll		jp;

	seg = job_segment = dsm_attach(handle);
	if (seg == NULL)
	{
		strlcpy(error, "The job's shared memory was gone.", WORKER_ERROR_LEN);
		return false;
	}
	h = dsm_segment_address(seg);
	ComputeLayout(h, &l);
	if (h->magic != WORKER_JOB_MAGIC || dsm_segment_map_length(seg) < l.total)
		elog(ERROR, "invalid job in dynamic shared memory segment %u", handle);

	jp.slot = &shared->slots[my_running_slot];
	jp.start = GetCurrentTimestamp();
	jp.timeout_ms = h->timeout_ms;
	jp.timed_out = false;
	status = ExecuteJob(h, (char *) h, true, WorkerPoll, &jp);
	job_segment = NULL;
	dsm_detach(seg);
	if (status == MV_ERR_INTERRUPTED)
		CHECK_FOR_INTERRUPTS();	/* exits on SIGTERM */
	if (status == MV_OK)
		return true;
	if (status == MV_ERR_INTERRUPTED && jp.timed_out && !jp.slot->abandoned)
	{
		snprintf(error, WORKER_ERROR_LEN,
				 "The job ran longer than milvus.worker_timeout (%d ms).",
				 jp.timeout_ms);
		ereport(LOG,
				(errmsg("milvus background worker stopped a job after %d ms (milvus.worker_timeout)",
						jp.timeout_ms)));
		*timed_out = true;
		return false;
	}
	snprintf(error, WORKER_ERROR_LEN, "%s",
			 status == MV_ERR_INTERRUPTED ? "The job was cancelled." :
			 status == MV_ERR_NOMEM ? "The background worker ran out of memory." :
			 "The job was invalid.");
	return false;
}

/*
 * Error context callback: name the job in the worker's log lines.
 */
static void
JobErrorContext(void *arg)
{
	errcontext("milvus background worker job %llu",
			   (unsigned long long) *(uint64 *) arg);
}

/*
 * Run the job in our slot, turning any error into a failed job.
 */
static void
RunSlot(dsm_handle handle)
{
	char		error[WORKER_ERROR_LEN] = "";
	bool		ok = false;
	volatile bool timed_out = false;
	uint64		job_no = shared->slots[my_running_slot].job_no;
	ErrorContextCallback errcallback;
	MemoryContext old = MemoryContextSwitchTo(job_context);

	errcallback.callback = JobErrorContext;
	errcallback.arg = &job_no;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	PG_TRY();
	{
		bool		t = false;

		ok = RunJob(handle, error, &t);
		timed_out = t;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(job_context);
		edata = CopyErrorData();
		FlushErrorState();
		if (job_segment != NULL)
			dsm_detach(job_segment);
		job_segment = NULL;
		snprintf(error, sizeof(error), "The background worker reported: %s.",
				 edata->message);
		ok = false;
	}
	PG_END_TRY();
	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(old);
	MemoryContextReset(job_context);
	FinishSlot(ok, error, timed_out);
}

/*
 * Announce this worker in shared memory; fail jobs a previous worker left
 * running.
 */
static void
WorkerAttach(void)
{
	char		why[256] = "";
	bool		gpu = false;
	char		name[64];
	int64		memory;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	shared->pid = MyProcPid;
	shared->proc = MyProc;
	my_generation = ++shared->generation;
	shared->starts++;
	shared->threads = WorkerThreads();
	for (int i = 0; i < WORKER_QUEUE_SLOTS; i++)
	{
		WorkerSlot *slot = &shared->slots[i];

		if (slot->state != SLOT_RUNNING)
			continue;
		slot->state = slot->abandoned ? SLOT_FREE : SLOT_FAILED;
		strlcpy(slot->error,
				"The background worker exited while running the job.",
				WORKER_ERROR_LEN);
		shared->failed++;
		if (slot->state == SLOT_FAILED)
			SetLatch(&slot->backend->procLatch);
	}
	LWLockRelease(shared->lock);
	before_shmem_exit(WorkerExit, 0);

	if (milvus_gpu_enabled)
		gpu = WorkerGpuOpen(milvus_gpu_library, milvus_gpu_device, name,
							sizeof(name), &memory, why, sizeof(why));
	if (gpu)
		(void) GpuReady();
	ereport(LOG,
			(errmsg("milvus background worker started: %s, %d CPU threads",
					gpu ? name : "no GPU", WorkerThreads()),
			 milvus_gpu_enabled && !gpu ?
			 errdetail("Jobs run on the CPU: %s.", why) : 0));
}

/*
 * The worker's entry point: announce itself, then run queued jobs in
 * submission order, sleeping on its latch in between.
 */
void
milvus_worker_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	job_context = AllocSetContextCreate(TopMemoryContext,
										"Worker job context",
										ALLOCSET_DEFAULT_SIZES);
	WorkerAttach();

	for (;;)
	{
		dsm_handle	handle;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			LWLockAcquire(shared->lock, LW_EXCLUSIVE);
			shared->threads = WorkerThreads();
			LWLockRelease(shared->lock);
		}
		while (TakeNextJob(&handle) >= 0)
		{
			RunSlot(handle);
			CHECK_FOR_INTERRUPTS();
		}
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
