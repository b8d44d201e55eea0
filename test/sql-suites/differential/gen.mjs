// gen.mjs — the statement generator of the differential test.
//
// Given the table shape and the heap table's current rows (the oracle's state, read inside the
// running transaction), builds one random statement of an enabled form. Every statement names the
// table `t`: each session's search_path picks the heap or the lake table. Forms (DIFF_FORMS):
//
//   insert            plain INSERT ... VALUES of keys absent from the heap (a plain INSERT of an
//                     existing key is an upsert on lake tables, a documented difference)
//   insert_select     plain INSERT ... SELECT ... FROM (VALUES ...) of absent keys
//   do_nothing        INSERT ... ON CONFLICT [(key)] DO NOTHING, keys present or not, repeated keys
//   set_excluded      ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, subsets of columns   (blind)
//   set_add           ... SET c = t.c + EXCLUDED.c                                          (blind)
//   set_minmax        ... SET c = GREATEST(t.c, EXCLUDED.c) / LEAST / COALESCE(t.c, EXCLUDED.c) (blind)
//   set_expr          ... SET c = <arbitrary expression over t and EXCLUDED>               (lookup)
//   upsert_where      ... DO UPDATE SET ... WHERE <condition on t and EXCLUDED>             (lookup)
//   returning         RETURNING on INSERT (any form; lookup), UPDATE and DELETE
//   dup_key           DO UPDATE proposing one key twice: "cannot affect row a second time"
//   not_null          now and then a NULL for a NOT NULL column: both must fail alike
//   bad_target        ON CONFLICT (<not the primary key>): both must fail alike
//   update            UPDATE ... SET ... WHERE (points, ranges, non-key predicates, FROM VALUES)
//   update_key        UPDATE of key columns of one row (to an absent key, or an existing one)
//   delete            DELETE ... WHERE, DELETE ... USING (VALUES ...)
//   join_dup          UPDATE ... FROM / DELETE ... USING whose source matches a row twice (heap
//                     updates or deletes it once)
//   delete_partition  DELETE whose WHERE covers whole partitions (partitioned shapes)
//   truncate          TRUNCATE
//   select            reads with WHERE (key points and ranges, non-key predicates), aggregates
//   bulk              INSERT ... SELECT ... FROM generate_series of 300-12000 rows with keys outside
//                     the small domains (as plain INSERT, DO NOTHING or a DO UPDATE form, whichever
//                     is enabled): write buffers spill, files hold several row groups
//   savepoint, rollback, compact   transaction-level forms, driven by diff.mjs
//
// Statement: { sql, kind: insert|update|delete|select|truncate, returning (bool), ordered (bool:
// RETURNING rows compared in order — INSERT returns rows in input order on both sides) }.

import { lit, keyOf, quoteLit } from './shape.mjs';

export const ALL_FORMS = [
  'insert', 'insert_select', 'do_nothing', 'set_excluded', 'set_add', 'set_minmax', 'set_expr',
  'upsert_where', 'returning', 'dup_key', 'not_null', 'bad_target', 'update', 'update_key', 'delete',
  'delete_partition', 'truncate', 'select', 'bulk', 'join_dup', 'savepoint', 'rollback', 'compact',
];

// plain INSERTs: run on deduplicate tables only; other merge engines run ON CONFLICT forms, UPDATE
// and DELETE (their plain INSERT merges by the engine, which the heap oracle does not model)
export const PLAIN_INSERT_FORMS = ['insert', 'insert_select'];

const STATEMENT_WEIGHTS = {
  insert: 8, insert_select: 3, do_nothing: 8, set_excluded: 10, set_add: 10, set_minmax: 6,
  set_expr: 6, upsert_where: 5, dup_key: 2, bad_target: 0.7, update: 8, update_key: 2, delete: 5,
  delete_partition: 2, truncate: 0.6, select: 4, bulk: 0.5,
};

const UPSERT_FAMILIES = { set_excluded: 'excluded', set_add: 'add', set_minmax: 'minmax', set_expr: 'expr' };

