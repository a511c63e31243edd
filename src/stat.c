/*-------------------------------------------------------------------------
 *
 * stat.c
 *	  Per-index activity counters in shared memory, the access methods'
 *	  calls that feed them, and the SQL functions under milvus_stat_indexes.
 *
 * See stat.h for what is counted, by which callback, and the locking.  An
 * entry is created the first time a backend counts something for an index
 * (its names are looked up once, then); it is removed when the index is
 * dropped (object_access_hook), and milvus_stat_reset zeroes its counters.
 * A dropped database's entries are removed at the next snapshot (every
 * reader's, and the metrics worker's periodic pass): an entry remembers its
 * database's directory, and a database whose directory is gone was dropped
 * (the metrics worker has no catalog to ask).  The table holds
 * STAT_MAX_INDEXES entries: when it is full, a new index first makes room
 * by that removal, then by evicting the entry used least recently, so that
 * no role can fill the table (with databases it drops, or indexes it
 * creates) and leave new indexes uncounted; a LOG line names the evicted
 * index once per backend.
 *
 * Search durations are timed in the backend from amrescan to the next
 * amrescan or amendscan of the same scan descriptor (one clock read at
 * each end), in a small table of open scans; a transaction's end forgets
 * the scans it left open (an error skips amendscan).
 *
 * Rows and size: the metrics worker has no database connection, so the
 * counters carry them: size is the index's length on disk at its last
 * scan, insert, build or vacuum; rows are the index tuples of its last
 * build or vacuum plus the inserts since (deleted rows count until the
 * next vacuum).
 *
 * IDENTIFICATION
 *	  src/stat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <time.h>

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "common/relpath.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "stat.h"

#define STAT_TRANCHE		"milvus stat"
#define STAT_MAX_SCANS		32	/* open scans timed per backend */

const double StatBucketBounds[STAT_NBOUNDS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

typedef struct StatKey
{
	Oid			dbid;
	Oid			indexid;
} StatKey;

/* A database with entries, and the tablespace of its directory */
typedef struct StatDatabase
{
	Oid			dbid;
	Oid			spcid;
} StatDatabase;

/* One index's entry in the shared hash table. */
typedef struct StatEntry
{
	StatKey		key;
	Oid			spcid;			/* the database's tablespace: its directory */
	NameData	dbname;
	NameData	schema;
	NameData	table;
	NameData	index;
	NameData	amname;
	pg_atomic_uint64 searches;
	pg_atomic_uint64 tuples;
	pg_atomic_uint64 inserts;
	pg_atomic_uint64 duration_ns;
	pg_atomic_uint64 buckets[STAT_NBOUNDS + 1];
	pg_atomic_uint64 size_bytes;
	pg_atomic_uint64 rows_base;		/* index tuples at build/vacuum */
	pg_atomic_uint64 inserts_since;	/* inserts since then */
	pg_atomic_uint64 last_used;	/* Unix time of the last count */
	double		build_seconds;	/* exclusive lock */
	TimestampTz last_vacuum;	/* exclusive lock */
} StatEntry;

/* An open scan this backend times. */
typedef struct StatScan
{
	IndexScanDesc scan;			/* NULL: free */
	instr_time	start;
	int64		tuples;
} StatScan;

static LWLock *stat_lock = NULL;
static HTAB *stat_hash = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

static StatScan scans[STAT_MAX_SCANS];
static int	last_scan = 0;		/* where MilvusStatScanTuple looks first */
static bool xact_callback_registered = false;
static bool evict_reported = false;

static Oid	build_index = InvalidOid;
static instr_time build_start;

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_stat_index_counters);
PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_stat_reset);

/* ----------------------------------------------------------------
 *		Shared memory
 * ----------------------------------------------------------------
 */

/*
 * shmem_request_hook: room for the hash table and its LWLock.
 */
