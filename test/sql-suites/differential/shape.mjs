// shape.mjs — random table shapes of the differential test: columns, key, partitioning, buckets,
// merge engine and aggregate options; the DDL of the heap oracle and of the lake table; literals.
//
// Values are kept as PostgreSQL's text output (DateStyle ISO, TimeZone UTC) so that the generator
// can compare keys it proposes with keys it reads back from the heap table. Integer and numeric
// values stay small, so no sum or product the generator can build in a run overflows: an overflow
// would be an error on one side only by accident of when the arithmetic happens.

export const quoteLit = s => `'${s.replace(/'/g, "''")}'`;
export const quoteIdent = s => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);

const TEXT_POOL = ['a', 'b', 'B', 'ab', '', ' ', 'x y', 'é', 'zz', "o'q", 'long text value 0123456789'];
const KEY_TEXT_POOL = ['a', 'b', 'B', 'ab', '', 'x y', 'é', "o'q", 'm', 'zz', 'Z', '0'];

function dateText(dayOffset) {
  const d = new Date(Date.UTC(2024, 1, 26) + dayOffset * 86400000);	// 2024-02-26 .. past a leap day
  return d.toISOString().slice(0, 10);
}

// kind: what expressions the generator may build on the type
//   num: + - * GREATEST LEAST sum;  ord: GREATEST LEAST comparisons;  text: ||;  bool: NOT
export const TYPES = {
  bigint: {
    sql: 'bigint', kind: 'num',
    value: r => String(r.int(-20, 400)),
    aggs: ['sum', 'min', 'max', 'product', 'last_value', 'last_non_null_value', 'first_value', 'first_non_null_value'],
  },
  integer: {
    sql: 'integer', kind: 'num',
    value: r => String(r.int(-5, 100)),
    aggs: ['sum', 'min', 'max', 'last_value', 'last_non_null_value', 'first_value', 'first_non_null_value'],
  },
  numeric: {
    sql: 'numeric(12,2)', kind: 'num',
    value: r => (r.int(-500, 20000) / 100).toFixed(2),
    aggs: ['sum', 'min', 'max', 'last_value', 'last_non_null_value', 'first_value', 'first_non_null_value'],
  },
  text: {
    sql: 'text', kind: 'text',
    value: r => (r.chance(0.8) ? r.pick(TEXT_POOL) : `s${r.int(0, 999)}`),
    aggs: ['listagg', 'last_value', 'last_non_null_value', 'first_value', 'first_non_null_value'],
  },
  boolean: {
    sql: 'boolean', kind: 'bool',
    value: r => (r.chance(0.5) ? 'true' : 'false'),
    aggs: ['bool_and', 'bool_or', 'last_value', 'last_non_null_value', 'first_value'],
  },
  date: {
    sql: 'date', kind: 'ord',
    value: r => dateText(r.int(-40, 40)),
    aggs: ['min', 'max', 'last_value', 'last_non_null_value', 'first_non_null_value'],
  },
  timestamptz: {
    sql: 'timestamptz', kind: 'ord',
    value: r => `2024-03-0${r.int(1, 9)} ${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:00+00`,
    aggs: ['min', 'max', 'last_value', 'last_non_null_value', 'first_value'],
  },
  jsonb: {
    sql: 'jsonb', kind: 'json',
    value: r => (r.chance(0.5) ? `{"a": ${r.int(0, 9)}}` : `[${r.int(0, 9)}, "${r.pick(['x', 'y'])}"]`),
    aggs: ['last_value', 'last_non_null_value', 'first_value', 'first_non_null_value'],
  },
};

// key column types and their small domains (so statements hit existing keys often)
const KEY_TYPES = {
  bigint: { type: 'bigint', domain: n => Array.from({ length: n }, (_, i) => String(i * 7 - 20)) },
  integer: { type: 'integer', domain: n => Array.from({ length: n }, (_, i) => String(i + 1)) },
  text: { type: 'text', domain: n => KEY_TEXT_POOL.slice(0, Math.min(n, KEY_TEXT_POOL.length)) },
  date: { type: 'date', domain: n => Array.from({ length: n }, (_, i) => dateText(i)) },
};

export const KEY_TYPE_NAMES = Object.keys(KEY_TYPES);
export const ENGINES = ['deduplicate', 'partial_update', 'aggregation', 'first_row'];

