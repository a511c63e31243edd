/*-------------------------------------------------------------------------
 *
 * hnswcodes.c
 *	  Neighbour codes of hnsw indexes: the product quantizer a build
 *	  trains, its codebook pages, the backend's cache of them, the codes
 *	  of level-0 links and the distance a search estimates from them.
 *
 * hnsw.h ("Neighbour codes") gives the layout.  The quantizer is ivf's
 * (ivfquant.c): codeM sub-quantizers of HNSW_CODE_KSUB entries, trained
 * by Lloyd k-means per sub-space on up to HNSW_CODE_TRAIN_ROWS of the
 * collected values (normalised for cosine, as stored), spread evenly over
 * them.  A search computes the table of its query's distances to every
 * entry once (ADC); a code's estimated distance is then codeM look-ups,
 * in the units of the operator class's distance function: squared L2, or
 * the negative inner product.  For cosine (unit vectors) the table holds
 * squared L2 distances and the estimate is |q - x|^2 / 2 - 1: the inner
 * product of the quantized value, which k-means shrinks towards the
 * centroids, underestimates the similarity of near neighbours (on GloVe
 * the search then skipped so many that recall at ef_search 40 fell from
 * 0.92 to 0.68), where the squared L2 estimate only adds the quantization
 * error.  Raw inner product has no such form (|x| is not in the code).
 *
 * Codes are hints.  A slot whose code is HNSW_CODE_UNKNOWN is read as
 * without codes; writers that do not know a code (VACUUM's repair) write
 * that, and those that move links carry the codes along by TID.  So no
 * writer ever needs a value it did not read, and a wrong code can only
 * make a search skip a neighbour it would have found too far anyway, or
 * read one it could have skipped.
 *
 * IDENTIFICATION
 *	  src/hnswcodes.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xloginsert.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "amcommon.h"
#include "hnsw.h"
#include "hnswlib_shim.h"
#include "ivfquant.h"
#include "shimerror.h"
#include "vector.h"

/* Lloyd iterations of each sub-space's k-means */
#define HNSW_CODE_ITERATIONS	6
#define HNSW_CODE_SEED			4321

/* Floats of one codebook page's item */
#define HNSW_CODEBOOK_PAGE_FLOATS \
	((BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	  MAXALIGN(sizeof(HnswPageOpaqueData)) - MAXALIGN(sizeof(ItemIdData))) / \
	 sizeof(float))

/* the types' distance functions (vector.c) */
extern PGDLLEXPORT Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);

/*
 * The number of sub-quantizers (code bytes) the build chooses for values
 * of this many dimensions: the largest divisor of dimensions up to
 * HNSW_CODE_AUTO_M (sub-vectors of 5 dimensions on 100-d GloVe read 63%
 * fewer blocks than without codes at ef_search 40, of 10 dimensions 54%),
 * or 0 (no codes) below HNSW_CODE_MIN_DIM dimensions, above
 * HNSW_CODE_AUTO_MAX_DIM (on 784-d Fashion-MNIST 16 bytes of sub-vectors
 * of 49 dimensions gained 1.04 to 1.14 times the QPS at equal recall, and
 * pushed the second element of each page out: twice the index size), or
 * when that divisor is below 4 (a prime number of dimensions, say).
 */
int
HnswCodeSubspaces(int dimensions)
{
	if (dimensions < HNSW_CODE_MIN_DIM || dimensions > HNSW_CODE_AUTO_MAX_DIM)
		return 0;
	for (int m = HNSW_CODE_AUTO_M; m >= 4; m--)
		if (dimensions % m == 0)
			return m;
	return 0;
}

/*
 * The distance codes estimate for this operator class (support from
 * HnswInitSupport): HNSW_CODE_NONE for any but vector's squared L2 and
 * negative inner product (which cosine uses on unit vectors).
 */
int
HnswCodeMetric(HnswSupport *support)
{
	PGFunction	fn = support->distance->fn_addr;

	if (fn == vector_l2_squared_distance)
		return HNSW_CODE_L2;
	if (fn == vector_negative_inner_product)
		return support->norm != NULL ? HNSW_CODE_COSINE : HNSW_CODE_IP;
	return HNSW_CODE_NONE;
}

