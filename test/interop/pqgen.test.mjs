// pqgen.test.mjs — lake_fdw writes, DuckDB and hyparquet read.
//
// pqgen (test/interop/pqgen.c, built on the ParquetWriter) writes files with
// every type, NULLs, each codec, dictionary and plain encodings, many pages
// and several row groups, plus the values / statistics / bloom probes it
// expects (computed independently of the writer).  Checked here:
//   * DuckDB reads exactly the expected values;
//   * hyparquet reads exactly the expected values (decimals compared as
//     doubles: hyparquet converts DECIMAL to a JS number);
//   * DuckDB's parquet_metadata() statistics (null_count, min, max) per
//     row group match;
//   * DuckDB's parquet_bloom_probe never excludes a present value and
//     excludes nearly every absent one;
//   * our own pqtool reads back the expected values (when built).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { readBloomFilter, sbbfContains } from 'hyparquet/src/bloom.js';
import { xxhash64 } from 'hyparquet/src/xxhash.js';
import { compressors } from 'hyparquet-compressors';
import { comparePageIndexes } from './pageindex.mjs';
import {
  PQGEN, PQTOOL, canonPq, diffRows, duckRows, fmtDateDays, fmtFloat, fmtTimestampMicros, haveTool,
  openDuck, parseJsonLines, parseJsonRaw, pqtoolRows, run, sqlLit, tmpDir,
} from './lib.mjs';

const KINDS = {
  id: 'int', c_bool: 'bool', c_i16: 'int', c_i32: 'int', c_i64: 'int', c_f32: 'float', c_f64: 'float',
  c_dec9: 'str', c_dec18: 'str', c_dec38: 'str', c_str: 'str', c_bytes: 'str', c_date: 'str',
  c_ts: 'str', c_tstz: 'str', c_uuid: 'str', c_json: 'str',
};
const DECIMALS = new Set(['c_dec9', 'c_dec18', 'c_dec38']);

const CONFIGS = [
  { name: 'zstd-dict', args: ['--codec', 'zstd', '--dictionary', 'on', '--seed', '1'] },
  { name: 'zstd-plain', args: ['--codec', 'zstd', '--dictionary', 'off', '--seed', '2'] },
  { name: 'lz4raw-dict', args: ['--codec', 'lz4_raw', '--dictionary', 'on', '--seed', '3'] },
  { name: 'lz4raw-plain', args: ['--codec', 'lz4_raw', '--dictionary', 'off', '--seed', '4'] },
  { name: 'uncompressed-plain', args: ['--codec', 'uncompressed', '--dictionary', 'off', '--seed', '5'] },
  { name: 'uncompressed-dict-smallpages', args: ['--codec', 'uncompressed', '--dictionary', 'on', '--seed', '6', '--page-rows', '97', '--page-bytes', '2048'] },
  { name: 'snappy-plain', args: ['--codec', 'snappy', '--dictionary', 'off', '--seed', '7', '--rows', '3000'] },
  { name: 'gzip-dict', args: ['--codec', 'gzip', '--dictionary', 'on', '--seed', '8', '--rows', '3000'] },
];

const dir = tmpDir('pqgen');
let db;

function expectedRows(base) {
  return parseJsonLines(fs.readFileSync(`${base}.jsonl`, 'utf8'))
    .map(o => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, canonPq(v, KINDS[k])])));
}

// generate a configuration's files once, whichever test asks first
const generated = new Set();
function generate(cfg) {
  const base = path.join(dir, cfg.name);
  if (!generated.has(cfg.name)) {
    run(PQGEN, [...cfg.args, base]);
    generated.add(cfg.name);
  }
  return base;
}

// ------------------------------------------------------------- hyparquet
const hyParsers = {
  timestampFromMilliseconds: v => ({ ms: BigInt(v) }),
  timestampFromMicroseconds: v => ({ us: BigInt(v) }),
  timestampFromNanoseconds: v => ({ ns: BigInt(v) }),
  dateFromDays: v => ({ days: v }),
  stringFromBytes: b => (b === undefined || b === null ? b : new TextDecoder().decode(b)),
  jsonFromBytes: b => (b === undefined || b === null ? b : new TextDecoder().decode(b)),
  uuidFromBytes: b => {
    if (!b) return b;
    const h = Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
};

function canonHy(col, v) {
  if (v === null || v === undefined) return null;
  const k = KINDS[col];
  if (k === 'bool') return String(v);
  if (k === 'int') return BigInt(v).toString();
  if (k === 'float') return fmtFloat(Number(v));
  if (DECIMALS.has(col)) return { approx: Number(v) };
  if (col === 'c_bytes') return '\\x' + Array.from(v, x => x.toString(16).padStart(2, '0')).join('');
  if (col === 'c_date') return fmtDateDays(v.days);
  if (col === 'c_ts' || col === 'c_tstz') return fmtTimestampMicros(v.us, col === 'c_tstz');
  return String(v);
}

async function hyparquetRows(file) {
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const rows = await parquetReadObjects({ file: ab, compressors, parsers: hyParsers, utf8: false });
  return rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, canonHy(k, v)])));
}

