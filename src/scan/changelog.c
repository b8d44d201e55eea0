/*-------------------------------------------------------------------------
 * changelog.c
 *	  Changelog readers: the changes of a range of snapshots, snapshot after
 *	  snapshot, as rows with a change kind (+I, -U, +U, -D).
 *
 * The caller (fdw/changelog_scan.c) picks the snapshots and, per snapshot,
 * the files to read: the changelog files a 'lookup' writer added, or the
 * data files the commit added (changelog 'none' / 'input', append tables).
 * Data file records map to changes with LakeChangeKindOfRecord; changelog
 * files carry the change kind itself in _lake_kind.  Within a snapshot the
 * files are read in the order given (the caller sorts them by sequence)
 * and each file in its row order; no merging happens here: a change is a
 * row as it was written.  So the order of the changes of one snapshot is
 * fixed, and a position inside it (the number of its changes returned) is
 * exact: a consumer cut short by LIMIT resumes at the next change
 * (first_skip).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/memutils.h"

struct LakeChangeScan
{
	LakeChangeSpec spec;		/* copied; lists borrowed */
	const char **read_names;	/* in cxt: names of wanted columns, NULL
								 * elsewhere */
	MemoryContext cxt;			/* the scan's */
	MemoryContext batch_cxt;	/* reset per batch */
	ListCell   *snap_cell;		/* current snapshot in spec.snapshots */
	ListCell   *file_cell;		/* next file of that snapshot */
	LakeFileReader *reader;
	LakeDataFile *file;			/* borrowed: the reader's file */
	LakeFileBatch batch;
	bool		filter;			/* the file holds rows beyond max_sequence */
	Datum	  **vals;			/* [ncolumns] in batch_cxt: the batch's wanted
								 * columns as Datums, or NULL */
	bool	  **nulls;
	uint32		row;			/* next row of batch */
	bool		have_batch;
	int64		completed;		/* highest snapshot fully returned */
	int64		pos_snapshot;	/* snapshot of the last change returned */
	int64		pos_count;		/* its changes returned (or skipped) */
	int64		skip_left;		/* of first_snapshot, still to skip */
	bool		done;
	LakeScanStats stats;
};

LakeChangeScan *
LakeChangeScanBegin(const LakeChangeSpec *spec, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "lake_fdw changelog scan",
											  ALLOCSET_DEFAULT_SIZES);
	LakeChangeScan *cs = MemoryContextAllocZero(cxt, sizeof(LakeChangeScan));
	ListCell   *lc;

	cs->spec = *spec;
	cs->cxt = cxt;
	cs->batch_cxt = AllocSetContextCreate(cxt, "lake_fdw changelog batch",
										  ALLOCSET_DEFAULT_SIZES);
	cs->vals = MemoryContextAllocZero(cxt, sizeof(Datum *) * Max(spec->ncolumns, 1));
	cs->nulls = MemoryContextAllocZero(cxt, sizeof(bool *) * Max(spec->ncolumns, 1));
	foreach(lc, spec->snapshots)
		cs->stats.files_total += list_length(((LakeChangeSnapshot *) lfirst(lc))->files);
	/* only the columns the query uses are decoded */
	cs->read_names = MemoryContextAllocZero(cxt, sizeof(char *) * Max(spec->ncolumns, 1));
	for (int c = 0; c < spec->ncolumns; c++)
		if (spec->wanted[c])
			cs->read_names[c] = spec->names[c];
	LakeChangeScanRescan(cs);
	return cs;
}

static void
close_reader(LakeChangeScan *cs)
{
	if (cs->reader)
	{
		cs->stats.bytes_read += LakeFileReaderBytesRead(cs->reader);
		LakeFileReaderClose(cs->reader);
		cs->reader = NULL;
	}
	cs->have_batch = false;
	MemoryContextReset(cs->batch_cxt);
}

void
LakeChangeScanRescan(LakeChangeScan *cs)
{
	close_reader(cs);
	cs->snap_cell = list_head(cs->spec.snapshots);
	cs->file_cell = cs->snap_cell ?
		list_head(((LakeChangeSnapshot *) lfirst(cs->snap_cell))->files) : NULL;
	cs->completed = cs->spec.first_snapshot - 1;
	cs->pos_snapshot = cs->spec.first_snapshot;
	cs->pos_count = cs->spec.first_skip;
	cs->skip_left = cs->spec.first_skip;
	cs->done = false;
}

