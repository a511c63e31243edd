/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *	  The halfvec type: half-precision vectors, laid out as pgvector's.
 *
 * A varlena header, int16 dimension count, int16 zero, then dim IEEE
 * binary16 values stored as uint16 bit patterns.  The binary send/recv
 * format is the same without the varlena header, in network byte order.
 *
 * IDENTIFICATION
 *	  src/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_HALFVEC_H
#define MILVUS_HALFVEC_H

#include "fmgr.h"

#define HALFVEC_MAX_DIM 16000

typedef struct HalfVectorData
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* binary16 bit patterns */
} HalfVectorData;

typedef HalfVectorData *HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVectorData, x) + sizeof(uint16) * (_dim))
#define DatumGetHalfVector(x)	((HalfVector) PG_DETOAST_DATUM(x))
#define PG_GETARG_HALFVEC_P(x)	DatumGetHalfVector(PG_GETARG_DATUM(x))
#define PG_RETURN_HALFVEC_P(x)	PG_RETURN_POINTER(x)

extern HalfVector InitHalfVector(int dim);

#endif							/* MILVUS_HALFVEC_H */
