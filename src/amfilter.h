/*-------------------------------------------------------------------------
 *
 * amfilter.h
 *	  Filter columns, which hnsw, ivfflat and ivf share: scalar columns
 *	  after the vector column, stored with each indexed value, and the scan
 *	  keys evaluated on them.
 *
 * IDENTIFICATION
 *	  src/amfilter.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef AMFILTER_H
#define AMFILTER_H

#include "postgres.h"

#include "access/itup.h"
#include "access/skey.h"
#include "utils/relcache.h"

/* Scan keys on filter columns, ready to evaluate (amfilter.c) */
typedef struct AmFilterData *AmFilter;

/*
 * Check the columns of a new index: the first is
 * a vector column (its operator class has support function distanceProc),
 * the others are not.  ERROR otherwise.
 */
extern void AmCheckFilterColumns(Relation index, int distanceProc);

/*
 * The filter values of one row (values, isnull as aminsert gets them): an
 * index tuple of the index's descriptor with the vector attribute NULL,
 * palloc'd; NULL for an index with one column.
 */
extern IndexTuple AmFormFilterKeys(Relation index, Datum *values,
								   bool *isnull);

/* Whether two rows' filter values are identical (both NULL: one column) */
extern bool AmFilterKeysEqual(IndexTuple a, IndexTuple b);

/*
 * The scan keys of a scan, prepared; NULL without any.  Allocates in the
 * current memory context; the scan keys must outlive the filter.
 */
extern AmFilter AmFilterBegin(Relation index, ScanKey keys, int nkeys);

/* Whether no row can match (a NULL comparison value) */
extern bool AmFilterNeverMatches(AmFilter filter);

/*
 * Whether the stored filter values (AmFormFilterKeys's tuple; NULL: none)
 * satisfy every scan key.  A NULL filter matches everything.
 */
extern bool AmFilterMatch(AmFilter filter, IndexTuple keys);

/*
 * milvus_index_check's comparison of stored filter values with the heap
 * rows': AmFilterCheckBegin returns NULL for an index with one column;
 * AmFilterCheckRow returns the first index column (2 ..) whose stored
 * value differs from the row's at heaptid, computed again as an insert
 * would (index expressions included), or 0 when they agree or the TID
 * holds no tuple any more (any version it holds has the values it was
 * indexed with).  The caller holds no index buffer lock.
 */
typedef struct AmFilterCheckData *AmFilterCheck;

extern AmFilterCheck AmFilterCheckBegin(Relation heap, Relation index);
extern int	AmFilterCheckRow(AmFilterCheck fc, ItemPointer heaptid,
							 IndexTuple keys);
extern void AmFilterCheckEnd(AmFilterCheck fc);

/*
 * Operator classes of filter columns: whether an operator class is one
 * (its family has search operators), and its amvalidate (boolean search
 * operators only, no support functions; problems reported as INFO naming
 * the operator class's access method).
 */
extern bool AmIsFilterOpclass(Oid opclassoid);
extern bool AmValidateFilterOpclass(Oid opclassoid);

#endif							/* AMFILTER_H */