/* Open the next file of the range; false at the end of the range. */
static bool
open_next_file(LakeChangeScan *cs)
{
	MemoryContext old;
	char	   *path;

	close_reader(cs);
	for (;;)
	{
		LakeChangeSnapshot *cur;

		if (cs->snap_cell == NULL)
			return false;
		cur = lfirst(cs->snap_cell);
		if (cs->file_cell != NULL)
			break;
		/* every change of this snapshot has been returned */
		cs->completed = cur->snapshot_id;
		cs->snap_cell = lnext(cs->spec.snapshots, cs->snap_cell);
		if (cs->snap_cell)
			cs->file_cell = list_head(((LakeChangeSnapshot *) lfirst(cs->snap_cell))->files);
	}
	cs->file = lfirst(cs->file_cell);
	cs->file_cell = lnext(((LakeChangeSnapshot *) lfirst(cs->snap_cell))->files, cs->file_cell);

	old = MemoryContextSwitchTo(cs->cxt);
	path = psprintf("%s/%s/%s", cs->spec.root, cs->spec.table_rel, cs->file->path);
	cs->reader = LakeFileReaderOpen(path, path);
	/* sequences only where a savepoint rollback left rows beyond the entry */
	cs->filter = LakeFileReaderNumRows(cs->reader) != cs->file->row_count;
	LakeFileReaderProjectRecords(cs->reader, cs->spec.ncolumns, cs->read_names,
								 cs->spec.types, cs->filter, cs->spec.want_kind);
	MemoryContextSwitchTo(old);
	cs->stats.files_read++;
	return true;
}

bool
LakeChangeScanNext(LakeChangeScan *cs, Datum *values, bool *isnull, LakeChange *change)
{
	if (cs->done)
		return false;
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!cs->have_batch || cs->row >= cs->batch.nrows)
		{
			MemoryContext old;
			bool		got;

			if (cs->reader == NULL && !open_next_file(cs))
			{
				cs->done = true;
				cs->completed = cs->spec.last_snapshot;
				return false;
			}
			MemoryContextReset(cs->batch_cxt);
			old = MemoryContextSwitchTo(cs->batch_cxt);
			got = LakeFileReaderNext(cs->reader, &cs->batch);
			if (got)
			{
				/* the wanted columns as Datums, a batch at a time */
				for (int c = 0; c < cs->spec.ncolumns; c++)
				{
					if (!cs->spec.wanted[c] || cs->batch.absent[c])
					{
						cs->vals[c] = NULL;
						continue;
					}
					cs->vals[c] = palloc(sizeof(Datum) * Max(cs->batch.nrows, 1));
					cs->nulls[c] = palloc(sizeof(bool) * Max(cs->batch.nrows, 1));
					LakeVectorToDatums(&cs->spec.types[c], &cs->batch.columns[c], 0,
									   cs->batch.nrows, cs->vals[c], cs->nulls[c]);
				}
			}
			MemoryContextSwitchTo(old);
			if (!got)
			{
				close_reader(cs);
				continue;
			}
			cs->have_batch = true;
			cs->row = 0;
			cs->stats.rows_read += cs->batch.nrows;
		}
		{
			uint32		r = cs->row++;
			LakeChangeSnapshot *snap = lfirst(cs->snap_cell);
			int32		kind = cs->batch.kind ? cs->batch.kind[r] : 0;

			/* rows a savepoint rollback left beyond the entry's range */
			if (cs->filter && cs->batch.seq && cs->batch.seq[r] > cs->file->max_sequence)
				continue;
			if (snap->snapshot_id != cs->pos_snapshot)
			{
				cs->pos_snapshot = snap->snapshot_id;
				cs->pos_count = 0;
			}
			if (snap->snapshot_id == cs->spec.first_snapshot && cs->skip_left > 0)
			{
				/* consumed by an earlier scan cut short */
				cs->skip_left--;
				continue;
			}
			cs->pos_count++;
			if (cs->file->kind == LAKE_FILE_CHANGELOG)
				change->kind = (LakeChangeKind) kind;
			else
				change->kind = LakeChangeKindOfRecord((LakeRecordKind) kind);
			change->snapshot_id = snap->snapshot_id;
			change->commit_time = snap->commit_time;
			for (int c = 0; c < cs->spec.ncolumns; c++)
			{
				if (!cs->spec.wanted[c])
					continue;
				if (cs->vals[c] == NULL)
				{
					values[c] = (Datum) 0;
					isnull[c] = true;
				}
				else
				{
					values[c] = cs->vals[c][r];
					isnull[c] = cs->nulls[c][r];
				}
			}
			return true;
		}
	}
}

int64
LakeChangeScanCompleted(LakeChangeScan *cs)
{
	return cs->completed;
}

void
LakeChangeScanPosition(LakeChangeScan *cs, int64 *snapshot, int64 *offset)
{
	if (cs->done || cs->pos_count == 0 || cs->pos_snapshot <= cs->completed)
	{
		*snapshot = cs->completed;
		*offset = 0;
	}
	else
	{
		*snapshot = cs->pos_snapshot - 1;
		*offset = cs->pos_count;
	}
}

void
LakeChangeScanGetStats(LakeChangeScan *cs, LakeScanStats *stats)
{
	*stats = cs->stats;
}

void
LakeChangeScanEnd(LakeChangeScan *cs)
{
	close_reader(cs);
	MemoryContextDelete(cs->cxt);
}
