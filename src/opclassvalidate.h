/*-------------------------------------------------------------------------
 *
 * opclassvalidate.h
 *	  The operator class check our ordering-only access methods share.
 *
 * IDENTIFICATION
 *	  src/opclassvalidate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OPCLASSVALIDATE_H
#define OPCLASSVALIDATE_H

#include "postgres.h"

/*
 * amvalidate for hnsw, flat, ivfflat and ivf: the operator class needs the
 * distance support function (number distanceProc) and may have the support
 * functions whose numbers are set in optionalProcs (bit n for number n);
 * every operator must be an ordering operator with strategy 1.  Problems
 * are reported as INFO naming amname, as PostgreSQL's own checks do.
 */
extern bool ValidateOrderingOpclass(Oid opclassoid, const char *amname,
									int distanceProc, uint32 optionalProcs);

#endif							/* OPCLASSVALIDATE_H */
