/*-------------------------------------------------------------------------
 * io_file.c
 *	  Open file handles on top of PostgreSQL's virtual file descriptors:
 *	  LakeFile (range reads of an existing file) and LakeOutFile (a new
 *	  file written sequentially, e.g. a data file).
 *
 * VFDs let PostgreSQL close and reopen kernel descriptors behind our back,
 * so a scan may hold many files open without exceeding max_files_per_process.
 * PostgreSQL does not close files opened by PathNameOpenFile at transaction
 * end, so this file tracks every open handle together with the resource
 * owner that was current when it was opened.  When that resource owner is
 * released (end of a portal, subtransaction or transaction), handles still
 * open are closed; an unfinished LakeOutFile is also unlinked, because
 * nothing published can refer to it.  So after an ERROR from a write the
 * caller may call LakeOutFileAbort or simply let the transaction abort.  A handle still open at a successful
 * release is a leak in the caller and draws a WARNING.
 *
 * Handles live in TopMemoryContext so that the release callback never
 * touches memory of an already reset context; they are freed on close.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/file_perm.h"
#include "io/io.h"
#include "io/io_internal.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/* the largest amount passed to one FileRead/FileWrite call */
#define LAKE_IO_CHUNK	(64 * 1024 * 1024)

struct LakeFile
{
	dlist_node	node;			/* in open_files */
	ResourceOwner owner;		/* borrowed: owner current at open */
	File		vfd;
	char	   *path;			/* TopMemoryContext */
	uint64		size;
	bool		immutable;		/* closing parks the VFD (io_file_cache.c) */
};

struct LakeOutFile
{
	dlist_node	node;			/* in open_out_files */
	ResourceOwner owner;		/* borrowed: owner current at create */
	File		vfd;
	char	   *path;			/* TopMemoryContext */
	uint64		size;			/* bytes written so far */
};

static dlist_head open_files = DLIST_STATIC_INIT(open_files);
static dlist_head open_out_files = DLIST_STATIC_INIT(open_out_files);
static bool callback_registered = false;

static void lake_file_release_callback(ResourceReleasePhase phase,
									   bool isCommit, bool isTopLevel,
									   void *arg);
static void ensure_callback(void);
static void free_lake_file(LakeFile *f);
static void free_out_file(LakeOutFile *f, bool unlink_it);

static void
ensure_callback(void)
{
	if (!callback_registered)
	{
		RegisterResourceReleaseCallback(lake_file_release_callback, NULL);
		callback_registered = true;
	}
}

/*
 * Close handles belonging to the resource owner being released.
 */
static void
lake_file_release_callback(ResourceReleasePhase phase, bool isCommit,
						   bool isTopLevel, void *arg)
{
	dlist_mutable_iter iter;

	if (phase != RESOURCE_RELEASE_AFTER_LOCKS)
		return;

	dlist_foreach_modify(iter, &open_files)
	{
		LakeFile   *f = dlist_container(LakeFile, node, iter.cur);

		if (f->owner != CurrentResourceOwner)
			continue;
		if (isCommit)
			elog(WARNING, "lake_fdw: file \"%s\" was left open", f->path);
		free_lake_file(f);
	}

	dlist_foreach_modify(iter, &open_out_files)
	{
		LakeOutFile *f = dlist_container(LakeOutFile, node, iter.cur);

		if (f->owner != CurrentResourceOwner)
			continue;
		if (isCommit)
			elog(WARNING, "lake_fdw: unfinished file \"%s\" was left open; removing it",
				 f->path);
		free_out_file(f, true);
	}
}

static void
free_lake_file(LakeFile *f)
{
	dlist_delete(&f->node);
	if (f->vfd >= 0)
		FileClose(f->vfd);
	pfree(f->path);
	pfree(f);
}

static void
free_out_file(LakeOutFile *f, bool unlink_it)
{
	dlist_delete(&f->node);
	if (f->vfd >= 0)
		FileClose(f->vfd);
	if (unlink_it && unlink(f->path) != 0 && errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", f->path)));
	pfree(f->path);
	pfree(f);
}

/* ---------------------------------------------------------------------
 * LakeFile: range reads
 * ---------------------------------------------------------------------
 */

static LakeFile *
new_lake_file(const char *path, File vfd, uint64 size, bool immutable)
{
	LakeFile   *f = MemoryContextAllocZero(TopMemoryContext, sizeof(LakeFile));

	f->owner = CurrentResourceOwner;
	f->vfd = vfd;
	f->path = MemoryContextStrdup(TopMemoryContext, path);
	f->size = size;
	f->immutable = immutable;
	dlist_push_tail(&open_files, &f->node);
	return f;
}

LakeFile *
LakeFileOpenImmutable(const char *path)
{
	uint64		size;
	File		vfd;
	LakeFile   *f;

	ensure_callback();
	vfd = LakeFileCacheTake(path, &size);
	if (vfd >= 0)
		return new_lake_file(path, vfd, size, true);
	f = LakeFileOpen(path);
	f->immutable = true;
	return f;
}

LakeFile *
LakeFileOpen(const char *path)
{
	File		vfd;
	off_t		size;

	ensure_callback();

	vfd = PathNameOpenFile(path, O_RDONLY | PG_BINARY);
	if (vfd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));

	size = FileSize(vfd);
	if (size < 0)
	{
		int			save_errno = errno;

		FileClose(vfd);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not determine size of file \"%s\": %m", path)));
	}

	return new_lake_file(path, vfd, (uint64) size, false);
}

