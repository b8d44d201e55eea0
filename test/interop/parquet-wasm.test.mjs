// parquet-wasm.test.mjs — parquet-rs (parquet-wasm) writes, lake_fdw reads.
//
// parquet-wasm writes an Arrow table (pwdata.mjs) with page indexes
// (ColumnIndex + OffsetIndex), small data pages, DATA_PAGE_V2 or v1,
// dictionary or not, and DELTA_BINARY_PACKED / DELTA_BYTE_ARRAY /
// DELTA_LENGTH_BYTE_ARRAY / BYTE_STREAM_SPLIT; `pqtool cat` must print
// exactly what DuckDB reads from the same file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { comparePageIndexes } from './pageindex.mjs';
import { PQTOOL, diffRows, duckRows, haveTool, openDuck, pqtoolRows, tmpDir } from './lib.mjs';
import { buildTable, writeWithParquetWasm } from './pwdata.mjs';

const dir = tmpDir('pw');
let db;
before(async () => { db = await openDuck(); });
after(() => { db?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

const VARIANTS = [
  { name: 'v2-dict-zstd', dict: true, opts: { codec: 'zstd', v2: true, dictionary: true } },
  { name: 'v2-default-hicard-zstd', dict: false, opts: { codec: 'zstd', v2: true, dictionary: false } },
  { name: 'v2-deltas-snappy', dict: false, opts: { codec: 'snappy', v2: true, dictionary: false, deltas: true } },
  { name: 'v2-deltas-lz4raw', dict: false, opts: { codec: 'lz4_raw', v2: true, dictionary: false, deltas: true } },
  { name: 'v1-deltas-gzip', dict: false, opts: { codec: 'gzip', v2: false, dictionary: false, deltas: true } },
  { name: 'v1-plain-uncompressed', dict: false, opts: { codec: 'uncompressed', v2: false, dictionary: false } },
  { name: 'v1-dict-uncompressed', dict: true, opts: { codec: 'uncompressed', v2: false, dictionary: true } },
  { name: 'v2-dict-bigpages-zstd', dict: true, opts: { codec: 'zstd', v2: true, dictionary: true, pageBytes: 1 << 20, rowGroupRows: 100000 } },
];

for (const v of VARIANTS) {
  test(`parquet-wasm ${v.name} -> pqtool`, async () => {
    assert.ok(haveTool(PQTOOL), `pqtool not built (${PQTOOL})`);
    const f = path.join(dir, `${v.name}.parquet`);
    fs.writeFileSync(f, writeWithParquetWasm(buildTable(5000, v.dict), v.opts));
    // the file really has page indexes on every column chunk
    const buf = fs.readFileSync(f);
    const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    for (const rg of md.row_groups)
      for (const c of rg.columns)
        assert.ok(c.column_index_offset !== undefined && c.offset_index_offset !== undefined, 'page index');
    const hy = comparePageIndexes(f);
    if ((v.opts.pageBytes ?? 1024) < 4096) assert.ok(hy.some(c => c.pages.length > 1), 'some chunk has several pages');
    const want = await duckRows(db, f);
    const kinds = Object.fromEntries(want.cols.map(c => [c.name, c.kind]));
    const d = diffRows(want.rows, pqtoolRows(f, kinds));
    assert.deepEqual(d, [], `pqtool vs DuckDB on ${v.name}:\n${d.join('\n')}`);
  });
}
