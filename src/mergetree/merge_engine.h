/*-------------------------------------------------------------------------
 * merge_engine.h
 *	  Records of primary-key lake tables and how the versions of one key
 *	  fold into the row a reader sees: the merge engines (deduplicate,
 *	  partial_update, aggregation, first_row) and the per-column merge ops
 *	  that blind INSERT ... ON CONFLICT forms write.
 *
 * Every record of a primary-key data file has a kind (hidden column
 * _lake_kind; a file without it holds only ENGINE records):
 *	 ENGINE  merge onto the existing version with the table's merge engine
 *	 SET     a full row replacing whatever version exists
 *	 DELETE  a tombstone: the key is gone
 *	 OPS     merge with the per-column ops spelled in hidden column _lake_ops
 * The versions of a key fold oldest first, starting from "absent": a
 * record meeting an absent key inserts its own values, whatever its ops.
 *
 * An ops string has one letter per lake column id (position = column id):
 * the LAKE_OP_* letters below; a column id past its end, or '.', keeps
 * the existing value.  FORMAT.md documents both hidden columns.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_MERGE_ENGINE_H
#define LAKE_MERGE_ENGINE_H

#include "postgres.h"
#include "mergetree/lake_types.h"

#define LAKE_KIND_COLUMN	"_lake_kind"
#define LAKE_OPS_COLUMN		"_lake_ops"
/* footer key: the letters of the kinds a file holds (E, S, D, O) */
#define LAKE_KINDS_KEY		"lake.kinds"

typedef enum LakeRecordKind
{
	LAKE_REC_ENGINE = 0,
	LAKE_REC_SET = 1,
	LAKE_REC_DELETE = 2,
	LAKE_REC_OPS = 3
} LakeRecordKind;

#define LAKE_REC_NKINDS 4

/*
 * Kinds of a change (changelog scans' _change_kind).  Changelog files
 * (LAKE_FILE_CHANGELOG) store them in _lake_kind instead of record kinds.
 */
typedef enum LakeChangeKind
{
	LAKE_CHANGE_INSERT = 0,		/* +I */
	LAKE_CHANGE_UPDATE_BEFORE = 1,	/* -U */
	LAKE_CHANGE_UPDATE_AFTER = 2,	/* +U */
	LAKE_CHANGE_DELETE = 3		/* -D */
} LakeChangeKind;

#define LAKE_CHANGE_NKINDS 4
/* footer key of changelog files: letters of the change kinds held (I u U D) */
#define LAKE_CHANGES_KEY	"lake.changes"

/* "+I", "-U", "+U", "-D" */
extern const char *LakeChangeKindName(LakeChangeKind kind);
/* The change a written record stands for, without before-images */
extern LakeChangeKind LakeChangeKindOfRecord(LakeRecordKind kind);

/* per-column merge ops: existing value "old", incoming value "new" */
#define LAKE_OP_REPLACE		'R'		/* new, NULL included */
#define LAKE_OP_KEEP		'K'		/* old */
#define LAKE_OP_NEW_NONNULL 'N'		/* COALESCE(new, old) */
#define LAKE_OP_OLD_NONNULL 'C'		/* COALESCE(old, new) */
#define LAKE_OP_ADD			'A'		/* old + new, NULL if either is */
#define LAKE_OP_SUM			'S'		/* old + new, NULLs ignored */
#define LAKE_OP_PRODUCT		'P'		/* old * new, NULLs ignored */
#define LAKE_OP_MAX			'G'		/* GREATEST: NULLs ignored */
#define LAKE_OP_MIN			'L'		/* LEAST: NULLs ignored */
#define LAKE_OP_BOOL_AND	'&'		/* NULLs ignored */
#define LAKE_OP_BOOL_OR		'|'		/* NULLs ignored */
#define LAKE_OP_LISTAGG		'J'		/* old || ',' || new, NULLs ignored */
#define LAKE_OP_NONE		'.'		/* same as keep (key columns, gaps) */

/* How the versions of one key merge, for one table. */
typedef struct LakeMergeConfig
{
	int			ncolumns;		/* lake schema columns */
	const LakeTypeInfo *types;	/* borrowed */
	const char *const *names;	/* borrowed, for messages */
	int32	   *column_ids;		/* [ncolumns] */
	char	   *engine_ops;		/* [ncolumns] op of ENGINE records */
	bool		engine_replaces;	/* ENGINE = replace the whole row */
	int			sequence_col;	/* sequence_column's index, or -1 */
	const char *engine;			/* the engine's name */
} LakeMergeConfig;

/*
 * Build the configuration from the engine name and each column's
 * `aggregate` option (NULL = the engine's default).  ERROR if an aggregate
 * does not suit its column's type.  Key columns get LAKE_OP_NONE.
 */
extern LakeMergeConfig *LakeMergeConfigBuild(const char *engine, int ncolumns,
											 const char *const *names,
											 const LakeTypeInfo *types,
											 const int32 *column_ids,
											 const char *const *aggregates,
											 int nkey, const int *key_cols,
											 int sequence_col);

/* The op letter of an aggregate option, or 0 if the name is unknown */
extern char LakeMergeAggregateOp(const char *aggregate);

/* Can the op merge values of this type (ERROR-free check)? */
extern bool LakeMergeOpSuitsType(char op, const LakeTypeInfo *ti);

/* A readable name of an op letter ("add", "replace", ...) */
extern const char *LakeMergeOpName(char op);

/*
 * The fold of one key's versions.  Columns not in `need` are neither
 * merged nor returned.
 */
typedef struct LakeMergeState LakeMergeState;

extern LakeMergeState *LakeMergeStateCreate(const LakeMergeConfig *cfg,
											const bool *need,
											MemoryContext parent);

/* Start a new key: absent. */
extern void LakeMergeStateReset(LakeMergeState *st);

/*
 * Fold the next (newer) version: row `row` of the batch vectors cols
 * (absent[i]: column i reads as NULL), of the given kind; ops is the
 * record's ops string for LAKE_REC_OPS (NULL otherwise).
 */
extern void LakeMergeStateAdd(LakeMergeState *st, LakeRecordKind kind,
							  const PqBytes *ops, const PqColumnVector *cols,
							  const bool *absent, uint32 row);

/*
 * Finish the key; returns whether it is present.  Its values are row 0 of
 * LakeMergeStateColumns (valid until the next Reset).
 */
extern bool LakeMergeStateFinish(LakeMergeState *st);
extern const PqColumnVector *LakeMergeStateColumns(LakeMergeState *st);

#endif							/* LAKE_MERGE_ENGINE_H */
