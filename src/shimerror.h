/*-------------------------------------------------------------------------
 *
 * shimerror.h
 *	  Turning a C++ shim's status into a PostgreSQL error.
 *
 * IDENTIFICATION
 *	  src/shimerror.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_SHIMERROR_H
#define MILVUS_SHIMERROR_H

#include "shim.h"

extern void ShimCheck(MvStatus status, const char *library, const char *action);

#endif							/* MILVUS_SHIMERROR_H */
