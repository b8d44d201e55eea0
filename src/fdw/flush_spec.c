/*-------------------------------------------------------------------------
 * flush_spec.c
 *	  The flush description of a lake table (LakeFlushSpec): its lake
 *	  schema's columns, types, key, partitioning, buckets and codec, from
 *	  the schema and the foreign table's options; and the merge
 *	  configuration of its primary key.  Shared by writers (xact.c) and
 *	  compaction (compact_func.c).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "mergetree/merge_engine.h"
#include "mergetree/write_buffer.h"

/* The flush description of the lake schema (all lake columns). */
void
LakeFlushSpecBuild(LakeTable *table, LakeSchema *s, LakeTableOptions *o,
				   LakeFlushSpec *spec)
{
	char	  **names = palloc(sizeof(char *) * Max(s->ncolumns, 1));
	int32	   *ids = palloc(sizeof(int32) * Max(s->ncolumns, 1));
	bool	   *not_null = palloc(sizeof(bool) * Max(s->ncolumns, 1));
	bool	   *bloom = palloc0(sizeof(bool) * Max(s->ncolumns, 1));
	LakeTypeInfo *types = palloc(sizeof(LakeTypeInfo) * Max(s->ncolumns, 1));
	int		   *part = palloc(sizeof(int) * (list_length(s->partition_by) + 1));
	int		   *key = palloc(sizeof(int) * (list_length(s->primary_key) + 1));
	ListCell   *lc;
	int			n;

	memset(spec, 0, sizeof(*spec));
	for (int i = 0; i < s->ncolumns; i++)
	{
		LakeColumn *c = &s->columns[i];
		Oid			typid;
		int32		typmod;

		LakeTypeNameParse(c->type_name, &typid, &typmod);
		LakeTypeFromPgOrError(typid, typmod, c->name, &types[i]);
		names[i] = c->name;
		ids[i] = c->id;
		not_null[i] = c->not_null;
		foreach(lc, o->bloom_filter_columns)
			if (strcmp((char *) lfirst(lc), c->name) == 0)
				bloom[i] = true;
	}
	n = 0;
	foreach(lc, s->partition_by)
		for (int i = 0; i < s->ncolumns; i++)
			if (strcmp(s->columns[i].name, (char *) lfirst(lc)) == 0)
				part[n++] = i;
	spec->npartition = n;
	n = 0;
	foreach(lc, s->primary_key)
		for (int i = 0; i < s->ncolumns; i++)
			if (strcmp(s->columns[i].name, (char *) lfirst(lc)) == 0)
				key[n++] = i;
	spec->nkey = n;

	spec->root = table->root;
	spec->table_dir_rel = table->relpath;
	spec->schema_id = s->schema_id;
	spec->ncolumns = s->ncolumns;
	spec->names = (const char *const *) names;
	spec->column_ids = ids;
	spec->types = types;
	spec->not_null = not_null;
	spec->partition_cols = part;
	spec->key_cols = key;
	spec->buckets = s->buckets;
	spec->bloom = bloom;
	if (strcmp(o->compression, "lz4") == 0)
		spec->codec = PQ_CODEC_LZ4_RAW;
	else if (strcmp(o->compression, "none") == 0)
		spec->codec = PQ_CODEC_UNCOMPRESSED;
	else
		spec->codec = PQ_CODEC_ZSTD;
	spec->compression_level = o->compression_level;
	spec->row_group_rows = (uint32) lake_row_group_rows;
}

/*
 * How versions of a key merge: the engine, sequence column and per-column
 * aggregates the lake schema was created (or evolved) with.  The foreign
 * table's own options only fill in what an old schema does not record:
 * views with option snapshot, tag or scan declare no engine of their own.
 */
LakeMergeConfig *
LakeMergeConfigFromSchema(const LakeSchema *s, const LakeTableOptions *o,
						  const LakeFlushSpec *flush)
{
	const char *engine = LakeSchemaOption(s, "merge_engine");
	const char *seqname = LakeSchemaOption(s, "sequence_column");
	const char **aggs = palloc0(sizeof(char *) * Max(s->ncolumns, 1));
	int			seqcol = -1;

	if (engine == NULL)
		engine = o->merge_engine;
	if (seqname == NULL)
		seqname = o->sequence_column;
	for (int i = 0; i < s->ncolumns; i++)
	{
		aggs[i] = s->columns[i].aggregate;
		if (seqname && strcmp(seqname, s->columns[i].name) == 0)
			seqcol = i;
	}
	return LakeMergeConfigBuild(engine, s->ncolumns, flush->names, flush->types,
								flush->column_ids, aggs, flush->nkey, flush->key_cols,
								seqcol);
}