export class Gen {
  constructor(rng, shape, forms) {
    this.r = rng;
    this.s = shape;
    this.forms = forms;	// Set of enabled form names
    this.families = Object.keys(UPSERT_FAMILIES).filter(f => forms.has(f)).map(f => UPSERT_FAMILIES[f]);
    this.stmtForms = Object.keys(STATEMENT_WEIGHTS).filter(f => forms.has(f));
    if (!shape.partition) this.stmtForms = this.stmtForms.filter(f => f !== 'delete_partition');
  }

  has(f) { return this.forms.has(f); }

  // one statement; rows: Map key -> row (name -> text|null) of the heap table now
  statement(rows) {
    const r = this.r;
    if (this.stmtForms.length === 0) return null;
    for (let attempt = 0; attempt < 20; attempt++) {
      const form = r.weighted(this.stmtForms.map(f => [STATEMENT_WEIGHTS[f], f]));
      const st = this.build(form, rows);
      if (st) return { form, ...st };
    }
    return { form: 'select', ...this.select(rows) };
  }

  build(form, rows) {
    switch (form) {
      case 'insert': return this.plainInsert(rows, false);
      case 'insert_select': return this.plainInsert(rows, true);
      case 'do_nothing': return this.upsert(rows, 'nothing');
      case 'set_excluded': case 'set_add': case 'set_minmax': case 'set_expr':
        return this.upsert(rows, UPSERT_FAMILIES[form]);
      case 'upsert_where': return this.upsert(rows, null, { where: true });
      case 'dup_key': return this.upsert(rows, null, { dup: true });
      case 'bad_target': return this.badTarget(rows);
      case 'update': return this.update(rows);
      case 'update_key': return this.updateKey(rows);
      case 'delete': return this.del(rows);
      case 'delete_partition': return this.deletePartition(rows);
      case 'truncate': return { sql: this.r.chance(0.5) ? 'TRUNCATE t' : 'TRUNCATE TABLE t', kind: 'truncate' };
      case 'select': return this.select(rows);
      case 'bulk': return this.bulk(rows);
    }
    throw new Error(`unknown form ${form}`);
  }

  // ------------------------------------------------------------------ rows proposed by INSERTs
  injectNull() { return this.has('not_null') && this.r.chance(0.04); }

  absentKeys(rows, n) {
    const r = this.r, out = [], seen = new Set();
    for (let i = 0; i < n * 4 && out.length < n; i++) {
      const key = this.s.keys.map(k => r.pick(k.domain));
      const ks = JSON.stringify(key);
      if (!rows.has(ks) && !seen.has(ks)) { seen.add(ks); out.push(key); }
    }
    return out;
  }

  anyKeys(rows, n, allowDup) {
    const r = this.r, existing = [...rows.keys()], out = [], seen = new Set();
    for (let i = 0; i < n * 4 && out.length < n; i++) {
      const key = existing.length && r.chance(0.55) ? JSON.parse(r.pick(existing))
        : this.s.keys.map(k => r.pick(k.domain));
      const ks = JSON.stringify(key);
      if (!allowDup && seen.has(ks)) continue;
      seen.add(ks);
      out.push(key);
    }
    return out;
  }

  // a full row for a key: name -> text|null; nullInject: one NOT NULL column gets NULL
  rowFor(key, nullInject) {
    const r = this.r, row = {};
    this.s.keys.forEach((k, i) => { row[k.name] = key[i]; });
    for (const c of this.s.nonKeys) row[c.name] = !c.notNull && r.chance(0.2) ? null : c.type.value(r);
    if (nullInject) {
      const nn = this.s.nonKeys.filter(c => c.notNull);
      if (nn.length) row[r.pick(nn).name] = null;
    }
    return row;
  }

  // INSERT INTO t [AS alias] [(cols)] VALUES ... | SELECT ... FROM (VALUES ...) v(cols)
  insertHead(rowsProposed, alias, viaSelect) {
    const r = this.r, s = this.s;
    let cols = s.cols;
    if (r.chance(0.4)) {
      // an explicit column list in random order; omit some columns that have a default or are
      // nullable (they get the default / NULL on both sides)
      cols = r.shuffle(s.cols).filter(c => c.key || !(c.def !== null || !c.notNull) || r.chance(0.7));
    }
    const useDefault = !viaSelect && r.chance(0.3);
    const tuples = rowsProposed.map(row => `(${cols.map(c =>
      (useDefault && c.def !== null && r.chance(0.5) ? 'DEFAULT' : lit(c, row[c.name]))).join(', ')})`);
    const list = cols === s.cols && r.chance(0.5) ? '' : ` (${cols.map(c => c.q).join(', ')})`;
    const target = alias === 't' ? 't' : `t AS ${alias}`;
    if (viaSelect) {
      return `INSERT INTO ${target}${list} SELECT * FROM (VALUES ${tuples.join(', ')}) AS v(${cols.map(c => c.q).join(', ')})`;
    }
    return `INSERT INTO ${target}${list} VALUES ${tuples.join(', ')}`;
  }

