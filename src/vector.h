/*-------------------------------------------------------------------------
 *
 * vector.h
 *	  The vector type: a varlena of float4 values, laid out as pgvector's.
 *
 * On disk and on the wire a vector is a 4-byte varlena header, an int16
 * dimension count, an int16 that must be zero, then dim float4 values.
 * The binary send/recv format is the same without the varlena header, in
 * network byte order, so pgvector's drivers read and write it unchanged.
 *
 * IDENTIFICATION
 *	  src/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_VECTOR_H
#define MILVUS_VECTOR_H

#include "fmgr.h"

#define VECTOR_MAX_DIM 16000

typedef struct VectorData
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} VectorData;

typedef VectorData *Vector;

#define VECTOR_SIZE(_dim)		(offsetof(VectorData, x) + sizeof(float) * (_dim))
#define DatumGetVector(x)		((Vector) PG_DETOAST_DATUM(x))
#define PG_GETARG_VECTOR_P(x)	DatumGetVector(PG_GETARG_DATUM(x))
#define PG_RETURN_VECTOR_P(x)	PG_RETURN_POINTER(x)

extern Vector InitVector(int dim);

#endif							/* MILVUS_VECTOR_H */
