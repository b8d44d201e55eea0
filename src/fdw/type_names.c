/*-------------------------------------------------------------------------
 * type_names.c
 *	  Resolving the type names a lake schema records (format_type text,
 *	  e.g. "numeric(12,2)") to a type oid and typmod, remembered per
 *	  backend: parseTypeString runs the SQL grammar, and planning, scan
 *	  setup and flush specs resolve every column of a table per statement.
 *
 * A name resolves differently only when pg_type changes or the search path
 * does: a syscache callback on TYPEOID empties the map, and the search
 * path the map was filled under is compared on every use (a different one
 * empties it).  Errors (unknown type) are not remembered.
 *
 * Memory: the map and its keys live in CacheMemoryContext, one entry per
 * distinct type name, which a session has few of.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fdw/fdw.h"
#include "parser/parse_type.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#define TYPE_NAME_MAX 256

typedef struct TypeNameEntry
{
	char		name[TYPE_NAME_MAX];	/* hash key */
	Oid			typid;
	int32		typmod;
} TypeNameEntry;

static HTAB *type_map = NULL;
static OverrideSearchPath *type_map_path = NULL;
static bool callback_registered = false;

static void
type_map_reset(void)
{
	if (type_map != NULL)
		hash_destroy(type_map);
	type_map = NULL;
}

static void
type_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	type_map_reset();
}

/* the map, empty unless it was filled under the current search path */
static HTAB *
type_map_get(void)
{
	HASHCTL		ctl;

	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(TYPEOID, type_inval, (Datum) 0);
		callback_registered = true;
	}
	if (type_map != NULL && type_map_path != NULL &&
		OverrideSearchPathMatchesCurrent(type_map_path))
		return type_map;
	type_map_reset();
	if (type_map_path != NULL)
	{
		list_free(type_map_path->schemas);
		pfree(type_map_path);
	}
	type_map_path = GetOverrideSearchPath(CacheMemoryContext);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = TYPE_NAME_MAX;
	ctl.entrysize = sizeof(TypeNameEntry);
	ctl.hcxt = CacheMemoryContext;
	type_map = hash_create("lake_fdw type names", 32, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return type_map;
}

/*
 * LakeTypeNameParse
 *		parseTypeString(name, typid, typmod, false), remembered.
 */
void
LakeTypeNameParse(const char *name, Oid *typid, int32 *typmod)
{
	HTAB	   *map;
	TypeNameEntry *e;

	if (strlen(name) >= TYPE_NAME_MAX)
	{
		parseTypeString(name, typid, typmod, false);
		return;
	}
	map = type_map_get();
	e = hash_search(map, name, HASH_FIND, NULL);
	if (e != NULL)
	{
		*typid = e->typid;
		*typmod = e->typmod;
		return;
	}
	parseTypeString(name, typid, typmod, false);
	/* an invalidation during the parse may have dropped the map */
	map = type_map_get();
	e = hash_search(map, name, HASH_ENTER, NULL);
	e->typid = *typid;
	e->typmod = *typmod;
}
