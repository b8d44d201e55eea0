/*-------------------------------------------------------------------------
 * meta_codec.c
 *	  The binary encoding shared by every metadata file: the 16-byte
 *	  header (magic, format version, kind, body length, CRC-32C of the
 *	  body) and the body's primitives (varints, zigzag varints, strings and
 *	  nullable byte strings).
 *
 * Invariant 6 of DESIGN.md lives here.  LakeDecBegin checks the magic, the
 * version, the kind, the body length against the file size and the
 * checksum before any field is decoded; every primitive then checks its
 * length against the bytes left.  Any failure is an ERROR with
 * ERRCODE_DATA_CORRUPTED whose errdetail names the file, the byte offset
 * and the field.  A version newer than this build knows is an ERROR with
 * ERRCODE_FEATURE_NOT_SUPPORTED telling the user to upgrade.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "io/io.h"
#include "mb/pg_wchar.h"
#include "meta/meta_internal.h"
#include "port/pg_crc32c.h"
#include "utils/memutils.h"

static const char *const kind_magic[] = {
	NULL, "LKSC", "LKSN", "LKML", "LKMF", "LKTG", "LKCO", "LKLE"
};

static const char *const kind_name[] = {
	NULL, "schema", "snapshot", "manifest list", "manifest", "tag", "consumer",
	"maintenance lease"
};

/*
 * Format version each kind is written with: manifests are at 2 (entries
 * end with data_snapshot_id), consumers at 2 (offsets into a snapshot),
 * the others still at 1.
 */
static const uint16 kind_write_version[] = {
	0, 1, 1, 1, LAKE_MANIFEST_VERSION, 1, 2, 1
};

StaticAssertDecl(lengthof(kind_write_version) == lengthof(kind_magic),
				 "every metadata kind has a write version");

static void put_u16(char *p, uint16 v);
static void put_u32(char *p, uint32 v);
static uint16 get_u16(const char *p);
static uint32 get_u32(const char *p);

static void
put_u16(char *p, uint16 v)
{
	p[0] = (char) (v & 0xff);
	p[1] = (char) ((v >> 8) & 0xff);
}

static void
put_u32(char *p, uint32 v)
{
	p[0] = (char) (v & 0xff);
	p[1] = (char) ((v >> 8) & 0xff);
	p[2] = (char) ((v >> 16) & 0xff);
	p[3] = (char) ((v >> 24) & 0xff);
}

static uint16
get_u16(const char *p)
{
	const unsigned char *u = (const unsigned char *) p;

	return (uint16) (u[0] | (u[1] << 8));
}

static uint32
get_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *) p;

	return (uint32) u[0] | ((uint32) u[1] << 8) |
		((uint32) u[2] << 16) | ((uint32) u[3] << 24);
}

/* ---------------------------------------------------------------------
 * Encoding
 * ---------------------------------------------------------------------
 */

void
LakeEncInit(LakeEncoder *enc)
{
	initStringInfo(&enc->body);
}

void
LakeEncUInt(LakeEncoder *enc, uint64 v)
{
	char		buf[10];
	int			n = 0;

	while (v >= 0x80)
	{
		buf[n++] = (char) ((v & 0x7f) | 0x80);
		v >>= 7;
	}
	buf[n++] = (char) v;
	appendBinaryStringInfo(&enc->body, buf, n);
}

void
LakeEncInt(LakeEncoder *enc, int64 v)
{
	/* zigzag: small magnitudes of either sign stay short */
	LakeEncUInt(enc, ((uint64) v << 1) ^ (uint64) (v >> 63));
}

/* varint(len + 1) then the bytes; 0 means NULL */
void
LakeEncString(LakeEncoder *enc, const char *s)
{
	size_t		len;

	if (s == NULL)
	{
		LakeEncUInt(enc, 0);
		return;
	}
	len = strlen(s);
	LakeEncUInt(enc, (uint64) len + 1);
	appendBinaryStringInfo(&enc->body, s, len);
}

void
LakeEncBytes(LakeEncoder *enc, const bytea *b)
{
	size_t		len;

	if (b == NULL)
	{
		LakeEncUInt(enc, 0);
		return;
	}
	len = VARSIZE_ANY_EXHDR(b);
	LakeEncUInt(enc, (uint64) len + 1);
	appendBinaryStringInfo(&enc->body, VARDATA_ANY(b), len);
}