static void
StatShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(hash_estimate_size(STAT_MAX_INDEXES,
											  sizeof(StatEntry)));
	RequestNamedLWLockTranche(STAT_TRANCHE, 1);
}

/*
 * shmem_startup_hook: create (or find) the hash table.
 */
static void
StatShmemStartup(void)
{
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(StatKey);
	info.entrysize = sizeof(StatEntry);
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	stat_lock = &(GetNamedLWLockTranche(STAT_TRANCHE))->lock;
	stat_hash = ShmemInitHash("milvus stat", STAT_MAX_INDEXES,
							  STAT_MAX_INDEXES, &info,
							  HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/*
 * object_access_hook: forget a dropped index's counters.  Any relation's
 * drop comes here; most are not in the table.
 */
static void
StatObjectAccess(ObjectAccessType access, Oid classId, Oid objectId,
				 int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access == OAT_DROP && classId == RelationRelationId && subId == 0 &&
		stat_hash != NULL)
	{
		StatKey		key;

		key.dbid = MyDatabaseId;
		key.indexid = objectId;
		LWLockAcquire(stat_lock, LW_EXCLUSIVE);
		hash_search(stat_hash, &key, HASH_REMOVE, NULL);
		LWLockRelease(stat_lock);
	}
}

/*
 * Reserve the table and hook in, when preloading; otherwise nothing.
 */
void
StatInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = StatShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = StatShmemStartup;
	prev_object_access_hook = object_access_hook;
	object_access_hook = StatObjectAccess;
}

/* ----------------------------------------------------------------
 *		Entries
 * ----------------------------------------------------------------
 */

/*
 * Fill in a new entry's names and zero its counters.  The names are
 * looked up by the caller (catalog access) before it takes the lock.
 */
static void
InitEntry(StatEntry *e, StatIndexData *names)
{
	e->spcid = MyDatabaseTableSpace;
	namestrcpy(&e->dbname, NameStr(names->dbname));
	namestrcpy(&e->schema, NameStr(names->schema));
	namestrcpy(&e->table, NameStr(names->table));
	namestrcpy(&e->index, NameStr(names->index));
	namestrcpy(&e->amname, NameStr(names->amname));
	pg_atomic_init_u64(&e->searches, 0);
	pg_atomic_init_u64(&e->tuples, 0);
	pg_atomic_init_u64(&e->inserts, 0);
	pg_atomic_init_u64(&e->duration_ns, 0);
	for (int i = 0; i <= STAT_NBOUNDS; i++)
		pg_atomic_init_u64(&e->buckets[i], 0);
	pg_atomic_init_u64(&e->size_bytes, 0);
	pg_atomic_init_u64(&e->rows_base, 0);
	pg_atomic_init_u64(&e->inserts_since, 0);
	pg_atomic_init_u64(&e->last_used, (uint64) time(NULL));
	e->build_seconds = -1;
	e->last_vacuum = 0;
}

/*
 * Look up the names an entry shows: database, schema, table, index, AM.
 */
static void
LookupNames(Relation index, StatIndexData *names)
{
	char	   *s;

	memset(names, 0, sizeof(StatIndexData));
	if ((s = get_database_name(MyDatabaseId)) != NULL)
		namestrcpy(&names->dbname, s);
	if ((s = get_namespace_name(RelationGetNamespace(index))) != NULL)
		namestrcpy(&names->schema, s);
	if (index->rd_index != NULL &&
		(s = get_rel_name(index->rd_index->indrelid)) != NULL)
		namestrcpy(&names->table, s);
	namestrcpy(&names->index, RelationGetRelationName(index));
	if ((s = get_am_name(index->rd_rel->relam)) != NULL)
		namestrcpy(&names->amname, s);
}

/*
 * Remove the least recently used entry to make room (exclusive lock held);
 * its names go to *evicted.  False when the table is empty.
 */
