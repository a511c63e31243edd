//-------------------------------------------------------------------------
//
// shim_internal.hpp
//	  Helpers shared by the C++ shims; C++ only, never installed.
//
// IDENTIFICATION
//	  src/shim_internal.hpp
//
//-------------------------------------------------------------------------
#ifndef MILVUS_SHIM_INTERNAL_HPP
#define MILVUS_SHIM_INTERNAL_HPP

#include <exception>
#include <new>

#include "shim.h"

//
// Format a message into this thread's error buffer (truncated to fit) and
// return "status", so that a catch clause can end with
//	return mv_set_error(MV_ERR_LIB, "%s", e.what());
// It allocates nothing and cannot fail.
//
MvStatus	mv_set_error(MvStatus status, const char *fmt, ...) noexcept
	__attribute__((format(printf, 2, 3)));

//
// The status of a std::exception other than std::bad_alloc: MV_ERR_LIB,
// with the library's message.
//
inline MvStatus
mv_lib_error(const std::exception &e) noexcept
{
	return mv_set_error(MV_ERR_LIB, "%s", e.what());
}

//
// Run "body" (a callable returning MvStatus) and turn whatever it throws
// into a status and this thread's message, as Faiss's C API does with one
// macro: std::bad_alloc is MV_ERR_NOMEM, another std::exception what
// "lib_error" makes of it (mv_lib_error unless the library needs its own
// reading), anything else MV_ERR_UNKNOWN.  Every entry point that returns
// an MvStatus ends with
//	return mv_shim_try([&]() -> MvStatus { ... return MV_OK; });
//
template <typename Body>
MvStatus
mv_shim_try(Body &&body,
			MvStatus (*lib_error) (const std::exception &) noexcept = mv_lib_error) noexcept
{
	try
	{
		return body();
	}
	catch (const std::bad_alloc &)
	{
		return mv_set_error(MV_ERR_NOMEM, "out of memory");
	}
	catch (const std::exception &e)
	{
		return lib_error(e);
	}
	catch (...)
	{
		return mv_set_error(MV_ERR_UNKNOWN, "unknown C++ exception");
	}
}

#endif							// MILVUS_SHIM_INTERNAL_HPP
