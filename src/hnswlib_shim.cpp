//-------------------------------------------------------------------------
//
// hnswlib_shim.cpp
//	  C interface over hnswlib's HierarchicalNSW; see hnswlib_shim.h.
//
// The graph object holds a distance "space" and the hnswlib index that
// points to it.  The space is our own SpaceInterface<float> whose distance
// function calls a kernel from src/distance.h, chosen when the graph is
// created: hnswlib's own SSE/AVX functions are not used, so the graph sees
// exactly the distances our scans compute.
//
// Insertion (mv_hnswlib_graph_add) hands out the batch one vector at a
// time from an atomic counter to the calling thread and nthreads - 1
// std::threads, all calling HierarchicalNSW::addPoint, which is safe to
// call concurrently.  The threads live for one call only: starting one
// costs tens of microseconds, while a batch of a thousand insertions costs
// tens of milliseconds or more, and no thread ever outlives the call into
// PostgreSQL code.  They are started with every signal blocked (and
// inherit that mask), so the backend's signal handlers only ever run on
// its main thread.  A worker catches whatever it throws; the first
// exception stops the others and is rethrown in the calling thread, where
// the entry point's mv_shim_try (shim_internal.hpp) turns it into a status.
//
// Searching (mv_hnswlib_graph_search) repeats searchKnn's greedy descent
// here, so that ef is an argument rather than hnswlib's shared ef_ member:
// concurrent searches then change nothing but hnswlib's locked pool of
// visited lists.
//
// XXX: hnswlib 0.6.2 has flaws we cannot fix from here (ThreadSanitizer
// and AddressSanitizer report them; the unit test passes under both):
//	- concurrent addPoint calls draw levels from one random engine without a
//	  lock, and read enterpoint_node_ outside the lock that guards it.  The
//	  engine's state is one aligned word, so a race can repeat a level but
//	  not corrupt anything; multi-threaded builds are not reproducible
//	  anyway.
//	- searchBaseLayer prefetches through the id one past the end of a
//	  neighbour list, reading up to 3 bytes past an upper-level list's
//	  allocation; glibc's chunk rounding always leaves that much slack.
//	  Defining NO_MANUAL_VECTORIZATION would avoid it, but without the
//	  prefetches a build takes about 25% longer.
//
// hnswlib.h defines some non-inline functions and variables (cpuid,
// AVXCapable, L2SqrSIMD16Ext), so it may be included by one file of a
// program only: this one.  Nothing here may print, call PostgreSQL or let
// an exception out: every extern "C" function is noexcept and catches
// everything.
//
// IDENTIFICATION
//	  src/hnswlib_shim.cpp
//
//-------------------------------------------------------------------------
#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>

#include <hnswlib/hnswlib.h>

extern "C"
{
#include "distance.h"
}

#include "hnswlib_shim.h"
#include "shim_internal.hpp"

using hnswlib::labeltype;
using hnswlib::linklistsizeint;
using hnswlib::tableint;

typedef hnswlib::HierarchicalNSW<float> Hnsw;

namespace
{

// all three kernels of distance.h have this type
typedef float (*KernelFn) (const float *a, const float *b, int n);

//
// What hnswlib passes to our distance functions.  dim must come first:
// hnswlib's getDataByLabel() reads the dimension as *(size_t *) param.
//
struct KernelParam
{
	size_t		dim;
	KernelFn	kernel;
};

float
KernelDistance(const void *a, const void *b, const void *param)
{
	const KernelParam *p = static_cast<const KernelParam *>(param);

	return p->kernel(static_cast<const float *>(a),
					 static_cast<const float *>(b), (int) p->dim);
}

float
NegatedKernelDistance(const void *a, const void *b, const void *param)
{
	return -KernelDistance(a, b, param);
}

//
// An hnswlib distance space over one of our kernels, optionally negated
// (inner product becomes a distance as in pgvector's <#>).
//
class KernelSpace : public hnswlib::SpaceInterface<float>
{
public:
	KernelSpace(size_t dim, KernelFn kernel, bool negate)
		: param_{dim, kernel},
		  func_(negate ? NegatedKernelDistance : KernelDistance)
	{
	}