/*
 * Header + body in one palloc'd buffer; the encoder's body is freed.
 */
char *
LakeEncFinish(LakeEncoder *enc, LakeMetaKind kind, size_t *len)
{
	char	   *out;
	pg_crc32c	crc;

	if ((uint64) enc->body.len > PG_UINT32_MAX)
		elog(ERROR, "metadata body too large");

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, enc->body.data, enc->body.len);
	FIN_CRC32C(crc);

	out = palloc(LAKE_META_HEADER_SIZE + enc->body.len);
	memcpy(out, kind_magic[kind], 4);
	put_u16(out + 4, kind_write_version[kind]);
	put_u16(out + 6, (uint16) kind);
	put_u32(out + 8, (uint32) enc->body.len);
	put_u32(out + 12, (uint32) crc);
	memcpy(out + LAKE_META_HEADER_SIZE, enc->body.data, enc->body.len);
	*len = LAKE_META_HEADER_SIZE + enc->body.len;
	pfree(enc->body.data);
	enc->body.data = NULL;
	return out;
}

/* ---------------------------------------------------------------------
 * Decoding
 * ---------------------------------------------------------------------
 */

void
LakeDecCorrupt(LakeDecoder *dec, size_t offset, const char *field,
			   const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("lake metadata file \"%s\" is corrupt", dec->file),
			 errdetail("File \"%s\", offset %zu, field \"%s\": %s.",
					   dec->file, offset, field, problem)));
}

/*
 * Check the header; leave dec->pos at the first body byte.
 */
void
LakeDecBegin(LakeDecoder *dec, const char *file, const char *data,
			 size_t len, LakeMetaKind kind)
{
	uint16		version;
	uint16		file_kind;
	uint32		body_len;
	uint32		stored_crc;
	pg_crc32c	crc;

	dec->file = file;
	dec->data = data;
	dec->len = len;
	dec->pos = 0;

	if (len < LAKE_META_HEADER_SIZE)
		LakeDecCorrupt(dec, 0, "header",
					   psprintf("file is %zu bytes, shorter than the %d-byte header",
								len, LAKE_META_HEADER_SIZE));
	if (memcmp(data, kind_magic[kind], 4) != 0)
		LakeDecCorrupt(dec, 0, "magic",
					   psprintf("expected \"%s\" (a %s file)",
								kind_magic[kind], kind_name[kind]));

	version = get_u16(data + 4);
	if (version == 0)
		LakeDecCorrupt(dec, 4, "version", "version 0 is invalid");
	if (version > LAKE_META_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lake metadata file \"%s\" has format version %u, newer than this lake_fdw supports (%u)",
						file, version, LAKE_META_VERSION),
				 errhint("Upgrade lake_fdw to read tables written by a newer version.")));
	dec->version = version;

	file_kind = get_u16(data + 6);
	if (file_kind != (uint16) kind)
		LakeDecCorrupt(dec, 6, "kind",
					   psprintf("expected kind %d (%s), found %u",
								(int) kind, kind_name[kind], file_kind));

	body_len = get_u32(data + 8);
	if ((uint64) body_len != (uint64) (len - LAKE_META_HEADER_SIZE))
		LakeDecCorrupt(dec, 8, "body length",
					   psprintf("header says %u bytes, file holds %zu",
								body_len, len - LAKE_META_HEADER_SIZE));

	stored_crc = get_u32(data + 12);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data + LAKE_META_HEADER_SIZE, body_len);
	FIN_CRC32C(crc);
	if ((uint32) crc != stored_crc)
		LakeDecCorrupt(dec, 12, "checksum",
					   psprintf("stored CRC-32C %08x, computed %08x",
								stored_crc, (uint32) crc));

	dec->pos = LAKE_META_HEADER_SIZE;
}

uint64
LakeDecUInt(LakeDecoder *dec, const char *field)
{
	size_t		start = dec->pos;
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		unsigned char b;

		if (dec->pos >= dec->len)
			LakeDecCorrupt(dec, start, field, "varint runs past the end of the file");
		b = (unsigned char) dec->data[dec->pos++];
		if (shift == 63 && (b & 0x7e) != 0)
			LakeDecCorrupt(dec, start, field, "varint overflows 64 bits");
		v |= (uint64) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
		if (shift > 63)
			LakeDecCorrupt(dec, start, field, "varint longer than 10 bytes");
	}
	return v;
}

