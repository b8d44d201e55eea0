/*-------------------------------------------------------------------------
 * ddl.c
 *	  DDL on lake tables: CREATE FOREIGN TABLE creates (or checks) the lake
 *	  table, PRIMARY KEY written in it becomes the primary_key option,
 *	  ALTER FOREIGN TABLE ... ADD COLUMN evolves the lake schema, and IMPORT
 *	  FOREIGN SCHEMA finds lake tables under the root.
 *
 * The work is done by two event triggers the extension script creates
 * (they fire on the first statement of a session too, when a utility hook
 * would not be installed yet): at ddl_command_start, PRIMARY KEY is moved
 * into the primary_key option before PostgreSQL, which refuses constraints
 * on foreign tables, transforms the statement, and unsupported ALTERs are
 * refused; at ddl_command_end the lake table is created, checked or
 * evolved.  Dropping a foreign table leaves the lake table's files in
 * place, as dropping a file_fdw table leaves its file.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>

#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "commands/defrem.h"
#include "fdw/fdw.h"
#include "foreign/foreign.h"
#include "io/io.h"
#include "mergetree/lake_types.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "mergetree/merge_engine.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(lake_fdw_ddl_start);
PG_FUNCTION_INFO_V1(lake_fdw_ddl_end);

static bool
is_lake_relation(Oid relid)
{
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	return LakeIsLakeServer(GetForeignTable(relid)->serverid);
}

/* ---------------------------------------------------------------------
 * Schema from a relation, and the checks against an existing lake table
 * ---------------------------------------------------------------------
 */
static char *
column_option(Oid relid, AttrNumber attnum, const char *name)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, name) == 0)
			return pstrdup(defGetString(d));
	}
	return NULL;
}

static void
add_option(LakeSchema *s, const char *name, const char *value)
{
	LakeOption *o;

	if (value == NULL)
		return;
	o = palloc(sizeof(LakeOption));
	o->name = pstrdup(name);
	o->value = pstrdup(value);
	s->options = lappend(s->options, o);
}

static char *
join_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", buf.len ? "," : "", (char *) lfirst(lc));
	return buf.data;
}

LakeSchema *
LakeSchemaFromRelation(Relation rel, LakeTableOptions *opts)
{
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *s = palloc0(sizeof(LakeSchema));
	int			n = 0;

	s->columns = palloc0(sizeof(LakeColumn) * Max(desc->natts, 1));
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		LakeTypeInfo ti;
		LakeColumn *c;

		if (att->attisdropped)
			continue;
		LakeTypeFromPgOrError(att->atttypid, att->atttypmod, NameStr(att->attname), &ti);
		c = &s->columns[n];
		c->id = n;
		c->name = pstrdup(NameStr(att->attname));
		c->type_name = LakeTypeName(att->atttypid, att->atttypmod);
		c->not_null = att->attnotnull;
		c->aggregate = column_option(RelationGetRelid(rel), att->attnum, "aggregate");
		n++;
	}
	s->ncolumns = n;
	s->next_column_id = n;
	s->primary_key = opts->primary_key;
	s->partition_by = opts->partition_by;
	s->buckets = opts->buckets;
	add_option(s, "merge_engine", opts->merge_engine);
	add_option(s, "changelog", opts->changelog);
	add_option(s, "sequence_column", opts->sequence_column);
	add_option(s, "compression", opts->compression);
	if (opts->bloom_filter_columns)
		add_option(s, "bloom_filter_columns", join_names(opts->bloom_filter_columns));
	return s;
}

static int
find_column(LakeSchema *s, const char *name)
{
	for (int i = 0; i < s->ncolumns; i++)
		if (strcmp(s->columns[i].name, name) == 0)
			return i;
	return -1;
}

static void
check_names_exist(LakeSchema *s, List *names, const char *option, Relation rel)
{
	ListCell   *lc;

	foreach(lc, names)
		if (find_column(s, (char *) lfirst(lc)) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("option \"%s\" of foreign table \"%s\" names column \"%s\", which does not exist",
							option, RelationGetRelationName(rel), (char *) lfirst(lc))));
}

static bool
name_list_member(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
		return true;
	return false;
}

