// lib.mjs — shared helpers of the Parquet interop tests.
//
// Owns: locating the project's tools (pqtool, pqgen), running them, a
// DuckDB session wrapper, a JSON-lines parser that keeps numbers as their
// source text (no precision loss for BIGINT/DECIMAL), and the
// normalisation of DuckDB's and pqtool's values to one canonical string
// per cell (the pqtool JSON contract: ints as integers, decimals as
// "-12.340", dates "YYYY-MM-DD", timestamps "YYYY-MM-DD HH:MM:SS.ffffff"
// plus "Z" when adjusted to UTC, uuid 8-4-4-4-12, bytes "\x<hex>", floats
// compared as exact doubles with NaN/Infinity as strings, NULL as null).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const PQTOOL = process.env.PQTOOL || path.join(ROOT, 'test/parquet/pqtool');
export const PQGEN = process.env.PQGEN || path.join(HERE, 'build/pqgen');
export const PQINDEX = process.env.PQINDEX || path.join(HERE, 'build/pqindex');

export function tmpDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lake-interop-${tag}-`));
}

export function haveTool(p) {
  try { fs.accessSync(p, fs.constants.X_OK); return true; } catch { return false; }
}

// ---------------------------------------------------------------- DuckDB
export async function openDuck() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run("SET threads = 1");          // keep file order
  await con.run("SET TimeZone = 'UTC'");
  return {
    async run(sql) { await con.run(sql); },
    async all(sql) {
      const r = await con.runAndReadAll(sql);
      const names = r.columnNames();
      return r.getRowsJson().map(row => Object.fromEntries(names.map((n, i) => [n, row[i]])));
    },
    close() { con.closeSync?.(); inst.closeSync?.(); },
  };
}

export const sqlLit = s => `'${String(s).replace(/'/g, "''")}'`;
export const ident = s => `"${String(s).replace(/"/g, '""')}"`;

// ------------------------------------------------- JSON with raw numbers
// Parses one JSON text; numbers become { num: '<source text>' }.
export function parseJsonRaw(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  function val() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const o = {}; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws(); const k = str(); ws();
        if (text[i++] !== ':') throw new Error(`bad JSON at ${i}: ${text}`);
        o[k] = val(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        throw new Error(`bad JSON at ${i}: ${text}`);
      }
    }
    if (c === '[') {
      i++; const a = []; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(val()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        throw new Error(`bad JSON at ${i}: ${text}`);
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) throw new Error(`bad JSON at ${i}: ${text}`);
    i += m[0].length;
    return { num: m[0] };
  }
  function str() {
    if (text[i] !== '"') throw new Error(`bad JSON string at ${i}: ${text}`);
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] === '\\') { j++; continue; }
      if (text[j] === '"') break;
    }
    const s = JSON.parse(text.slice(i, j + 1));
    i = j + 1;
    return s;
  }
  const v = val(); ws();
  if (i !== text.length) throw new Error(`trailing JSON at ${i}: ${text}`);
  return v;
}

export function parseJsonLines(out) {
  return out.split('\n').filter(l => l.trim() !== '').map(parseJsonRaw);
}

// -------------------------------------------------------- canonical cells
// Kinds: 'int', 'float', 'str' (compared as text), 'bool'.
export function fmtFloat(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

// a cell as pqtool printed it (after parseJsonRaw)
export function canonPq(v, kind) {
  if (v === null) return null;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && v && 'num' in v) {
    if (kind === 'float') return fmtFloat(Number(v.num));
    return BigInt(v.num).toString();
  }
  if (kind === 'float') {
    // NaN / Infinity / -Infinity arrive as strings
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
    return `bad-float:${v}`;
  }
  return String(v);
}

