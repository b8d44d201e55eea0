// duckdb-sizes.mjs — part of ./parquet-bench: for each of our files
// (ours-<codec>.parquet, written by parquet_bench with the writer's default
// options), DuckDB writes the same rows with the same codec (its default
// options otherwise); prints both sizes and the ratio.  DuckDB comes from
// test/interop's node_modules.  Usage: node duckdb-sizes.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../interop/package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const dir = process.argv[2];
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
console.log(`\nfile size, same rows (ts BIGINT, url VARCHAR), default writer options otherwise:`);
console.log(`${'codec'.padEnd(8)} ${'lake_fdw'.padStart(12)} ${'DuckDB 1.5.6'.padStart(12)}  ours/DuckDB`);
for (const [codec, duck] of [['zstd', 'zstd'], ['lz4_raw', 'lz4_raw']]) {
  const ours = path.join(dir, `ours-${codec}.parquet`);
  const theirs = path.join(dir, `duckdb-${codec}.parquet`);
  await con.run(`COPY (SELECT * FROM read_parquet('${ours}')) TO '${theirs}' (FORMAT parquet, COMPRESSION ${duck})`);
  // same content, or the comparison means nothing
  const r = await con.runAndReadAll(`SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet('${ours}') EXCEPT ALL SELECT * FROM read_parquet('${theirs}'))) AS d1,
    (SELECT count(*) FROM read_parquet('${theirs}')) AS n`);
  const [d1, n] = r.getRows()[0];
  if (Number(d1) !== 0) { console.error(`DuckDB copy of ${ours} differs`); process.exit(1); }
  const a = fs.statSync(ours).size, b = fs.statSync(theirs).size;
  console.log(`${codec.padEnd(8)} ${(a / 1e6).toFixed(2).padStart(9)} MB ${(b / 1e6).toFixed(2).padStart(9)} MB  ${(a / b).toFixed(3)}   (${n} rows)`);
}
