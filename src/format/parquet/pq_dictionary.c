/*-------------------------------------------------------------------------
 * pq_dictionary.c
 *	  The writer's dictionary: a hash table from distinct PLAIN-encoded
 *	  values to dictionary indexes, whose entries are kept already
 *	  PLAIN-encoded so they form the dictionary page body as they are
 *	  inserted.  The writer decides on fallback (pq_writer.c).
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_internal.h"

bool
PqDictInit(PqDict *d, int width, const PqAllocator *alloc)
{
	memset(d, 0, sizeof(*d));
	d->width = width;
	d->alloc = alloc;
	PqBufInit(&d->values, alloc);
	d->cap = 1024;
	d->slots = PqAllocZero(alloc, sizeof(uint32_t) * d->cap);
	return d->slots != NULL;
}

static inline bool
entry_equal(const PqDict *d, uint32_t e, const void *val, uint32_t len)
{
	if (d->width)
	{
		const uint8_t *p = d->values.data + (size_t) e * d->width;

		switch (d->width)
		{
			case 4:
				return pq_load_u32(p) == pq_load_u32(val);
			case 8:
				return pq_load_u64(p) == pq_load_u64(val);
			case 16:
				return pq_load_u64(p) == pq_load_u64(val) &&
					pq_load_u64(p + 8) == pq_load_u64((const uint8_t *) val + 8);
			default:
				return memcmp(p, val, d->width) == 0;
		}
	}
	else
	{
		const uint8_t *p = d->values.data + d->offsets[e];

		return pq_load_u32(p) == len && memcmp(p + 4, val, len) == 0;
	}
}

static bool
dict_grow(PqDict *d)
{
	uint32_t	ncap = d->cap * 2;
	uint32_t   *ns;

	if (ncap == 0)
		return false;
	ns = PqAllocZero(d->alloc, sizeof(uint32_t) * (size_t) ncap);
	if (!ns)
		return false;
	for (uint32_t e = 0; e < d->count; e++)
	{
		uint32_t	j = (uint32_t) d->hashes[e] & (ncap - 1);

		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = e + 1;
	}
	pq_free(d->alloc, d->slots);
	d->slots = ns;
	d->cap = ncap;
	return true;
}

static bool
grow_arrays(PqDict *d)
{
	uint32_t	ncap = d->offsets_cap ? d->offsets_cap * 2 : 256;
	uint64_t   *nh = pq_alloc(d->alloc, sizeof(uint64_t) * (size_t) ncap);
	uint32_t   *no = NULL;

	if (!nh)
		return false;
	if (!d->width)
	{
		no = pq_alloc(d->alloc, sizeof(uint32_t) * (size_t) ncap);
		if (!no)
		{
			pq_free(d->alloc, nh);
			return false;
		}
		if (d->count)
			memcpy(no, d->offsets, sizeof(uint32_t) * d->count);
		pq_free(d->alloc, d->offsets);
		d->offsets = no;
	}
	if (d->count)
		memcpy(nh, d->hashes, sizeof(uint64_t) * d->count);
	pq_free(d->alloc, d->hashes);
	d->hashes = nh;
	d->offsets_cap = ncap;
	return true;
}

uint32_t
PqDictInsert(PqDict *d, const void *val, uint32_t len, uint64_t hash)
{
	uint32_t	j = (uint32_t) hash & (d->cap - 1);
	uint32_t	e;

	while ((e = d->slots[j]) != 0)
	{
		if (d->hashes[e - 1] == hash && entry_equal(d, e - 1, val, len))
			return e - 1;
		j = (j + 1) & (d->cap - 1);
	}
	/* new entry */
	if (d->count == UINT32_MAX - 1)
		return UINT32_MAX;
	if (d->count >= d->offsets_cap && !grow_arrays(d))
		return UINT32_MAX;
	e = d->count;
	if (d->width)
	{
		if (!pq_buf_append(&d->values, val, d->width))
			return UINT32_MAX;
	}
	else
	{
		uint8_t		lb[4];

		if (d->values.len > UINT32_MAX - 4 - (size_t) len)
			return UINT32_MAX;
		d->offsets[e] = (uint32_t) d->values.len;
		pq_store_u32(lb, len);
		if (!pq_buf_append(&d->values, lb, 4) || !pq_buf_append(&d->values, val, len))
			return UINT32_MAX;
	}
	d->hashes[e] = hash;
	d->slots[j] = e + 1;
	d->count++;
	if ((uint64_t) d->count * 4 > (uint64_t) d->cap * 3 && !dict_grow(d))
		return UINT32_MAX;
	return e;
}

void
PqDictReset(PqDict *d)
{
	if (d->slots)
		memset(d->slots, 0, sizeof(uint32_t) * d->cap);
	d->count = 0;
	d->values.len = 0;
}

void
PqDictFree(PqDict *d)
{
	pq_free(d->alloc, d->slots);
	pq_free(d->alloc, d->offsets);
	pq_free(d->alloc, d->hashes);
	PqBufFree(&d->values);
	memset(d, 0, sizeof(*d));
}
