// gen-corrupt.mjs — writes the committed corpus of corrupt Parquet files
// (test/corrupt/*.parquet) and its MANIFEST (one line per file: name, then
// what is wrong with it).  Each file is a small valid DuckDB-written file
// with exactly one defect, made by editing its thrift structures (footer
// or page header, with every later offset fixed up so the rest of the file
// stays consistent) or its page bytes.  Deterministic.
// Run: node gen-corrupt.mjs [outdir]
import fs from 'node:fs';
import path from 'node:path';
import { openDuck, ROOT, sqlLit, tmpDir } from './lib.mjs';
import { T, field, readStruct, setField, writeStruct } from './thrift.mjs';

const out = process.argv[2] || path.join(ROOT, 'test/corrupt');
fs.mkdirSync(out, { recursive: true });
const work = tmpDir('corrupt');
const manifest = [];

function emit(name, bytes, what) {
  fs.writeFileSync(path.join(out, `${name}.parquet`), bytes);
  manifest.push(`${name}.parquet\t${what}`);
}

// ------------------------------------------------------------ base files
const db = await openDuck();
const TABLE = `SELECT CAST(i AS BIGINT) AS id, 'category_' || CAST(i % 10 AS VARCHAR) AS cat,
  md5(CAST(i AS VARCHAR)) || CAST(i AS VARCHAR) AS hc, CAST(i * 3 AS INTEGER) AS n,
  CAST(md5(CAST(i AS VARCHAR)) AS UUID) AS u, CAST(i / 7 AS DECIMAL(9,2)) AS d,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS b
  FROM range(300) r(i)`;
async function base(codec, version) {
  const f = path.join(work, `base-${codec}-${version}.parquet`);
  await db.run(`COPY (${TABLE}) TO ${sqlLit(f)} (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version})`);
  return new Uint8Array(fs.readFileSync(f));
}
const unc = await base('uncompressed', 'v1');
const uncV2 = await base('uncompressed', 'v2');
const zstd = await base('zstd', 'v1');
const codecBases = { zstd, snappy: await base('snappy', 'v1'), lz4_raw: await base('lz4_raw', 'v1'), gzip: await base('gzip', 'v1') };
db.close();

// ------------------------------------------------------------ file model
function open(bytes) {
  const n = bytes.length;
  const flen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(n - 8, true);
  const fstart = n - 8 - flen;
  const { struct } = readStruct(bytes, fstart);
  return { bytes, fstart, meta: struct };
}
function withFooter(f, meta) {
  const footer = writeStruct(meta);
  const outb = new Uint8Array(f.fstart + footer.length + 8);
  outb.set(f.bytes.subarray(0, f.fstart));
  outb.set(footer, f.fstart);
  const dv = new DataView(outb.buffer);
  dv.setUint32(f.fstart + footer.length, footer.length, true);
  outb.set([0x50, 0x41, 0x52, 0x31], f.fstart + footer.length + 4);
  return outb;
}
const rowGroups = meta => field(meta, 4).value.items;
const chunks = rg => field(rg, 1).value.items;
const colMeta = cc => field(cc, 3).value;
const pathOf = cm => new TextDecoder().decode(field(cm, 3).value.items[0]);
function chunkOf(meta, name, rg = 0) {
  const cc = chunks(rowGroups(meta)[rg]).find(c => pathOf(colMeta(c)) === name);
  if (!cc) throw new Error(`no column ${name}`);
  return cc;
}
const num = (st, id) => Number(field(st, id).value);
const encodingsOf = cm => field(cm, 2).value.items.map(Number);
function firstPage(f, name, { dictionary = false } = {}) {
  const cm = colMeta(chunkOf(f.meta, name));
  const dict = field(cm, 11);
  const off = dictionary ? Number(dict.value) : num(cm, 9);
  const { struct, end } = readStruct(f.bytes, off);
  return { off, header: struct, body: end, size: num(struct, 3) };
}