/*
 * Whether a metapage's code parameters (codeM > 0) are ones a build
 * writes: a metric codes serve, at most HNSW_CODE_MAX_M sub-quantizers
 * that divide at most HNSW_MAX_DIM dimensions, a finite bias >= 0.
 */
bool
HnswCodeParamsValid(int codeM, int metric, int dimensions, float bias)
{
	return (metric == HNSW_CODE_L2 || metric == HNSW_CODE_IP ||
			metric == HNSW_CODE_COSINE) &&
		codeM > 0 && codeM <= HNSW_CODE_MAX_M &&
		dimensions > 0 && dimensions <= HNSW_MAX_DIM &&
		dimensions % codeM == 0 && isfinite(bias) && bias >= 0;
}

/*
 * The floats of a codebook page (its one item), pointed to by *floats; -1
 * when the page is not a codebook page.  The caller holds its lock.
 */
int
HnswCodebookPageFloats(Page page, const float **floats)
{
	ItemId		itemid;

	if (PageIsNew(page) ||
		!(HnswPageGetOpaque(page)->flags & HNSW_PAGE_CODEBOOK) ||
		PageGetMaxOffsetNumber(page) != FirstOffsetNumber)
		return -1;
	itemid = PageGetItemId(page, FirstOffsetNumber);
	*floats = (const float *) PageGetItem(page, itemid);
	return (int) (ItemIdGetLength(itemid) / sizeof(float));
}

/* what the threads of HnswTrainCodebooks share: one sub-space each */
typedef struct TrainJob
{
	const float *sample;
	int64		ntrain;
	int			dimensions;
	int			dsub;
	int			first;			/* the first sub-space of this call */
	float	   *codebooks;
	int		   *work;			/* ntrain ints per sub-space of a call */
	float	   *fwork;			/* HNSW_CODE_KSUB * (dsub + 2) floats each */
} TrainJob;

static void
TrainSubspaces(void *arg, int64_t begin, int64_t end)
{
	TrainJob   *job = (TrainJob *) arg;

	for (int64_t k = begin; k < end; k++)
	{
		int			j = job->first + (int) k;

		IvfPqTrainSubspace(job->sample + j * job->dsub, job->ntrain,
						   job->dimensions, job->dsub, HNSW_CODE_KSUB,
						   HNSW_CODE_ITERATIONS, HNSW_CODE_SEED + j,
						   job->codebooks + (Size) j * HNSW_CODE_KSUB * job->dsub,
						   job->work + k * job->ntrain,
						   job->fwork + k * HNSW_CODE_KSUB * (job->dsub + 2));
	}
}

/*
 * Train the codebooks (codeM * HNSW_CODE_KSUB * dimensions / codeM floats)
 * on n >= HNSW_CODE_KSUB values of dimensions floats, stride floats apart,
 * nthreads sub-spaces at a time (checking for interrupts in between).
 */
void
HnswTrainCodebooks(const float *x, int64 n, int stride, int dimensions,
				   int codeM, float *codebooks, int nthreads)
{
	TrainJob	job;

	nthreads = Max(nthreads, 1);
	job.ntrain = Min(n, HNSW_CODE_TRAIN_ROWS);
	job.dimensions = dimensions;
	job.dsub = dimensions / codeM;
	job.codebooks = codebooks;
	job.sample = palloc(sizeof(float) * job.ntrain * dimensions);
	job.work = palloc(sizeof(int) * job.ntrain * nthreads);
	job.fwork = palloc(sizeof(float) * HNSW_CODE_KSUB * (job.dsub + 2) *
					   nthreads);

	Assert(n >= HNSW_CODE_KSUB);
	for (int64 i = 0; i < job.ntrain; i++)
		memcpy((float *) job.sample + i * dimensions,
			   x + (i * n / job.ntrain) * stride, sizeof(float) * dimensions);
	for (job.first = 0; job.first < codeM; job.first += nthreads)
	{
		CHECK_FOR_INTERRUPTS();
		ShimCheck(mv_hnswlib_parallel_for(Min(nthreads, codeM - job.first), 1,
										  TrainSubspaces, &job, nthreads),
				  "hnswlib", "train hnsw codes");
	}
	pfree((float *) job.sample);
	pfree(job.work);
	pfree(job.fwork);
}

