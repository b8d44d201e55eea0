// compare.mjs — DuckDB reads a lake table's data files; PostgreSQL reads the table; both must agree.
//
// Usage: node compare.mjs   (environment: LAKE_ROOT, IDB = the database, PG* for psql)
//
// For every table: the set of *.parquet files under <LAKE_ROOT>/<table>/data must be exactly the
// files lake_files() lists (nothing left behind by a rolled-back transaction, nothing missing); then
// each row of `SELECT ... ORDER BY <key>` in PostgreSQL must equal the row DuckDB computes from the
// files: for append tables the union of all files; for the primary-key table, per key the version
// with the highest (added_snapshot_id of its file, _lake_seq) — commit order, then order within the
// commit. Both sides turn each value into one canonical string first:
//   bool, integers, numeric, uuid: their text (numeric with the column's scale on both sides)
//   float4/float8: parsed to a number (float4 rounded to single precision), NaN/±Infinity/-0 kept
//   text, varchar, bytea, jsonb (its text form): the hex of the UTF-8 bytes / the bytes
//   date: days since 1970-01-01; timestamp, timestamptz: microseconds since 1970-01-01 00:00 UTC
// Prints one line per check ("ok: ..." / "FAIL: ..."); exit status 1 if any failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
const LAKE_ROOT = process.env.LAKE_ROOT;
const DB = process.env.IDB;
const requireInterop = createRequire(path.join(REPO, 'test/interop/package.json'));
const { DuckDBInstance } = await import(pathToFileURL(requireInterop.resolve('@duckdb/node-api')).href);

let checks = 0, failures = 0;
const ok = m => { checks++; console.log(`  ok: ${m}`); };
const fail = m => { checks++; failures++; console.log(`  FAIL: ${m}`); };

// ------------------------------------------------------------ the two engines
function psql(sql) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', DB, '-c', sql],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}\n${sql}`);
  return r.stdout;
}

// COPY ... TO STDOUT text format: every canonical value is digits, hex or [-a-z.]: no escapes
function pgRows(sql) {
  const out = psql(`COPY (${sql}) TO STDOUT`);
  return out.split('\n').filter(l => l !== '').map(l => l.split('\t').map(v => (v === '\\N' ? null : v)));
}

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run("SET TimeZone = 'UTC'");
async function duckRows(sql) {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJson().map(row => row.map(v => (v === null ? null : String(v))));
}

// ------------------------------------------------------------ canonical forms
// kind -> [PostgreSQL expression, DuckDB expression], both giving text; C is the column
const q = c => `"${c}"`;
const KINDS = {
  bool:  c => [`${q(c)}::text`, `${q(c)}::VARCHAR`],
  int:   c => [`${q(c)}::text`, `${q(c)}::VARCHAR`],
  f4:    c => [`${q(c)}::text`, `${q(c)}::DOUBLE::VARCHAR`],
  f8:    c => [`${q(c)}::text`, `${q(c)}::VARCHAR`],
  num:   c => [`${q(c)}::text`, `${q(c)}::VARCHAR`],
  text:  c => [`encode(convert_to(${q(c)}, 'UTF8'), 'hex')`, `lower(hex(${q(c)}))`],
  bytea: c => [`encode(${q(c)}, 'hex')`, `lower(hex(${q(c)}))`],
  json:  c => [`encode(convert_to(${q(c)}::text, 'UTF8'), 'hex')`, `lower(hex(${q(c)}::VARCHAR))`],
  date:  c => [`(${q(c)} - date '1970-01-01')::text`, `(${q(c)} - DATE '1970-01-01')::VARCHAR`],
  ts:    c => [`(extract(epoch FROM ${q(c)}) * 1000000)::numeric(30,0)::text`, `epoch_us(${q(c)})::VARCHAR`],
  uuid:  c => [`${q(c)}::text`, `${q(c)}::VARCHAR`],
};

function floatCanon(s, single) {
  const l = s.toLowerCase();
  let x;
  if (l === 'nan' || l === '-nan') x = NaN;
  else if (l === 'inf' || l === 'infinity' || l === '+inf') x = Infinity;
  else if (l === '-inf' || l === '-infinity') x = -Infinity;
  else x = Number(s);
  if (single) x = Math.fround(x);
  return Object.is(x, -0) ? '-0' : String(x);
}

function canon(kind, v) {
  if (v === null) return '\\N';
  if (kind === 'f4') return floatCanon(v, true);
  if (kind === 'f8') return floatCanon(v, false);
  return v;
}