  returning(alias, kind) {
    const r = this.r, s = this.s;
    if (!this.has('returning') || !r.chance(kind === 'insert' ? 0.3 : 0.25)) return '';
    const choice = r.int(0, 3);
    if (choice === 0) return ' RETURNING *';
    if (choice === 1) return ` RETURNING ${r.subset(s.cols).map(c => c.q).join(', ')}`;
    const num = s.nonKeys.find(c => c.type.kind === 'num');
    if (choice === 2 && num) return ` RETURNING ${s.keys.map(k => k.q).join(', ')}, ${alias}.${num.q} + 1 AS plus_one`;
    return ` RETURNING ${s.keys.map(k => `${alias}.${k.q}`).join(', ')}, ${quoteLit('r')} AS tag`;
  }

  plainInsert(rows, viaSelect) {
    const r = this.r;
    const keys = this.absentKeys(rows, r.int(1, r.chance(0.2) ? 12 : 4));
    if (!keys.length) return null;
    const inject = this.injectNull();
    const proposed = keys.map((k, i) => this.rowFor(k, inject && i === keys.length - 1));
    const alias = r.chance(0.7) ? 't' : 'x';
    return { sql: this.insertHead(proposed, alias, viaSelect) + this.returning(alias, 'insert'), kind: 'insert', ordered: true };
  }

  // ------------------------------------------------------------------ ON CONFLICT
  target() { return `(${this.r.shuffle(this.s.keys).map(k => k.q).join(', ')})`; }

  // the right-hand side of SET c = ... in DO UPDATE, for one family
  setExpr(c, a, family) {
    const r = this.r, k = c.type.kind, e = `EXCLUDED.${c.q}`, o = `${a}.${c.q}`;
    switch (family) {
      case 'excluded': return e;
      case 'add':
        if (k === 'num') return r.chance(0.85) ? `${o} + ${e}` : `${e} + ${o}`;
        return e;
      case 'minmax':
        if (k === 'num' || k === 'ord' || (k === 'text' && r.chance(0.3))) {
          return r.weighted([[3, `GREATEST(${o}, ${e})`], [3, `LEAST(${o}, ${e})`], [2, `COALESCE(${o}, ${e})`]]);
        }
        return `COALESCE(${o}, ${e})`;
      case 'expr': return this.exprUpsert(c, a);
    }
    throw new Error(family);
  }

  exprUpsert(c, a) {
    const r = this.r, k = c.type.kind, e = `EXCLUDED.${c.q}`, o = `${a}.${c.q}`, L = lit(c, c.type.value(r));
    const sameType = this.s.nonKeys.filter(x => x !== c && x.typeName === c.typeName);
    const opts = [[2, L], [2, `COALESCE(${e}, ${o})`]];
    if (!c.notNull) opts.push([1, 'NULL']);
    if (sameType.length) opts.push([1, `COALESCE(${a}.${r.pick(sameType).q}, ${e})`]);
    if (k === 'num') {
      opts.push([3, `${o} - ${e}`], [2, `(${o} + ${e}) / 2`], [2, `${o} + 1`],
        [2, `CASE WHEN ${o} > ${e} THEN ${o} - ${e} ELSE ${e} END`], [1, `GREATEST(${o}, ${e}, ${L})`],
        [1, `${e} * 3`], [1, `abs(${o}) + abs(${e})`]);
    } else if (k === 'text') {
      opts.push([3, `${o} || ${e}`], [2, `upper(${e})`], [1, `left(${o} || 'x', 12)`]);
    } else if (k === 'bool') {
      opts.push([3, `NOT ${o}`], [2, `${o} AND ${e}`], [1, `(${e} IS NULL)`]);
    } else if (k === 'ord') {
      opts.push([3, c.typeName === 'date' ? `${o} + 1` : `${o} + interval '1 hour'`],
        [1, `LEAST(${o}, ${e}, ${L})`]);
    } else if (k === 'json') {
      opts.push([3, `${o} || ${e}`]);
    }
    return r.weighted(opts);
  }

