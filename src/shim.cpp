//-------------------------------------------------------------------------
//
// shim.cpp
//	  What shim.h declares: the per-thread error message behind
//	  mv_shim_last_error().
//
// The buffer is a fixed, trivially destructible thread_local array: setting
// a message never allocates (it must work while reporting "out of memory"),
// and the library registers no thread-exit destructor.  Library threads may
// set messages too, but the shims report errors from the calling thread, so
// the message a caller reads is the one its own call set.
//
// IDENTIFICATION
//	  src/shim.cpp
//
//-------------------------------------------------------------------------
#include <cstdarg>
#include <cstdio>

#include "shim_internal.hpp"

// long enough for any library message we pass on; longer ones are truncated
static constexpr size_t MV_SHIM_ERROR_LEN = 1024;

static thread_local char shim_error[MV_SHIM_ERROR_LEN];

//
// Store the formatted message for this thread and return "status".
//
MvStatus
mv_set_error(MvStatus status, const char *fmt, ...) noexcept
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(shim_error, sizeof(shim_error), fmt, args);
	va_end(args);
	return status;
}

//
// This thread's last message; see shim.h.
//
extern "C" const char *
mv_shim_last_error(void) noexcept
{
	return shim_error;
}
