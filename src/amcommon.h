/*-------------------------------------------------------------------------
 *
 * amcommon.h
 *	  What our ordering-only access methods (hnsw, flat, ivfflat, ivf)
 *	  share: their capabilities, page extension, the operator class
 *	  check and the lookup of the extension's types.
 *
 * IDENTIFICATION
 *	  src/amcommon.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef AMCOMMON_H
#define AMCOMMON_H

#include "postgres.h"

#include "access/amapi.h"
#include "common/relpath.h"
#include "storage/buf.h"
#include "utils/relcache.h"

/*
 * A new IndexAmRoutine with the capabilities all our access methods have:
 * ordering operators only (no search keys, no NULLs, one column), no
 * backward, parallel or index-only scans; amsupport support functions.
 * The caller sets the callbacks.
 */
extern IndexAmRoutine *MakeOrderingAmRoutine(uint16 amsupport);

/*
 * Extend the index's fork by one page and return its buffer, pinned, not
 * locked.
 */
extern Buffer ExtendIndex(Relation index, ForkNumber forkNum);

/*
 * amvalidate for hnsw, flat, ivfflat and ivf: the operator class needs the
 * distance support function (number distanceProc) and may have the support
 * functions whose numbers are set in optionalProcs (bit n for number n);
 * every operator must be an ordering operator with strategy 1.  Problems
 * are reported as INFO naming the operator class's access method (from the
 * catalog: ivfflat and ivf share one amvalidate), as PostgreSQL's own
 * checks do.
 */
extern bool ValidateOrderingOpclass(Oid opclassoid, int distanceProc,
									uint32 optionalProcs);

/*
 * The OID of the extension's type typname ("vector", "halfvec"), found in
 * the schema of procid, one of the extension's functions (an operator
 * class's support function); InvalidOid when that schema has no such type.
 * An indexed column's type compared with it is the extension's own, not
 * another type of the same name.
 */
extern Oid	ExtensionTypeOid(const char *typname, Oid procid);

#endif							/* AMCOMMON_H */