const US_PER_DAY = 86400000000n;
export function fmtDateDays(days) {
  const d = new Date(Number(days) * 86400000);
  const y = d.getUTCFullYear();
  const ys = y < 0 ? '-' + String(-y).padStart(4, '0') : String(y).padStart(4, '0');
  return `${ys}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}
export function fmtTimestampMicros(us, utc) {
  us = BigInt(us);
  let days = us / US_PER_DAY;
  let rem = us % US_PER_DAY;
  if (rem < 0n) { rem += US_PER_DAY; days -= 1n; }
  const secs = rem / 1000000n, frac = rem % 1000000n;
  const hh = secs / 3600n, mm = (secs / 60n) % 60n, ss = secs % 60n;
  const p2 = x => String(x).padStart(2, '0');
  return `${fmtDateDays(days)} ${p2(hh)}:${p2(mm)}:${p2(ss)}.${String(frac).padStart(6, '0')}${utc ? 'Z' : ''}`;
}

// DuckDB column type -> [SQL expression producing a canonical VARCHAR, kind, post-processing]
export function duckCanonExpr(col, type) {
  const c = ident(col);
  const t = type.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t))
    return { expr: `CAST(${c} AS VARCHAR)`, kind: 'int' };
  if (t.startsWith('DECIMAL')) return { expr: `CAST(${c} AS VARCHAR)`, kind: 'str' };
  if (t === 'FLOAT' || t === 'DOUBLE') return { expr: `CAST(CAST(${c} AS DOUBLE) AS VARCHAR)`, kind: 'float' };
  if (t === 'VARCHAR' || t === 'JSON') return { expr: `CAST(${c} AS VARCHAR)`, kind: 'str' };
  if (t === 'BLOB') return { expr: `'\\x' || lower(hex(${c}))`, kind: 'str' };
  if (t === 'BOOLEAN') return { expr: `CAST(${c} AS VARCHAR)`, kind: 'bool' };
  if (t === 'DATE') return { expr: `CAST(date_diff('day', DATE '1970-01-01', ${c}) AS VARCHAR)`, kind: 'str', post: fmtDateDays };
  if (t === 'TIMESTAMP') return { expr: `CAST(epoch_us(${c}) AS VARCHAR)`, kind: 'str', post: v => fmtTimestampMicros(v, false) };
  if (t === 'TIMESTAMP WITH TIME ZONE') return { expr: `CAST(epoch_us(${c}) AS VARCHAR)`, kind: 'str', post: v => fmtTimestampMicros(v, true) };
  if (t === 'UUID') return { expr: `CAST(${c} AS VARCHAR)`, kind: 'str' };
  throw new Error(`no canonical form for DuckDB type ${type} (column ${col})`);
}

export function canonDuck(v, kind, post) {
  if (v === null || v === undefined) return null;
  if (kind === 'float') {
    if (v === 'nan' || v === '-nan') return 'NaN';
    if (v === 'inf') return 'Infinity';
    if (v === '-inf') return '-Infinity';
    return fmtFloat(Number(v));
  }
  if (kind === 'int') return BigInt(v).toString();
  return post ? post(v) : String(v);
}

// All rows of a Parquet file as DuckDB reads them, canonicalised.
export async function duckRows(db, file) {
  const desc = await db.all(`DESCRIBE SELECT * FROM read_parquet(${sqlLit(file)})`);
  const cols = desc.map(d => ({ name: d.column_name, type: d.column_type, ...duckCanonExpr(d.column_name, d.column_type) }));
  const rows = await db.all(`SELECT ${cols.map((c, i) => `${c.expr} AS c${i}`).join(', ')} FROM read_parquet(${sqlLit(file)})`);
  return {
    cols,
    rows: rows.map(r => Object.fromEntries(cols.map((c, i) => [c.name, canonDuck(r[`c${i}`], c.kind, c.post)]))),
  };
}

// --------------------------------------------------------------- pqtool
export function pqtool(args, opts = {}) {
  return spawnSync(PQTOOL, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
}

export function pqtoolRows(file, kinds) {
  const r = pqtool(['cat', file]);
  if (r.status !== 0) throw new Error(`pqtool cat ${file} exited ${r.status}: ${r.stderr}`);
  return parseJsonLines(r.stdout).map(o => {
    const out = {};
    for (const [k, v] of Object.entries(o)) out[k] = canonPq(v, kinds[k]);
    return out;
  });
}

// Compare two row lists; returns a list of human-readable differences (at most max).
export function diffRows(want, got, max = 10) {
  const diffs = [];
  if (want.length !== got.length) diffs.push(`row count: expected ${want.length}, got ${got.length}`);
  const n = Math.min(want.length, got.length);
  for (let i = 0; i < n && diffs.length < max; i++) {
    const wk = Object.keys(want[i]), gk = Object.keys(got[i]);
    if (wk.join(',') !== gk.join(',')) { diffs.push(`row ${i}: columns ${gk} != ${wk}`); continue; }
    for (const k of wk) {
      if (want[i][k] !== got[i][k]) {
        diffs.push(`row ${i} column ${k}: expected ${JSON.stringify(want[i][k])}, got ${JSON.stringify(got[i][k])}`);
        if (diffs.length >= max) break;
      }
    }
  }
  return diffs;
}

export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
}