static bool
EvictLeastRecent(StatIndexData *evicted)
{
	HASH_SEQ_STATUS seq;
	StatEntry  *e;
	StatEntry  *victim = NULL;
	uint64		oldest = PG_UINT64_MAX;

	hash_seq_init(&seq, stat_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (pg_atomic_read_u64(&e->last_used) < oldest)
		{
			oldest = pg_atomic_read_u64(&e->last_used);
			victim = e;
		}
	if (victim == NULL)
		return false;
	evicted->dbname = victim->dbname;
	evicted->index = victim->index;
	hash_search(stat_hash, &victim->key, HASH_REMOVE, NULL);
	return true;
}

/*
 * Find or enter key's entry (exclusive lock held); NULL when it is new and
 * the table already holds STAT_MAX_INDEXES entries.  The count is checked
 * here because a shared hash table grows past its initial size into the
 * spare shared memory that the lock tables need.
 */
static StatEntry *
FindOrEnter(StatKey *key, bool *found)
{
	StatEntry  *e = hash_search(stat_hash, key, HASH_FIND, NULL);

	*found = e != NULL;
	if (e == NULL && hash_get_num_entries(stat_hash) < STAT_MAX_INDEXES)
		e = hash_search(stat_hash, key, HASH_ENTER_NULL, found);
	return e;
}

/*
 * Enter a new entry for key, making room when the table is full: first by
 * forgetting dropped databases, then by evicting the least recently used
 * entry.  Returns it with the lock held exclusively, or NULL (and no lock)
 * when there is still no room.
 */
static StatEntry *
EnterEntry(StatKey *key, StatIndexData *names)
{
	StatEntry  *e;
	StatIndexData evicted;
	bool		found;
	bool		did_evict = false;

	LWLockAcquire(stat_lock, LW_EXCLUSIVE);
	e = FindOrEnter(key, &found);
	if (e == NULL)
	{
		LWLockRelease(stat_lock);
		StatForgetDroppedDatabases();
		LWLockAcquire(stat_lock, LW_EXCLUSIVE);
		e = FindOrEnter(key, &found);
	}
	if (e == NULL && (did_evict = EvictLeastRecent(&evicted)))
		e = FindOrEnter(key, &found);
	if (e != NULL && !found)
		InitEntry(e, names);
	if (e == NULL)
		LWLockRelease(stat_lock);
	if (did_evict && !evict_reported)
	{
		evict_reported = true;
		ereport(LOG,
				(errmsg("milvus statistics table is full: forgot index \"%s\" of database \"%s\" to count index \"%s\"",
						NameStr(evicted.index), NameStr(evicted.dbname),
						NameStr(names->index)),
				 errdetail("The table holds %d indexes; the least recently used one makes room.",
						   STAT_MAX_INDEXES)));
	}
	return e;
}

/*
 * The entry of index, created when missing, with the lock held in mode;
 * NULL (and no lock held) when there is no room even after eviction.
 */
static StatEntry *
LockEntry(Relation index, LWLockMode mode)
{
	StatKey		key;
	StatEntry  *e;
	StatIndexData names;

	key.dbid = MyDatabaseId;
	key.indexid = RelationGetRelid(index);
	LWLockAcquire(stat_lock, mode);
	e = hash_search(stat_hash, &key, HASH_FIND, NULL);
	if (e != NULL)
	{
		pg_atomic_write_u64(&e->last_used, (uint64) time(NULL));
		return e;
	}
	LWLockRelease(stat_lock);

	LookupNames(index, &names);
	e = EnterEntry(&key, &names);
	if (e != NULL && mode != LW_EXCLUSIVE)
	{
		/* no shared downgrade of an LWLock: take it again */
		LWLockRelease(stat_lock);
		LWLockAcquire(stat_lock, mode);
		e = hash_search(stat_hash, &key, HASH_FIND, NULL);
		if (e == NULL)
			LWLockRelease(stat_lock);	/* evicted meanwhile */
	}
	return e;
}

/*
 * Remove the entries of dropped databases; see stat.h.
 */
void
StatForgetDroppedDatabases(void)
{
	HASH_SEQ_STATUS seq;
	StatEntry  *e;
	StatDatabase *dbs;
	int			ndbs = 0;
	int			ndropped = 0;
	int			room;

	if (stat_hash == NULL)
		return;
	LWLockAcquire(stat_lock, LW_SHARED);
	room = (int) hash_get_num_entries(stat_hash) + 1;
	LWLockRelease(stat_lock);
	dbs = palloc(sizeof(StatDatabase) * room);
	LWLockAcquire(stat_lock, LW_SHARED);
	hash_seq_init(&seq, stat_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		int			i = 0;

		while (i < ndbs && dbs[i].dbid != e->key.dbid)
			i++;
		if (i == ndbs && ndbs < room)
		{
			dbs[ndbs].dbid = e->key.dbid;
			dbs[ndbs++].spcid = e->spcid;
		}
	}
	LWLockRelease(stat_lock);

	/* no lock while asking the file system; keep the dropped ones */
	for (int i = 0; i < ndbs; i++)
	{
		char	   *path = GetDatabasePath(dbs[i].dbid, dbs[i].spcid);
		struct stat st;

		if (stat(path, &st) != 0 && errno == ENOENT)
			dbs[ndropped++] = dbs[i];
		pfree(path);
	}
	if (ndropped > 0)
	{
		LWLockAcquire(stat_lock, LW_EXCLUSIVE);
		hash_seq_init(&seq, stat_hash);
		while ((e = hash_seq_search(&seq)) != NULL)
			for (int i = 0; i < ndropped; i++)
				if (e->key.dbid == dbs[i].dbid)
				{
					hash_search(stat_hash, &e->key, HASH_REMOVE, NULL);
					break;
				}
		LWLockRelease(stat_lock);
	}
	pfree(dbs);
}

/* the index's length on disk */
static inline uint64
IndexSize(Relation index)
{
	return (uint64) RelationGetNumberOfBlocks(index) * BLCKSZ;
}

/*
 * A palloc'd copy of every entry; see stat.h.
 */
StatIndexData *
StatSnapshot(int *n)
{
	StatIndexData *out;
	HASH_SEQ_STATUS seq;
	StatEntry  *e;
	int			i = 0;
	int			room;

	*n = 0;
	if (stat_hash == NULL)
		return NULL;
	StatForgetDroppedDatabases();
	/* entries may come meanwhile: those are left for the next snapshot */
	LWLockAcquire(stat_lock, LW_SHARED);
	room = (int) hash_get_num_entries(stat_hash) + 1;
	LWLockRelease(stat_lock);
	out = palloc0(sizeof(StatIndexData) * room);
	LWLockAcquire(stat_lock, LW_SHARED);
	hash_seq_init(&seq, stat_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		StatIndexData *d = &out[i++];

		d->dbid = e->key.dbid;
		d->indexid = e->key.indexid;
		d->dbname = e->dbname;
		d->schema = e->schema;
		d->table = e->table;
		d->index = e->index;
		d->amname = e->amname;
		d->searches = pg_atomic_read_u64(&e->searches);
		d->tuples = pg_atomic_read_u64(&e->tuples);
		d->inserts = pg_atomic_read_u64(&e->inserts);
		d->duration_ns = pg_atomic_read_u64(&e->duration_ns);
		for (int b = 0; b <= STAT_NBOUNDS; b++)
			d->buckets[b] = pg_atomic_read_u64(&e->buckets[b]);
		d->rows = pg_atomic_read_u64(&e->rows_base) +
			pg_atomic_read_u64(&e->inserts_since);
		d->size_bytes = pg_atomic_read_u64(&e->size_bytes);
		d->build_seconds = e->build_seconds;
		d->last_vacuum = e->last_vacuum;
		if (i == room)
		{
			hash_seq_term(&seq);
			break;
		}
	}
	LWLockRelease(stat_lock);
	*n = i;
	return out;
}

/* ----------------------------------------------------------------
 *		The access methods' calls
 * ----------------------------------------------------------------
 */

/*
 * Transaction callback: forget the scans left open (an error skipped
 * their amendscan, or they ended with the transaction).
 */
static void
StatXactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE)
		memset(scans, 0, sizeof(scans));
}