// Replace the page header at off with a new one, fixing up every offset
// after it (and the sizes of the chunk that holds it).
function replacePageHeader(f, off, header) {
  const old = readStruct(f.bytes, off);
  const nh = writeStruct(header);
  const delta = nh.length - (old.end - off);
  const body = new Uint8Array(f.fstart + delta);
  body.set(f.bytes.subarray(0, off));
  body.set(nh, off);
  body.set(f.bytes.subarray(old.end, f.fstart), off + nh.length);
  const meta = structuredClone(f.meta);
  const shift = (st, id) => { const x = field(st, id); if (x && Number(x.value) > off) x.value = BigInt(x.value) + BigInt(delta); };
  for (const rg of rowGroups(meta)) {
    shift(rg, 5);
    for (const cc of chunks(rg)) {
      const cm = colMeta(cc);
      const start = Math.min(...[9, 11].map(id => field(cm, id)).filter(Boolean).map(x => Number(x.value)));
      if (off >= start && off < start + num(cm, 7)) {
        field(cm, 7).value += BigInt(delta);
        field(cm, 6).value += BigInt(delta);
      }
      shift(cc, 2); shift(cc, 4); shift(cc, 6);
      for (const id of [9, 10, 11, 14]) shift(cm, id);
    }
  }
  return withFooter({ bytes: body, fstart: body.length }, meta);
}
function patchBytes(bytes, at, data) {
  const b = new Uint8Array(bytes);
  b.set(data, at);
  return b;
}
const le32 = v => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };
function uleb(v) { const o = []; v = BigInt(v); do { let x = Number(v & 0x7fn); v >>= 7n; if (v) x |= 0x80; o.push(x); } while (v); return o; }

// ------------------------------------------------------- whole-file damage
const f0 = open(unc);
const n0 = unc.length;
emit('empty', new Uint8Array(0), 'zero-length file');
emit('magic-only', Uint8Array.from([0x50, 0x41, 0x52, 0x31]), 'just "PAR1", no footer');
emit('two-magics', Uint8Array.from([0x50, 0x41, 0x52, 0x31, 0x50, 0x41, 0x52, 0x31]), '"PAR1PAR1": 8 bytes, no footer length');
emit('bad-head-magic', patchBytes(unc, 0, [0x50, 0x41, 0x52, 0x32]), 'leading magic "PAR2"');
emit('bad-tail-magic', patchBytes(unc, n0 - 4, [0x50, 0x41, 0x52, 0x58]), 'trailing magic "PARX"');
emit('truncated-no-trailer', unc.slice(0, n0 - 8), 'last 8 bytes (footer length + magic) cut off');
emit('truncated-half', unc.slice(0, n0 >> 1), 'file cut in half');
emit('truncated-in-footer', (() => {
  const b = new Uint8Array(n0 - 10);
  b.set(unc.subarray(0, n0 - 18));
  b.set(unc.subarray(n0 - 8), n0 - 18);
  return b;
})(), '10 bytes cut from the end of the footer; footer length unchanged, so it starts too early');
emit('footer-len-past-start', patchBytes(unc, n0 - 8, le32(n0)), 'footer length = file size (footer would start before byte 0)');
emit('footer-len-huge', patchBytes(unc, n0 - 8, le32(0xffffffff)), 'footer length 0xFFFFFFFF');
emit('footer-len-zero', patchBytes(unc, n0 - 8, le32(0)), 'footer length 0');
emit('footer-garbage', (() => { const b = new Uint8Array(unc); b.fill(0xff, f0.fstart, n0 - 8); return b; })(),
  'every footer byte 0xFF');
function rawFooter(body) {
  const b = new Uint8Array(f0.fstart + body.length + 8);
  b.set(unc.subarray(0, f0.fstart));
  b.set(body, f0.fstart);
  new DataView(b.buffer).setUint32(f0.fstart + body.length, body.length, true);
  b.set([0x50, 0x41, 0x52, 0x31], b.length - 4);
  return b;
}
// field +1 of type struct, nested 200,000 deep
emit('footer-deep-nesting', rawFooter(new Uint8Array(200000).fill(0x1c)), 'footer of 200,000 nested structs (recursion bomb)');
// FileMetaData: version 1, then field 2 (schema) a list claiming 2^31-1 structs
emit('footer-huge-list', rawFooter(Uint8Array.from([0x15, 0x02, 0x19, 0xfc, ...uleb(0x7fffffff), 0x00])),
  'schema list header claims 2^31-1 elements in a 10-byte footer');
// field 6 (created_by) a binary claiming 2^31-1 bytes
emit('footer-huge-string', rawFooter(Uint8Array.from([0x15, 0x02, 0x58, ...uleb(0x7fffffff), 0x41, 0x00])),
  'created_by string claims 2^31-1 bytes in a 10-byte footer');
emit('footer-bad-field-type', rawFooter(Uint8Array.from([0x15, 0x02, 0x2d, 0x00])), 'footer field of thrift type 13 (no such type)');

