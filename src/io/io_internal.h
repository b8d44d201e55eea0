/*-------------------------------------------------------------------------
 * io_internal.h
 *	  Between the files of the I/O layer: the parked read handles of
 *	  immutable files (io_file_cache.c) that io_file.c takes and gives.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_IO_INTERNAL_H
#define LAKE_IO_INTERNAL_H

#include "storage/fd.h"

/* a parked VFD of path, still linked (*size set), or -1 */
extern File LakeFileCacheTake(const char *path, uint64 *size);
/* park vfd of path for a later take (or close it) */
extern void LakeFileCacheGive(const char *path, File vfd, uint64 size);

#endif							/* LAKE_IO_INTERNAL_H */