/* the timed scan of this descriptor, or NULL */
static inline StatScan *
FindScan(IndexScanDesc scan)
{
	if (scans[last_scan].scan == scan)
		return &scans[last_scan];
	for (int i = 0; i < STAT_MAX_SCANS; i++)
		if (scans[i].scan == scan)
		{
			last_scan = i;
			return &scans[i];
		}
	return NULL;
}

/*
 * The end of a timed search: add its rows and duration to the entry.
 */
static void
FinishSearch(StatScan *s)
{
	instr_time	now;
	double		seconds;
	int			b = 0;
	StatEntry  *e;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, s->start);
	seconds = INSTR_TIME_GET_DOUBLE(now);
	while (b < STAT_NBOUNDS && seconds > StatBucketBounds[b])
		b++;
	e = LockEntry(s->scan->indexRelation, LW_SHARED);
	if (e != NULL)
	{
		pg_atomic_fetch_add_u64(&e->tuples, s->tuples);
		pg_atomic_fetch_add_u64(&e->duration_ns, (uint64) (seconds * 1e9));
		pg_atomic_fetch_add_u64(&e->buckets[b], 1);
		LWLockRelease(stat_lock);
	}
	s->scan = NULL;
}

/*
 * amrescan: one more search of the index; end the scan's previous one.
 */