	size_t		get_data_size() override
	{
		return param_.dim * sizeof(float);
	}

	hnswlib::DISTFUNC<float> get_dist_func() override
	{
		return func_;
	}

	void	   *get_dist_func_param() override
	{
		return &param_;
	}

private:
	KernelParam param_;
	hnswlib::DISTFUNC<float> func_;
};

//
// Blocks every signal in the calling thread for its lifetime, so threads
// started meanwhile inherit a full mask; the old mask comes back at the end.
//
class SignalsBlocked
{
public:
	SignalsBlocked() noexcept
	{
		sigset_t	all;

		sigfillset(&all);
		ok_ = pthread_sigmask(SIG_BLOCK, &all, &old_) == 0;
	}

	~SignalsBlocked()
	{
		if (ok_)
			pthread_sigmask(SIG_SETMASK, &old_, nullptr);
	}

	SignalsBlocked(const SignalsBlocked &) = delete;
	SignalsBlocked &operator=(const SignalsBlocked &) = delete;

private:
	sigset_t	old_;
	bool		ok_;
};

//
// One call's worth of insertions, shared by the threads that do them.
//
class AddJob
{
public:
	AddJob(Hnsw *hnsw, const float *vectors, size_t dim, int64_t first_label,
		   int64_t n)
		: hnsw_(hnsw), vectors_(vectors), dim_(dim),
		  first_label_(first_label), n_(n)
	{
	}

	void		Run() noexcept;

	// after every thread has left Run(): rethrow the first failure, if any
	void		RethrowFailure() const
	{
		if (error_)
			std::rethrow_exception(error_);
	}

private:
	Hnsw	   *hnsw_;
	const float *vectors_;
	size_t		dim_;
	int64_t		first_label_;
	int64_t		n_;
	std::atomic<int64_t> next_ {0};
	std::atomic<bool> failed_ {false};
	std::exception_ptr error_;	// written once, by the thread that set failed_
};

//
// Insert vectors from the shared counter until none are left or some
// thread has failed.  With one thread, vectors go in label order.
//
void
AddJob::Run() noexcept
{
	try
	{
		while (!failed_.load(std::memory_order_relaxed))
		{
			int64_t		i = next_.fetch_add(1, std::memory_order_relaxed);

			if (i >= n_)
				break;
			hnsw_->addPoint(vectors_ + (size_t) i * dim_,
							(labeltype) (first_label_ + i));
		}
	}
	catch (...)
	{
		if (!failed_.exchange(true))
			error_ = std::current_exception();
	}
}

//
// Chunks of [0, n) handed to a C function from a shared counter
// (mv_hnswlib_parallel_for).
//
class ForJob
{
public:
	ForJob(int64_t n, int64_t chunk, MvParallelFn fn, void *arg)
		: n_(n), chunk_(chunk), fn_(fn), arg_(arg)
	{
	}

