// pwdata.mjs — deterministic Arrow tables written to Parquet by parquet-wasm
// (parquet-rs compiled to WebAssembly).
//
// Owns the Arrow table (built from typed arrays with makeData, so 64-bit
// values and microsecond timestamps are exact) and the writer settings:
// page indexes (statistics = Page), small data pages so a column chunk has
// many pages, DATA_PAGE_V2 (WriterVersion.V2) when asked, and per-column
// encodings DELTA_BINARY_PACKED / DELTA_BYTE_ARRAY / DELTA_LENGTH_BYTE_ARRAY
// / BYTE_STREAM_SPLIT when dictionaries are off.
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';

const MASK64 = (1n << 64n) - 1n;

function mix(i, salt) {
  // splitmix64 of (i, salt): deterministic pseudo-random 64 bits
  let z = (BigInt(i) * 0x9E3779B97F4A7C15n + BigInt(salt) * 0xD1B54A32D192ED03n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK64;
  return z ^ (z >> 31n);
}
const signed64 = u => BigInt.asIntN(64, u);

function validity(n, salt) {
  const bm = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if ((i + salt) % 11 === 0) { nulls++; continue; }
    bm[i >> 3] |= 1 << (i & 7);
  }
  return { bm, nulls, isNull: i => (i + salt) % 11 === 0 };
}

function fixed(type, n, salt, Arr, gen) {
  const v = validity(n, salt);
  const data = new Arr(n);
  for (let i = 0; i < n; i++) if (!v.isNull(i)) data[i] = gen(i);
  return arrow.makeVector(arrow.makeData({ type, length: n, nullCount: v.nulls, nullBitmap: v.bm, data }));
}

function decimalVec(n, salt, precision, scale, gen) {
  const v = validity(n, salt);
  const data = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (v.isNull(i)) continue;
    let x = BigInt.asUintN(128, gen(i));
    for (let k = 0; k < 4; k++) { data[i * 4 + k] = Number(x & 0xffffffffn); x >>= 32n; }
  }
  const type = new arrow.Decimal(scale, precision, 128);
  return arrow.makeVector(arrow.makeData({ type, length: n, nullCount: v.nulls, nullBitmap: v.bm, data }));
}

function varVec(type, n, salt, gen) {
  const v = validity(n, salt);
  const vals = [];
  for (let i = 0; i < n; i++) vals.push(v.isNull(i) ? null : gen(i));
  return arrow.vectorFromArray(vals, type);
}