// ------------------------------------------------------------ files
function walk(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

const sqlLit = s => `'${String(s).replace(/'/g, "''")}'`;

// ------------------------------------------------------------ one table
async function compareTable({ name, lakePath, cols, key }) {
  const tdir = path.join(LAKE_ROOT, lakePath);
  // lake_files vs what is on disk
  const listed = psql(`SELECT path || '|' || added_snapshot_id FROM lake_files('${name}') ORDER BY path`)
    .split('\n').filter(Boolean).map(l => { const [p, s] = l.split('|'); return { p: path.join(tdir, p), s }; });
  const onDisk = walk(path.join(tdir, 'data')).sort();
  const listedSet = new Set(listed.map(f => f.p));
  const extra = onDisk.filter(f => !listedSet.has(f));
  const missing = listed.filter(f => !fs.existsSync(f.p)).map(f => f.p);
  if (extra.length === 0 && missing.length === 0)
    ok(`${name}: the ${onDisk.length} data files on disk are exactly the ${listed.length} lake_files() lists`);
  else
    fail(`${name}: files on disk but not in lake_files(): ${extra.length} ${extra.slice(0, 3).join(' ')}; ` +
      `listed but absent: ${missing.length} ${missing.slice(0, 3).join(' ')}`);

  const pgExprs = cols.map(([c, k]) => KINDS[k](c)[0]);
  const duckExprs = cols.map(([c, k]) => KINDS[k](c)[1]);
  const as = exprs => exprs.map((e, i) => `${e} AS c${i}`).join(', ');
  const keyCols = key.split(',').map(s => s.trim());
  const orderBy = keyCols.map(c => `t.${q(c)}`).join(', ');
  const pg = pgRows(`SELECT ${as(pgExprs)} FROM ${name} t ORDER BY ${orderBy}`);

  let duckSql;
  if (cols.isPk) {
    // merge: newest version of each key = highest (snapshot of its file, _lake_seq)
    const values = listed.map(f => `(${sqlLit(f.p)}, ${f.s})`).join(', ');
    duckSql = `WITH f(path, snap) AS (VALUES ${values}),
      r AS (SELECT * FROM read_parquet([${listed.map(f => sqlLit(f.p)).join(', ')}], filename = true,
              hive_partitioning = false)),
      m AS (SELECT r.*, row_number() OVER (PARTITION BY ${keyCols.map(q).join(', ')}
              ORDER BY f.snap DESC, r._lake_seq DESC) AS rn FROM r JOIN f ON r.filename = f.path)
      SELECT ${as(duckExprs)} FROM m t WHERE rn = 1 ORDER BY ${orderBy}`;
  } else {
    const glob = path.join(tdir, 'data', '**', '*.parquet');
    duckSql = `SELECT ${as(duckExprs)} FROM read_parquet(${sqlLit(glob)}, hive_partitioning = false) t
      ORDER BY ${orderBy}`;
  }
  let duck;
  try {
    duck = await duckRows(duckSql);
  } catch (e) {
    fail(`${name}: DuckDB could not read the files: ${e.message}`);
    return;
  }
  if (pg.length === duck.length)
    ok(`${name}: PostgreSQL and DuckDB both count ${pg.length} rows`);
  else
    fail(`${name}: PostgreSQL has ${pg.length} rows, DuckDB ${duck.length}`);

  const diffs = [];
  const n = Math.max(pg.length, duck.length);
  for (let i = 0; i < n && diffs.length < 10; i++) {
    const a = pg[i], b = duck[i];
    if (!a || !b) { diffs.push(`row ${i}: PostgreSQL ${JSON.stringify(a)} DuckDB ${JSON.stringify(b)}`); continue; }
    const bad = [];
    cols.forEach(([c, k], j) => {
      const x = canon(k, a[j]), y = canon(k, b[j]);
      if (x !== y) bad.push(`${c}: PostgreSQL ${x.slice(0, 80)} DuckDB ${y.slice(0, 80)}`);
    });
    if (bad.length) diffs.push(`row ${i} (${cols[0][0]} PostgreSQL ${a[0]}, DuckDB ${b[0]}): ${bad.join('; ')}`);
  }
  if (diffs.length === 0)
    ok(`${name}: every value of the ${pg.length} rows x ${cols.length} columns agrees`);
  else
    fail(`${name}: values differ (first ${diffs.length}):\n      ${diffs.join('\n      ')}`);
}

// ------------------------------------------------------------ the tables
const allTypes = [['id', 'int'], ['b', 'bool'], ['i2', 'int'], ['i4', 'int'], ['i8', 'int'], ['f4', 'f4'],
  ['f8', 'f8'], ['n92', 'num'], ['n184', 'num'], ['n3810', 'num'], ['tx', 'text'], ['vc', 'text'],
  ['by', 'bytea'], ['d', 'date'], ['ts', 'ts'], ['tz', 'ts'], ['u', 'uuid'], ['j', 'json']];
const parted = [['id', 'int'], ['dt', 'date'], ['region', 'text'], ['v', 'num'], ['note', 'text']];
const pk = Object.assign([['id', 'int'], ['g', 'int'], ['v', 'text'], ['n', 'num'], ['tz', 'ts']], { isPk: true });
const only = process.argv.slice(2);

const tables = [
  { name: 'all_types', lakePath: 'interop/all_types', cols: allTypes, key: 'id' },
  { name: 'parted', lakePath: 'interop/parted', cols: parted, key: 'id' },
  { name: 'pk', lakePath: 'interop/pk', cols: pk, key: 'id' },
  { name: 'sp', lakePath: 'interop/sp', cols: [['id', 'int'], ['v', 'text']], key: 'id' },
  { name: 'edge_ts', lakePath: 'interop/edge_ts', cols: [['id', 'int'], ['ts', 'ts'], ['tz', 'ts']], key: 'id' },
];
for (const t of tables) {
  if (only.length && !only.includes(t.name)) continue;
  try {
    await compareTable(t);
  } catch (e) {
    fail(`${t.name}: ${e.message}`);
  }
}
con.closeSync?.();
inst.closeSync?.();
console.log(`interop_lake: ${checks - failures} of ${checks} DuckDB checks passed`);
process.exit(failures ? 1 : 0);