	void		Run() noexcept
	{
		for (;;)
		{
			int64_t		begin = next_.fetch_add(chunk_, std::memory_order_relaxed);

			if (begin >= n_)
				break;
			fn_(arg_, begin, std::min(n_, begin + chunk_));
		}
	}

private:
	int64_t		n_;
	int64_t		chunk_;
	MvParallelFn fn_;
	void	   *arg_;
	std::atomic<int64_t> next_ {0};
};

//
// Run the job on the calling thread and nthreads - 1 new ones, and wait for
// all of them.  If a thread cannot be started, the ones that could do the
// work.  Throws only before any thread has started.
//
template<typename Job>
void
RunThreads(Job &job, int nthreads)
{
	std::vector<std::thread> workers;

	workers.reserve(nthreads - 1);
	{
		SignalsBlocked blocked;

		for (int i = 1; i < nthreads; i++)
		{
			try
			{
				workers.emplace_back(&Job::Run, &job);
			}
			catch (...)
			{
				break;
			}
		}
	}
	job.Run();
	for (std::thread &worker : workers)
		worker.join();
}

//
// The status for a std::exception: hnswlib reports a failed malloc as
// std::runtime_error("Not enough memory...").
//
MvStatus
LibError(const std::exception &e) noexcept
{
	if (strncmp(e.what(), "Not enough memory", 17) == 0)
		return mv_set_error(MV_ERR_NOMEM, "out of memory");
	return mv_set_error(MV_ERR_LIB, "%s", e.what());
}

//
// Check the parameters that size a graph; shared by create and the memory
// estimate.  Sets the error message when they are bad.
//
MvStatus
CheckGraphArgs(int dim, int m, int64_t max_elements) noexcept
{
	if (dim < 1 || dim > MV_HNSWLIB_MAX_DIM)
		return mv_set_error(MV_ERR_INVALID,
							"dimensions must be between 1 and %d, not %d",
							MV_HNSWLIB_MAX_DIM, dim);
	if (m < MV_HNSWLIB_MIN_M || m > MV_HNSWLIB_MAX_M)
		return mv_set_error(MV_ERR_INVALID,
							"m must be between %d and %d, not %d",
							MV_HNSWLIB_MIN_M, MV_HNSWLIB_MAX_M, m);
	if (max_elements < 1 || max_elements > MV_HNSWLIB_MAX_ELEMENTS)
		return mv_set_error(MV_ERR_INVALID,
							"maximum number of elements must be between 1 and %d, not %lld",
							MV_HNSWLIB_MAX_ELEMENTS, (long long) max_elements);
	return MV_OK;
}

//
// hnswlib's internal id for a label, or false if the label is not in the
// graph (the error message is set).
//
bool
FindLabel(const Hnsw &hnsw, int64_t label, tableint *id) noexcept
{
	if (label >= 0)
	{
		auto		it = hnsw.label_lookup_.find((labeltype) label);

		if (it != hnsw.label_lookup_.end())
		{
			*id = it->second;
			return true;
		}
	}
	mv_set_error(MV_ERR_INVALID, "label %lld is not in the graph",
				 (long long) label);
	return false;
}

}								// namespace

//
// The graph: the space must outlive (so precede) the index that uses it.
// broken is set when an insertion failed part way; see CheckUsable().
//
struct MvHnswlibGraph
{
	MvHnswlibGraph(int dim, KernelFn kernel, bool negate, size_t max_elements,
				   size_t m, size_t ef_construction, size_t seed)
		: space(dim, kernel, negate),
		  hnsw(&space, max_elements, m, ef_construction, seed)
	{
	}

	KernelSpace space;
	Hnsw		hnsw;
	bool		broken = false;
};

//
// MV_OK if g can be used, else MV_ERR_INVALID with a message.  After a
// failed addPoint a node may be counted but not linked (its upper-level
// lists unallocated), so nothing may read the graph any more.
//
static MvStatus
CheckUsable(const MvHnswlibGraph *g) noexcept
{
	if (g == nullptr)
		return mv_set_error(MV_ERR_INVALID, "no graph given");
	if (g->broken)
		return mv_set_error(MV_ERR_INVALID,
							"graph is unusable after a failed insertion");
	return MV_OK;
}

