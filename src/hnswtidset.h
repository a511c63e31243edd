/*-------------------------------------------------------------------------
 *
 * hnswtidset.h
 *	  A simplehash set of hnsw element TIDs, keyed by HnswTidKey and hashed
 *	  with HnswTidKeyHash (hnsw.h): the visited set of a search
 *	  (hnswsearch.c) and the set of elements a VACUUM reclaims
 *	  (hnswvacuum.h) are both one.
 *
 * Like lib/simplehash.h, which it includes, this file has no include guard
 * and is included once per set: define SH_PREFIX and SH_ELEMENT_TYPE (a
 * struct with a uint64 "key" and a char "status" that simplehash uses)
 * first.  The functions are static inline, named after SH_PREFIX.
 *
 * IDENTIFICATION
 *	  src/hnswtidset.h
 *
 *-------------------------------------------------------------------------
 */
#define SH_KEY_TYPE			uint64
#define SH_KEY				key
#define SH_HASH_KEY(tb, k)	HnswTidKeyHash(k)
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"
