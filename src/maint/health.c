/*-------------------------------------------------------------------------
 * health.c
 *	  Health figures of a lake table: snapshots, files, small files,
 *	  bytes, sorted runs per bucket, last compaction and expiry, and the
 *	  maintenance work its policy has pending.
 *
 * Read-only: computed from the latest snapshot, the retained snapshot
 * headers and the tags.  A bucket's sorted runs are its level-0 files
 * (each one run) plus one for its files of level >= 1 if it has any; the
 * largest count over the buckets of every partition is what makes reads
 * slow, and what compaction brings down.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "maint/maint.h"
#include "miscadmin.h"
#include "utils/hsearch.h"

typedef struct BucketKey
{
	uint32		partition_hash;
	int32		bucket;
} BucketKey;

typedef struct BucketRuns
{
	BucketKey	key;
	int			level0;
	bool		upper;
} BucketRuns;

void
LakeTableHealthCompute(LakeTable *table, const LakeMaintPolicy *policy,
					   TimestampTz now, LakeTableHealth *h)
{
	int64		latest_id;
	LakeSnapshot *latest;
	List	   *files;
	HTAB	   *buckets;
	HTAB	   *partitions;
	HASHCTL		ctl;
	HASH_SEQ_STATUS status;
	BucketRuns *br;
	ListCell   *lc;
	int64		id;
	int64		target;
	int64		tag_id;

	memset(h, 0, sizeof(*h));
	h->last_expiry = LakeExpiryLastTime(table);
	h->tags = list_length(LakeTagList(table));
	latest_id = LakeSnapshotLatestId(table);
	if (latest_id == LAKE_SNAPSHOT_NONE)
		return;
	latest = LakeSnapshotLoad(table, latest_id, false);
	h->latest_snapshot = latest_id;
	h->latest_commit = latest->commit_time;
	h->earliest_snapshot = LakeSnapshotEarliestId(table);
	h->snapshots = latest_id - h->earliest_snapshot + 1;

	/* the latest retained compaction */
	for (id = latest_id; id >= h->earliest_snapshot; id--)
	{
		LakeSnapshot *s;

		CHECK_FOR_INTERRUPTS();
		s = id == latest_id ? latest : LakeSnapshotLoad(table, id, true);
		if (s == NULL)
			break;
		if (s->kind == LAKE_COMMIT_COMPACT)
		{
			h->last_compaction = s->commit_time;
			break;
		}
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(BucketKey);
	ctl.entrysize = sizeof(BucketRuns);
	ctl.hcxt = CurrentMemoryContext;
	buckets = hash_create("lake health buckets", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(uint32);
	partitions = hash_create("lake health partitions", 64, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	files = LakeSnapshotFiles(table, latest);
	foreach(lc, files)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);
		BucketKey	key;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		h->files++;
		h->bytes += f->file_size;
		h->rows += f->row_count;
		if (f->file_size < LAKE_SMALL_FILE_BYTES)
			h->small_files++;
		memset(&key, 0, sizeof(key));
		key.partition_hash = hash_bytes((const unsigned char *) f->partition,
										strlen(f->partition));
		key.bucket = f->bucket;
		(void) hash_search(partitions, &key.partition_hash, HASH_ENTER, NULL);
		br = hash_search(buckets, &key, HASH_ENTER, &found);
		if (!found)
		{
			br->level0 = 0;
			br->upper = false;
		}
		if (f->level == 0)
			br->level0++;
		else
			br->upper = true;
	}
	h->partitions = hash_get_num_entries(partitions);
	hash_seq_init(&status, buckets);
	while ((br = hash_seq_search(&status)) != NULL)
	{
		int			runs = br->level0 + (br->upper ? 1 : 0);

		if (runs > h->max_sorted_runs)
			h->max_sorted_runs = runs;
	}
	hash_destroy(buckets);
	hash_destroy(partitions);

	/* pending work by the policy */
	target = LakeExpireTarget(table, policy, now);
	h->expirable_snapshots = Max(0, target - h->earliest_snapshot);
	if (policy->partition_expiration > 0)
	{
		LakeSchema *schema = LakeSchemaLoadLatest(table);

		/* a misconfigured table must not break the view over all tables */
		h->expirable_partitions = !LakePartitionExpiryUsable(schema) ? -1 :
			list_length(LakePartitionsExpired(table, schema, policy, now, files));
	}
	h->tag_due = LakeAutoTagDue(table, policy, now, &tag_id);
}
