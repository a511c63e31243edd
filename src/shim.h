/*-------------------------------------------------------------------------
 *
 * shim.h
 *	  Status codes and the error message shared by every C++ shim.
 *
 * The shims (hnswlib_shim.h, faiss_shim.h) are C interfaces over C++
 * libraries.  Every entry point catches every C++ exception and returns an
 * MvStatus instead; when the status is not MV_OK, mv_shim_last_error()
 * describes what went wrong.  src/shimerror.c turns a status into an ereport()
 * once the C++ frames are gone.
 *
 * The message lives in a per-thread buffer: it is this thread's own copy,
 * valid until this thread's next shim call.  After a call that returned
 * MV_OK its contents are unspecified (they are not cleared).  Messages are
 * lower case, without a trailing period, so they fit in an errdetail such
 * as "hnswlib reported: %s.".
 *
 * This header is plain C, usable from C and C++, and never includes
 * postgres.h.
 *
 * IDENTIFICATION
 *	  src/shim.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_SHIM_H
#define MILVUS_SHIM_H

/*
 * Shim entry points are noexcept in C++; the declarations must say so too,
 * or the definitions would not match them.
 */
#ifdef __cplusplus
#define MV_NOEXCEPT noexcept
#else
#define MV_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C"
{
#endif

typedef enum MvStatus
{
	MV_OK = 0,
	MV_ERR_NOMEM,				/* an allocation failed */
	MV_ERR_INVALID,				/* bad argument or state; nothing was done */
	MV_ERR_LIB,					/* the library threw an exception */
	MV_ERR_INTERRUPTED,			/* an interrupt hook stopped the call */
	MV_ERR_UNKNOWN				/* something that is not a std::exception */
} MvStatus;

/*
 * The message for the last status other than MV_OK returned on this thread.
 * Never NULL (an empty string before the first error).
 */
extern const char *mv_shim_last_error(void) MV_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif							/* MILVUS_SHIM_H */
