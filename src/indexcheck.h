/*-------------------------------------------------------------------------
 *
 * indexcheck.h
 *	  milvus_index_check(regclass): the entry point and what every access
 *	  method's check shares.
 *
 * indexcheck.c opens the table and the index, checks the table's access
 * method and dispatches on the index's access method to its check function,
 * which reports each problem with IndexCheckReport (a heap TID that names
 * no tuple with IndexCheckHeapTid).  A new access method
 * adds its function to the table in indexcheck.c.
 *
 * IDENTIFICATION
 *	  src/indexcheck.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INDEXCHECK_H
#define INDEXCHECK_H

#include "postgres.h"

#include "storage/itemptr.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

/* Where a check writes its (problem, detail) rows. */
typedef struct IndexCheckOutput
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int64		problems;
} IndexCheckOutput;

/* An access method's check: heap and index are open and locked. */
typedef void (*IndexCheckFunction) (Relation heap, Relation index,
									IndexCheckOutput *out);

extern void IndexCheckReport(IndexCheckOutput *out, const char *problem,
							 const char *fmt,...) pg_attribute_printf(3, 4);
extern bool IndexCheckHeapTid(IndexCheckOutput *out, Relation heap,
							  BlockNumber *nblocks, ItemPointer tid,
							  const char *fmt,...) pg_attribute_printf(5, 6);

/* the access methods' checks */
extern void HnswCheckIndex(Relation heap, Relation index,
						   IndexCheckOutput *out);
extern void FlatCheckIndex(Relation heap, Relation index,
						   IndexCheckOutput *out);
extern void IvfCheckIndex(Relation heap, Relation index, IndexCheckOutput *out);
extern void AnnoyCheckIndex(Relation heap, Relation index,
							IndexCheckOutput *out);

#endif							/* INDEXCHECK_H */