static bool
same_name_list(List *a, List *b)
{
	ListCell   *la,
			   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
		return false;
	return true;
}

static void
mismatch(Relation rel, LakeTableOptions *opts, const char *what, const char *declared,
		 const char *stored)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("foreign table \"%s\" does not match lake table \"%s\": %s",
					RelationGetRelationName(rel), opts->relpath, what),
			 errdetail("Declared: %s; in the lake: %s.", declared, stored),
			 errhint("Declare the table as the lake has it (IMPORT FOREIGN SCHEMA writes the declaration), or use another \"table\" path.")));
}

/* Every declared column must exist in the lake with the same type. */
static void
check_against_lake(Relation rel, LakeTableOptions *opts, LakeSchema *decl, LakeSchema *lake)
{
	bool		changelog = opts->scan_mode == LAKE_SCAN_CHANGELOG;

	for (int i = 0; i < decl->ncolumns; i++)
	{
		LakeColumn *d = &decl->columns[i];
		int			j = find_column(lake, d->name);

		if (j < 0)
		{
			if (changelog && d->name[0] == '_')
				continue;		/* metadata columns of changelog scans */
			mismatch(rel, opts, psprintf("column \"%s\" is not in the lake table", d->name),
					 d->name, "no such column");
		}
		if (strcmp(lake->columns[j].type_name, d->type_name) != 0)
			mismatch(rel, opts, psprintf("column \"%s\" has another type", d->name),
					 d->type_name, lake->columns[j].type_name);
	}
	if (changelog || LakeTableIsReadOnly(opts))
		return;
	if (!same_name_list(decl->primary_key, lake->primary_key))
		mismatch(rel, opts, "primary key differs",
				 decl->primary_key ? join_names(decl->primary_key) : "none",
				 lake->primary_key ? join_names(lake->primary_key) : "none");
	if (!same_name_list(decl->partition_by, lake->partition_by))
		mismatch(rel, opts, "partitioning differs",
				 decl->partition_by ? join_names(decl->partition_by) : "none",
				 lake->partition_by ? join_names(lake->partition_by) : "none");
	if (decl->buckets != lake->buckets)
		mismatch(rel, opts, "bucket count differs", psprintf("%d", decl->buckets),
				 psprintf("%d", lake->buckets));
	if (lake->primary_key &&
		strcmp(opts->merge_engine, LakeSchemaOption(lake, "merge_engine") ?
			   LakeSchemaOption(lake, "merge_engine") : "deduplicate") != 0)
		mismatch(rel, opts, "merge engine differs", opts->merge_engine,
				 LakeSchemaOption(lake, "merge_engine"));
}

/* Every column's aggregate must suit its type (aggregation engine). */
static void
check_aggregates(LakeSchema *decl, LakeTableOptions *opts)
{
	LakeTypeInfo *types;
	const char **names;
	const char **aggs;
	int32	   *ids;

	if (opts->primary_key == NIL || strcmp(opts->merge_engine, "aggregation") != 0)
		return;
	types = palloc(sizeof(LakeTypeInfo) * Max(decl->ncolumns, 1));
	names = palloc(sizeof(char *) * Max(decl->ncolumns, 1));
	aggs = palloc(sizeof(char *) * Max(decl->ncolumns, 1));
	ids = palloc(sizeof(int32) * Max(decl->ncolumns, 1));
	for (int i = 0; i < decl->ncolumns; i++)
	{
		Oid			typid;
		int32		typmod;

		parseTypeString(decl->columns[i].type_name, &typid, &typmod, false);
		LakeTypeFromPgOrError(typid, typmod, decl->columns[i].name, &types[i]);
		names[i] = decl->columns[i].name;
		aggs[i] = decl->columns[i].aggregate;
		ids[i] = i;
	}
	(void) LakeMergeConfigBuild(opts->merge_engine, decl->ncolumns, names, types, ids,
								aggs, 0, NULL, -1);
}