//
// Create an empty graph; see hnswlib_shim.h.
//
// XXX: if hnswlib's constructor throws after its first malloc (its second
// one failing), hnswlib leaks the first; we cannot reach it to free it.
//
extern "C" MvStatus
mv_hnswlib_graph_create(MvHnswlibGraph **out, int dim, MvHnswlibMetric metric,
						int m, int ef_construction, int64_t max_elements,
						uint64_t seed) noexcept
{
	KernelFn	kernel;
	bool		negate = false;
	MvStatus	status;

	if (out == nullptr)
		return mv_set_error(MV_ERR_INVALID, "no place for the graph given");
	*out = nullptr;
	if ((status = CheckGraphArgs(dim, m, max_elements)) != MV_OK)
		return status;
	if (ef_construction < 1)
		return mv_set_error(MV_ERR_INVALID,
							"ef_construction must be at least 1, not %d",
							ef_construction);
	switch (metric)
	{
		case MV_HNSWLIB_L2:
			kernel = DistanceL2Squared;
			break;
		case MV_HNSWLIB_IP:
			kernel = DistanceInnerProduct;
			negate = true;
			break;
		case MV_HNSWLIB_L1:
			kernel = DistanceL1;
			break;
		default:
			return mv_set_error(MV_ERR_INVALID, "invalid metric %d",
								(int) metric);
	}

	return mv_shim_try([&]() -> MvStatus
	{
		*out = new MvHnswlibGraph(dim, kernel, negate, (size_t) max_elements,
								  (size_t) m, (size_t) ef_construction,
								  (size_t) seed);
		return MV_OK;
	}, LibError);
}

//
// Add a batch of vectors with consecutive labels; see hnswlib_shim.h.
// The labels are checked first, so that hnswlib never takes a known label
// as an update of that node.
//
extern "C" MvStatus
mv_hnswlib_parallel_for(int64_t n, int64_t chunk, MvParallelFn fn, void *arg,
						int nthreads) noexcept
{
	if (n < 0 || chunk <= 0 || fn == nullptr)
		return mv_set_error(MV_ERR_INVALID, "invalid parallel loop");
	return mv_shim_try([&]() -> MvStatus
	{
		ForJob		job(n, chunk, fn, arg);

		if ((int64_t) nthreads > (n + chunk - 1) / chunk)
			nthreads = (int) ((n + chunk - 1) / chunk);
		if (nthreads <= 1)
			job.Run();
		else
			RunThreads(job, nthreads);
		return MV_OK;
	}, LibError);
}

extern "C" MvStatus
mv_hnswlib_graph_add(MvHnswlibGraph *g, const float *vectors,
					 int64_t first_label, int64_t n, int nthreads) noexcept
{
	MvStatus	status;

	if ((status = CheckUsable(g)) != MV_OK)
		return status;
	if ((vectors == nullptr && n > 0) || n < 0)
		return mv_set_error(MV_ERR_INVALID, "invalid batch of vectors");
	if (first_label < 0 || first_label > INT64_MAX - n)
		return mv_set_error(MV_ERR_INVALID, "invalid first label %lld",
							(long long) first_label);

	status = mv_shim_try([&]() -> MvStatus
	{
		Hnsw	   &hnsw = g->hnsw;

		for (int64_t i = 0; i < n; i++)
			if (hnsw.label_lookup_.count((labeltype) (first_label + i)) != 0)
				return mv_set_error(MV_ERR_INVALID,
									"label %lld is already in the graph",
									(long long) (first_label + i));

		AddJob		job(&hnsw, vectors, g->space.get_data_size() / sizeof(float),
						first_label, n);

		// no more threads than vectors
		if ((int64_t) nthreads > n)
			nthreads = (int) n;
		if (nthreads <= 1)
			job.Run();
		else
			RunThreads(job, nthreads);
		job.RethrowFailure();
		return MV_OK;
	}, LibError);
	// a thrown exception (not a rejected label) may leave a half-added node
	if (status != MV_OK && status != MV_ERR_INVALID)
		g->broken = true;
	return status;
}

//
// Number of vectors in the graph.
//
extern "C" int64_t
mv_hnswlib_graph_count(const MvHnswlibGraph *g) noexcept
{
	try
	{
		return g == nullptr ? 0 : (int64_t) g->hnsw.cur_element_count;
	}
	catch (...)
	{
		return 0;
	}
}

