/*-------------------------------------------------------------------------
 *
 * shimerror.c
 *	  Turn the status of a C++ shim call into a PostgreSQL error.
 *
 * The shims (hnswlib_shim.cpp, ...) never raise errors themselves: they
 * catch every exception and return an MvStatus, keeping the library's
 * message for mv_shim_last_error().  Once the C++ frames are gone, the
 * caller passes the status here, which raises the matching ereport.
 *
 * IDENTIFICATION
 *	  src/shimerror.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "shimerror.h"

/*
 * Raise an error unless status is MV_OK.  library names the library for
 * the detail ("hnswlib"), action says what failed ("build hnsw graph").
 * MV_ERR_INTERRUPTED means the call stopped for a pending interrupt:
 * service it (which raises the cancel or termination error).
 */
void
ShimCheck(MvStatus status, const char *library, const char *action)
{
	const char *detail;

	if (status == MV_OK)
		return;

	detail = mv_shim_last_error();
	if (detail == NULL || detail[0] == '\0')
		detail = "no message";

	switch (status)
	{
		case MV_ERR_INTERRUPTED:
			CHECK_FOR_INTERRUPTS();
			/* the interrupt was already serviced: report it plainly */
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("could not %s: interrupted", action)));
			break;
		case MV_ERR_NOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("Could not %s: %s reported: %s.",
							   action, library, detail)));
			break;
		case MV_ERR_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not %s", action),
					 errdetail("%s reported: %s.", library, detail)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("could not %s", action),
					 errdetail("%s reported: %s.", library, detail)));
			break;
	}
}