  // a WHERE for DO UPDATE: conditions on the existing row and EXCLUDED
  upsertWhere(a) {
    const r = this.r, s = this.s, c = r.pick(s.nonKeys), e = `EXCLUDED.${c.q}`, o = `${a}.${c.q}`;
    const k0 = r.pick(s.keys);
    const opts = [
      [3, `${o} IS DISTINCT FROM ${e}`], [2, `${e} IS NOT NULL`], [1, `${o} IS NULL`],
      [2, `${a}.${k0.q} <> ${lit(k0, r.pick(k0.domain))}`], [1, 'false'], [1, 'true'],
    ];
    if (c.type.kind === 'num' || c.type.kind === 'ord') opts.push([3, `${o} < ${e}`], [2, `${o} >= ${lit(c, c.type.value(r))}`]);
    if (c.type.kind === 'bool') opts.push([2, `NOT ${o}`]);
    return r.weighted(opts);
  }

  // family 'nothing', a SET family (the statement's main form), or null (any enabled family)
  upsert(rows, family, { where = false, dup = false } = {}) {
    const r = this.r, s = this.s;
    const alias = r.chance(0.6) ? 't' : r.pick(['x', 'old']);
    const n = r.int(1, r.chance(0.15) ? 15 : 4);
    let keys;
    if (family === 'nothing') {
      keys = this.anyKeys(rows, n, r.chance(0.3));
    } else {
      keys = this.anyKeys(rows, n, false);
      if (dup) {	// propose one key twice (a second time right after, or later)
        const i = r.int(0, keys.length - 1);
        keys.splice(r.chance(0.5) ? i + 1 : keys.length, 0, keys[i]);
      }
    }
    if (!keys.length) return null;
    const inject = this.injectNull();
    const proposed = keys.map((k, i) => this.rowFor(k, inject && i === 0));
    let sql = this.insertHead(proposed, alias, r.chance(0.25));
    if (family === 'nothing') {
      sql += r.chance(0.4) ? ' ON CONFLICT DO NOTHING' : ` ON CONFLICT ${this.target()} DO NOTHING`;
    } else {
      const fams = this.families.length ? this.families : ['excluded'];
      const main = family ?? r.pick(fams);
      const cols = r.subset(s.nonKeys);
      const sets = cols.map((c, i) => `${c.q} = ${this.setExpr(c, alias, i === 0 ? main : r.pick(fams))}`);
      sql += ` ON CONFLICT ${this.target()} DO UPDATE SET ${sets.join(', ')}`;
      if (where) sql += ` WHERE ${this.upsertWhere(alias)}`;
    }
    return { sql: sql + this.returning(alias, 'insert'), kind: 'insert', ordered: true };
  }

  badTarget(rows) {
    const r = this.r, s = this.s;
    const cands = [r.pick(s.nonKeys).q];
    if (s.keys.length === 2) cands.push(r.pick(s.keys).q);
    const key = this.anyKeys(rows, 1, false)[0];
    const sql = `${this.insertHead([this.rowFor(key, false)], 't', false)} ON CONFLICT (${r.pick(cands)}) ` +
      (r.chance(0.5) ? 'DO NOTHING' : `DO UPDATE SET ${s.nonKeys[0].q} = EXCLUDED.${s.nonKeys[0].q}`);
    return { sql, kind: 'insert', ordered: true };
  }