//
// The entry point's label and level; -1 and -1 for an empty graph.
//
extern "C" MvStatus
mv_hnswlib_graph_entry_point(const MvHnswlibGraph *g, int64_t *label,
							 int *level) noexcept
{
	MvStatus	status;

	if ((status = CheckUsable(g)) != MV_OK)
		return status;
	if (label == nullptr || level == nullptr)
		return mv_set_error(MV_ERR_INVALID, "invalid argument");

	return mv_shim_try([&]() -> MvStatus
	{
		const Hnsw &hnsw = g->hnsw;

		*label = -1;
		*level = -1;
		if (hnsw.cur_element_count > 0)
		{
			*label = (int64_t) hnsw.getExternalLabel(hnsw.enterpoint_node_);
			*level = hnsw.maxlevel_;
		}
		return MV_OK;
	}, LibError);
}

//
// The top level of the node with this label.
//
extern "C" MvStatus
mv_hnswlib_graph_node_level(const MvHnswlibGraph *g, int64_t label,
							int *level) noexcept
{
	tableint	id;
	MvStatus	status;

	if ((status = CheckUsable(g)) != MV_OK)
		return status;
	if (level == nullptr)
		return mv_set_error(MV_ERR_INVALID, "invalid argument");

	return mv_shim_try([&]() -> MvStatus
	{
		if (!FindLabel(g->hnsw, label, &id))
			return MV_ERR_INVALID;
		*level = g->hnsw.element_levels_[id];
		return MV_OK;
	}, LibError);
}

//
// A node's neighbours on one level, translated to labels.
//
extern "C" MvStatus
mv_hnswlib_graph_neighbors(const MvHnswlibGraph *g, int64_t label, int level,
						   int64_t *out_labels, int capacity,
						   int *count) noexcept
{
	tableint	id;
	MvStatus	status;

	if ((status = CheckUsable(g)) != MV_OK)
		return status;
	if (count == nullptr || capacity < 0 ||
		(out_labels == nullptr && capacity > 0))
		return mv_set_error(MV_ERR_INVALID, "invalid argument");

	return mv_shim_try([&]() -> MvStatus
	{
		const Hnsw &hnsw = g->hnsw;
		linklistsizeint *list;
		const tableint *ids;
		int			size;

		*count = 0;
		if (!FindLabel(hnsw, label, &id))
			return MV_ERR_INVALID;
		if (level < 0 || level > hnsw.element_levels_[id])
			return mv_set_error(MV_ERR_INVALID,
								"node with label %lld has no level %d",
								(long long) label, level);

		list = hnsw.get_linklist_at_level(id, level);
		size = hnsw.getListCount(list);
		ids = reinterpret_cast<const tableint *>(list + 1);
		*count = size;
		if (size > capacity)
			return mv_set_error(MV_ERR_INVALID,
								"%d neighbors do not fit in an array of %d",
								size, capacity);
		for (int i = 0; i < size; i++)
		{
			if (ids[i] >= hnsw.cur_element_count)
				return mv_set_error(MV_ERR_LIB,
									"neighbor %u of label %lld is out of range",
									ids[i], (long long) label);
			out_labels[i] = (int64_t) hnsw.getExternalLabel(ids[i]);
		}
		return MV_OK;
	}, LibError);
}

