/*-------------------------------------------------------------------------
 * fdw.h
 *	  Internal API of the FDW layer: options, DDL interception, planner and
 *	  executor callbacks, transaction state, SQL-callable functions.
 *
 * The FDW layer is the only one that knows PostgreSQL plans and catalogs;
 * it turns them into calls on scan/, mergetree/ and meta/.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_FDW_H
#define LAKE_FDW_H

#include "postgres.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "mergetree/merge_engine.h"
#include "maint/maint.h"
#include "meta/meta.h"
#include "nodes/parsenodes.h"
#include "utils/rel.h"

/* settings (lake_fdw.*) */
extern char *lake_as_of;
extern int	lake_write_buffer_kb;
extern int	lake_row_group_rows;
extern int	lake_insert_batch_size;
extern char *lake_fault_point;
extern bool lake_enable_aggregate_pushdown;

/* scan modes (table option scan) */
typedef enum LakeScanMode
{
	LAKE_SCAN_SNAPSHOT,
	LAKE_SCAN_CHANGELOG,
	LAKE_SCAN_READ_OPTIMIZED
} LakeScanMode;

/* Every option of one foreign table, parsed and checked. */
typedef struct LakeTableOptions
{
	Oid			relid;
	Oid			serverid;
	char	   *root;			/* server option root */
	char	   *relpath;		/* normalised option table */
	List	   *primary_key;	/* char* */
	List	   *partition_by;	/* char* */
	int			buckets;
	char	   *merge_engine;
	char	   *sequence_column;
	char	   *changelog;
	char	   *compression;	/* zstd | lz4 | none */
	int			compression_level;
	List	   *bloom_filter_columns;	/* char* */
	int64		pinned_snapshot;	/* option snapshot, or 0 */
	char	   *tag;			/* option tag, or NULL */
	LakeScanMode scan_mode;
	char	   *consumer;
	LakeMaintPolicy maint;		/* snapshot_*, partition_expiration_time,
								 * tag_* */
	/* compaction (primary-key tables) */
	int			compaction_trigger; /* sorted runs per bucket, >= 2 */
	int			compaction_max_size_amplification;	/* percent */
	int64		target_file_size;	/* bytes per compaction output file */
	bool		auto_compaction;	/* compact in the background after
									 * commits */
	int			compaction_stop_trigger;	/* sorted runs per bucket at
											 * which writers wait (> trigger) */
	bool		auto_maintenance;	/* the maintenance worker may compact
									 * and expire this table */
} LakeTableOptions;

/* options.c */
extern Datum lake_fdw_validator(PG_FUNCTION_ARGS);
extern LakeTableOptions *LakeGetTableOptions(Oid relid);

/*
 * table_cache.c: options, handle and latest schema by oid, and what is
 * derived from them; shared, read-only, valid to transaction end at least
 */
struct LakeFlushSpec;
typedef struct LakeTableCached
{
	LakeTableOptions *opts;
	LakeTable  *table;
	LakeSchema *schema;			/* latest; NULL: no such lake table */
	MemoryContext cxt;			/* holds the entry */
	bool		retired;		/* invalidated: in use until transaction end */
	/* built on first use, in cxt */
	struct LakeFlushSpec *flush;	/* LakeTableCacheFlushSpec */
	LakeMergeConfig *merge;		/* LakeTableCacheMergeConfig */
	void	   *scan_layout;	/* scan_exec.c's columns of the relation */
} LakeTableCached;
extern LakeTableCached *LakeTableCacheGet(Oid relid, LakeSnapshot **latest);
extern List *LakeTableCacheFiles(LakeTableCached *tc, LakeSnapshot *snap);
struct LakePartIndex;
struct LakePruneSpec;
extern const struct LakePartIndex *LakeTableCacheFilesIndex(LakeTableCached *tc, List *files,
															const struct LakePruneSpec *ps);
extern const struct LakeFlushSpec *LakeTableCacheFlushSpec(LakeTableCached *tc);
extern const LakeMergeConfig *LakeTableCacheMergeConfig(LakeTableCached *tc);
extern void LakeTableCacheAtXactEnd(void);
extern void LakeTableCacheReset(void);
extern List *LakeSplitNameList(const char *value, const char *option);
extern bool LakeIsLakeServer(Oid serverid);
extern bool LakeTableIsReadOnly(LakeTableOptions *opts);

/* ddl.c */
extern List *lakeImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);
extern LakeSchema *LakeSchemaFromRelation(Relation rel, LakeTableOptions *opts);

/* scan_exec.c / scan_plan.c */
extern void lakeGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern void lakeGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern ForeignScan *lakeGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									   Oid foreigntableid, ForeignPath *best_path,
									   List *tlist, List *scan_clauses, Plan *outer_plan);
extern void lakeBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *lakeIterateForeignScan(ForeignScanState *node);
extern void lakeReScanForeignScan(ForeignScanState *node);
extern void lakeEndForeignScan(ForeignScanState *node);
extern void lakeExplainForeignScan(ForeignScanState *node, ExplainState *es);
extern bool lakeAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
									BlockNumber *totalpages);

/* upper_plan.c: aggregate pushdown */
extern void lakeGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
									 RelOptInfo *input_rel, RelOptInfo *output_rel,
									 void *extra);
extern ForeignScan *LakeGetForeignUpperPlan(PlannerInfo *root, RelOptInfo *rel,
											List *tlist, Plan *outer_plan);
/* the WHERE of rel, when the scan evaluates all of it (filter: in order) */
extern bool LakeUpperWhere(PlannerInfo *root, RelOptInfo *rel, List **filter,
						   List **pushed);
extern List *LakeUpperQualParams(PlannerInfo *root, List *filter);

