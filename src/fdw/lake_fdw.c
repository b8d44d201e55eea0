/*-------------------------------------------------------------------------
 * lake_fdw.c
 *	  Entry points of the extension: _PG_init (settings, transaction callbacks)
 *	  and the foreign-data wrapper handler that hands PostgreSQL the FDW
 *	  routines of this layer.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "fdw/modify_internal.h"
#include "fdw/pushdown.h"
#include "fdw/topn.h"
#include "fmgr.h"
#include "maint/maint_worker.h"
#include "maint/progress.h"
#include "scan/scan.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

char	   *lake_as_of = NULL;
int			lake_write_buffer_kb = 256 * 1024;
int			lake_row_group_rows = 1024 * 1024;
int			lake_insert_batch_size = 1;
char	   *lake_fault_point = NULL;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(lake_fdw_handler);

void
_PG_init(void)
{
	DefineCustomStringVariable("lake_fdw.as_of",
							   "Reads every lake table as of this time (time travel).",
							   "A timestamptz; each lake table is read at its latest snapshot "
							   "committed at or before it.  Empty reads the latest snapshot.",
							   &lake_as_of, "", PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.write_buffer_mem",
							"Memory a transaction buffers per lake table before spilling data files.",
							NULL, &lake_write_buffer_kb, 256 * 1024, 1024, INT_MAX / 2,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.row_group_rows",
							"Rows per Parquet row group in data files lake_fdw writes.",
							NULL, &lake_row_group_rows, 1024 * 1024, 1024, 64 * 1024 * 1024,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.insert_batch_size",
							"Rows PostgreSQL hands to lake_fdw per insert call.",
							"Rows are buffered until commit either way; batching makes "
							"PostgreSQL copy each row once more, so 1 is fastest.",
							&lake_insert_batch_size, 1, 1, 10000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("lake_fdw.fault_point",
							   "Crash tests only: the commit step at which a backend kills itself.",
							   NULL, &lake_fault_point, "", PGC_SUSET, GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("lake_fdw.enable_aggregate_pushdown",
							 "Computes GROUP BY aggregates inside lake scans.",
							 "count, sum, avg, min and max of plain columns, grouped by "
							 "plain columns, over a lake table without a WHERE clause.",
							 &lake_enable_aggregate_pushdown, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("lake_fdw.enable_topn_pushdown",
							 "Computes ORDER BY ... LIMIT inside lake scans.",
							 "A query of one lake table ordered by plain columns with a LIMIT "
							 "keeps the best rows while scanning and skips row groups and pages "
							 "that cannot beat them; off leaves the sort to PostgreSQL.  Results "
							 "are the same (up to the order of ties).",
							 &lake_enable_topn_pushdown, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("lake_fdw.enable_pruning",
							 "Skips partitions, files, row groups and pages that cannot match WHERE clauses and join keys.",
							 "Off reads everything (for comparison); results are the same.",
							 &lake_enable_pruning, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("lake_fdw.enable_scan_filter",
							 "Evaluates WHERE clauses inside lake scans, before rows are built.",
							 "The leading clauses without volatile functions or subqueries are "
							 "evaluated per batch on just the columns they read (EXPLAIN: Lake "
							 "Filter); off leaves every clause to PostgreSQL.  Results are the same.",
							 &lake_enable_scan_filter, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("lake_fdw.enable_late_materialize",
							 "Decodes the other columns of a lake file only at the rows its pushed filter keeps.",
							 "A scan with a pushed filter decodes the filter's columns first and the "
							 "other columns at the rows that may match (a point lookup decodes one row "
							 "of each column, not a page).  Off decodes every row of the pages read, "
							 "for comparison; results are the same.",
							 &lake_enable_late_materialize, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.metadata_cache_size",
							"Memory each backend keeps for parsed metadata of lake files across statements.",
							"Parquet footers, page indexes and bloom filters of data files, and the "
							"file lists of snapshots (files are immutable, so the cache never goes "
							"stale).  0 turns the cache off.",
							&lake_metadata_cache_kb, 64 * 1024, 0, INT_MAX / 1024,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	LakeMaintWorkerInit();
	MarkGUCPrefixReserved("lake_fdw");

	LakeXactInit();
	LakeOnConflictInit();
	LakePinInit();
	LakeProgressInit();
}

Datum
lake_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = lakeGetForeignRelSize;
	routine->GetForeignPaths = lakeGetForeignPaths;
	routine->GetForeignPlan = lakeGetForeignPlan;
	routine->BeginForeignScan = lakeBeginForeignScan;
	routine->IterateForeignScan = lakeIterateForeignScan;
	routine->ReScanForeignScan = lakeReScanForeignScan;
	routine->EndForeignScan = lakeEndForeignScan;
	routine->ExplainForeignScan = lakeExplainForeignScan;
	routine->AnalyzeForeignTable = lakeAnalyzeForeignTable;
	routine->GetForeignUpperPaths = lakeGetForeignUpperPaths;

	routine->IsForeignRelUpdatable = lakeIsForeignRelUpdatable;
	routine->PlanForeignModify = lakePlanForeignModify;
	routine->BeginForeignModify = lakeBeginForeignModify;
	routine->ExecForeignInsert = lakeExecForeignInsert;
	routine->ExecForeignBatchInsert = lakeExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = lakeGetForeignModifyBatchSize;
	routine->EndForeignModify = lakeEndForeignModify;
	routine->BeginForeignInsert = lakeBeginForeignInsert;
	routine->EndForeignInsert = lakeEndForeignInsert;
	routine->ExplainForeignModify = lakeExplainForeignModify;
	routine->AddForeignUpdateTargets = lakeAddForeignUpdateTargets;
	routine->ExecForeignUpdate = lakeExecForeignUpdate;
	routine->ExecForeignDelete = lakeExecForeignDelete;
	routine->PlanDirectModify = lakePlanDirectModify;
	routine->BeginDirectModify = lakeBeginDirectModify;
	routine->IterateDirectModify = lakeIterateDirectModify;
	routine->EndDirectModify = lakeEndDirectModify;
	routine->ExplainDirectModify = lakeExplainDirectModify;
	routine->ExecForeignTruncate = lakeExecForeignTruncate;

	routine->ImportForeignSchema = lakeImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