//
// k nearest neighbours of query, nearest first.  This is searchKnn with
// ef passed in: greedy descent through the upper levels, then a search of
// level 0 with a candidate list of max(ef, k).
//
extern "C" MvStatus
mv_hnswlib_graph_search(const MvHnswlibGraph *g, const float *query, int k,
						int ef, int64_t *labels, float *distances,
						int *count) noexcept
{
	MvStatus	status;

	if ((status = CheckUsable(g)) != MV_OK)
		return status;
	if (query == nullptr || count == nullptr || k < 0 || ef < 0 ||
		(labels == nullptr && k > 0))
		return mv_set_error(MV_ERR_INVALID, "invalid argument");

	return mv_shim_try([&]() -> MvStatus
	{
		const Hnsw &hnsw = g->hnsw;
		tableint	cur = hnsw.enterpoint_node_;
		float		curdist;
		int			found;

		*count = 0;
		if (hnsw.cur_element_count == 0 || k == 0)
			return MV_OK;

		curdist = hnsw.fstdistfunc_(query, hnsw.getDataByInternalId(cur),
									hnsw.dist_func_param_);
		for (int level = hnsw.maxlevel_; level > 0; level--)
		{
			bool		changed = true;

			while (changed)
			{
				linklistsizeint *list = hnsw.get_linklist(cur, level);
				int			size = hnsw.getListCount(list);
				tableint   *ids = reinterpret_cast<tableint *>(list + 1);

				changed = false;
				for (int i = 0; i < size; i++)
				{
					float		d = hnsw.fstdistfunc_(query,
													  hnsw.getDataByInternalId(ids[i]),
													  hnsw.dist_func_param_);

					if (d < curdist)
					{
						curdist = d;
						cur = ids[i];
						changed = true;
					}
				}
			}
		}

		auto		top = hnsw.searchBaseLayerST<false>(cur, query,
													std::max<size_t>(ef, k));

		while (top.size() > (size_t) k)
			top.pop();
		found = (int) top.size();
		for (int i = found - 1; i >= 0; i--)	// top() is the farthest
		{
			labels[i] = (int64_t) hnsw.getExternalLabel(top.top().second);
			if (distances != nullptr)
				distances[i] = top.top().first;
			top.pop();
		}
		*count = found;
		return MV_OK;
	}, LibError);
}

//
// What hnswlib allocates for n vectors, following its constructor and
// addPoint (hnswalg.h):
//
//	per node, allocated up front for max_elements = n:
//	  size_data_per_element_  level-0 links (2m ids and a count), the vector
//							  and the label;
//	  a pointer in linkLists_, an int in element_levels_, a std::mutex in
//	  link_list_locks_, a 2-byte slot in one visited list;
//	per node, as it is added:
//	  a label_lookup_ entry (a 24-byte hash node in a 32-byte malloc chunk,
//	  and one to two 8-byte buckets);
//	  upper-level links: a node reaches level l with probability m^-l, so it
//	  has 1/(m-1) upper levels of size_links_per_element_ (m ids and a
//	  count) on average, in a malloc chunk of one more byte plus overhead,
//	  taken by a fraction 1/m of the nodes;
//	once: 65536 mutexes in link_list_update_locks_, and the objects.
//
extern "C" size_t
mv_hnswlib_graph_memory_estimate(int dim, int m, int64_t n) noexcept
{
	const double malloc_overhead = 16;	// glibc chunk header and rounding
	const double label_map_per_node = 32 + 16;

	try
	{
		double		size_links_level0;
		double		size_data_per_element;
		double		size_links_per_element;
		double		per_node;
		double		total;

		if (CheckGraphArgs(dim, m, n) != MV_OK)
			return 0;

		size_links_level0 = 2.0 * m * sizeof(tableint) + sizeof(linklistsizeint);
		size_data_per_element = size_links_level0 + (double) dim * sizeof(float) +
			sizeof(labeltype);
		size_links_per_element = (double) m * sizeof(tableint) +
			sizeof(linklistsizeint);

		per_node = size_data_per_element + sizeof(char *) + sizeof(int) +
			sizeof(std::mutex) + sizeof(hnswlib::vl_type) +
			label_map_per_node +
			size_links_per_element / (m - 1) +
			(1 + malloc_overhead) / m;
		total = per_node * (double) n +
			(double) Hnsw::max_update_element_locks * sizeof(std::mutex) +
			sizeof(MvHnswlibGraph) + sizeof(hnswlib::VisitedListPool) +
			sizeof(hnswlib::VisitedList);
		if (total >= (double) SIZE_MAX)
			return SIZE_MAX;
		return (size_t) total;
	}
	catch (...)
	{
		return 0;
	}
}

//
// Free a graph; NULL is fine.
//
extern "C" void
mv_hnswlib_graph_free(MvHnswlibGraph *g) noexcept
{
	try
	{
		delete g;
	}
	catch (...)
	{
	}
}
