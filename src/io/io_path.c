/*-------------------------------------------------------------------------
 * io_path.c
 *	  Path safety for the I/O layer: normalising relative table paths,
 *	  checking a server root, joining root and relative paths, and creating
 *	  directories below a root.
 *
 * Invariant 7 of DESIGN.md lives here: every path the extension touches is
 * the server's root plus a relative, normalised path, and nothing escapes
 * the root.  A relative path may only hold the characters [A-Za-z0-9_.-/=%]
 * ("=" and "%" for partition directories such as "dt=2026-11-20", with
 * other bytes of partition values %XX-escaped),
 * no "..", and is never absolute.  Because a directory inside the root
 * may be a symbolic link, LakePathJoin also resolves (realpath) the deepest
 * existing ancestor of the joined path and insists that it is the root or
 * lies below it (directories' resolutions are remembered per backend, see
 * resolve_dir_cached).
 *
 * State: caches only (the last root resolved, a bounded map of resolved
 * directories).  Every function either returns a palloc'd string or
 * ereports.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file_perm.h"
#include "io/io.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

static bool path_char_ok(char c);
static char *resolve_root(const char *root);
static bool path_is_below(const char *resolved, const char *resolved_root);
static void check_inside_root(const char *path, const char *root,
							  const char *resolved_root);

/*
 * Characters a relative path may hold.
 */
static bool
path_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') ||
		(c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') ||
		c == '_' || c == '.' || c == '-' || c == '/' || c == '=' || c == '%';
}

/*
 * LakePathNormalize
 *		Check and normalise a relative path given by a user (option "what")
 *		or read from metadata.  Strips "./" components and duplicate or
 *		trailing slashes.
 */
char *
LakePathNormalize(const char *relpath, const char *what)
{
	StringInfoData out;
	const char *p;

	if (relpath == NULL || relpath[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for %s: empty path", what),
				 errhint("Give a relative path below the server's root, such as \"sales/orders\".")));

	if (relpath[0] == '/')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for %s: \"%s\"", what, relpath),
				 errdetail("The path is absolute."),
				 errhint("Give a path relative to the server's root.")));

	for (p = relpath; *p; p++)
	{
		if (!path_char_ok(*p))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid value for %s: \"%s\"", what, relpath),
					 errdetail("The path holds a character other than letters, digits, \"_\", \".\", \"-\", \"=\", \"%%\" and \"/\"."),
					 errhint("Rename the path using only those characters.")));
	}

	initStringInfo(&out);
	p = relpath;
	while (*p)
	{
		const char *start;
		int			len;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && *p != '/')
			p++;
		len = p - start;

		if (len == 1 && start[0] == '.')
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid value for %s: \"%s\"", what, relpath),
					 errdetail("The path holds a \"..\" component."),
					 errhint("Give a path that stays below the server's root.")));

		if (out.len > 0)
			appendStringInfoChar(&out, '/');
		appendBinaryStringInfo(&out, start, len);
	}

	if (out.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for %s: \"%s\"", what, relpath),
				 errdetail("The path names the root itself."),
				 errhint("Give a relative path below the server's root, such as \"sales/orders\".")));

	if (out.len >= MAXPGPATH / 2)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for %s: path is too long", what),
				 errhint("Paths are limited to %d bytes.", MAXPGPATH / 2 - 1)));

	return out.data;
}

/*
 * LakeRootCheck
 *		ERROR unless root is an absolute path of an existing directory (and
 *		writable by the server when need_writable).
 */
void
LakeRootCheck(const char *root, bool need_writable)
{
	struct stat st;

	if (root == NULL || root[0] != '/')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for root: \"%s\"", root ? root : ""),
				 errdetail("The root must be an absolute path."),
				 errhint("Give the absolute path of an existing directory, such as \"/srv/lake\".")));

	if (strlen(root) >= MAXPGPATH / 2)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid value for root: path is too long"),
				 errhint("Paths are limited to %d bytes.", MAXPGPATH / 2 - 1)));

	if (stat(root, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access lake root \"%s\": %m", root)));

	if (!S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("lake root \"%s\" is not a directory", root),
				 errhint("Give the absolute path of an existing directory.")));

	if (need_writable && access(root, W_OK | X_OK) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("lake root \"%s\" is not writable by the server: %m", root)));
}