// ------------------------------------------------------------ footer edits
function footerCase(name, what, edit, src = f0) {
  const meta = structuredClone(src.meta);
  edit(meta);
  emit(name, withFooter(src, meta), what);
}
footerCase('num-rows-absurd', 'FileMetaData.num_rows = 2^62 (row groups hold 300)', m => setField(m, 3, T.I64, 1n << 62n));
footerCase('num-rows-negative', 'FileMetaData.num_rows = -1', m => setField(m, 3, T.I64, -1n));
footerCase('rowgroup-rows-negative', 'RowGroup.num_rows = -5', m => setField(rowGroups(m)[0], 3, T.I64, -5n));
footerCase('rowgroup-rows-too-many', 'RowGroup.num_rows = 2^40 and FileMetaData.num_rows too: chunks run out of values',
  m => { setField(rowGroups(m)[0], 3, T.I64, 1n << 40n); setField(m, 3, T.I64, 1n << 40n); });
footerCase('rowgroup-rows-more', 'RowGroup and file num_rows = 301, chunks hold 300 values',
  m => { setField(rowGroups(m)[0], 3, T.I64, 301n); setField(m, 3, T.I64, 301n); });
footerCase('rowgroup-no-columns', 'RowGroup.columns is an empty list', m => { field(rowGroups(m)[0], 1).value.items = []; });
footerCase('rowgroup-columns-absent', 'RowGroup without its required columns field (1)',
  m => { const rg = rowGroups(m)[0]; rg.fields = rg.fields.filter(x => x.id !== 1); });
footerCase('rowgroup-missing-column', 'RowGroup.columns lacks the last column of the schema', m => { field(rowGroups(m)[0], 1).value.items.pop(); });
footerCase('chunk-offset-past-eof', 'ColumnMetaData.data_page_offset of "id" beyond the end of the file',
  m => setField(colMeta(chunkOf(m, 'id')), 9, T.I64, BigInt(n0 + 1000)));
footerCase('chunk-offset-negative', 'ColumnMetaData.data_page_offset of "n" = -1',
  m => setField(colMeta(chunkOf(m, 'n')), 9, T.I64, -1n));
footerCase('chunk-offset-into-footer', 'ColumnMetaData.data_page_offset of "id" points into the footer',
  m => setField(colMeta(chunkOf(m, 'id')), 9, T.I64, BigInt(f0.fstart + 4)));
footerCase('chunk-size-huge', 'ColumnMetaData.total_compressed_size of "hc" = 2^40',
  m => setField(colMeta(chunkOf(m, 'hc')), 7, T.I64, 1n << 40n));
footerCase('chunk-size-negative', 'ColumnMetaData.total_compressed_size of "hc" = -100',
  m => setField(colMeta(chunkOf(m, 'hc')), 7, T.I64, -100n));
footerCase('chunk-num-values-negative', 'ColumnMetaData.num_values of "n" = -3',
  m => setField(colMeta(chunkOf(m, 'n')), 5, T.I64, -3n));
footerCase('chunk-bad-codec', 'ColumnMetaData.codec of "id" = 99',
  m => setField(colMeta(chunkOf(m, 'id')), 4, T.I32, 99n));
footerCase('chunk-type-mismatch', 'ColumnMetaData.type of "n" says BYTE_ARRAY, schema says INT32',
  m => setField(colMeta(chunkOf(m, 'n')), 1, T.I32, 6n));
footerCase('schema-children-huge', 'root SchemaElement.num_children = 1000 (7 columns follow)',
  m => setField(field(m, 2).value.items[0], 5, T.I32, 1000n));
footerCase('schema-children-negative', 'root SchemaElement.num_children = -1',
  m => setField(field(m, 2).value.items[0], 5, T.I32, -1n));
footerCase('schema-empty', 'FileMetaData.schema is an empty list', m => { field(m, 2).value.items = []; });
footerCase('schema-bad-type', 'SchemaElement.type of "n" = 42', m => setField(field(m, 2).value.items[4], 1, T.I32, 42n));
footerCase('schema-flba-negative-length', 'FIXED_LEN_BYTE_ARRAY "u" with type_length = -16',
  m => setField(field(m, 2).value.items[5], 2, T.I32, -16n));
footerCase('schema-decimal-precision-99', 'DECIMAL "d" with precision 99 (scale and logical type too)',
  m => {
    const el = field(m, 2).value.items[6];
    setField(el, 8, T.I32, 99n);
    const lt = field(el, 10);
    if (lt) { const dec = field(lt.value, 5); if (dec) setField(dec.value, 2, T.I32, 99n); }
  });
