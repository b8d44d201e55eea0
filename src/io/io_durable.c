/*-------------------------------------------------------------------------
 * io_durable.c
 *	  Whole-file reads, durable writes and atomic create-if-absent publish.
 *
 * Invariant 2 of DESIGN.md rests on LakePublishFile: a file is first
 * written completely to a uniquely named temporary file in the same
 * directory (".<name>.tmp-<pid>-<random>"), fsynced, and then hard-linked
 * to its final name.  link(2) fails with EEXIST when the name is taken, so
 * exactly one of several racing writers -- in one server or in several
 * servers sharing a root -- wins, and a published name always holds a
 * complete, durable file.  The temporary file is removed in every outcome
 * except a crash; leftovers begin with "." and are never mistaken for
 * published files.
 *
 * Short writes (a full disk) are reported as ENOSPC, naming the file, and
 * the partial file is removed before the ERROR.  fsync failures are
 * ERRORs, never retried: nothing referring to the file is published.
 *
 * Open descriptors here are transient (OpenTransientFile), so PostgreSQL
 * closes them at transaction abort.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_perm.h"
#include "common/pg_prng.h"
#include "io/io.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/memutils.h"

static void write_all_or_error(int fd, const char *path,
							   const void *data, size_t len);
static char *dir_of(const char *path);
static char *temp_name_for(const char *path);

/*
 * Directory part of a path ("." if none), palloc'd.
 */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return pstrdup(".");
	if (slash == path)
		return pstrdup("/");
	return pnstrdup(path, slash - path);
}

/*
 * A unique temporary name next to path: "<dir>/.<base>.tmp-<pid>-<hex>".
 */
static char *
temp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	/* the per-backend PRNG is seeded from strong randomness; never fails */
	uint64		rnd = pg_prng_uint64(&pg_global_prng_state);

	if (slash == NULL)
		return psprintf(".%s.tmp-%d-%016llx", path, MyProcPid,
						(unsigned long long) rnd);
	return psprintf("%.*s/.%s.tmp-%d-%016llx", (int) (slash - path), path,
					slash + 1, MyProcPid, (unsigned long long) rnd);
}

/*
 * Write len bytes; on any failure unlink path, close fd and ERROR.
 */
static void
write_all_or_error(int fd, const char *path, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0)
	{
		ssize_t		n;
		size_t		chunk = Min(len, (size_t) (1 << 30));

		errno = 0;
		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		n = write(fd, p, chunk);
		pgstat_report_wait_end();
		if (n <= 0)
		{
			int			save_errno = errno;

			if (n == 0 || save_errno == 0)
				save_errno = ENOSPC;	/* a short write means a full disk */
			if (save_errno == EINTR)
				continue;
			CloseTransientFile(fd);
			unlink(path);
			errno = save_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write file \"%s\": %m", path)));
		}
		p += n;
		len -= n;
	}
}

/*
 * LakeReadFile
 *		Whole file into palloc'd memory (NUL-terminated for convenience,
 *		*len excludes the terminator); NULL if missing and missing_ok.
 */
char *
LakeReadFile(const char *path, size_t *len, bool missing_ok)
{
	int			fd;
	struct stat st;
	char	   *buf;
	size_t		size;
	size_t		done = 0;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (errno == ENOENT && missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	}
	if (fstat(fd, &st) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	}
	if (!S_ISREG(st.st_mode))
	{
		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a regular file", path)));
	}
	if ((uint64) st.st_size >= MaxAllocSize)
	{
		CloseTransientFile(fd);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("file \"%s\" is too large to read at once (%lld bytes)",
						path, (long long) st.st_size)));
	}

	size = (size_t) st.st_size;
	buf = palloc(size + 1);
	while (done < size)
	{
		ssize_t		n;

		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		n = read(fd, buf + done, size - done);
		pgstat_report_wait_end();
		if (n < 0)
		{
			int			save_errno = errno;

			if (save_errno == EINTR)
				continue;
			CloseTransientFile(fd);
			errno = save_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		}
		if (n == 0)
			break;				/* shrank under us: the caller's checks see it */
		done += n;
	}
	CloseTransientFile(fd);

	buf[done] = '\0';
	*len = done;
	return buf;
}

/*
 * LakeWriteFileDurable
 *		Write a new file: O_CREAT|O_EXCL, write, fsync, fsync its directory.
 *		ERROR if it exists.
 */
