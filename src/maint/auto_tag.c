/*-------------------------------------------------------------------------
 * auto_tag.c
 *	  Automatic tags (table option tag_automatic_creation 'daily') and
 *	  their retention (tag_num_retained).
 *
 * A daily tag is named after a UTC day, 'YYYY-MM-DD', and names the last
 * snapshot committed by the end of that day.  Maintenance running on day
 * D creates the tag of day D-1 when it is missing and a snapshot of that
 * time is still retained (days missed while nothing ran are not filled
 * in).  Tags named like dates are automatic ones: beyond tag_num_retained
 * the oldest are dropped.  Other tags are never touched.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "maint/maint.h"
#include "utils/datetime.h"

/* 'YYYY-MM-DD' */
static bool
is_auto_tag_name(const char *name)
{
	if (strlen(name) != 10 || name[4] != '-' || name[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char) name[i]))
			return false;
	return true;
}

/*
 * LakeAutoTagDue
 *		The daily tag due at now and the snapshot it would name; NULL when
 *		none is due.
 */
char *
LakeAutoTagDue(LakeTable *table, const LakeMaintPolicy *policy,
			   TimestampTz now, int64 *snapshot_id)
{
	int64		today = now / USECS_PER_DAY;	/* days since 2000-01-01 */
	TimestampTz day_end;
	int			y,
				m,
				d;
	char	   *name;
	ListCell   *lc;
	int64		earliest;
	LakeSnapshot *first;
	LakeSnapshot *snap;

	*snapshot_id = 0;
	if (policy->auto_tag != LAKE_AUTO_TAG_DAILY)
		return NULL;
	if (now < 0)
		today--;				/* floor */
	day_end = today * USECS_PER_DAY;	/* midnight UTC starting today */
	j2date((int) (today - 1) + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	name = psprintf("%04d-%02d-%02d", y, m, d);

	foreach(lc, LakeTagList(table))
		if (strcmp(((LakeOption *) lfirst(lc))->name, name) == 0)
			return NULL;

	earliest = LakeSnapshotEarliestId(table);
	if (earliest == LAKE_SNAPSHOT_NONE)
		return NULL;
	first = LakeSnapshotLoad(table, earliest, true);
	if (first == NULL || first->commit_time >= day_end)
		return NULL;			/* nothing retained from that day or before */
	snap = LakeSnapshotAsOf(table, day_end - 1);
	if (snap == NULL)
		return NULL;
	*snapshot_id = snap->id;
	return name;
}

/*
 * LakeAutoTagCreate
 *		Create the due daily tag (returns its name, or NULL) and drop the
 *		automatic tags beyond tag_num_retained (*dropped).
 */
char *
LakeAutoTagCreate(LakeTable *table, const LakeMaintPolicy *policy,
				  TimestampTz now, int *dropped)
{
	int64		id;
	char	   *name = LakeAutoTagDue(table, policy, now, &id);
	List	   *autos = NIL;
	ListCell   *lc;
	int			excess;

	*dropped = 0;
	if (policy->auto_tag != LAKE_AUTO_TAG_DAILY)
		return NULL;
	if (name != NULL)
		LakeTagCreate(table, name, id);

	if (policy->tag_retained <= 0)
		return name;
	foreach(lc, LakeTagList(table))	/* sorted by name: oldest day first */
	{
		LakeOption *opt = (LakeOption *) lfirst(lc);

		if (is_auto_tag_name(opt->name))
			autos = lappend(autos, opt->name);
	}
	excess = list_length(autos) - policy->tag_retained;
	foreach(lc, autos)
	{
		if (excess-- <= 0)
			break;
		LakeTagDrop(table, (char *) lfirst(lc), true);
		(*dropped)++;
	}
	return name;
}
