/*-------------------------------------------------------------------------
 *
 * stat.h
 *	  Per-index activity counters in shared memory: searches, rows
 *	  returned, inserts, search durations, builds and vacuums.
 *
 * When milvus is in shared_preload_libraries, StatInit reserves a hash
 * table in shared memory, keyed by (database OID, index OID) and bounded
 * to STAT_MAX_INDEXES entries (when full, dropped databases' entries, then
 * the least recently used, make room), each holding its counters.  The access
 * methods call the MilvusStat* functions below, one line per callback:
 *
 *	amrescan		MilvusStatScanStart(scan)	a search; its timer starts
 *	amgettuple		MilvusStatScanTuple(scan)	a row returned (true result)
 *	amendscan		MilvusStatScanEnd(scan)		timer stops: histogram, rows
 *	aminsert		MilvusStatCountInsert(index)
 *	ambuild			MilvusStatBuildStart(index) first,
 *					MilvusStatBuildEnd(index, index_tuples) last
 *	amvacuumcleanup MilvusStatVacuum(index, stats) unless analyze_only
 *
 * A rescan ends the previous search of the same scan and starts the next
 * (a nested loop rescans once per outer row).  Rows returned by a scan are
 * counted in backend memory and added to shared memory when its search
 * ends, so that amgettuple touches no shared cache line.
 *
 * Without shared_preload_libraries these functions return at once and no
 * counter is kept: milvus_stat_indexes shows zeros and NULLs.
 *
 * Locking: one LWLock ("milvus stat").  Creating or removing an entry, and
 * writing its plain (non-atomic) fields, takes it exclusively; bumping an
 * entry's atomic counters and reading entries take it shared, which keeps
 * the entry from being removed meanwhile.  Nothing is held across an
 * ereport or a catalog access.
 *
 * IDENTIFICATION
 *	  src/stat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_STAT_H
#define MILVUS_STAT_H

#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "datatype/timestamp.h"
#include "utils/rel.h"

#define STAT_MAX_INDEXES		1024

/* Upper bounds of the search duration histogram's buckets, seconds. */
#define STAT_NBOUNDS			16
extern const double StatBucketBounds[STAT_NBOUNDS];

/* A copy of one entry, as the view and the metrics endpoint read it. */
typedef struct StatIndexData
{
	Oid			dbid;
	Oid			indexid;
	NameData	dbname;
	NameData	schema;
	NameData	table;
	NameData	index;
	NameData	amname;
	int64		searches;
	int64		tuples;
	int64		inserts;
	int64		duration_ns;	/* sum over finished searches */
	int64		buckets[STAT_NBOUNDS + 1];	/* per bucket; last: +Inf */
	int64		rows;			/* at the last build/vacuum, plus inserts */
	int64		size_bytes;		/* at the last scan, insert, build, vacuum */
	double		build_seconds;	/* -1: no build seen */
	TimestampTz last_vacuum;	/* 0: none seen */
} StatIndexData;

extern void StatInit(void);

/*
 * A palloc'd copy of every entry (of every database); *n is set to their
 * number.  Empty when counters are not kept.
 */
extern StatIndexData *StatSnapshot(int *n);

/*
 * Remove the entries of databases that were dropped (their directory is
 * gone).  Needs no database connection; StatSnapshot calls it first, and
 * the metrics worker also every few seconds.
 */
extern void StatForgetDroppedDatabases(void);

/* The access methods' calls; see the file comment. */
extern void MilvusStatScanStart(IndexScanDesc scan);
extern void MilvusStatScanTuple(IndexScanDesc scan);
extern void MilvusStatScanEnd(IndexScanDesc scan);
extern void MilvusStatCountInsert(Relation index);
extern void MilvusStatBuildStart(Relation index);
extern void MilvusStatBuildEnd(Relation index, double index_tuples);
extern void MilvusStatVacuum(Relation index, IndexBulkDeleteResult *stats);

#endif							/* MILVUS_STAT_H */