void
MilvusStatScanStart(IndexScanDesc scan)
{
	StatScan   *s;
	StatEntry  *e;
	uint64		size;

	if (stat_hash == NULL)
		return;
	if (!xact_callback_registered)
	{
		RegisterXactCallback(StatXactCallback, NULL);
		xact_callback_registered = true;
	}
	if ((s = FindScan(scan)) != NULL)
		FinishSearch(s);
	else
		s = FindScan(NULL);		/* a free slot; NULL: untimed */
	if (s != NULL)
	{
		s->scan = scan;
		s->tuples = 0;
		INSTR_TIME_SET_CURRENT(s->start);
	}

	size = IndexSize(scan->indexRelation);
	e = LockEntry(scan->indexRelation, LW_SHARED);
	if (e == NULL)
		return;
	pg_atomic_fetch_add_u64(&e->searches, 1);
	pg_atomic_write_u64(&e->size_bytes, size);
	LWLockRelease(stat_lock);
}

/*
 * amgettuple returned a row.
 */
void
MilvusStatScanTuple(IndexScanDesc scan)
{
	StatScan   *s;

	if (stat_hash == NULL)
		return;
	if ((s = FindScan(scan)) != NULL)
		s->tuples++;
}

/*
 * amendscan: the scan's last search ends.
 */
void
MilvusStatScanEnd(IndexScanDesc scan)
{
	StatScan   *s;

	if (stat_hash == NULL)
		return;
	if ((s = FindScan(scan)) != NULL)
		FinishSearch(s);
}

/*
 * aminsert: one more row.
 */
void
MilvusStatCountInsert(Relation index)
{
	StatEntry  *e;
	uint64		size;

	if (stat_hash == NULL)
		return;
	size = IndexSize(index);
	e = LockEntry(index, LW_SHARED);
	if (e == NULL)
		return;
	pg_atomic_fetch_add_u64(&e->inserts, 1);
	pg_atomic_fetch_add_u64(&e->inserts_since, 1);
	pg_atomic_write_u64(&e->size_bytes, size);
	LWLockRelease(stat_lock);
}

/*
 * ambuild starts: remember when.
 */
