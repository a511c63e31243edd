/*-------------------------------------------------------------------------
 *
 * amcommon.c
 *	  What our access methods share: their IndexAmRoutine capabilities,
 *	  page extension, ValidateOrderingOpclass, their amvalidate, and
 *	  ExtensionTypeOid, the indexed type by OID.
 *
 * IDENTIFICATION
 *	  src/amcommon.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "amcommon.h"

IndexAmRoutine *
MakeOrderingAmRoutine(uint16 amsupport)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = amsupport;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;
	return amroutine;
}

Buffer
ExtendIndex(Relation index, ForkNumber forkNum)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, forkNum, P_NEW, RBM_NORMAL, NULL);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

bool
ValidateOrderingOpclass(Oid opclassoid, int distanceProc, uint32 optionalProcs)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	char	   *opclassname;
	char	   *amname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		hasdistance = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opclassname = NameStr(classform->opcname);
	amname = get_am_name(classform->opcmethod);

	proclist = SearchSysCacheList1(AMPROCNUM,
								   ObjectIdGetDatum(classform->opcfamily));
	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);
		int			procnum = procform->amprocnum;

		if (procnum == distanceProc)
			hasdistance = true;
		else if (procnum <= 0 || procnum >= 32 ||
				 (optionalProcs & ((uint32) 1 << procnum)) == 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" contains invalid support function number %d",
							amname, opclassname, procnum)));
			result = false;
		}
	}
	if (!hasdistance)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s operator class \"%s\" is missing its distance support function",
						amname, opclassname)));
		result = false;
	}

	oprlist = SearchSysCacheList1(AMOPSTRATEGY,
								  ObjectIdGetDatum(classform->opcfamily));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy != 1 || oprform->amoppurpose != AMOP_ORDER)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" contains an operator that is not an ordering operator with strategy 1",
							amname, opclassname)));
			result = false;
		}
	}

	ReleaseCatCacheList(oprlist);
	ReleaseCatCacheList(proclist);
	ReleaseSysCache(classtup);
	return result;
}

Oid
ExtensionTypeOid(const char *typname, Oid procid)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum(typname),
						   ObjectIdGetDatum(get_func_namespace(procid)));
}
