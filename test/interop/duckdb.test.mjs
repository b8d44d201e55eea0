// duckdb.test.mjs — DuckDB writes, lake_fdw reads.
//
// DuckDB writes the every-type table (duckdata.mjs) with each codec
// (zstd, lz4_raw, snappy, gzip, uncompressed), PARQUET_VERSION v1 and v2
// (v2: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT,
// RLE_DICTIONARY), dictionary-friendly and high-cardinality data, NULLs,
// several row groups; `pqtool cat` must print exactly the values DuckDB
// reads back from the same file (both normalised to pqtool's contract).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PQTOOL, diffRows, duckRows, haveTool, openDuck, pqtoolRows, tmpDir } from './lib.mjs';
import { CODECS, VERSIONS, writeAllTypes } from './duckdata.mjs';

const dir = tmpDir('duckdb');
let db;

before(async () => { db = await openDuck(); });
after(() => { db?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

export async function compareWithDuck(db, file) {
  assert.ok(haveTool(PQTOOL), `pqtool not built (${PQTOOL})`);
  const want = await duckRows(db, file);
  const kinds = Object.fromEntries(want.cols.map(c => [c.name, c.kind]));
  const got = pqtoolRows(file, kinds);
  const d = diffRows(want.rows, got);
  assert.deepEqual(d, [], `pqtool vs DuckDB on ${path.basename(file)}:\n${d.join('\n')}`);
  assert.ok(want.rows.length > 0);
}

for (const dict of [true, false])
  for (const codec of CODECS)
    for (const version of VERSIONS) {
      const name = `${dict ? 'dict' : 'hicard'}-${codec}-${version}`;
      test(`DuckDB ${name} -> pqtool`, async () => {
        const f = path.join(dir, `${name}.parquet`);
        await writeAllTypes(db, f, { rows: 3000, dict, codec, version, rowGroupSize: 1024 });
        await compareWithDuck(db, f);
      });
    }

// DuckDB's default row group (122,880 rows) and a chunk larger than one page
test('DuckDB large hicard zstd v2 -> pqtool', async () => {
  const f = path.join(dir, 'large.parquet');
  await writeAllTypes(db, f, { rows: 130000, dict: false, codec: 'zstd', version: 'v2', rowGroupSize: 122880 });
  await compareWithDuck(db, f);
});

// an empty file (schema only) and a one-row file
test('DuckDB empty and one-row files -> pqtool', async () => {
  for (const rows of [0, 1]) {
    const f = path.join(dir, `rows${rows}.parquet`);
    await db.run(`COPY (SELECT * FROM (${'SELECT 1::BIGINT AS a, \'x\' AS b'}) LIMIT ${rows}) TO '${f}' (FORMAT parquet)`);
    const want = await duckRows(db, f);
    const got = pqtoolRows(f, { a: 'int', b: 'str' });
    assert.deepEqual(diffRows(want.rows, got), []);
  }
});
