/*-------------------------------------------------------------------------
 * meta_consumer.c
 *	  Consumers: named, durable positions of changelog readers
 *	  (consumer/consumer-<name>).
 *
 * A consumer file holds the last snapshot whose changes the consumer
 * processed and how many changes of the next one it processed (a scan cut
 * short inside a snapshot, e.g. by LIMIT: version 2 files), and possibly a pending position written by a transaction at
 * its pre-commit, which holds only if that transaction committed
 * (LakeConsumerResolve checks the commit log; see fdw/consumer.c).  The file
 * is replaced as a whole: written to a temporary name, fsynced, renamed
 * over the old one, directory fsynced.  FORMAT.md documents the bytes.
 *
 * Consumer names are 1-100 characters of [A-Za-z0-9_.-].
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/procarray.h"
#include "utils/timestamp.h"

#define LAKE_CONSUMER_NAME_MAX	100

void
LakeConsumerCheckName(const char *name)
{
	if (name == NULL || name[0] == '\0' ||
		strlen(name) > LAKE_CONSUMER_NAME_MAX ||
		strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		!LakeNameIsSafe(name))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid consumer name \"%s\"", name ? name : ""),
				 errhint("Consumer names are 1 to %d letters, digits, \"_\", \".\" or \"-\".",
						 LAKE_CONSUMER_NAME_MAX)));
}

static char *
consumer_path(LakeTable *table, const char *name)
{
	char	   *rel = psprintf("consumer/consumer-%s", name);
	char	   *path = LakeTableFilePath(table, rel);

	pfree(rel);
	return path;
}

LakeConsumer *
LakeConsumerLoad(LakeTable *table, const char *name)
{
	char	   *path;
	LakeDecoder dec;
	LakeConsumer *c;

	LakeConsumerCheckName(name);
	path = consumer_path(table, name);
	if (!LakeMetaReadFile(path, LAKE_META_CONSUMER, true, &dec))
	{
		pfree(path);
		return NULL;
	}
	c = palloc0(sizeof(LakeConsumer));
	c->name = LakeDecString(&dec, "name", false);
	if (strcmp(c->name, name) != 0)
		LakeDecCorrupt(&dec, LAKE_META_HEADER_SIZE, "name",
					   psprintf("file holds consumer \"%s\"", c->name));
	c->position = LakeDecIntRange(&dec, "position", 0, PG_INT64_MAX);
	c->updated_at = (TimestampTz) LakeDecInt(&dec, "updated_at");
	c->pending_system_id = LakeDecUInt(&dec, "pending_system_id");
	c->pending_xid = LakeDecUInt(&dec, "pending_xid");
	c->pending_position = LakeDecIntRange(&dec, "pending_position", 0, PG_INT64_MAX);
	if (dec.version >= 2)
	{
		c->offset = LakeDecIntRange(&dec, "offset", 0, PG_INT64_MAX);
		c->pending_offset = LakeDecIntRange(&dec, "pending_offset", 0, PG_INT64_MAX);
	}
	LakeDecEnd(&dec);
	pfree((char *) dec.data);
	pfree(path);
	return c;
}

void
LakeConsumerStore(LakeTable *table, const LakeConsumer *c)
{
	char	   *path;
	char	   *dir = LakeTableFilePath(table, "consumer");
	char	   *tmp;
	LakeEncoder enc;
	char	   *data;
	size_t		len;

	LakeConsumerCheckName(c->name);
	path = consumer_path(table, c->name);
	LakeMakeDirs(table->root, psprintf("%s/consumer", table->relpath));
	LakeEncInit(&enc);
	LakeEncString(&enc, c->name);
	LakeEncInt(&enc, c->position);
	LakeEncInt(&enc, (int64) c->updated_at);
	LakeEncUInt(&enc, c->pending_system_id);
	LakeEncUInt(&enc, c->pending_xid);
	LakeEncInt(&enc, c->pending_position);
	LakeEncInt(&enc, c->offset);
	LakeEncInt(&enc, c->pending_offset);
	data = LakeEncFinish(&enc, LAKE_META_CONSUMER, &len);

	tmp = psprintf("%s/.consumer-%s.tmp-%d", dir, c->name, MyProcPid);
	LakeUnlinkQuiet(tmp);		/* left by a crashed earlier attempt */
	LakeWriteFileDurable(tmp, data, len);
	if (durable_rename(tmp, path, ERROR) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rename \"%s\" to \"%s\": %m", tmp, path)));
	pfree(tmp);
	pfree(data);
	pfree(path);
}