/*
 * realpath() of the root, palloc'd.  The last root resolved is remembered
 * for the backend's life (every path of a statement is joined to the same
 * root, and resolving it costs a readlink per component): a root that is a
 * symbolic link re-pointed while a backend runs is seen by new backends.
 */
static char last_root[MAXPGPATH];
static char last_resolved[PATH_MAX];

static char *
resolve_root(const char *root)
{
	char		buf[PATH_MAX];

	if (last_root[0] != '\0' && strcmp(root, last_root) == 0)
		return pstrdup(last_resolved);
	if (realpath(root, buf) == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not resolve lake root \"%s\": %m", root)));
	if (strlen(root) < sizeof(last_root))
	{
		strlcpy(last_resolved, buf, sizeof(last_resolved));
		strlcpy(last_root, root, sizeof(last_root));
	}
	return pstrdup(buf);
}

/*
 * Is resolved equal to resolved_root or below it?
 */
static bool
path_is_below(const char *resolved, const char *resolved_root)
{
	size_t		rlen = strlen(resolved_root);

	if (strncmp(resolved, resolved_root, rlen) != 0)
		return false;
	/* root "/" itself: everything is below */
	if (rlen == 1 && resolved_root[0] == '/')
		return true;
	return resolved[rlen] == '\0' || resolved[rlen] == '/';
}

/*
 * realpath() of a directory, remembered for the backend's life: resolving
 * costs a readlink per component, and every metadata file of a statement
 * lies in the same few directories.  A directory's resolution only changes
 * if a directory inside the root is replaced by a symbolic link (or a link
 * re-pointed) by someone who can write to the root; new directories and
 * links are always resolved afresh.  Bounded: emptied at 1024 entries.
 */
typedef struct ResolvedDir
{
	char		dir[MAXPGPATH];	/* hash key */
	char		resolved[MAXPGPATH];
} ResolvedDir;

static HTAB *resolved_dirs = NULL;

static bool
resolve_dir_cached(const char *dir, char *out)
{
	ResolvedDir *e;
	bool		found;
	char		buf[PATH_MAX];

	if (strlen(dir) >= MAXPGPATH)
		return realpath(dir, out) != NULL;
	if (resolved_dirs == NULL || hash_get_num_entries(resolved_dirs) >= 1024)
	{
		HASHCTL		ctl;

		if (resolved_dirs)
			hash_destroy(resolved_dirs);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MAXPGPATH;
		ctl.entrysize = sizeof(ResolvedDir);
		ctl.hcxt = TopMemoryContext;
		resolved_dirs = hash_create("lake_fdw resolved directories", 64, &ctl,
									HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	e = hash_search(resolved_dirs, dir, HASH_FIND, NULL);
	if (e)
	{
		strlcpy(out, e->resolved, PATH_MAX);
		return true;
	}
	if (realpath(dir, buf) == NULL || strlen(buf) >= MAXPGPATH)
		return false;
	e = hash_search(resolved_dirs, dir, HASH_ENTER, &found);
	strlcpy(e->resolved, buf, MAXPGPATH);
	strlcpy(out, buf, PATH_MAX);
	return true;
}

/*
 * realpath() of an existing path whose lstat is st: a path that is not a
 * symbolic link resolves to its directory's resolution plus its own name.
 */
static bool
resolve_existing(const char *path, const struct stat *st, char *out)
{
	const char *slash = strrchr(path, '/');
	char	   *dir;
	bool		ok;

	if (S_ISLNK(st->st_mode) || slash == NULL || slash == path ||
		strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
		return realpath(path, out) != NULL;
	dir = pnstrdup(path, slash - path);
	ok = resolve_dir_cached(dir, out);
	pfree(dir);
	if (!ok)
		return false;
	if (strlen(out) + strlen(slash) >= PATH_MAX)
		return realpath(path, out) != NULL;
	if (strcmp(out, "/") == 0)
		out[0] = '\0';
	strcat(out, slash);
	return true;
}

/*
 * Resolve the deepest existing ancestor of path (path itself if it exists)
 * and ERROR unless it lies inside the resolved root.
 */
static void
check_inside_root(const char *path, const char *root,
				  const char *resolved_root)
{
	char	   *probe = pstrdup(path);
	char		buf[PATH_MAX];
	struct stat st;

	for (;;)
	{
		char	   *slash;

		if (lstat(probe, &st) == 0)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not stat file \"%s\": %m", probe)));
		slash = strrchr(probe, '/');
		if (slash == NULL || slash == probe)
		{
			/* nothing of it exists, not even the root: let callers fail */
			pfree(probe);
			return;
		}
		*slash = '\0';
	}

	if (!resolve_existing(probe, &st, buf))
	{
		/* a dangling symbolic link, or a loop: refuse it */
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not resolve path \"%s\" below lake root \"%s\": %m",
						probe, root)));
	}

	if (!path_is_below(buf, resolved_root))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("path \"%s\" resolves outside the lake root \"%s\"",
						path, root),
				 errdetail("\"%s\" resolves to \"%s\".", probe, buf),
				 errhint("Remove the symbolic link that leads out of the lake root.")));
	pfree(probe);
}

