/*-------------------------------------------------------------------------
 * io.h
 *	  Public API of the I/O layer: path safety, reading ranges, writing
 *	  durable files and publishing them atomically.
 *
 * Every path the extension touches is built here from the server's root plus
 * a relative, normalised path; nothing escapes the root (no "..", no
 * absolute table paths, no symlink pointing outside).  Errors are reported
 * with errcode_for_file_access() and %m, naming the file.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_IO_H
#define LAKE_IO_H

#include "postgres.h"

/*
 * Normalise a relative table path: strips "./" and duplicate slashes;
 * ERROR (ERRCODE_FDW_INVALID_OPTION_NAME... invalid value) for an empty,
 * absolute or ".."-containing path, or characters outside
 * [A-Za-z0-9_.-/].  Returns a palloc'd string.
 */
extern char *LakePathNormalize(const char *relpath, const char *what);

/* ERROR unless root is an absolute path of an existing directory. */
extern void LakeRootCheck(const char *root, bool need_writable);

/*
 * root + "/" + relpath, after checking that the deepest existing ancestor
 * of the result resolves (realpath) inside realpath(root).
 */
extern char *LakePathJoin(const char *root, const char *relpath);

/* mkdir -p below root (each component checked not to be a symlink out) */
extern void LakeMakeDirs(const char *root, const char *relpath);

/* Whole file into palloc'd memory; NULL if missing and missing_ok. */
extern char *LakeReadFile(const char *path, size_t *len, bool missing_ok);

/*
 * Write a new file durably: O_CREAT|O_EXCL, write, fsync, fsync directory.
 * ERROR if it exists.
 */
extern void LakeWriteFileDurable(const char *path, const void *data, size_t len);

/*
 * Atomic create-if-absent: write a temporary file, fsync it, link() it to
 * path (fails if path exists), unlink the temporary, fsync the directory.
 * Returns false (and leaves nothing behind) if path already existed.
 */
extern bool LakePublishFile(const char *path, const void *data, size_t len);

/* Overwrite a small hint file (non-atomic readers tolerate garbage). */
extern void LakeWriteHint(const char *path, const char *text);

/* fsync a file or directory by path */
extern void LakeFsyncPath(const char *path, bool is_dir);

/* A readable open file for range reads (PostgreSQL VFD based). */
typedef struct LakeFile LakeFile;

extern LakeFile *LakeFileOpen(const char *path);
/*
 * The same for a file never rewritten in place (lake data files): its close
 * keeps the descriptor for the next open of the path (io_file_cache.c).
 */
extern LakeFile *LakeFileOpenImmutable(const char *path);
extern uint64 LakeFileSize(LakeFile *f);
/* read exactly len bytes at offset; false on short read (errno set) */
extern bool LakeFileReadAt(LakeFile *f, uint64 offset, void *buf, size_t len);
extern const char *LakeFilePath(LakeFile *f);
extern void LakeFileClose(LakeFile *f);

/* the kept descriptors of immutable files: counters, and closing them all */
typedef struct LakeFileCacheStats
{
	int64		entries;
	int64		limit;
	int64		hits;
	int64		misses;
	int64		evictions;		/* closed: deleted, or over the limit */
} LakeFileCacheStats;

extern void LakeFileCacheGetStats(LakeFileCacheStats *stats);
extern void LakeFileCacheReset(void);
/* close the kept descriptor of path, if any (its file was just deleted) */
extern void LakeFileCacheForget(const char *path);

/* A writable new file (data files), written sequentially. */
typedef struct LakeOutFile LakeOutFile;

extern LakeOutFile *LakeOutFileCreate(const char *path);
extern void LakeOutFileWrite(LakeOutFile *f, const void *data, size_t len);
extern uint64 LakeOutFileSize(LakeOutFile *f);
/* fsync file and its directory, close */
extern void LakeOutFileFinish(LakeOutFile *f);
/* close and unlink (abort path; never ERRORs) */
extern void LakeOutFileAbort(LakeOutFile *f);

/* unlink, ignoring ENOENT; WARNING on other errors */
extern void LakeUnlinkQuiet(const char *path);

#endif							/* LAKE_IO_H */