/*
 * The code of a value (dimensions floats), from the transposed codebooks:
 * the nearest entry of each sub-quantizer, through the value's squared L2
 * table (IvfPqTable computes sixteen entries at a time, where a loop over
 * the few dimensions of one entry does not vectorize: a third of the
 * time on 100-d values).  Never HNSW_CODE_UNKNOWN in every byte (the last
 * sub-quantizer's entry 0xff then codes as 0xfe).  Plain C on the
 * caller's arrays: build threads call it.
 */
void
HnswEncode(const float *codebooksT, int dimensions, int codeM, const float *x,
		   uint8 *code)
{
	float		table[HNSW_CODE_MAX_M * HNSW_CODE_KSUB];
	bool		unknown = true;

	IvfPqEncodeT(codebooksT, dimensions, codeM, HNSW_CODE_KSUB, x, table,
				 code);
	for (int j = 0; j < codeM && unknown; j++)
		unknown = code[j] == HNSW_CODE_UNKNOWN;
	if (unknown)
		code[codeM - 1] = HNSW_CODE_UNKNOWN - 1;
}

/*
 * Whether a code is one (not HNSW_CODE_UNKNOWN).
 */
bool
HnswCodeKnown(const uint8 *code, int codeM)
{
	for (int j = 0; j < codeM; j++)
		if (code[j] != HNSW_CODE_UNKNOWN)
			return true;
	return false;
}

/*
 * A new build identity for the metapage (as ivf's).
 */
uint64
HnswNewBuildId(void)
{
	return (uint64) GetCurrentTimestamp() ^
		pg_prng_uint64(&pg_global_prng_state);
}

/*
 * Append the codebooks (nfloats floats) to the index being built, on
 * codebook pages from block blkno (the next new block).  Returns the
 * number of pages.  The caller WAL-logs them with the build's pages.
 */
uint32
HnswWriteCodebookPages(Relation index, BlockNumber blkno,
					   const float *codebooks, Size nfloats)
{
	uint32		npages = 0;

	for (Size done = 0; done < nfloats; done += HNSW_CODEBOOK_PAGE_FLOATS)
	{
		Size		n = Min(nfloats - done, HNSW_CODEBOOK_PAGE_FLOATS);
		Buffer		buf = ExtendIndex(index, MAIN_FORKNUM);
		Page		page;

		if (BufferGetBlockNumber(buf) != blkno + npages)
			elog(ERROR, "hnsw build expected block %u, got %u",
				 blkno + npages, BufferGetBlockNumber(buf));
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		HnswInitPage(buf, page);
		HnswPageGetOpaque(page)->flags = HNSW_PAGE_CODEBOOK;
		if (PageAddItem(page, (Item) (codebooks + done), n * sizeof(float),
						InvalidOffsetNumber, false, false) != FirstOffsetNumber)
			elog(ERROR, "failed to add codebook to hnsw index \"%s\"",
				 RelationGetRelationName(index));
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
		npages++;
	}
	return npages;
}

/*
 * The backend's cache of codebooks, keyed by relfilenode: not rd_amcache,
 * which PostgreSQL frees on any relcache invalidation of the index (see
 * ivfutils.c).  Codebooks never change for a build, and every lookup
 * checks the metapage's build identity.
 *
 * XXX entries of dropped indexes stay until the backend exits (as ivf's).
 */
typedef struct CodebookCacheEntry
{
	RelFileNode key;
	uint64		buildId;
	HnswCodebook *codebook;		/* in TopMemoryContext */
} CodebookCacheEntry;

static HTAB *CodebookCache = NULL;

/*
 * Read the codebook pages the metapage names into a new codebook in
 * TopMemoryContext; ERROR when they do not hold what it says.
 */
