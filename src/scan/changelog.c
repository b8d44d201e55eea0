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
	MemoryContext cxt;			/* the scan's */
	MemoryContext batch_cxt;	/* reset per batch */
	ListCell   *snap_cell;		/* current snapshot in spec.snapshots */
	ListCell   *file_cell;		/* next file of that snapshot */
	LakeFileReader *reader;
	LakeDataFile *file;			/* borrowed: the reader's file */
	LakeFileBatch batch;
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
	foreach(lc, spec->snapshots)
		cs->stats.files_total += list_length(((LakeChangeSnapshot *) lfirst(lc))->files);
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
	LakeFileReaderProjectRecords(cs->reader, cs->spec.ncolumns, cs->spec.names,
								 cs->spec.types, true, true);
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
			MemoryContext old;

			/* rows a savepoint rollback left beyond the entry's range */
			if (cs->batch.seq && cs->batch.seq[r] > cs->file->max_sequence)
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
			old = MemoryContextSwitchTo(cs->batch_cxt);
			for (int c = 0; c < cs->spec.ncolumns; c++)
			{
				if (!cs->spec.wanted[c])
					continue;
				if (cs->batch.absent[c])
				{
					values[c] = (Datum) 0;
					isnull[c] = true;
				}
				else
					LakeVectorToDatums(&cs->spec.types[c], &cs->batch.columns[c], r, 1,
									   &values[c], &isnull[c]);
			}
			MemoryContextSwitchTo(old);
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
