/*-------------------------------------------------------------------------
 *
 * bitvec.h
 *	  Binary vector metrics on PostgreSQL's bit type: what the flat access
 *	  method shares with the SQL operators of bitvec.c.
 *
 * The Tanimoto threshold operator (bit % bit) is true when the Tanimoto
 * (Jaccard) similarity of its operands is at least
 * milvus.tanimoto_threshold, as the RDKit cartridge's % is with its
 * rdkit.tanimoto_threshold.  The operator and the flat index's scan decide
 * it with the same inline function below, from the same kernel counts, so
 * an index scan keeps exactly the rows the operator would.
 *
 * IDENTIFICATION
 *	  src/bitvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_BITVEC_H
#define MILVUS_BITVEC_H

#include <stdint.h>

/* milvus.tanimoto_threshold */
#define BIT_DEFAULT_TANIMOTO_THRESHOLD	0.5

extern double milvus_tanimoto_threshold;

extern void BitvecInit(void);

/*
 * The Tanimoto (Jaccard) similarity from the kernel's counts
 * popcount(a AND b), popcount(a), popcount(b); 0 when neither operand has
 * a bit set, as pgvector treats it.
 */
static inline double
BitTanimotoFromParts(uint64_t ab, uint64_t aa, uint64_t bb)
{
	if (ab == 0)
		return 0.0;
	return (double) ab / (double) (aa + bb - ab);
}

#endif							/* MILVUS_BITVEC_H */