// dict: few distinct values (dictionary-friendly); else high cardinality
export function buildTable(n, dict) {
  const r = (i, s) => mix(dict ? i % 5 : i, s);
  const cols = {
    id: fixed(new arrow.Int64(), n, 1000003, BigInt64Array, i => BigInt(i)),
    c_smallint: fixed(new arrow.Int16(), n, 1, Int16Array, i => Number(BigInt.asIntN(16, r(i, 1)))),
    c_int: fixed(new arrow.Int32(), n, 2, Int32Array, i => Number(BigInt.asIntN(32, r(i, 2)))),
    c_bigint: fixed(new arrow.Int64(), n, 3, BigInt64Array,
      i => (i % 97 === 5 ? -(1n << 63n) : i % 89 === 6 ? (1n << 63n) - 1n : signed64(r(i, 3)))),
    c_real: fixed(new arrow.Float32(), n, 4, Float32Array,
      i => (i % 53 === 7 ? NaN : i % 59 === 8 ? Infinity : i % 67 === 10 ? -0 : Number(r(i, 4) % 2000000n) / 1000 - 1000)),
    c_double: fixed(new arrow.Float64(), n, 5, Float64Array,
      i => (i % 53 === 11 ? NaN : i % 61 === 13 ? -Infinity : (Number(r(i, 5)) - 9.2e18) / 3.3e9)),
    c_dec9: decimalVec(n, 6, 9, 2, i => (r(i, 6) % 1999999999n) - 999999999n),
    c_dec18: decimalVec(n, 7, 18, 4, i => (r(i, 7) % 1999999999999999999n) - 999999999999999999n),
    c_dec38: decimalVec(n, 8, 38, 10, i => (r(i, 8) % 10n ** 19n) * (r(i, 9) % 10n ** 19n) * (i % 2 ? 1n : -1n)),
    c_varchar: varVec(new arrow.Utf8(), n, 9,
      i => (i % 50 === 1 ? '' : `key_${String(r(i, 10) % 1000000n).padStart(6, '0')}_${'é✓'.repeat(i % 3)}`)),
    c_blob: varVec(new arrow.Binary(), n, 10, i => {
      const b = new Uint8Array(i % 9);
      for (let k = 0; k < b.length; k++) b[k] = Number((r(i, 11) >> BigInt(k * 7)) & 0xffn);
      return b;
    }),
    c_bool: varVec(new arrow.Bool(), n, 11, i => (r(i, 12) & 1n) === 1n),
    c_date: fixed(new arrow.DateDay(), n, 12, Int32Array, i => Number(r(i, 13) % 80000n) - 40000),
    c_ts: fixed(new arrow.TimestampMicrosecond(), n, 13, BigInt64Array,
      i => (r(i, 14) % 4000000000000000n) - 2000000000000000n),
    c_tstz: fixed(new arrow.TimestampMicrosecond('UTC'), n, 14, BigInt64Array,
      i => (r(i, 15) % 4000000000000000n) - 1000000000000000n),
  };
  return new arrow.Table(cols);
}

export const PW_CODECS = {
  zstd: pw.Compression.ZSTD,
  lz4_raw: pw.Compression.LZ4_RAW,
  snappy: pw.Compression.SNAPPY,
  gzip: pw.Compression.GZIP,
  uncompressed: pw.Compression.UNCOMPRESSED,
};

// encodings used for each column when dictionaries are off
const DELTA_ENCODINGS = {
  id: pw.Encoding.DELTA_BINARY_PACKED,
  c_smallint: pw.Encoding.DELTA_BINARY_PACKED,
  c_int: pw.Encoding.DELTA_BINARY_PACKED,
  c_bigint: pw.Encoding.DELTA_BINARY_PACKED,
  c_real: pw.Encoding.BYTE_STREAM_SPLIT,
  c_double: pw.Encoding.BYTE_STREAM_SPLIT,
  c_dec9: pw.Encoding.DELTA_BINARY_PACKED,
  c_dec18: pw.Encoding.DELTA_BINARY_PACKED,
  c_varchar: pw.Encoding.DELTA_BYTE_ARRAY,
  c_blob: pw.Encoding.DELTA_LENGTH_BYTE_ARRAY,
  c_date: pw.Encoding.DELTA_BINARY_PACKED,
  c_ts: pw.Encoding.DELTA_BINARY_PACKED,
  c_tstz: pw.Encoding.DELTA_BINARY_PACKED,
};

// Returns the Parquet bytes.
export function writeWithParquetWasm(table, { codec = 'zstd', v2 = true, dictionary = true, deltas = false,
  pageBytes = 1024, rowGroupRows = 1500 } = {}) {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(PW_CODECS[codec])
    .setWriterVersion(v2 ? pw.WriterVersion.V2 : pw.WriterVersion.V1)
    .setStatisticsEnabled(pw.EnabledStatistics.Page)
    .setDataPageSizeLimit(pageBytes)
    .setWriteBatchSize(128)
    .setMaxRowGroupSize(rowGroupRows)
    .setDictionaryEnabled(dictionary)
    .setCreatedBy('parquet-wasm interop test');
  if (deltas && !dictionary)
    for (const [col, enc] of Object.entries(DELTA_ENCODINGS)) b = b.setColumnEncoding(col, enc);
  const wt = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  return pw.writeParquet(wt, b.build());
}