/* Create the lake table of a new foreign table, or check it matches. */
static void
ensure_lake_table(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	LakeTableOptions *opts = LakeGetTableOptions(relid);
	LakeSchema *decl = LakeSchemaFromRelation(rel, opts);
	LakeTable  *table;
	ListCell   *lc;

	check_names_exist(decl, opts->primary_key, "primary_key", rel);
	check_names_exist(decl, opts->partition_by, "partition_by", rel);
	check_aggregates(decl, opts);
	check_names_exist(decl, opts->bloom_filter_columns, "bloom_filter_columns", rel);
	if (opts->sequence_column)
		check_names_exist(decl, list_make1(opts->sequence_column), "sequence_column", rel);
	if (opts->sequence_column && opts->primary_key != NIL &&
		(strcmp(opts->merge_engine, "partial_update") == 0 ||
		 strcmp(opts->merge_engine, "aggregation") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"sequence_column\" is not supported with merge_engine '%s'",
						opts->merge_engine),
				 errdetail("These engines merge each column separately; ordered by one sequence per version, a late event's columns would merge differently depending on which versions compaction had already folded."),
				 errhint("Use sequence_column with merge_engine 'deduplicate' or 'first_row'.")));
	if (opts->primary_key == NIL && opts->buckets > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"buckets\" needs a primary key"),
				 errhint("Buckets split a primary-key table by the hash of its key; append tables have one bucket per partition.")));
	foreach(lc, opts->partition_by)
	{
		if (opts->primary_key != NIL && !name_list_member(opts->primary_key, lfirst(lc)))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("partition column \"%s\" must be part of the primary key",
							(char *) lfirst(lc)),
					 errdetail("A key's versions must all land in one partition to be merged.")));
	}
	foreach(lc, opts->primary_key)
	{
		int			i = find_column(decl, lfirst(lc));

		if (!decl->columns[i].not_null)
			decl->columns[i].not_null = true;	/* a key is never NULL */
	}

	LakeRootCheck(opts->root, !LakeTableIsReadOnly(opts));
	table = LakeTableOpen(opts->root, opts->relpath);
	if (!LakeTableExists(table))
	{
		if (LakeTableIsReadOnly(opts))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("lake table \"%s\" does not exist under the server's root",
							opts->relpath),
					 errhint("A table with option snapshot, tag or scan reads an existing lake table.")));
		if (LakeTableCreate(table, decl))
		{
			relation_close(rel, AccessShareLock);
			return;
		}
		/* lost a race with another creator: check what it made */
	}
	check_against_lake(rel, opts, decl, LakeSchemaLoadLatest(table));
	relation_close(rel, AccessShareLock);
}

/* ---------------------------------------------------------------------
 * CREATE FOREIGN TABLE: PRIMARY KEY into the primary_key option
 * ---------------------------------------------------------------------
 */
/*
 * The key a PRIMARY KEY constraint declares: its column list, or colname
 * for a column constraint.  A second one is an error, as on a heap table;
 * UNIQUE constraints are refused (lake tables enforce no other key).
 */
static List *
constraint_key(CreateForeignTableStmt *stmt, List *keys, Constraint *c,
			   const char *colname)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (c->contype == CONSTR_UNIQUE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lake tables support no UNIQUE constraint besides the primary key")));
	if (keys != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("multiple primary keys for table \"%s\" are not allowed",
						stmt->base.relation->relname)));
	if (colname)
		return list_make1(pstrdup(colname));
	foreach(lc, c->keys)
		result = lappend(result, pstrdup(strVal(lfirst(lc))));
	return result;
}

static bool
is_key_constraint(Node *n)
{
	return IsA(n, Constraint) &&
		(((Constraint *) n)->contype == CONSTR_PRIMARY ||
		 ((Constraint *) n)->contype == CONSTR_UNIQUE);
}

/*
 * Remove PRIMARY KEY from a raw CREATE FOREIGN TABLE (column or table
 * constraint; at ddl_command_start table constraints still sit among the
 * table elements) and return its columns; key columns become NOT NULL.
 */
