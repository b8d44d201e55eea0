/*-------------------------------------------------------------------------
 * modify_internal.h
 *	  Shared between the FDW's write paths: the classification of INSERT
 *	  ... ON CONFLICT (onconflict.c), the executor callbacks (modify.c),
 *	  point lookups of a key's current version (lookup.c) and whole-
 *	  partition DELETE and TRUNCATE (direct_modify.c).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_MODIFY_INTERNAL_H
#define LAKE_MODIFY_INTERNAL_H

#include "postgres.h"
#include "fdw/fdw.h"
#include "mergetree/write_buffer.h"
#include "nodes/execnodes.h"

typedef enum LakeUpsertPath
{
	LAKE_UPSERT_PLAIN,			/* no ON CONFLICT: ENGINE records */
	LAKE_UPSERT_BLIND,			/* ON CONFLICT as OPS records */
	LAKE_UPSERT_LOOKUP			/* read the current version first */
} LakeUpsertPath;

typedef struct LakeUpsertPlan
{
	OnConflictAction action;
	LakeUpsertPath path;
	char	   *ops;			/* blind: one op letter per column id */
	bool		full_row;		/* blind DO UPDATE replacing every non-key
								 * column: written as SET records, no ops */
	const char *why;			/* lookup: what forced it */
} LakeUpsertPlan;

/* onconflict.c */
extern void LakeOnConflictInit(void);
extern void LakeUpsertClassify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							   LakeXactTable *xt, LakeUpsertPlan *up);
extern char *LakeUpsertDescribe(LakeXactTable *xt, const LakeUpsertPlan *up);

/* lookup.c: a key's current version as this statement sees it */
typedef struct LakeLookup LakeLookup;
extern LakeLookup *LakeLookupBegin(LakeXactTable *xt, CommandId cid, MemoryContext cxt);

/*
 * values/isnull (lake order) hold the key columns on entry; returns true
 * and fills every column if the key exists.
 */
extern bool LakeLookupFetch(LakeLookup *lk, Datum *values, bool *isnull);
extern int64 LakeLookupSnapshotId(LakeLookup *lk);
extern void LakeLookupEnd(LakeLookup *lk);

/* direct_modify.c */
extern bool lakePlanDirectModify(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void lakeBeginDirectModify(ForeignScanState *node, int eflags);
extern TupleTableSlot *lakeIterateDirectModify(ForeignScanState *node);
extern void lakeEndDirectModify(ForeignScanState *node);
extern void lakeExplainDirectModify(ForeignScanState *node, struct ExplainState *es);
extern void lakeExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs);

#endif							/* LAKE_MODIFY_INTERNAL_H */
