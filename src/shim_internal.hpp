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

#include "shim.h"

//
// Format a message into this thread's error buffer (truncated to fit) and
// return "status", so that a catch clause can end with
//	return mv_set_error(MV_ERR_LIB, "%s", e.what());
// It allocates nothing and cannot fail.
//
MvStatus	mv_set_error(MvStatus status, const char *fmt, ...) noexcept
	__attribute__((format(printf, 2, 3)));

#endif							// MILVUS_SHIM_INTERNAL_HPP