void
MilvusStatBuildStart(Relation index)
{
	if (stat_hash == NULL)
		return;
	build_index = RelationGetRelid(index);
	INSTR_TIME_SET_CURRENT(build_start);
}

/*
 * ambuild ends: its duration, tuples and size.
 */
void
MilvusStatBuildEnd(Relation index, double index_tuples)
{
	instr_time	now;
	StatEntry  *e;
	uint64		size;

	if (stat_hash == NULL || build_index != RelationGetRelid(index))
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, build_start);
	build_index = InvalidOid;
	size = IndexSize(index);
	e = LockEntry(index, LW_EXCLUSIVE);
	if (e == NULL)
		return;
	e->build_seconds = INSTR_TIME_GET_DOUBLE(now);
	pg_atomic_write_u64(&e->rows_base, (uint64) Max(index_tuples, 0));
	pg_atomic_write_u64(&e->inserts_since, 0);
	pg_atomic_write_u64(&e->size_bytes, size);
	LWLockRelease(stat_lock);
}

/*
 * amvacuumcleanup: the vacuum's time, live tuples and pages.
 */
void
MilvusStatVacuum(Relation index, IndexBulkDeleteResult *stats)
{
	StatEntry  *e;
	TimestampTz now = GetCurrentTimestamp();

	if (stat_hash == NULL || stats == NULL)
		return;
	e = LockEntry(index, LW_EXCLUSIVE);
	if (e == NULL)
		return;
	e->last_vacuum = now;
	pg_atomic_write_u64(&e->rows_base,
						(uint64) Max(stats->num_index_tuples, 0));
	pg_atomic_write_u64(&e->inserts_since, 0);
	pg_atomic_write_u64(&e->size_bytes, (uint64) stats->num_pages * BLCKSZ);
	LWLockRelease(stat_lock);
}

/* ----------------------------------------------------------------
 *		SQL functions
 * ----------------------------------------------------------------
 */

/*
 * milvus_stat_index_counters(): one row per counted index of this
 * database; milvus_stat_indexes joins it to the catalogs.
 */
Datum
milvus_stat_index_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StatIndexData *snap;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	snap = StatSnapshot(&n);
	for (int i = 0; i < n; i++)
	{
		StatIndexData *d = &snap[i];
		Datum		values[7];
		bool		nulls[7] = {0};

		if (d->dbid != MyDatabaseId)
			continue;
		values[0] = ObjectIdGetDatum(d->indexid);
		values[1] = Int64GetDatum(d->searches);
		values[2] = Int64GetDatum(d->tuples);
		values[3] = Int64GetDatum(d->inserts);
		values[4] = Float8GetDatum(d->duration_ns / 1e9);
		values[5] = TimestampTzGetDatum(d->last_vacuum);
		nulls[5] = d->last_vacuum == 0;
		values[6] = Float8GetDatum(d->build_seconds);
		nulls[6] = d->build_seconds < 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}

/*
 * Zero an entry's counters (not its build, vacuum, rows or size).
 */
static void
ResetEntry(StatEntry *e)
{
	pg_atomic_write_u64(&e->searches, 0);
	pg_atomic_write_u64(&e->tuples, 0);
	pg_atomic_write_u64(&e->inserts, 0);
	pg_atomic_write_u64(&e->duration_ns, 0);
	for (int b = 0; b <= STAT_NBOUNDS; b++)
		pg_atomic_write_u64(&e->buckets[b], 0);
}

/*
 * milvus_stat_reset(index regclass DEFAULT NULL): zero the counters of
 * one index, or of every index of this database.
 */
Datum
milvus_stat_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	StatEntry  *e;

	if (stat_hash == NULL)
		PG_RETURN_VOID();
	LWLockAcquire(stat_lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, stat_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (e->key.dbid == MyDatabaseId &&
			(PG_ARGISNULL(0) || e->key.indexid == PG_GETARG_OID(0)))
			ResetEntry(e);
	LWLockRelease(stat_lock);
	PG_RETURN_VOID();
}