void
LakeWriteFileDurable(const char *path, const void *data, size_t len)
{
	int			fd;
	char	   *dir;

	fd = OpenTransientFilePerm(path, O_CREAT | O_EXCL | O_WRONLY | PG_BINARY,
							   pg_file_create_mode);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", path)));

	write_all_or_error(fd, path, data, len);

	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	if (pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		pgstat_report_wait_end();
		CloseTransientFile(fd);
		unlink(path);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", path)));
	}
	pgstat_report_wait_end();

	if (CloseTransientFile(fd) != 0)
	{
		int			save_errno = errno;

		unlink(path);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", path)));
	}

	dir = dir_of(path);
	LakeFsyncPath(dir, true);
	pfree(dir);
}

/*
 * LakePublishFile
 *		Atomic create-if-absent.  Returns false, leaving nothing behind, if
 *		path already existed.
 */
bool
LakePublishFile(const char *path, const void *data, size_t len)
{
	char	   *tmp = temp_name_for(path);
	char	   *dir;
	int			fd;

	fd = OpenTransientFilePerm(tmp, O_CREAT | O_EXCL | O_WRONLY | PG_BINARY,
							   pg_file_create_mode);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp)));

	write_all_or_error(fd, tmp, data, len);

	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	if (pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		pgstat_report_wait_end();
		CloseTransientFile(fd);
		unlink(tmp);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", tmp)));
	}
	pgstat_report_wait_end();

	if (CloseTransientFile(fd) != 0)
	{
		int			save_errno = errno;

		unlink(tmp);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", tmp)));
	}

	if (link(tmp, path) != 0)
	{
		int			save_errno = errno;

		unlink(tmp);
		if (save_errno == EEXIST)
		{
			pfree(tmp);
			return false;
		}
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not link file \"%s\" to \"%s\": %m", tmp, path),
				 errhint("The lake root must be on a file system that supports hard links.")));
	}

	/* the published name holds the data; the temporary name goes */
	if (unlink(tmp) != 0 && errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", tmp)));
	pfree(tmp);

	dir = dir_of(path);
	LakeFsyncPath(dir, true);
	pfree(dir);
	return true;
}

/*
 * LakeWriteHint
 *		Replace a small hint file.  Written to a temporary name and renamed
 *		over the old hint, so readers see either version; not fsynced, since
 *		readers never trust a hint beyond checking it.  Never ERRORs (a hint
 *		is written after a commit is published): trouble is a WARNING.
 */
void
LakeWriteHint(const char *path, const char *text)
{
	char	   *tmp = temp_name_for(path);
	size_t		len = strlen(text);
	int			fd;
	const char *p = text;

	fd = OpenTransientFilePerm(tmp, O_CREAT | O_EXCL | O_WRONLY | PG_BINARY,
							   pg_file_create_mode);
	if (fd < 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not create hint file \"%s\": %m", tmp)));
		pfree(tmp);
		return;
	}
	while (len > 0)
	{
		ssize_t		n = write(fd, p, len);

		if (n <= 0)
		{
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0 || errno == 0)
				errno = ENOSPC;
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not write hint file \"%s\": %m", tmp)));
			CloseTransientFile(fd);
			unlink(tmp);
			pfree(tmp);
			return;
		}
		p += n;
		len -= n;
	}
	CloseTransientFile(fd);
	if (rename(tmp, path) != 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not rename hint file \"%s\" to \"%s\": %m",
						tmp, path)));
		unlink(tmp);
	}
	pfree(tmp);
}

/*
 * LakeFsyncPath
 *		fsync a file or directory; ERROR on failure (never retried, so a
 *		failed fsync is never mistaken for durability).
 */
void
LakeFsyncPath(const char *path, bool is_dir)
{
	int			fd;
	int			rc;

	fd = OpenTransientFile(path, (is_dir ? O_RDONLY : O_RDWR) | PG_BINARY);
	if (fd < 0)
	{
		/* some systems refuse to open directories; nothing to sync then */
		if (is_dir && (errno == EISDIR || errno == EACCES))
			return;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open \"%s\" to fsync it: %m", path)));
	}

	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	rc = pg_fsync(fd);
	pgstat_report_wait_end();
	if (rc != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		/* directories may not support fsync on some file systems */
		if (is_dir && (save_errno == EBADF || save_errno == EINVAL))
			return;
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync \"%s\": %m", path)));
	}
	CloseTransientFile(fd);
}

/*
 * LakeUnlinkQuiet
 *		unlink, ignoring ENOENT; WARNING on other errors.
 */
void
LakeUnlinkQuiet(const char *path)
{
	LakeFileCacheForget(path);
	if (unlink(path) != 0 && errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
}
