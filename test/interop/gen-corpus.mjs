// gen-corpus.mjs — writes the fuzz_reader seed corpus: small, valid Parquet
// files from DuckDB (every codec, PARQUET_VERSION v1 and v2, dictionary and
// high-cardinality data, several row groups) and from parquet-wasm
// (DATA_PAGE_V2, page indexes, DELTA_* and BYTE_STREAM_SPLIT encodings,
// many small pages) and from our own writer via pqgen (page indexes, bloom
// filters).  Deterministic; the output is committed under
// test/fuzz/corpus/fuzz_reader/.  Run: node gen-corpus.mjs [outdir]
import fs from 'node:fs';
import path from 'node:path';
import { PQGEN, ROOT, haveTool, openDuck, run, tmpDir } from './lib.mjs';
import { CODECS, VERSIONS, writeAllTypes } from './duckdata.mjs';
import { buildTable, writeWithParquetWasm } from './pwdata.mjs';

const out = process.argv[2] || path.join(ROOT, 'test/fuzz/corpus/fuzz_reader');
fs.mkdirSync(out, { recursive: true });

const db = await openDuck();
let count = 0;
for (const codec of CODECS)
  for (const version of VERSIONS)
    for (const dict of [false, true]) {
      const f = path.join(out, `duckdb-${codec}-${version}-${dict ? 'dict' : 'hicard'}.parquet`);
      await writeAllTypes(db, f, { rows: 40, dict, codec, version, rowGroupSize: 16 });
      count++;
    }
db.close();

const small = buildTable(60, false);
const smallDict = buildTable(60, true);
const variants = [
  ['pw-v2-delta-zstd', small, { codec: 'zstd', v2: true, dictionary: false, deltas: true }],
  ['pw-v2-delta-snappy', small, { codec: 'snappy', v2: true, dictionary: false, deltas: true }],
  ['pw-v2-plain-lz4raw', small, { codec: 'lz4_raw', v2: true, dictionary: false }],
  ['pw-v2-dict-gzip', smallDict, { codec: 'gzip', v2: true, dictionary: true }],
  ['pw-v1-dict-uncompressed', smallDict, { codec: 'uncompressed', v2: false, dictionary: true }],
  ['pw-v1-delta-uncompressed', small, { codec: 'uncompressed', v2: false, dictionary: false, deltas: true }],
];
for (const [name, table, opts] of variants) {
  fs.writeFileSync(path.join(out, `${name}.parquet`),
    writeWithParquetWasm(table, { pageBytes: 128, rowGroupRows: 30, ...opts }));
  count++;
}
// our own writer's files: page indexes, bloom filters, small pages
if (haveTool(PQGEN)) {
  const tmp = tmpDir('corpus');
  for (const [name, args] of [
    ['lake-zstd-dict', ['--codec', 'zstd', '--dictionary', 'on']],
    ['lake-lz4raw-plain', ['--codec', 'lz4_raw', '--dictionary', 'off']],
    ['lake-uncompressed-plain', ['--codec', 'uncompressed', '--dictionary', 'off']],
  ]) {
    run(PQGEN, [...args, '--seed', '9', '--rows', '50', '--row-group-rows', '20', '--page-rows', '7', path.join(tmp, name)]);
    fs.copyFileSync(path.join(tmp, `${name}.parquet`), path.join(out, `${name}.parquet`));
    count++;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
} else console.error(`pqgen not built (${PQGEN}): no lake_fdw-written seeds`);
console.log(`wrote ${count} seed files to ${out}`);