int64
LakeDecInt(LakeDecoder *dec, const char *field)
{
	uint64		u = LakeDecUInt(dec, field);

	return (int64) (u >> 1) ^ -(int64) (u & 1);
}

int64
LakeDecIntRange(LakeDecoder *dec, const char *field, int64 min, int64 max)
{
	size_t		start = dec->pos;
	int64		v = LakeDecInt(dec, field);

	if (v < min || v > max)
		LakeDecCorrupt(dec, start, field,
					   psprintf("value " INT64_FORMAT " outside " INT64_FORMAT ".." INT64_FORMAT,
								v, min, max));
	return v;
}

/*
 * A string: NULL only if nullable; no NUL bytes inside.
 */
char *
LakeDecString(LakeDecoder *dec, const char *field, bool nullable)
{
	size_t		start = dec->pos;
	uint64		n = LakeDecUInt(dec, field);
	char	   *s;

	if (n == 0)
	{
		if (!nullable)
			LakeDecCorrupt(dec, start, field, "missing value");
		return NULL;
	}
	n--;
	if (n > dec->len - dec->pos)
		LakeDecCorrupt(dec, start, field,
					   psprintf("length " UINT64_FORMAT " runs past the end of the file", n));
	if (memchr(dec->data + dec->pos, '\0', n) != NULL)
		LakeDecCorrupt(dec, start, field, "string holds a NUL byte");
	if (!pg_verify_mbstr(PG_UTF8, dec->data + dec->pos, (int) n, true))
		LakeDecCorrupt(dec, start, field, "string is not valid UTF-8");
	s = pnstrdup(dec->data + dec->pos, n);
	dec->pos += n;
	return s;
}

/*
 * A file name inside the table directory: non-empty, [A-Za-z0-9_.-] only.
 */
char *
LakeDecName(LakeDecoder *dec, const char *field)
{
	size_t		start = dec->pos;
	char	   *s = LakeDecString(dec, field, false);

	if (!LakeNameIsSafe(s))
		LakeDecCorrupt(dec, start, field,
					   psprintf("\"%s\" is not a valid file name", s));
	return s;
}

bytea *
LakeDecBytes(LakeDecoder *dec, const char *field)
{
	size_t		start = dec->pos;
	uint64		n = LakeDecUInt(dec, field);
	bytea	   *b;

	if (n == 0)
		return NULL;
	n--;
	if (n > dec->len - dec->pos || n > MaxAllocSize - VARHDRSZ)
		LakeDecCorrupt(dec, start, field,
					   psprintf("length " UINT64_FORMAT " runs past the end of the file", n));
	b = palloc(VARHDRSZ + n);
	SET_VARSIZE(b, VARHDRSZ + n);
	memcpy(VARDATA(b), dec->data + dec->pos, n);
	dec->pos += n;
	return b;
}

/*
 * An item count; each item takes at least min_item bytes, so a count that
 * could not fit in the rest of the file is corrupt (and never allocated).
 */
int
LakeDecCount(LakeDecoder *dec, const char *field, size_t min_item)
{
	size_t		start = dec->pos;
	uint64		n = LakeDecUInt(dec, field);
	size_t		left = dec->len - dec->pos;

	if (min_item < 1)
		min_item = 1;
	if (n > INT_MAX || n > left / min_item)
		LakeDecCorrupt(dec, start, field,
					   psprintf("count " UINT64_FORMAT " cannot fit in the %zu bytes left",
								n, left));
	return (int) n;
}

void
LakeDecEnd(LakeDecoder *dec)
{
	if (dec->pos != dec->len)
		LakeDecCorrupt(dec, dec->pos, "end",
					   psprintf("%zu unexpected bytes after the last field",
								dec->len - dec->pos));
}

bool
LakeMetaReadFile(const char *path, LakeMetaKind kind, bool missing_ok,
				 LakeDecoder *dec)
{
	size_t		len;
	char	   *data = LakeReadFile(path, &len, missing_ok);

	if (data == NULL)
		return false;
	LakeDecBegin(dec, pstrdup(path), data, len, kind);
	return true;
}