function diffHy(want, got) {
  const diffs = [];
  if (want.length !== got.length) diffs.push(`row count ${got.length} != ${want.length}`);
  for (let i = 0; i < Math.min(want.length, got.length) && diffs.length < 10; i++) {
    for (const k of Object.keys(want[i])) {
      const w = want[i][k], g = got[i][k];
      if (g !== null && typeof g === 'object' && 'approx' in g) {
        const wn = Number(w);
        if (w === null || Math.abs(wn - g.approx) > 1e-9 * Math.max(1, Math.abs(wn)))
          diffs.push(`row ${i} ${k}: expected ${w}, hyparquet ${g.approx}`);
      } else if (w !== g) diffs.push(`row ${i} ${k}: expected ${JSON.stringify(w)}, hyparquet ${JSON.stringify(g)}`);
    }
  }
  return diffs;
}

// ------------------------------------------------------------ statistics
// DuckDB's stats_min_value / stats_max_value text -> our canonical form
function canonDuckStat(col, s) {
  if (s === null || s === undefined) return null;
  const k = KINDS[col];
  if (k === 'int') return BigInt(s).toString();
  if (k === 'bool') return s;
  if (col === 'c_f32') return fmtFloat(Math.fround(Number(s)));
  if (k === 'float') return fmtFloat(Number(s.replace(/^inf$/, 'Infinity').replace(/^-inf$/, '-Infinity')));
  if (col === 'c_ts' || col === 'c_tstz') {
    let t = s.replace(/\+00(:00)?$/, '');
    if (!t.includes('.')) t += '.000000';
    t = t.replace(/\.(\d+)$/, (m, f) => '.' + f.padEnd(6, '0'));
    return col === 'c_tstz' ? t + 'Z' : t;
  }
  return s;
}

function sameStat(col, want, got, hyBound) {
  // DuckDB 1.5.6's parquet_metadata() shows an infinite float bound as NULL:
  // take that bound from hyparquet's metadata reader instead
  if (KINDS[col] === 'float' && got === null && /Infinity$/.test(want ?? '')) return fmtFloat(hyBound) === want;
  if (KINDS[col] === 'float' && want !== null && got !== null) {
    // -0.0 and +0.0 are the same bound
    return Number(want) === Number(got) || want === got;
  }
  if (col === 'c_f32' && want !== null) return fmtFloat(Math.fround(Number(want))) === got;
  return want === got;
}

// Probe every row group's bloom filter of a column for a PLAIN-encoded value
// (hyparquet's reader of the filter, xxhash64 and split-block test).
function hyBloomProbe(file, col, plain) {
  const buf = fs.readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const md = parquetMetadata(ab);
  const view = new DataView(ab);
  const hash = xxhash64(plain);
  return md.row_groups.map((rg, g) => {
    const cc = rg.columns.find(c => c.meta_data.path_in_schema.join('.') === col);
    const off = cc.meta_data.bloom_filter_offset;
    if (off === undefined) return { row_group_id: String(g), bloom_filter_excludes: false };
    const bf = readBloomFilter({ view, offset: Number(off) });
    return { row_group_id: String(g), bloom_filter_excludes: bf ? !sbbfContains(bf.blocks, hash) : false };
  });
}

// DuckDB literal of a canonical value, for parquet_bloom_probe
function duckLiteral(col, v) {
  const k = KINDS[col];
  if (k === 'int') return v.num;
  if (k === 'float') return typeof v === 'object' ? `CAST(${v.num} AS DOUBLE)` : `CAST('${v}' AS DOUBLE)`;
  if (col === 'c_date') return `DATE ${sqlLit(v)}`;
  if (col === 'c_uuid') return `CAST(${sqlLit(v)} AS UUID)`;
  return sqlLit(v);
}

before(async () => {
  assert.ok(haveTool(PQGEN), `pqgen not built (${PQGEN}); run test/interop/run`);
  db = await openDuck();
});