  // ------------------------------------------------------------------ predicates, UPDATE, DELETE
  // a WHERE over the table's own columns (qualified by prefix when given)
  pred(rows, p = '', depth = 0) {
    const r = this.r, s = this.s, existing = [...rows.values()];
    const kp = row => s.keys.map(k => `${p}${k.q} = ${lit(k, row[k.name])}`).join(' AND ');
    const choice = r.weighted([[5, 'point'], [2, 'in'], [3, 'range'], [4, 'nonkey'], [depth ? 0 : 2, 'and'],
      [depth ? 0 : 2, 'or'], [1, 'true']]);
    switch (choice) {
      case 'point': {
        if (existing.length && r.chance(0.8)) return kp(r.pick(existing));
        const row = {};
        s.keys.forEach(k => { row[k.name] = r.pick(k.domain); });
        return kp(row);
      }
      case 'in': {
        const k = r.pick(s.keys);
        const vals = Array.from({ length: r.int(1, 4) }, () => lit(k, r.pick(k.domain)));
        return `${p}${k.q} IN (${vals.join(', ')})`;
      }
      case 'range': {
        const k = r.pick(s.keys);
        const [a, b] = [r.pick(k.domain), r.pick(k.domain)];
        return r.weighted([[2, `${p}${k.q} BETWEEN ${lit(k, a)} AND ${lit(k, b)}`],
          [1, `${p}${k.q} > ${lit(k, a)}`], [1, `${p}${k.q} <= ${lit(k, a)}`]]);
      }
      case 'nonkey': {
        const c = r.pick(s.nonKeys), cq = `${p}${c.q}`;
        const v = existing.length && r.chance(0.5) ? r.pick(existing)[c.name] : c.type.value(r);
        const opts = [[1, `${cq} IS NULL`], [1, `${cq} IS NOT NULL`]];
        if (v !== null) opts.push([2, `${cq} = ${lit(c, v)}`]);
        if (v !== null && (c.type.kind === 'num' || c.type.kind === 'ord' || c.type.kind === 'text')) {
          opts.push([3, `${cq} >= ${lit(c, v)}`], [2, `${cq} < ${lit(c, v)}`]);
        }
        if (c.type.kind === 'bool') opts.push([2, cq], [2, `NOT ${cq}`]);
        return r.weighted(opts);
      }
      case 'and': return `(${this.pred(rows, p, 1)}) AND (${this.pred(rows, p, 1)})`;
      case 'or': return `(${this.pred(rows, p, 1)}) OR (${this.pred(rows, p, 1)})`;
      case 'true': return 'true';
    }
    throw new Error(choice);
  }

  exprUpdate(c) {
    const r = this.r, k = c.type.kind, L = lit(c, c.type.value(r));
    const opts = [[2, L]];
    if (!c.notNull) opts.push([1, 'NULL']);
    if (k === 'num') {
      opts.push([4, `${c.q} + 1`], [2, `${c.q} - ${L}`], [1, `CASE WHEN ${c.q} > ${L} THEN ${c.q} - 1 ELSE ${c.q} + 2 END`],
        [1, `COALESCE(${c.q}, 0) + 5`]);
    } else if (k === 'text') {
      opts.push([2, `${c.q} || 'u'`], [1, `upper(${c.q})`], [1, `left(${c.q}, 1)`]);
    } else if (k === 'bool') {
      opts.push([3, `NOT ${c.q}`]);
    } else if (k === 'ord') {
      opts.push([3, c.typeName === 'date' ? `${c.q} + 1` : `${c.q} + interval '1 day'`]);
    } else if (k === 'json') {
      opts.push([2, `${c.q} || '{"u": 1}'::jsonb`]);
    }
    if (this.injectNull()) {
      const nn = this.s.nonKeys.filter(x => x.notNull);
      if (nn.length && nn.includes(c)) return 'NULL';
    }
    return r.weighted(opts);
  }

  update(rows) {
    const r = this.r, s = this.s;
    const cols = r.subset(s.nonKeys);
    const ret = this.returning('t', 'update');
    if (r.chance(0.2) && rows.size) {
      // UPDATE ... FROM (VALUES ...): one source row per target key
      const keys = this.anyKeys(rows, r.int(1, 4), false);
      const c = r.pick(s.nonKeys);
      const vals = keys.map(key => `(${key.map((v, i) => lit(s.keys[i], v)).join(', ')}, ${lit(c, c.type.value(r))})`);
      // a source row twice: heap updates the target row once (identical rows: the result does
      // not depend on the join order)
      if (this.has('join_dup') && r.chance(0.3)) vals.push(r.pick(vals));
      const on = s.keys.map(k => `t.${k.q} = v.${k.q}`).join(' AND ');
      const sql = `UPDATE t SET ${c.q} = v.nv FROM (VALUES ${vals.join(', ')}) AS v(${s.keys.map(k => k.q).join(', ')}, nv) WHERE ${on}`;
      return { sql: sql + ret.replace('RETURNING *', 'RETURNING t.*'), kind: 'update', ordered: false };
    }
    const sets = cols.map(c => `${c.q} = ${this.exprUpdate(c)}`);
    return { sql: `UPDATE t SET ${sets.join(', ')} WHERE ${this.pred(rows)}${ret}`, kind: 'update', ordered: false };
  }

