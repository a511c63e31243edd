/*-------------------------------------------------------------------------
 *
 * indexcheck.c
 *	  milvus_index_check(regclass): verify the structure of one of our
 *	  indexes, one row (problem, detail) per problem, none when sound.
 *
 * The table and the index are locked as the checks need: AccessShareLock
 * on the index and ShareUpdateExclusiveLock on the table, so VACUUM cannot
 * run meanwhile while inserts and queries go on.  On a hot standby, where
 * recovery refuses that lock, the table gets AccessShareLock: nothing can
 * stop the primary's VACUUM from being replayed meanwhile, so a check that
 * overlaps one may report what it removed (run it again to confirm).
 * Each access method's check function (see indexcheck.h) reads its own
 * pages.
 *
 * The function is revoked from PUBLIC, as amcheck's are; a role granted
 * it must also own the table or may SELECT from it, which is checked
 * before either relation is locked, so that no role can block VACUUM and
 * DDL on a table it may not read, nor read its heap TIDs.
 *
 * IDENTIFICATION
 *	  src/indexcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "indexcheck.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_index_check);

/* Each access method with a check, by name. */
static const struct
{
	const char *amname;
	IndexCheckFunction check;
}			IndexChecks[] =
{
	{"hnsw", HnswCheckIndex},
	{"flat", FlatCheckIndex},
	{"ivfflat", IvfCheckIndex}, {"ivf", IvfCheckIndex},
	{"annoy", AnnoyCheckIndex},
};

/*
 * Report one problem.
 */
void
IndexCheckReport(IndexCheckOutput *out, const char *problem,
				 const char *fmt,...)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char		detail[256];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);

	values[0] = CStringGetTextDatum(problem);
	values[1] = CStringGetTextDatum(detail);
	tuplestore_putvalues(out->store, out->desc, values, nulls);
	out->problems++;
}

/*
 * Whether a heap TID names a line pointer in use: a tuple, a HOT redirect,
 * or one marked dead that VACUUM has not yet removed from the indexes (it
 * may skip index vacuuming when few such items exist).  Only a TID past the
 * table's end or on an unused line pointer is missing.  nblocks is the
 * table's length as last read.
 */
static bool
HeapTidExists(Relation heap, BlockNumber nblocks, ItemPointer tid)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	Buffer		buf;
	Page		page;
	bool		exists;

	if (blkno >= nblocks)
		return false;
	buf = ReadBuffer(heap, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	exists = off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page) &&
		ItemIdIsUsed(PageGetItemId(page, off));
	UnlockReleaseBuffer(buf);
	return exists;
}

/*
 * Check the heap TID an index tuple holds, and report "missing heap tuple"
 * when it is invalid or names no line pointer in use (see HeapTidExists),
 * with the detail "heap TID (block,offset) " followed by fmt, which says
 * where the index holds it.  *nblocks is the table's length, which the
 * caller reads once; it is read again for a TID past it, as the table may
 * have grown since.  It share-locks one heap page at a time.  Returns
 * whether the TID exists.
 */
bool
IndexCheckHeapTid(IndexCheckOutput *out, Relation heap, BlockNumber *nblocks,
				  ItemPointer tid, const char *fmt,...)
{
	char		where[128];
	va_list		args;

	if (ItemPointerIsValid(tid))
	{
		if (ItemPointerGetBlockNumber(tid) >= *nblocks)
			*nblocks = RelationGetNumberOfBlocks(heap);
		if (HeapTidExists(heap, *nblocks, tid))
			return true;
	}

	va_start(args, fmt);
	vsnprintf(where, sizeof(where), fmt, args);
	va_end(args);
	IndexCheckReport(out, "missing heap tuple", "heap TID (%u,%u) %s",
					 ItemPointerGetBlockNumberNoCheck(tid),
					 ItemPointerGetOffsetNumberNoCheck(tid), where);
	return false;
}

/*
 * milvus_index_check(regclass)
 */
Datum
milvus_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IndexCheckOutput out;
	IndexCheckFunction check = NULL;
	Relation	heap;
	Relation	index;
	Oid			heapoid;
	LOCKMODE	heapLock = RecoveryInProgress() ? AccessShareLock :
		ShareUpdateExclusiveLock;

	InitMaterializedSRF(fcinfo, 0);

	heapoid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(heapoid))
	{
		char	   *name = get_rel_name(indexoid);

		/* an OID that names no relation at all, such as 0::regclass */
		if (name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u does not exist", indexoid)));
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", name)));
	}

	/* the privilege, before any lock: owner, or SELECT on the table */
	if (!pg_class_ownercheck(heapoid, GetUserId()) &&
		pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to check index \"%s\"",
						get_rel_name(indexoid)),
				 errdetail("Only the owner of table \"%s\" and roles that may SELECT from it may check its indexes.",
						   get_rel_name(heapoid))));

	heap = table_open(heapoid, heapLock);
	index = index_open(indexoid, AccessShareLock);
	if (heap->rd_rel->relam != HEAP_TABLE_AM_OID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" does not use the heap access method",
						RelationGetRelationName(heap))));
	for (int i = 0; i < lengthof(IndexChecks); i++)
	{
		Oid			amoid = get_index_am_oid(IndexChecks[i].amname, true);

		if (OidIsValid(amoid) && index->rd_rel->relam == amoid)
			check = IndexChecks[i].check;
	}
	if (check == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index of the milvus extension",
						RelationGetRelationName(index))));

	out.store = rsinfo->setResult;
	out.desc = rsinfo->setDesc;
	out.problems = 0;
	check(heap, index, &out);

	index_close(index, AccessShareLock);
	table_close(heap, heapLock);
	return (Datum) 0;
}