static HnswCodebook *
ReadCodebook(Relation index, int dimensions, int codeM, int metric,
			 BlockNumber blkno, uint32 npages)
{
	Size		nfloats = (Size) HNSW_CODE_KSUB * dimensions;
	HnswCodebook *cb;
	Size		done = 0;

	cb = MemoryContextAlloc(TopMemoryContext, sizeof(HnswCodebook));
	cb->dimensions = dimensions;
	cb->codeM = codeM;
	cb->metric = metric;
	cb->codebooks = MemoryContextAlloc(TopMemoryContext, sizeof(float) * nfloats);
	cb->codebooksT = MemoryContextAlloc(TopMemoryContext, sizeof(float) * nfloats);

	for (uint32 i = 0; i < npages; i++)
	{
		Buffer		buf;
		const float *floats;
		int			n;

		if (blkno + i >= RelationGetNumberOfBlocks(index))
			break;
		buf = ReadBuffer(index, blkno + i);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		n = HnswCodebookPageFloats(BufferGetPage(buf), &floats);
		if (n < 0)
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		n = Min((Size) n, nfloats - done);
		memcpy(cb->codebooks + done, floats, n * sizeof(float));
		done += n;
		UnlockReleaseBuffer(buf);
	}
	if (done != nfloats)
	{
		pfree(cb->codebooks);
		pfree(cb->codebooksT);
		pfree(cb);
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has a damaged codebook",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	}
	IvfPqTransposeCodebooks(cb->codebooks, dimensions, codeM, HNSW_CODE_KSUB,
							cb->codebooksT);
	return cb;
}

/*
 * The codebook of an index, or NULL when it has no codes.  The pointer
 * stays valid for the rest of the statement at least.  Reads the
 * metapage (one shared lock), and the codebook pages once per build.
 */
const HnswCodebook *
HnswGetCodebook(Relation index)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	HnswMetaPage meta;
	int			codeM;
	int			metric;
	int			dimensions;
	BlockNumber blkno;
	uint32		npages;
	uint64		buildId;
	float		bias;
	CodebookCacheEntry *entry;
	HnswCodebook *cb;
	bool		found;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	HnswCheckMetaPage(index, BufferGetPage(buf));
	meta = HnswPageGetMeta(BufferGetPage(buf));
	codeM = HnswMetaCodeM(meta);
	metric = meta->codeMetric;
	dimensions = meta->dimensions;
	blkno = meta->codebookBlkno;
	npages = meta->codebookPages;
	buildId = meta->buildId;
	bias = meta->codeBias;
	UnlockReleaseBuffer(buf);

	if (codeM == 0)
		return NULL;
	if (!HnswCodeParamsValid(codeM, metric, dimensions, bias))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has invalid code parameters",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));

	if (CodebookCache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(RelFileNode);
		ctl.entrysize = sizeof(CodebookCacheEntry);
		ctl.hcxt = TopMemoryContext;
		CodebookCache = hash_create("Hnsw codebook cache", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(CodebookCache, &index->rd_node, HASH_FIND, NULL);
	if (entry != NULL && entry->buildId == buildId &&
		entry->codebook->codeM == codeM)
		return entry->codebook;

	/* only a complete read enters the cache */
	cb = ReadCodebook(index, dimensions, codeM, metric, blkno, npages);
	cb->bias = bias;
	entry = hash_search(CodebookCache, &index->rd_node, HASH_ENTER, &found);
	if (found)
	{
		pfree(entry->codebook->codebooks);
		pfree(entry->codebook->codebooksT);
		pfree(entry->codebook);
	}
	entry->buildId = buildId;
	entry->codebook = cb;
	return cb;
}

/*
 * The code of an indexed value (a vector, detoasted, normalised as
 * stored) under a codebook.
 */
void
HnswEncodeValue(const HnswCodebook *cb, Datum value, uint8 *code)
{
	Vector		vec = (Vector) DatumGetPointer(value);

	if (vec->dim != cb->dimensions)
		elog(ERROR, "hnsw code of a vector of %d dimensions, expected %d",
			 vec->dim, cb->dimensions);
	HnswEncode(cb->codebooksT, cb->dimensions, cb->codeM, vec->x, code);
}

/*
 * The query's table (codeM * HNSW_CODE_KSUB floats, palloc'd): each
 * sub-vector's distance to each entry in the codebook's metric.
 */
float *
HnswCodeTable(const HnswCodebook *cb, Datum query)
{
	Vector		vec = (Vector) DatumGetPointer(query);
	float	   *table = palloc(sizeof(float) * cb->codeM * HNSW_CODE_KSUB);

	if (vec->dim != cb->dimensions)
		elog(ERROR, "hnsw code table of a vector of %d dimensions, expected %d",
			 vec->dim, cb->dimensions);
	IvfPqTable(cb->codebooksT, cb->dimensions, cb->codeM, HNSW_CODE_KSUB,
			   vec->x, cb->metric == HNSW_CODE_IP, table);
	return table;
}

/*
 * The distance a code estimates, from the query's table.
 */
float
HnswCodeDistance(const float *table, int codeM, int metric, float bias,
				 const uint8 *code)
{
	float		d = IvfPqDistance(table, codeM, HNSW_CODE_KSUB, code);

	if (metric == HNSW_CODE_L2)
		return d - bias;
	return metric == HNSW_CODE_COSINE ? d * 0.5f - 1.0f : d;
}

/*
 * The mean squared quantization error |x - x'|^2 of n values and their
 * codes (x' the codebook entries a code names).  The squared L2 distance
 * from a query to a value's reconstruction exceeds the distance to the
 * value by about that much, so L2 estimates subtract it: without it, on
 * 128-d SIFT-like data, recall@10 at ef_search 40 fell from 0.991 to
 * 0.960 and the hnsw_churn test's 0.95 at the default ef_search became a
 * coin toss; with it recall equals that without codes at every ef_search,
 * at the same gain (codes on / off 1.15 and 1.33 at recall 0.95 and 0.99).
 * Cosine does without: on GloVe the correction cut that gain from 1.76 to
 * 1.28 where the estimate alone cost no recall (0.928 against 0.932 at
 * ef_search 40).
 */
float
HnswCodeBias(const float *codebooks, int dimensions, int codeM,
			 const float *x, int64 n, int stride, const uint8 *codes)
{
	int			dsub = dimensions / codeM;
	double		sum = 0;

	if (n <= 0)
		return 0;
	for (int64 i = 0; i < n; i++)
	{
		const float *v = x + i * stride;

		for (int j = 0; j < codeM; j++)
		{
			const float *c = codebooks +
				((Size) j * HNSW_CODE_KSUB + codes[i * codeM + j]) * dsub;

			for (int d = 0; d < dsub; d++)
			{
				double		diff = v[j * dsub + d] - c[d];

				sum += diff * diff;
			}
		}
	}
	return (float) (sum / n);
}

/*
 * Copy the TIDs and codes of a neighbour tuple's level-0 slots (2m), before
 * a writer changes its lists, for HnswCarryCodes.
 */
void
HnswSaveCodes(HnswNeighborTuple ntup, int m, int codeM,
			  ItemPointerData *tids, uint8 *codes)
{
	for (int i = 0; i < 2 * m; i++)
		tids[i] = ntup->neighbors[i].tid;
	memcpy(codes, HnswNeighborCode(ntup, 0, codeM), (Size) 2 * m * codeM);
}

/*
 * After a writer changed a neighbour tuple's level-0 list (under the
 * page's lock), give each slot the code of its TID: the saved one
 * (HnswSaveCodes) where the TID was in the list, knownCode for knownTid
 * (may be NULL), else HNSW_CODE_UNKNOWN.
 */
void
HnswCarryCodes(HnswNeighborTuple ntup, int m, int codeM,
			   const ItemPointerData *tids, const uint8 *codes,
			   ItemPointer knownTid, const uint8 *knownCode)
{
	for (int i = 0; i < 2 * m; i++)
	{
		ItemPointer tid = &ntup->neighbors[i].tid;
		uint8	   *code = HnswNeighborCode(ntup, i, codeM);
		int			from = -1;

		if (!ItemPointerIsValid(tid))
		{
			memset(code, HNSW_CODE_UNKNOWN, codeM);
			continue;
		}
		if (knownTid != NULL && ItemPointerEquals(tid, knownTid))
		{
			memcpy(code, knownCode, codeM);
			continue;
		}
		for (int j = 0; j < 2 * m && from < 0; j++)
			if (ItemPointerEquals(tid, unconstify(ItemPointerData *, &tids[j])))
				from = j;
		if (from < 0)
			memset(code, HNSW_CODE_UNKNOWN, codeM);
		else
			memmove(code, codes + (Size) from * codeM, codeM);
	}
}