footerCase('schema-decimal-scale-gt-precision', 'DECIMAL "d" with scale 12 > precision 9',
  m => {
    const el = field(m, 2).value.items[6];
    setField(el, 7, T.I32, 12n);
    const lt = field(el, 10);
    if (lt) { const dec = field(lt.value, 5); if (dec) setField(dec.value, 1, T.I32, 12n); }
  });

// ------------------------------------------------------ page header edits
function pageCase(name, what, col, edit, { src = f0, dictionary = false } = {}) {
  const pg = firstPage(src, col, { dictionary });
  const h = structuredClone(pg.header);
  edit(h, pg);
  emit(name, replacePageHeader(src, pg.off, h), what);
}
const dph = h => field(h, 5).value;        // DataPageHeader
pageCase('page-compressed-size-huge', 'first page of "id": compressed_page_size = 2^31-1', 'id', h => setField(h, 3, T.I32, 0x7fffffffn));
pageCase('page-compressed-size-negative', 'first page of "id": compressed_page_size = -5', 'id', h => setField(h, 3, T.I32, -5n));
pageCase('page-uncompressed-size-negative', 'first page of "n": uncompressed_page_size = -1', 'n', h => setField(h, 2, T.I32, -1n));
pageCase('page-uncompressed-size-huge-zstd', 'zstd page of "hc": uncompressed_page_size = 2^31-1 (limit, no 2 GB allocation)', 'hc',
  h => setField(h, 2, T.I32, 0x7fffffffn), { src: open(zstd) });
pageCase('page-uncompressed-size-off-by-one-zstd', 'zstd page of "hc": uncompressed_page_size one more than the frame holds', 'hc',
  h => setField(h, 2, T.I32, field(h, 2).value + 1n), { src: open(zstd) });
pageCase('page-uncompressed-size-short-zstd', 'zstd page of "hc": uncompressed_page_size one less than the frame holds', 'hc',
  h => setField(h, 2, T.I32, field(h, 2).value - 1n), { src: open(zstd) });
pageCase('page-num-values-huge', 'first data page of "n": num_values = 2^30', 'n', h => setField(dph(h), 1, T.I32, 1n << 30n));
pageCase('page-num-values-negative', 'first data page of "n": num_values = -7', 'n', h => setField(dph(h), 1, T.I32, -7n));
pageCase('page-num-values-more', 'first data page of "n": num_values one more than the page holds', 'n',
  h => setField(dph(h), 1, T.I32, field(dph(h), 1).value + 1n));
pageCase('page-bad-type', 'first page of "n": PageHeader.type = 7', 'n', h => setField(h, 1, T.I32, 7n));
pageCase('page-index-page', 'first page of "n": PageHeader.type = INDEX_PAGE', 'n', h => setField(h, 1, T.I32, 1n));
pageCase('page-no-data-header', 'first page of "n": DATA_PAGE without its data_page_header', 'n',
  h => { h.fields = h.fields.filter(x => x.id !== 5); });
pageCase('page-bad-encoding', 'first data page of "n": encoding = 99', 'n', h => setField(dph(h), 2, T.I32, 99n));
pageCase('page-encoding-bit-packed', 'first data page of "n": values encoding BIT_PACKED (4)', 'n', h => setField(dph(h), 2, T.I32, 4n));
pageCase('page-v1-as-v2', 'first page of "n": type says DATA_PAGE_V2 but only a v1 header', 'n', h => setField(h, 1, T.I32, 3n));
pageCase('dict-page-num-values-huge', 'dictionary page of "cat": num_values = 2^30', 'cat',
  h => setField(field(h, 7).value, 1, T.I32, 1n << 30n), { dictionary: true });
pageCase('dict-page-num-values-negative', 'dictionary page of "cat": num_values = -1', 'cat',
  h => setField(field(h, 7).value, 1, T.I32, -1n), { dictionary: true });
pageCase('dict-page-as-data-page', 'dictionary page of "cat" typed DATA_PAGE', 'cat',
  h => setField(h, 1, T.I32, 0n), { dictionary: true });

// ------------------------------------------------------- page body edits
function bodyCase(name, what, src, col, mutate, opts = {}) {
  const f = open(src);
  const pg = firstPage(f, col, opts);
  const b = new Uint8Array(src);
  mutate(b, pg);
  emit(name, b, what);
}
// v1 data page, uncompressed: [u32 def-level length][levels][values]
const valuesStart = (b, pg) => pg.body + 4 + new DataView(b.buffer).getUint32(pg.body, true);
bodyCase('deflevels-length-huge', 'first page of "b": definition-level length 0x7FFFFFFF', unc, 'b',
  (b, pg) => b.set(le32(0x7fffffff), pg.body));