static List *
take_primary_key(CreateForeignTableStmt *stmt)
{
	List	   *keys = NIL;
	List	   *kept = NIL;
	ListCell   *lc;

	foreach(lc, stmt->base.tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
		{
			ColumnDef  *col = (ColumnDef *) elt;
			List	   *constraints = NIL;
			ListCell   *lc2;

			foreach(lc2, col->constraints)
			{
				if (is_key_constraint(lfirst(lc2)))
					keys = constraint_key(stmt, keys, lfirst(lc2), col->colname);
				else
					constraints = lappend(constraints, lfirst(lc2));
			}
			col->constraints = constraints;
		}
		else if (is_key_constraint(elt))
		{
			keys = constraint_key(stmt, keys, (Constraint *) elt, NULL);
			continue;
		}
		kept = lappend(kept, elt);
	}
	stmt->base.tableElts = kept;

	/* key columns are NOT NULL, as in a heap table */
	foreach(lc, stmt->base.tableElts)
	{
		ColumnDef  *col = lfirst(lc);

		if (IsA(col, ColumnDef) && name_list_member(keys, col->colname))
			col->is_not_null = true;
	}
	return keys;
}

static void
merge_primary_key_option(CreateForeignTableStmt *stmt, List *keys)
{
	ListCell   *lc;
	char	   *value = join_names(keys);

	foreach(lc, stmt->options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, "primary_key") == 0)
		{
			List	   *declared = LakeSplitNameList(defGetString(d), "primary_key");

			if (!same_name_list(declared, keys))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("PRIMARY KEY (%s) and option primary_key '%s' differ",
								value, defGetString(d))));
			return;
		}
	}
	stmt->options = lappend(stmt->options,
							makeDefElem("primary_key", (Node *) makeString(value), -1));
}

static bool
names_lake_server(const char *servername)
{
	ForeignServer *server = GetForeignServerByName(servername, true);

	return server != NULL && LakeIsLakeServer(server->serverid);
}

/* ---------------------------------------------------------------------
 * ALTER FOREIGN TABLE
 * ---------------------------------------------------------------------
 */
static void
check_alter_allowed(AlterTableStmt *stmt, Oid relid)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
			case AT_GenericOptions:
			case AT_AlterColumnGenericOptions:
			case AT_ChangeOwner:
			case AT_SetStatistics:
			case AT_SetStorage:
			case AT_ColumnDefault:
			case AT_AddConstraint:
			case AT_DropConstraint:
			case AT_SetNotNull:
			case AT_DropNotNull:
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("this ALTER FOREIGN TABLE is not supported on lake table \"%s\"",
								get_rel_name(relid)),
						 errdetail("A lake table's schema only grows: ADD COLUMN is supported; dropping, renaming or retyping columns is not.")));
		}
	}
}

/* After ADD COLUMN: publish the grown schema. */
static void
evolve_schema(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	LakeTableOptions *opts = LakeGetTableOptions(relid);
	LakeTable  *table = LakeTableOpen(opts->root, opts->relpath);
	LakeSchema *lake = LakeSchemaLoadLatest(table);
	LakeSchema *decl = LakeSchemaFromRelation(rel, opts);
	LakeSchema *next;
	int			added = 0;

	check_aggregates(decl, opts);

	next = palloc0(sizeof(LakeSchema));
	*next = *lake;
	next->columns = palloc0(sizeof(LakeColumn) * (lake->ncolumns + decl->ncolumns));
	memcpy(next->columns, lake->columns, sizeof(LakeColumn) * lake->ncolumns);
	for (int i = 0; i < decl->ncolumns; i++)
	{
		LakeColumn *c;
		int			j = find_column(lake, decl->columns[i].name);

		if (j >= 0)
		{
			/* ALTER COLUMN ... OPTIONS (aggregate ...) changes how it merges */
			const char *was = lake->columns[j].aggregate;
			const char *now = decl->columns[i].aggregate;

			if ((was == NULL) != (now == NULL) || (was && strcmp(was, now) != 0))
			{
				next->columns[j].aggregate = now ? pstrdup(now) : NULL;
				added++;
			}
			continue;
		}
		if (decl->columns[i].not_null)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot add NOT NULL column \"%s\" to lake table \"%s\"",
							decl->columns[i].name, opts->relpath),
					 errdetail("Rows in existing data files read the new column as NULL.")));
		c = &next->columns[next->ncolumns++];
		*c = decl->columns[i];
		c->id = next->next_column_id++;
		added++;
	}
	if (added > 0)
	{
		next->schema_id = lake->schema_id + 1;
		LakeSchemaCommit(table, next);
	}
	relation_close(rel, AccessShareLock);
}