  updateKey(rows) {
    const r = this.r, s = this.s;
    if (!rows.size) return null;
    const row = r.pick([...rows.values()]);
    const k = r.pick(s.keys);
    let nv;
    if (r.chance(0.2)) {
      nv = r.pick(k.domain);	// maybe an existing key: a unique violation on both sides
    } else {
      const free = k.domain.filter(v => !rows.has(keyOf(s, { ...row, [k.name]: v })));
      if (!free.length) return null;
      nv = r.pick(free);
    }
    const where = s.keys.map(x => `${x.q} = ${lit(x, row[x.name])}`).join(' AND ');
    const extra = r.chance(0.4) ? `, ${s.nonKeys[0].q} = ${this.exprUpdate(s.nonKeys[0])}` : '';
    return { sql: `UPDATE t SET ${k.q} = ${lit(k, nv)}${extra} WHERE ${where}${this.returning('t', 'update')}`, kind: 'update', ordered: false };
  }

  del(rows) {
    const r = this.r, s = this.s;
    const ret = this.returning('t', 'delete');
    if (r.chance(0.2)) {
      const keys = this.anyKeys(rows, r.int(1, 4), this.has('join_dup'));
      if (!keys.length) return null;
      const vals = keys.map(key => `(${key.map((v, i) => lit(s.keys[i], v)).join(', ')})`);
      const on = s.keys.map(k => `t.${k.q} = v.${k.q}`).join(' AND ');
      return {
        sql: `DELETE FROM t USING (VALUES ${vals.join(', ')}) AS v(${s.keys.map(k => k.q).join(', ')}) WHERE ${on}` +
          ret.replace('RETURNING *', 'RETURNING t.*'),
        kind: 'delete', ordered: false,
      };
    }
    return { sql: `DELETE FROM t WHERE ${this.pred(rows)}${ret}`, kind: 'delete', ordered: false };
  }

  deletePartition(rows) {
    const r = this.r, s = this.s, pc = s.keys.find(k => k.name === s.partition);
    const present = [...new Set([...rows.values()].map(row => row[pc.name]))];
    const val = () => (present.length && r.chance(0.8) ? r.pick(present) : r.pick(pc.domain));
    const where = r.weighted([
      [4, `${pc.q} = ${lit(pc, val())}`],
      [2, `${pc.q} IN (${[val(), val()].map(v => lit(pc, v)).join(', ')})`],
      [1, `${pc.q} <= ${lit(pc, val())}`],
      [1, `${pc.q} BETWEEN ${lit(pc, val())} AND ${lit(pc, val())}`],
    ]);
    return { sql: `DELETE FROM t WHERE ${where}${this.returning('t', 'delete')}`, kind: 'delete', ordered: false };
  }

  // ------------------------------------------------------------------ bulk
  // key column expression over g and the text of its value (for the heap-state check)
  bulkKey(k, base) {
    switch (k.typeName) {
      case 'bigint': case 'integer':
        return { sql: `(${base} + g)::${k.type.sql}`, text: g => String(base + g) };
      case 'text': return { sql: `'bulk' || (${base} + g)`, text: g => `bulk${base + g}` };
      case 'date': {
        const day0 = Date.UTC(2030, 0, 1) + base * 86400000;
        return { sql: `date '2030-01-01' + (${base} + g)`, text: g => new Date(day0 + g * 86400000).toISOString().slice(0, 10) };
      }
    }
    throw new Error(k.typeName);
  }

