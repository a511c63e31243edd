/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The sparsevec type: sparse float4 vectors, laid out as pgvector's.
 *
 * A varlena header, the dimension count, the number of stored (non-zero)
 * elements nnz, an int32 that must be zero, then nnz int32 indices and
 * nnz float4 values.  Indices are 0-based and strictly increasing; no
 * stored value is zero, NaN or infinite.  Everything that compares or
 * merges sparse vectors relies on these invariants, so every function
 * that builds one must keep them.
 *
 * The binary send/recv format is the same without the varlena header, in
 * network byte order (indices 0-based there too); the text format is
 * '{1:1.5,3:2}/5' with 1-based indices.
 *
 * IDENTIFICATION
 *	  src/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_SPARSEVEC_H
#define MILVUS_SPARSEVEC_H

#include "fmgr.h"

#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef struct SparseVectorData
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of stored (non-zero) elements */
	int32		unused;			/* reserved for future use, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* 0-based, increasing */
	/* followed by float4 values[nnz] */
} SparseVectorData;

typedef SparseVectorData *SparseVector;

#define SPARSEVEC_SIZE(_nnz) \
	(offsetof(SparseVectorData, indices) + \
	 (sizeof(int32) + sizeof(float)) * (_nnz))
#define SPARSEVEC_VALUES(x) \
	((float *) (((char *) (x)->indices) + sizeof(int32) * (x)->nnz))
#define DatumGetSparseVector(x)		((SparseVector) PG_DETOAST_DATUM(x))
#define PG_GETARG_SPARSEVEC_P(x)	DatumGetSparseVector(PG_GETARG_DATUM(x))
#define PG_RETURN_SPARSEVEC_P(x)	PG_RETURN_POINTER(x)

extern SparseVector InitSparseVector(int dim, int nnz);

#endif							/* MILVUS_SPARSEVEC_H */
