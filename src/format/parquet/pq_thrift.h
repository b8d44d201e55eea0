/*-------------------------------------------------------------------------
 * pq_thrift.h
 *	  Thrift compact protocol: a bounds-checked reader over a byte range and
 *	  a writer into a PqBuf (internal API of the Parquet layer).
 *
 * The reader is "sticky": after the first problem every call returns zero
 * values and PqThriftFieldBegin returns false, so parse loops end; the
 * caller checks r->failed once per structure.  Nesting depth and list sizes
 * are bounded so hostile input cannot recurse deeply or make a list claim
 * more elements than there are bytes left.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_THRIFT_H
#define LAKE_PQ_THRIFT_H

#include "format/parquet/pq_internal.h"

#define TT_STOP		0
#define TT_TRUE		1
#define TT_FALSE	2
#define TT_BYTE		3
#define TT_I16		4
#define TT_I32		5
#define TT_I64		6
#define TT_DOUBLE	7
#define TT_BINARY	8
#define TT_LIST		9
#define TT_SET		10
#define TT_MAP		11
#define TT_STRUCT	12

#define PQ_THRIFT_MAX_DEPTH 32

typedef struct PqThriftReader
{
	const uint8_t *start;
	const uint8_t *p;
	const uint8_t *end;
	uint64_t	base_offset;	/* file offset of start */
	int			depth;
	bool		failed;
	bool		truncated;		/* failed because the bytes ran out */
	const char *what;			/* what is being parsed, for messages */
	char		msg[160];
} PqThriftReader;

extern void PqThriftReaderInit(PqThriftReader *r, const uint8_t *buf,
							   size_t len, uint64_t base_offset,
							   const char *what);
extern void PqThriftFail(PqThriftReader *r, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* struct framing: StructBegin pushes a field-id context */
extern void PqThriftStructBegin(PqThriftReader *r, int16_t *last_id);
extern void PqThriftStructEnd(PqThriftReader *r);

/* next field; false at STOP or on failure */
extern bool PqThriftFieldBegin(PqThriftReader *r, int16_t *last_id,
							   int16_t *id, int *type);

extern int64_t PqThriftReadI64(PqThriftReader *r, int type);	/* i8..i64 */
extern int32_t PqThriftReadI32(PqThriftReader *r, int type);
extern bool PqThriftReadBool(PqThriftReader *r, int type);	/* field bool */
extern double PqThriftReadDouble(PqThriftReader *r, int type);
extern const uint8_t *PqThriftReadBinary(PqThriftReader *r, int type,
										 uint32_t *len);
/* list/set header; elements of type *etype follow */
extern uint32_t PqThriftReadList(PqThriftReader *r, int type, int *etype);
/* a bool element inside a list */
extern bool PqThriftReadListBool(PqThriftReader *r);
extern void PqThriftSkip(PqThriftReader *r, int type);

static inline uint64_t
pq_thrift_offset(const PqThriftReader *r)
{
	return r->base_offset + (uint64_t) (r->p - r->start);
}

/* ---------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------
 */
typedef struct PqThriftWriter
{
	PqBuf	   *buf;
	int16_t		last[PQ_THRIFT_MAX_DEPTH];
	int			depth;
	bool		nomem;
} PqThriftWriter;

extern void PqThriftWriterInit(PqThriftWriter *w, PqBuf *buf);
extern void PqThriftWriteFieldBegin(PqThriftWriter *w, int16_t id, int type);
extern void PqThriftWriteI32(PqThriftWriter *w, int16_t id, int32_t v);
extern void PqThriftWriteI64(PqThriftWriter *w, int16_t id, int64_t v);
extern void PqThriftWriteBool(PqThriftWriter *w, int16_t id, bool v);
extern void PqThriftWriteBinary(PqThriftWriter *w, int16_t id,
								const void *p, size_t len);
/* begin a struct field (id > 0) or a struct list element (id == 0) */
extern void PqThriftWriteStructBegin(PqThriftWriter *w, int16_t id);
extern void PqThriftWriteStructEnd(PqThriftWriter *w);
extern void PqThriftWriteListBegin(PqThriftWriter *w, int16_t id, int etype,
								   uint32_t n);
/* list elements */
extern void PqThriftWriteVarint(PqThriftWriter *w, uint64_t v);
extern void PqThriftWriteZigzag(PqThriftWriter *w, int64_t v);
extern void PqThriftWriteRawBinary(PqThriftWriter *w, const void *p, size_t len);
extern void PqThriftWriteListBool(PqThriftWriter *w, bool v);

#endif							/* LAKE_PQ_THRIFT_H */