  bulkValue(c) {
    const r = this.r, m = r.int(3, 97);
    let e;
    switch (c.typeName) {
      case 'bigint': case 'integer': e = `(g % ${m})::${c.type.sql}`; break;
      case 'numeric': e = `((g % ${m}) / 10.0)::numeric(12,2)`; break;
      case 'text': e = `'b' || (g % ${m})`; break;
      case 'boolean': e = `g % ${m} = 0`; break;
      case 'date': e = `date '2024-01-01' + g % ${m}`; break;
      case 'timestamptz': e = `timestamptz '2024-03-01 00:00:00+00' + (g % ${m}) * interval '1 minute'`; break;
      case 'jsonb': e = `jsonb_build_object('g', g % ${m})`; break;
      default: throw new Error(c.typeName);
    }
    return !c.notNull && r.chance(0.5) ? `CASE WHEN g % ${r.int(2, 9)} = 0 THEN NULL ELSE ${e} END` : e;
  }

  bulk(rows) {
    const r = this.r, s = this.s;
    // never one partition per row: with two key columns the generated one is not the partition
    // column; a table keyed by its partition column alone gets small statements
    let cands = s.keys.filter(k => k.name !== s.partition);
    const perRowPartition = cands.length === 0;
    if (perRowPartition) cands = s.keys;
    const n = perRowPartition ? r.int(20, 120) : r.chance(0.1) ? r.int(8000, 12000) : r.int(300, 3000);
    const base = r.pick([0, 1000, 2500, 7000]);
    const fixed = {};
    const bulkCol = r.pick(cands);
    for (const k of s.keys) if (k !== bulkCol) fixed[k.name] = r.pick(k.domain);
    const bk = this.bulkKey(bulkCol, base);
    const exprs = s.cols.map(c => (c === bulkCol ? bk.sql : c.key ? lit(c, fixed[c.name]) : this.bulkValue(c)));
    const src = `SELECT ${exprs.join(', ')} FROM generate_series(1, ${n}) g`;
    let absent = true;
    for (let g = 1; g <= n && absent; g++) {
      const key = s.keys.map(k => (k === bulkCol ? bk.text(g) : fixed[k.name]));
      if (rows.has(JSON.stringify(key))) absent = false;
    }
    const actions = [];
    if (absent && this.has('insert')) actions.push('');
    if (this.has('do_nothing')) actions.push(' ON CONFLICT DO NOTHING');
    const c = r.pick(s.nonKeys);
    if (this.has('set_excluded')) actions.push(` ON CONFLICT ${this.target()} DO UPDATE SET ${c.q} = EXCLUDED.${c.q}`);
    if (this.has('set_add') && c.type.kind === 'num') actions.push(` ON CONFLICT ${this.target()} DO UPDATE SET ${c.q} = t.${c.q} + EXCLUDED.${c.q}`);
    if (this.has('set_expr')) actions.push(` ON CONFLICT ${this.target()} DO UPDATE SET ${c.q} = ${this.exprUpsert(c, 't')}`);
    if (!actions.length) return null;
    return { sql: `INSERT INTO t ${src}${r.pick(actions)}`, kind: 'insert', ordered: true };
  }

  // ------------------------------------------------------------------ reads
  select(rows) {
    const r = this.r, s = this.s;
    const num = s.nonKeys.find(c => c.type.kind === 'num');
    const choice = r.weighted([[4, 'rows'], [2, 'agg'], [2, 'group'], [1, 'count']]);
    if (choice === 'rows') return { sql: `SELECT * FROM t WHERE ${this.pred(rows)}`, kind: 'select', ordered: false };
    if (choice === 'count') return { sql: 'SELECT count(*) FROM t', kind: 'select', ordered: false };
    const c = r.pick(s.nonKeys.filter(x => x.type.kind === 'num' || x.type.kind === 'ord'));
    const aggs = [`count(*)`, `count(${c.q})`, `min(${c.q})`, `max(${c.q})`];
    if (c.type.kind === 'num') aggs.push(`sum(${c.q})`);
    if (num) aggs.push(`sum(${num.q})`);
    if (choice === 'agg') {
      return { sql: `SELECT ${aggs.join(', ')} FROM t${r.chance(0.5) ? ` WHERE ${this.pred(rows)}` : ''}`, kind: 'select', ordered: false };
    }
    const g = r.pick(s.cols.filter(x => x.type.kind !== 'json'));
    return { sql: `SELECT ${g.q}, ${aggs.join(', ')} FROM t GROUP BY ${g.q}`, kind: 'select', ordered: false };
  }
}