/* ---------------------------------------------------------------------
 * The event triggers
 * ---------------------------------------------------------------------
 */
static Node *
event_parsetree(FunctionCallInfo fcinfo)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as an event trigger",
						get_func_name(fcinfo->flinfo->fn_oid))));
	return ((EventTriggerData *) fcinfo->context)->parsetree;
}

/*
 * ddl_command_start: rewrite CREATE FOREIGN TABLE in place (the tree is the
 * statement's own copy, the one PostgreSQL goes on to transform), refuse
 * ALTERs a lake table cannot follow.
 */
Datum
lake_fdw_ddl_start(PG_FUNCTION_ARGS)
{
	Node	   *parsetree = event_parsetree(fcinfo);

	if (IsA(parsetree, CreateForeignTableStmt) &&
		names_lake_server(((CreateForeignTableStmt *) parsetree)->servername))
	{
		CreateForeignTableStmt *stmt = (CreateForeignTableStmt *) parsetree;

		/*
		 * The tree outlives this trigger's call, whose memory is reset when
		 * it returns: what goes into the tree is allocated beside it.
		 */
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(stmt));
		List	   *keys = take_primary_key(stmt);

		if (keys != NIL)
			merge_primary_key_option(stmt, keys);
		MemoryContextSwitchTo(old);
	}
	else if (IsA(parsetree, AlterTableStmt) &&
			 ((AlterTableStmt *) parsetree)->objtype == OBJECT_FOREIGN_TABLE)
	{
		AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

		if (is_lake_relation(relid))
			check_alter_allowed(stmt, relid);
	}
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_COLUMN)
	{
		RenameStmt *stmt = (RenameStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

		if (is_lake_relation(relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot rename a column of lake table \"%s\"", get_rel_name(relid)),
					 errdetail("Data files name their columns; a rename would orphan them.")));
	}
	PG_RETURN_VOID();
}