for (const cfg of CONFIGS) {
  test(`pqgen ${cfg.name}: DuckDB reads the expected values`, async () => {
    const base = generate(cfg);
    const want = expectedRows(base);
    assert.ok(want.length > 0);
    const got = (await duckRows(db, `${base}.parquet`)).rows;
    const d = diffRows(want, got);
    assert.deepEqual(d, [], `DuckDB vs pqgen (${cfg.name}):\n${d.join('\n')}`);
  });

  test(`pqgen ${cfg.name}: hyparquet reads the expected values`, async () => {
    const base = generate(cfg);
    const want = expectedRows(base);
    const got = await hyparquetRows(`${base}.parquet`);
    const d = diffHy(want, got);
    assert.deepEqual(d, [], `hyparquet vs pqgen (${cfg.name}):\n${d.join('\n')}`);
  });

  test(`pqgen ${cfg.name}: DuckDB sees the expected row-group statistics`, async () => {
    const base = generate(cfg);
    const exp = parseJsonRaw(fs.readFileSync(`${base}.stats.json`, 'utf8'));
    const meta = await db.all(`SELECT row_group_id, row_group_num_rows, path_in_schema, stats_null_count,
      stats_min_value, stats_max_value FROM parquet_metadata(${sqlLit(`${base}.parquet`)})`);
    assert.equal(new Set(meta.map(m => m.row_group_id)).size, exp.row_groups.length, 'row group count');
    const buf = fs.readFileSync(`${base}.parquet`);
    const hyMeta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const hyStats = (rg, col) => hyMeta.row_groups[rg].columns
      .find(c => c.meta_data.path_in_schema.join('.') === col).meta_data.statistics ?? {};
    const diffs = [];
    for (const m of meta) {
      const g = exp.row_groups[Number(m.row_group_id)];
      const col = m.path_in_schema;
      const e = g.columns[col];
      if (BigInt(m.row_group_num_rows) !== BigInt(g.rows.num)) diffs.push(`rg ${m.row_group_id}: rows ${m.row_group_num_rows} != ${g.rows.num}`);
      if (m.stats_null_count === null || BigInt(m.stats_null_count) !== BigInt(e.null_count.num))
        diffs.push(`rg ${m.row_group_id} ${col}: null_count ${m.stats_null_count} != ${e.null_count.num}`);
      if (col === 'c_bytes') continue;   // DuckDB prints BLOB bounds in an escaped form
      const wmin = e.min === undefined ? null : canonPq(e.min, KINDS[col]);
      const wmax = e.max === undefined ? null : canonPq(e.max, KINDS[col]);
      const gmin = canonDuckStat(col, m.stats_min_value), gmax = canonDuckStat(col, m.stats_max_value);
      const hs = hyStats(Number(m.row_group_id), col);
      if (!sameStat(col, wmin, gmin, hs.min_value)) diffs.push(`rg ${m.row_group_id} ${col}: min ${JSON.stringify(gmin)} != expected ${JSON.stringify(wmin)}`);
      if (!sameStat(col, wmax, gmax, hs.max_value)) diffs.push(`rg ${m.row_group_id} ${col}: max ${JSON.stringify(gmax)} != expected ${JSON.stringify(wmax)}`);
    }
    assert.deepEqual(diffs, [], `statistics (${cfg.name}):\n${diffs.slice(0, 30).join('\n')}`);
  });

  test(`pqgen ${cfg.name}: DuckDB's bloom probe agrees with value presence`, async () => {
    const base = generate(cfg);
    const exp = parseJsonRaw(fs.readFileSync(`${base}.stats.json`, 'utf8'));
    let absentProbes = 0, absentExcluded = 0;
    const diffs = [];
    for (const p of exp.bloom_probes) {
      const col = p.column;
      let res;
      if (col === 'c_uuid') {
        // DuckDB 1.5.6 never excludes a UUID (not even in its own files):
        // probe the filter with hyparquet's split-block code instead
        res = hyBloomProbe(`${base}.parquet`, col, Uint8Array.from(p.value.replace(/-/g, '').match(/../g), h => parseInt(h, 16)));
      } else {
        const lit = duckLiteral(col, p.value);
        res = await db.all(`SELECT row_group_id, bloom_filter_excludes FROM
          parquet_bloom_probe(${sqlLit(`${base}.parquet`)}, ${sqlLit(col)}, ${lit})`);
      }
      assert.equal(res.length, exp.row_groups.length);
      const present = new Set(p.in_row_groups.map(x => Number(x.num)));
      for (const r of res) {
        const rg = Number(r.row_group_id);
        if (present.has(rg)) {
          if (r.bloom_filter_excludes) diffs.push(`${col} = ${JSON.stringify(p.value)} excluded from rg ${rg} that holds it`);
        } else if (p.in_row_groups.length === 0) {
          absentProbes++;
          if (r.bloom_filter_excludes) absentExcluded++;
        }
      }
    }
    assert.deepEqual(diffs, [], diffs.join('\n'));
    // fpp 0.01: nearly every absent value is excluded
    assert.ok(absentProbes > 0);
    assert.ok(absentExcluded >= 0.9 * absentProbes, `only ${absentExcluded} of ${absentProbes} absent probes excluded`);
  });

  test(`pqgen ${cfg.name}: page indexes as hyparquet reads them`, () => {
    const hy = comparePageIndexes(`${generate(cfg)}.parquet`);
    assert.ok(hy.every(c => c.pages !== null), 'our writer writes a page index for every chunk');
    assert.ok(hy.some(c => c.pages.length > 1), 'several pages per chunk');
  });

  test(`pqgen ${cfg.name}: pqtool reads back the expected values`, () => {
    assert.ok(haveTool(PQTOOL), `pqtool not built (${PQTOOL})`);
    const base = generate(cfg);
    const d = diffRows(expectedRows(base), pqtoolRows(`${base}.parquet`, KINDS));
    assert.deepEqual(d, [], d.join('\n'));
  });
}

after(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