bodyCase('dict-index-out-of-range', '"cat" data page: every dictionary index is 15, dictionary has 10 entries', unc, 'cat',
  (b, pg) => {
    const v = valuesStart(b, pg);
    const width = b[v];
    if (width !== 4) throw new Error(`unexpected bit width ${width}`);
    // one RLE run of 300 values of 15 (header varint (300 << 1), then one byte)
    b.set([...uleb(300 << 1), 0x0f], v + 1);
  });
bodyCase('dict-bit-width-40', '"cat" data page: dictionary index bit width 40', unc, 'cat',
  (b, pg) => { b[valuesStart(b, pg)] = 40; });
{
  // a PLAIN byte-array column, if DuckDB chose PLAIN for "hc"
  const f = open(unc);
  const cm = colMeta(chunkOf(f.meta, 'hc'));
  if (!field(cm, 11)) {
    bodyCase('plain-string-length-huge', 'PLAIN "hc": first value length prefix 0x7FFFFFF0', unc, 'hc',
      (b, pg) => b.set(le32(0x7ffffff0), valuesStart(b, pg)));
  } else {
    bodyCase('dict-page-string-length-huge', 'dictionary page of "hc": first entry length 0x7FFFFFF0', unc, 'hc',
      (b, pg) => b.set(le32(0x7ffffff0), pg.body), { dictionary: true });
  }
}
bodyCase('dict-page-string-length-huge-cat', 'dictionary page of "cat": first entry length 0x7FFFFFF0', unc, 'cat',
  (b, pg) => b.set(le32(0x7ffffff0), pg.body), { dictionary: true });
{
  // v2 (DuckDB: still v1 page headers) DELTA_BINARY_PACKED "id": bad miniblock width
  const f = open(uncV2);
  const cm = colMeta(chunkOf(f.meta, 'id'));
  if (!encodingsOf(cm).includes(5)) throw new Error('expected DELTA_BINARY_PACKED for id');
  bodyCase('dbp-width-99', 'DELTA_BINARY_PACKED "id": first miniblock bit width 99', uncV2, 'id', (b, pg) => {
    let p = valuesStart(b, pg);
    for (let k = 0; k < 5; k++) { while (b[p] & 0x80) p++; p++; }   // 4 header varints + min delta
    b[p] = 99;
  });
  bodyCase('dbp-block-size-100', 'DELTA_BINARY_PACKED "id": block size 100 (not a multiple of 128)', uncV2, 'id', (b, pg) => {
    const p = valuesStart(b, pg);
    b[p] = 100; b[p + 1] = 0x81;   // keeps the varint two bytes long: 100 + 128
  });
  bodyCase('dbp-count-mismatch', 'DELTA_BINARY_PACKED "id": header value count 5 (page has 300)', uncV2, 'id', (b, pg) => {
    let p = valuesStart(b, pg);
    for (let k = 0; k < 2; k++) { while (b[p] & 0x80) p++; p++; }
    // total count varint: rewrite as 5 in the same number of bytes
    const q = p; while (b[p] & 0x80) p++;
    const len = p - q + 1;
    const v = [...uleb(5)];
    while (v.length < len) { v[v.length - 1] |= 0x80; v.push(0); }
    b.set(v, q);
  });
}
for (const [codec, src] of Object.entries(codecBases))
  bodyCase(`page-garbage-${codec}`, `first ${codec} page of "hc": compressed bytes replaced by 0xA5`, src, 'hc',
    (b, pg) => b.fill(0xa5, pg.body, pg.body + pg.size));
for (const [codec, src] of Object.entries(codecBases))
  bodyCase(`page-truncated-${codec}`, `first ${codec} page of "hc": second half of the compressed bytes zeroed`, src, 'hc',
    (b, pg) => b.fill(0, pg.body + (pg.size >> 1), pg.body + pg.size));

fs.writeFileSync(path.join(out, 'MANIFEST'),
  '# corrupt Parquet files: name<TAB>what is wrong (generated by test/interop/gen-corrupt.mjs)\n' +
  manifest.join('\n') + '\n');
fs.rmSync(work, { recursive: true, force: true });
console.log(`wrote ${manifest.length} corrupt files to ${out}`);