uint64
LakeFileSize(LakeFile *f)
{
	return f->size;
}

const char *
LakeFilePath(LakeFile *f)
{
	return f->path;
}

/*
 * LakeFileReadAt
 *		Read exactly len bytes at offset.  false on a short read: errno is
 *		the read error, or EIO when the file ended first.
 */
bool
LakeFileReadAt(LakeFile *f, uint64 offset, void *buf, size_t len)
{
	char	   *p = buf;

	if (offset > f->size || len > f->size - offset)
	{
		errno = EIO;
		return false;
	}

	while (len > 0)
	{
		int			chunk = (int) Min(len, (size_t) LAKE_IO_CHUNK);
		int			n;

		errno = 0;
		n = FileRead(f->vfd, p, chunk, (off_t) offset, PG_WAIT_EXTENSION);
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			return false;
		}
		if (n == 0)
		{
			errno = EIO;
			return false;
		}
		p += n;
		offset += n;
		len -= n;
	}
	return true;
}

void
LakeFileClose(LakeFile *f)
{
	if (f == NULL)
		return;
	if (f->immutable && f->vfd >= 0)
	{
		LakeFileCacheGive(f->path, f->vfd, f->size);
		f->vfd = -1;
	}
	free_lake_file(f);
}

/* ---------------------------------------------------------------------
 * LakeOutFile: sequential writes of a new file
 * ---------------------------------------------------------------------
 */

LakeOutFile *
LakeOutFileCreate(const char *path)
{
	LakeOutFile *f;
	File		vfd;

	ensure_callback();

	vfd = PathNameOpenFilePerm(path, O_CREAT | O_EXCL | O_WRONLY | PG_BINARY,
							   pg_file_create_mode);
	if (vfd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", path)));

	f = MemoryContextAllocZero(TopMemoryContext, sizeof(LakeOutFile));
	f->owner = CurrentResourceOwner;
	f->vfd = vfd;
	f->path = MemoryContextStrdup(TopMemoryContext, path);
	f->size = 0;
	dlist_push_tail(&open_out_files, &f->node);
	return f;
}

/*
 * LakeOutFileWrite
 *		Append data.  A failure (ENOSPC for a full disk) is an ERROR naming
 *		the file; the handle stays valid until LakeOutFileAbort or the
 *		release of its resource owner, either of which removes the file.
 */
void
LakeOutFileWrite(LakeOutFile *f, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0)
	{
		int			chunk = (int) Min(len, (size_t) LAKE_IO_CHUNK);
		int			n;

		errno = 0;
		n = FileWrite(f->vfd, (char *) p, chunk, (off_t) f->size,
					  PG_WAIT_EXTENSION);
		if (n <= 0)
		{
			int			save_errno = errno;

			if (n < 0 && save_errno == EINTR)
				continue;
			if (n == 0 || save_errno == 0)
				save_errno = ENOSPC;
			errno = save_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write file \"%s\": %m", f->path)));
		}
		p += n;
		len -= n;
		f->size += n;
	}
}

uint64
LakeOutFileSize(LakeOutFile *f)
{
	return f->size;
}

/*
 * LakeOutFileFinish
 *		fsync the file and its directory, close.  If the file's fsync fails
 *		the handle stays valid (as after a failed write); once the file is
 *		closed the handle is gone, even if the directory fsync then fails.
 */
void
LakeOutFileFinish(LakeOutFile *f)
{
	char	   *path = pstrdup(f->path);
	char	   *slash;

	if (FileSync(f->vfd, PG_WAIT_EXTENSION) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", path)));
	free_out_file(f, false);

	slash = strrchr(path, '/');
	if (slash != NULL && slash != path)
	{
		*slash = '\0';
		LakeFsyncPath(path, true);
	}
	pfree(path);
}

/*
 * LakeOutFileAbort
 *		Close and unlink; never ERRORs.
 */
void
LakeOutFileAbort(LakeOutFile *f)
{
	if (f != NULL)
		free_out_file(f, true);
}
