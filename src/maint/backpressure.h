/*-------------------------------------------------------------------------
 * backpressure.h
 *	  Writers wait for compaction of a bucket over the table's
 *	  compaction_stop_trigger (see backpressure.c).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_BACKPRESSURE_H
#define LAKE_BACKPRESSURE_H

#include "postgres.h"
#include "fdw/fdw.h"
#include "meta/meta.h"

/*
 * Before publishing a commit that adds the LakeDataFile* added to a
 * primary-key table: wait (or compact) while a bucket it adds to would
 * have more sorted runs than the stop trigger.  Inside the committing
 * transaction; may raise an ERROR (cancel, I/O), which aborts it.
 */
extern void LakeBackpressureWait(LakeTableOptions *opts, LakeTable *table,
								 List *added);

#endif							/* LAKE_BACKPRESSURE_H */
