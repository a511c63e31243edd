/*-------------------------------------------------------------------------
 *
 * vecerror.h
 *	  Turn a vecparse.h failure into the type's ereport; shared errors.
 *
 * IDENTIFICATION
 *	  src/vecerror.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_VECERROR_H
#define MILVUS_VECERROR_H

#include "vecparse.h"

extern void VecParseReportError(const VecParseError *err, const char *typname,
								const char *lit, int maxdim)
			pg_attribute_noreturn();
extern void VecReportHalfOutOfRange(float value) pg_attribute_noreturn();

#endif							/* MILVUS_VECERROR_H */