/* modify.c */
extern int	lakeIsForeignRelUpdatable(Relation rel);
extern void lakeBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern void lakeEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern List *lakePlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								   Index resultRelation, int subplan_index);
extern void lakeBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								   List *fdw_private, int subplan_index, int eflags);
extern TupleTableSlot *lakeExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											 TupleTableSlot *slot, TupleTableSlot *planSlot);
extern TupleTableSlot **lakeExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
												   TupleTableSlot **slots,
												   TupleTableSlot **planSlots,
												   int *numSlots);
extern int	lakeGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern void lakeAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										RangeTblEntry *target_rte,
										Relation target_relation);
extern TupleTableSlot *lakeExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);
extern TupleTableSlot *lakeExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);
extern void lakeEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void lakeExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									 List *fdw_private, int subplan_index,
									 struct ExplainState *es);

/* xact.c: per-transaction state of every lake table touched */
typedef struct LakeXactTable LakeXactTable;
extern void LakeXactInit(void);
extern LakeXactTable *LakeXactGetTable(Oid relid, bool for_write);
extern LakeSnapshot *LakeXactReadSnapshot(LakeXactTable *xt);
extern struct LakeWriteBuffer *LakeXactWriteBuffer(LakeXactTable *xt);
extern LakeTableOptions *LakeXactOptions(LakeXactTable *xt);
extern LakeTable *LakeXactTable_(LakeXactTable *xt);
extern LakeSchema *LakeXactSchema(LakeXactTable *xt);
extern LakeTableCached *LakeXactCached(LakeXactTable *xt);
/* the live files of the snapshot read, commit order, shared (table_cache.c) */
extern List *LakeXactSnapshotFiles(LakeXactTable *xt, LakeSnapshot *snap);
extern TimestampTz LakeAsOfSetting(bool *isset);
extern void LakeXactAppendRow(LakeXactTable *xt, CommandId cid, Datum *values, bool *isnull);
extern void LakeXactAppendRecord(LakeXactTable *xt, CommandId cid, Datum *values,
								 bool *isnull, LakeRecordKind kind, const char *ops);
extern const struct LakeFlushSpec *LakeXactFlushSpec(LakeXactTable *xt);
extern const LakeMergeConfig *LakeXactMergeConfig(LakeXactTable *xt);
/* committed files a scan may read (drops of this transaction hide some) */
extern List *LakeXactVisibleFiles(LakeXactTable *xt, List *files);
extern bool LakeXactHasDrops(LakeXactTable *xt);
extern void LakeXactDropPartitions(LakeXactTable *xt, List *partitions, bool all);
/* read-modify-write: the key (lake-order values) was read at snapshot_id */
extern void LakeXactNoteRead(LakeXactTable *xt, const Datum *values, const bool *isnull,
							 int64 snapshot_id);
extern char *LakeXactKeyText(LakeXactTable *xt, const Datum *values, const bool *isnull);
extern void LakeXactPendingForScan(LakeXactTable *xt, CommandId cid, bool need_sorted,
								   List **files, struct LakeWriteBuffer **buffer,
								   int64 *limit);

/* flush_spec.c: the flush description of a lake table */
struct LakeFlushSpec;
/* type_names.c: parseTypeString of a lake schema's type name, remembered */
extern void LakeTypeNameParse(const char *name, Oid *typid, int32 *typmod);
extern void LakeFlushSpecBuild(LakeTable *table, LakeSchema *schema, LakeTableOptions *opts,
							   struct LakeFlushSpec *spec);
extern LakeMergeConfig *LakeMergeConfigFromSchema(const LakeSchema *schema,
													 const LakeTableOptions *opts,
													 const struct LakeFlushSpec *flush);

/* compact_func.c: lake_compact */
extern int	LakeCompactRelation(Oid relid, bool full, bool quiet_races);

/* consumer.c: exactly-once changelog consumers */
extern int64 LakeConsumerBegin(LakeTable *table, const char *name, int64 *offset);
extern void LakeConsumerAdvance(LakeTable *table, const char *name, int64 position,
								int64 offset);

/* changelog_scan.c: scans of tables with scan 'changelog' */
extern bool LakeRelIsChangelog(Oid relid);
extern void LakeChangelogGetRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid);
extern void LakeChangelogGetPaths(PlannerInfo *root, RelOptInfo *baserel);
extern bool LakeChangelogIsPlan(ForeignScan *plan);
extern ForeignScan *LakeChangelogGetPlan(PlannerInfo *root, RelOptInfo *baserel,
										 List *tlist, List *scan_clauses, Plan *outer_plan);
extern void LakeChangelogBeginScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *LakeChangelogIterate(ForeignScanState *node);
/* the per-backend cache of the files each snapshot added (lake_metadata_cache) */
extern void LakeChangelogCacheGetStats(LakeMetaCacheStats *stats);
extern void LakeChangelogCacheReset(void);
extern void LakeChangelogReScan(ForeignScanState *node);
extern void LakeChangelogEndScan(ForeignScanState *node);
extern void LakeChangelogExplain(ForeignScanState *node, ExplainState *es);

/* changelog_write.c: changelog 'lookup' files of a commit */
extern const char *LakeSchemaChangelogMode(LakeSchema *schema);
struct LakeFlushSpec;
extern List *LakeChangelogLookupFiles(const struct LakeFlushSpec *spec,
									  const LakeMergeConfig *merge,
									  List *base_files, List *added,
									  bool (*dropped) (LakeDataFile *, void *),
									  void *arg);

/* functions.c */
extern LakeTable *LakeTableForRelation(Oid relid, LakeTableOptions **opts_out);

/* maint_functions.c: the background worker's per-table maintenance call */
extern void LakeMaintainRelation(Oid relid, bool nowait, LakeMaintResult *result);

#endif							/* LAKE_FDW_H */