// A column: { name, q (quoted identifier), type (TYPES entry), typeName, notNull, key, def (text
// value of the DEFAULT or null), agg (aggregate option or null), domain (key columns) }
export function makeShape(r, engine, keyTypes = Object.keys(KEY_TYPES), keyClauseOk = true) {
  const nkeys = r.chance(0.55) || keyTypes.length < 2 ? 1 : 2;
  const keyTypeNames = r.shuffle(keyTypes).slice(0, nkeys);
  const keys = keyTypeNames.map((tn, i) => {
    const size = nkeys === 1 ? r.int(6, 30) : r.int(3, 8);
    return {
      name: `k${i + 1}`, q: `k${i + 1}`, typeName: KEY_TYPES[tn].type, type: TYPES[KEY_TYPES[tn].type],
      notNull: true, key: true, def: null, agg: null, domain: KEY_TYPES[tn].domain(size),
    };
  });
  const nonKeys = [];
  const ncols = r.int(2, 5);
  const typeNames = Object.keys(TYPES);
  for (let i = 0; i < ncols; i++) {
    // at least one numeric column, so the arithmetic forms always have a target
    const tn = i === 0 ? r.pick(['bigint', 'integer', 'numeric']) : r.pick(typeNames);
    const name = i === ncols - 1 && r.chance(0.2) ? 'Odd Col' : `c${i + 1}`;
    const col = {
      name, q: quoteIdent(name), typeName: tn, type: TYPES[tn], notNull: r.chance(0.35),
      key: false, def: null, agg: null,
    };
    if (r.chance(0.25)) col.def = TYPES[tn].value(r);
    if (engine === 'aggregation') col.agg = r.pick(TYPES[tn].aggs);
    nonKeys.push(col);
  }
  // key columns first or interleaved: column order matters for SELECT * and row comparisons
  const cols = r.chance(0.7) ? [...keys, ...nonKeys] : r.shuffle([...keys, ...nonKeys]);
  let partition = null;
  if (nkeys === 2 && r.chance(0.5)) partition = r.pick(keys).name;
  else if (nkeys === 1 && keys[0].typeName === 'date' && r.chance(0.3)) partition = keys[0].name;
  const buckets = r.int(1, 4);
  // the lake's key: a PRIMARY KEY clause, or the primary_key table option
  const keyClause = r.chance(0.6) && keyClauseOk;
  // compaction: background compaction after commits at a low trigger (it runs while the test
  // goes on), or none; small output files split a compacted bucket into several level-1 files
  const compaction = [];
  if (r.chance(0.3)) compaction.push(`auto_compaction 'false'`);
  else if (r.chance(0.6)) compaction.push(`compaction_trigger '${r.int(2, 4)}'`);
  if (r.chance(0.4)) compaction.push(`target_file_size '${r.pick(['1kB', '4kB', '64kB'])}'`);
  return { keys, nonKeys, cols, partition, buckets, engine, keyClause, compaction };
}

export function describeShape(s) {
  const c = s.cols.map(col => `${col.q} ${col.type.sql}${col.key ? ' key' : ''}${col.notNull && !col.key ? ' not null' : ''}` +
    `${col.def !== null ? ` default ${quoteLit(col.def)}` : ''}${col.agg ? ` agg ${col.agg}` : ''}`);
  return `(${c.join(', ')}) key (${s.keys.map(k => k.name).join(', ')}) partition_by ${s.partition ?? '-'} ` +
    `buckets ${s.buckets} merge_engine ${s.engine}${s.compaction.length ? ` ${s.compaction.join(' ')}` : ''}`;
}

function colDDL(col, lake) {
  let d = `${col.q} ${col.type.sql}`;
  if (lake && col.agg) d += ` OPTIONS (aggregate ${quoteLit(col.agg)})`;
  if (col.notNull) d += ' NOT NULL';
  if (col.def !== null) d += ` DEFAULT ${quoteLit(col.def)}::${col.type.sql}`;
  return d;
}

export function heapDDL(s) {
  return `CREATE TABLE t (${s.cols.map(c => colDDL(c, false)).join(', ')}, ` +
    `PRIMARY KEY (${s.keys.map(k => k.q).join(', ')}))`;
}

export function lakeDDL(s, tablePath) {
  const opts = [`table ${quoteLit(tablePath)}`, `buckets '${s.buckets}'`, `merge_engine '${s.engine}'`];
  if (s.partition) opts.push(`partition_by '${s.partition}'`);
  opts.push(...s.compaction);
  const cols = s.cols.map(c => colDDL(c, true));
  if (s.keyClause) cols.push(`PRIMARY KEY (${s.keys.map(k => k.q).join(', ')})`);
  else opts.push(`primary_key '${s.keys.map(k => k.name).join(',')}'`);
  return `CREATE FOREIGN TABLE t (${cols.join(', ')}) SERVER lake OPTIONS (${opts.join(', ')})`;
}

// a typed literal for a text value (null: a typed NULL)
export function lit(col, text) {
  if (text === null) return `NULL::${col.type.sql}`;
  if (col.type.kind === 'num' && !text.startsWith('-')) return col.typeName === 'numeric' ? text : `${text}::${col.type.sql}`;
  return `${quoteLit(text)}::${col.type.sql}`;
}

export function randValue(r, col) { return col.key ? r.pick(col.domain) : col.type.value(r); }

export const keyOf = (shape, row) => JSON.stringify(shape.keys.map(k => row[k.name]));