/*
 * LakePathJoin
 *		root + "/" + relpath, after normalising relpath and checking that
 *		the deepest existing ancestor of the result resolves inside the
 *		root.
 */
char *
LakePathJoin(const char *root, const char *relpath)
{
	char	   *norm;
	char	   *path;
	char	   *resolved_root;
	size_t		rootlen;

	if (root == NULL || root[0] != '/')
		elog(ERROR, "lake root \"%s\" is not absolute", root ? root : "");

	norm = LakePathNormalize(relpath, "path");
	rootlen = strlen(root);
	while (rootlen > 1 && root[rootlen - 1] == '/')
		rootlen--;
	path = psprintf("%.*s/%s", (int) rootlen, root, norm);
	pfree(norm);

	resolved_root = resolve_root(root);
	check_inside_root(path, root, resolved_root);
	pfree(resolved_root);

	return path;
}

/*
 * LakeMakeDirs
 *		mkdir -p root/relpath.  Each existing component is checked not to
 *		be a file and not to lead out of the root; each directory created is
 *		made durable by an fsync of its parent.
 */
void
LakeMakeDirs(const char *root, const char *relpath)
{
	char	   *norm = LakePathNormalize(relpath, "path");
	char	   *resolved_root = resolve_root(root);
	StringInfoData path;
	char	   *p;
	size_t		rootlen = strlen(root);

	while (rootlen > 1 && root[rootlen - 1] == '/')
		rootlen--;

	initStringInfo(&path);
	appendBinaryStringInfo(&path, root, rootlen);

	p = norm;
	while (*p)
	{
		char	   *end = strchr(p, '/');
		int			len = end ? (int) (end - p) : (int) strlen(p);
		struct stat st;
		char	   *parent;

		CHECK_FOR_INTERRUPTS();

		parent = pstrdup(path.data);
		appendStringInfoChar(&path, '/');
		appendBinaryStringInfo(&path, p, len);

		if (lstat(path.data, &st) == 0)
		{
			if (S_ISLNK(st.st_mode))
				check_inside_root(path.data, root, resolved_root);
			if (stat(path.data, &st) != 0)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not stat directory \"%s\": %m", path.data)));
			if (!S_ISDIR(st.st_mode))
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("\"%s\" is not a directory", path.data)));
		}
		else if (errno == ENOENT)
		{
			if (mkdir(path.data, pg_dir_create_mode) != 0)
			{
				if (errno != EEXIST)
					ereport(ERROR,
							(errcode_for_file_access(),
							 errmsg("could not create directory \"%s\": %m",
									path.data)));
				/* a concurrent creator won: check what it made */
				check_inside_root(path.data, root, resolved_root);
			}
			else
				LakeFsyncPath(parent, true);
		}
		else
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not stat directory \"%s\": %m", path.data)));

		pfree(parent);
		p += len;
		if (*p == '/')
			p++;
	}

	pfree(path.data);
	pfree(norm);
	pfree(resolved_root);
}