/* ddl_command_end: create or check the lake table, or grow its schema. */
Datum
lake_fdw_ddl_end(PG_FUNCTION_ARGS)
{
	Node	   *parsetree = event_parsetree(fcinfo);

	if (IsA(parsetree, CreateForeignTableStmt) &&
		names_lake_server(((CreateForeignTableStmt *) parsetree)->servername))
	{
		CreateForeignTableStmt *stmt = (CreateForeignTableStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->base.relation, NoLock, true);

		if (OidIsValid(relid))	/* IF NOT EXISTS may have skipped it */
			ensure_lake_table(relid);
	}
	else if (IsA(parsetree, AlterTableStmt) &&
			 ((AlterTableStmt *) parsetree)->objtype == OBJECT_FOREIGN_TABLE)
	{
		AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		bool		adds_column = false;
		ListCell   *lc;

		if (!is_lake_relation(relid))
			PG_RETURN_VOID();
		foreach(lc, stmt->cmds)
			if (((AlterTableCmd *) lfirst(lc))->subtype == AT_AddColumn ||
				((AlterTableCmd *) lfirst(lc))->subtype == AT_AlterColumnGenericOptions)
				adds_column = true;
		if (adds_column)
			evolve_schema(relid);
		else
			ensure_lake_table(relid);
	}
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * IMPORT FOREIGN SCHEMA
 * ---------------------------------------------------------------------
 */
static bool
import_wanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell   *lc;
	bool		listed = false;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			listed = true;
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

static char *
import_statement(ImportForeignSchemaStmt *stmt, const char *servername,
				 const char *name, const char *relpath, LakeSchema *s)
{
	StringInfoData buf;
	const char *v;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (", quote_identifier(name));
	for (int i = 0; i < s->ncolumns; i++)
	{
		LakeColumn *c = &s->columns[i];

		appendStringInfo(&buf, "%s%s %s", i ? ", " : "", quote_identifier(c->name),
						 c->type_name);
		if (c->aggregate)
			appendStringInfo(&buf, " OPTIONS (aggregate %s)", quote_literal_cstr(c->aggregate));
		if (c->not_null)
			appendStringInfoString(&buf, " NOT NULL");
	}
	appendStringInfo(&buf, ") SERVER %s OPTIONS (table %s", quote_identifier(servername),
					 quote_literal_cstr(relpath));
	if (s->primary_key)
		appendStringInfo(&buf, ", primary_key %s", quote_literal_cstr(join_names(s->primary_key)));
	if (s->partition_by)
		appendStringInfo(&buf, ", partition_by %s", quote_literal_cstr(join_names(s->partition_by)));
	if (s->buckets > 1)
		appendStringInfo(&buf, ", buckets '%d'", s->buckets);
	if ((v = LakeSchemaOption(s, "merge_engine")) && s->primary_key)
		appendStringInfo(&buf, ", merge_engine %s", quote_literal_cstr(v));
	if ((v = LakeSchemaOption(s, "changelog")))
		appendStringInfo(&buf, ", changelog %s", quote_literal_cstr(v));
	if ((v = LakeSchemaOption(s, "sequence_column")))
		appendStringInfo(&buf, ", sequence_column %s", quote_literal_cstr(v));
	if ((v = LakeSchemaOption(s, "compression")))
		appendStringInfo(&buf, ", compression %s", quote_literal_cstr(v));
	if ((v = LakeSchemaOption(s, "bloom_filter_columns")))
		appendStringInfo(&buf, ", bloom_filter_columns %s", quote_literal_cstr(v));
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* Walk dir (relative to root) for lake tables, depth-limited. */
static void
import_walk(ImportForeignSchemaStmt *stmt, const char *servername, const char *root,
			const char *base, const char *rel, int depth, List **out)
{
	char	   *path = rel[0] ? psprintf("%s/%s", root, rel) : pstrdup(root);
	LakeTable  *table;
	DIR		   *dir;
	struct dirent *de;

	CHECK_FOR_INTERRUPTS();
	if (rel[0])
	{
		table = LakeTableOpen(root, rel);
		if (LakeTableExists(table))
		{
			const char *local = rel + strlen(base) + (base[0] ? 1 : 0);
			char	   *name = pstrdup(local);

			for (char *p = name; *p; p++)
				if (*p == '/' || *p == '.' || *p == '-')
					*p = '_';
			if (import_wanted(stmt, name))
				*out = lappend(*out, import_statement(stmt, servername, name, rel,
													  LakeSchemaLoadLatest(table)));
			return;
		}
	}
	if (depth > 8)
		return;
	dir = AllocateDir(path);
	if (dir == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open directory \"%s\": %m", path)));
	while ((de = ReadDir(dir, path)) != NULL)
	{
		struct stat st;
		char	   *child;

		if (de->d_name[0] == '.')
			continue;
		child = psprintf("%s/%s", path, de->d_name);
		if (lstat(child, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;			/* symlinks are not followed */
		import_walk(stmt, servername, root, base,
					rel[0] ? psprintf("%s/%s", rel, de->d_name) : pstrdup(de->d_name),
					depth + 1, out);
	}
	FreeDir(dir);
}

List *
lakeImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const char *root = NULL;
	const char *base;
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *d = lfirst(lc);

		if (strcmp(d->defname, "root") == 0)
			root = defGetString(d);
	}
	if (root == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no option \"root\"", server->servername)));
	LakeRootCheck(root, false);

	/* the remote schema is a directory under the root; "." or "root" = all */
	if (strcmp(stmt->remote_schema, ".") == 0 || strcmp(stmt->remote_schema, "root") == 0)
		base = "";
	else
		base = LakePathNormalize(stmt->remote_schema, "remote schema");
	if (base[0])
	{
		struct stat st;
		char	   *path = LakePathJoin(root, base);

		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
					 errmsg("no directory \"%s\" under the root of server \"%s\"",
							base, server->servername),
					 errhint("IMPORT FOREIGN SCHEMA names a directory under the root, or \"root\" for all of it.")));
	}
	import_walk(stmt, server->servername, root, base, base, 0, &out);
	return out;
}