/*
 * LakeConsumerResolve
 *		The position a consumer file stands for: its pending position if
 *		the transaction that wrote it committed, else its position.  When
 *		that cannot be told (another server wrote it, the transaction is
 *		still running, or too old for the commit log): ERROR if strict,
 *		else the lower of the two (what expiry must keep).
 */
int64
LakeConsumerResolve(LakeTable *table, const LakeConsumer *c, bool strict)
{
	int64		offset;

	return LakeConsumerResolveAt(table, c, strict, &offset);
}

/* The lower of the two positions (what expiry must keep) */
static int64
resolve_low(const LakeConsumer *c, int64 *offset)
{
	if (c->position < c->pending_position ||
		(c->position == c->pending_position && c->offset <= c->pending_offset))
	{
		*offset = c->offset;
		return c->position;
	}
	*offset = c->pending_offset;
	return c->pending_position;
}

/* The committed position: the pending one if its transaction committed */
static int64
resolve_commit(const LakeConsumer *c, bool committed, int64 *offset)
{
	*offset = committed ? c->pending_offset : c->offset;
	return committed ? c->pending_position : c->position;
}

int64
LakeConsumerResolveAt(LakeTable *table, const LakeConsumer *c, bool strict, int64 *offset)
{
	FullTransactionId fxid;
	TransactionId xid;

	if (c->pending_xid == 0)
		return resolve_commit(c, false, offset);
	if (!strict &&
		(c->pending_system_id != GetSystemIdentifier() ||
		 !FullTransactionIdPrecedes(FullTransactionIdFromU64(c->pending_xid),
									ReadNextFullTransactionId())))
		return resolve_low(c, offset);
	if (c->pending_system_id != GetSystemIdentifier())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("consumer \"%s\" of lake table \"%s\" was last advanced by another server",
						c->name, table->relpath),
				 errdetail("Its pending position can only be confirmed by the server that wrote it."),
				 errhint("Use lake_reset_consumer() to set its position.")));
	fxid = FullTransactionIdFromU64(c->pending_xid);
	if (!FullTransactionIdPrecedes(fxid, ReadNextFullTransactionId()))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("consumer \"%s\" of lake table \"%s\" names a future transaction " UINT64_FORMAT,
						c->name, table->relpath, c->pending_xid),
				 errhint("Use lake_reset_consumer() to set its position.")));
	xid = XidFromFullTransactionId(fxid);
	if (TransactionIdIsCurrentTransactionId(xid))
		return resolve_commit(c, true, offset);
	if (TransactionIdIsInProgress(xid))
	{
		if (!strict)
			return resolve_low(c, offset);
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("consumer \"%s\" of lake table \"%s\" is being advanced by a concurrent transaction",
						c->name, table->relpath),
				 errhint("Retry the transaction.")));
	}
	if (TransactionIdPrecedes(xid, ShmemVariableCache->oldestClogXid))
	{
		if (!strict)
			return resolve_low(c, offset);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("consumer \"%s\" of lake table \"%s\" has a pending position whose transaction is too old to check",
						c->name, table->relpath),
				 errhint("Use lake_reset_consumer() to set its position.")));
	}
	return resolve_commit(c, TransactionIdDidCommit(xid), offset);
}

static int
consumer_name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((LakeConsumer *) lfirst(a))->name, ((LakeConsumer *) lfirst(b))->name);
}

List *
LakeConsumerList(LakeTable *table)
{
	List	   *names = LakeMetaListNames(table, "consumer", "consumer-",
										  LAKE_CONSUMER_NAME_MAX);
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, names)
	{
		LakeConsumer *c = LakeConsumerLoad(table, (char *) lfirst(lc));

		if (c)
			out = lappend(out, c);
	}
	list_sort(out, consumer_name_cmp);
	return out;
}

void
LakeConsumerDrop(LakeTable *table, const char *name)
{
	char	   *path;

	LakeConsumerCheckName(name);
	path = consumer_path(table, name);
	LakeUnlinkQuiet(path);
	LakeFsyncPath(LakeTableFilePath(table, "consumer"), true);
}
