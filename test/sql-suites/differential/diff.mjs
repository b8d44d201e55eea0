// diff.mjs — the seeded differential test: a lake primary-key table against a heap table with a
// real PRIMARY KEY, statement by statement.
//
// Three sessions on one database: H (search_path = the heap schema), L (the lake schema) and O (the
// lake schema, an observer that only reads after commits). Every statement text names `t` and runs
// on H, then on L, inside transactions driven in lockstep. Compared: success or failure (SQLSTATE;
// the message too for "cannot affect row a second time"), the rows RETURNING or SELECT gives (in
// order for INSERT, as multisets otherwise), the full contents of both tables after every
// transaction and now and then inside one, and from O after some commits; inside a transaction O
// must see exactly the last committed contents. lake_compact runs on the
// lake table between transactions. On the first mismatch of a seed: the seed, the step, the
// statements of the failing transaction, expected (heap) vs actual (lake); the whole statement log
// of the seed is written to $LAKE_SCRATCH/differential-<seed>.sql; the process exits 1 at the end.
// Row counts of the command tags are compared too, except for a blind ON CONFLICT DO NOTHING
// (without RETURNING), which cannot know which proposed keys existed.
//
// Environment:
//   LAKE_SEED       first seed (default: random); seed i of the run is LAKE_SEED + i
//   DIFF_SEEDS      number of seeds (default: until DIFF_BUDGET seconds are used, at most 1000)
//   DIFF_BUDGET     seconds for the whole run (default 150); a seed is never cut short
//   DIFF_STEPS      transactions per seed (default 40)
//   DIFF_FORMS      comma list of enabled forms (default: all; see gen.mjs), or "all,-form,-form"
//   DIFF_ENGINES    comma list of merge engines, seed i uses engine i mod n (default: all four)
//   DIFF_KEY_TYPES  comma list of key column types (default: bigint,integer,text,date)
//   DIFF_KEY_CLAUSE=0  declare lake keys by the primary_key option only, never PRIMARY KEY (...)
//   DIFF_COUNTS=0   don't compare command-tag row counts (to look past a known count bug)
//   DIFF_VERBOSE=1  print every statement
//   PG*             connection (database: DIFF_DB, default lake_differential)
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Rng } from './rng.mjs';
import { makeShape, describeShape, heapDDL, lakeDDL, ENGINES, KEY_TYPE_NAMES, keyOf, quoteLit } from './shape.mjs';
import { Gen, ALL_FORMS, PLAIN_INSERT_FORMS } from './gen.mjs';

const env = process.env;
const BASE_SEED = env.LAKE_SEED ? BigInt(env.LAKE_SEED) : BigInt(Math.floor(Math.random() * 2 ** 31));
const MAX_SEEDS = env.DIFF_SEEDS ? Number(env.DIFF_SEEDS) : 1000;
const BUDGET_MS = Number(env.DIFF_BUDGET ?? 150) * 1000;
const STEPS = Number(env.DIFF_STEPS ?? 40);
const ENGINE_LIST = (env.DIFF_ENGINES ?? ENGINES.join(',')).split(',').map(s => s.trim()).filter(Boolean);
const VERBOSE = env.DIFF_VERBOSE === '1';
const DB = env.DIFF_DB ?? 'lake_differential';
const SCRATCH = env.LAKE_SCRATCH ?? '/tmp';
const COMPARE_COUNTS = env.DIFF_COUNTS !== '0';
const RUN_ID = `${Date.now().toString(36)}-${process.pid}`;	// lake table paths never reused

function parseForms(spec) {
  const set = new Set();
  for (const part of (spec ?? 'all').split(',').map(s => s.trim()).filter(Boolean)) {
    if (part === 'all') ALL_FORMS.forEach(f => set.add(f));
    else if (part.startsWith('-')) set.delete(part.slice(1));
    else if (ALL_FORMS.includes(part)) set.add(part);
    else throw new Error(`DIFF_FORMS: unknown form '${part}' (known: ${ALL_FORMS.join(' ')})`);
  }
  return set;
}
const FORMS = parseForms(env.DIFF_FORMS);
for (const e of ENGINE_LIST) if (!ENGINES.includes(e)) throw new Error(`DIFF_ENGINES: unknown engine '${e}'`);
const KEY_TYPES = (env.DIFF_KEY_TYPES ?? KEY_TYPE_NAMES.join(',')).split(',').map(s => s.trim()).filter(Boolean);
for (const k of KEY_TYPES) if (!KEY_TYPE_NAMES.includes(k)) throw new Error(`DIFF_KEY_TYPES: unknown type '${k}'`);

class Mismatch extends Error {}
const notes = { blindNothingCount: 0, metaDeleteCount: 0 };

// every value as PostgreSQL's text output: no parsing, exact comparison
const rawTypes = { getTypeParser: () => v => v };

async function connect(name) {
  let c;
  for (let attempt = 0; ; attempt++) {	// after a server crash: wait for the restart (up to 90 s)
    c = new pg.Client({ database: DB, types: rawTypes, application_name: `differential-${name}` });
    try {
      await c.connect();
      break;
    } catch (e) {
      if (attempt >= 90) throw e;
      await new Promise(res => setTimeout(res, 1000));
    }
  }
  await c.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET statement_timeout = '120s'; SET lock_timeout = '60s'");
  c.on('error', () => {});
  return c;
}

// run one statement; never throws for SQL errors
async function run(c, sql) {
  try {
    const res = await c.query({ text: sql, rowMode: 'array' });
    const results = Array.isArray(res) ? res : [res];
    const last = results[results.length - 1];
    return { ok: true, rows: last.rows ?? [], count: last.rowCount, command: last.command };
  } catch (e) {
    if (!e.code || e.code === '57P01' || e.code === '57P02') {	// the server crashed or restarts
      throw new Mismatch(`the connection was lost (server crash?) during: ${sql}\n      ${e.message}`);
    }
    return { ok: false, code: e.code, message: e.message };
  }
}

const rowText = row => JSON.stringify(row);
const sortedRows = rows => rows.map(rowText).sort();


class SeedRun {
  constructor(seed, engine, clients) {
    this.seed = seed;
    this.engine = engine;
    this.r = new Rng(seed);
    this.forms = new Set(FORMS);
    if (engine !== 'deduplicate') PLAIN_INSERT_FORMS.forEach(f => this.forms.delete(f));
    this.shape = makeShape(this.r, engine, KEY_TYPES, env.DIFF_KEY_CLAUSE !== '0');
    this.gen = new Gen(this.r, this.shape, this.forms);
    this.H = clients.H; this.L = clients.L; this.O = clients.O;
    this.schemaH = `diff_h_${seed}`;
    this.schemaL = `diff_l_${seed}`;
    this.log = [];		// every statement of the seed, for the replay file
    this.txn = [];		// statements of the running transaction
    this.step = 0;
    this.stats = { statements: 0, errorsAlike: 0, commits: 0, rollbacks: 0, compactions: 0, checks: 0 };
  }

  note(line) {
    this.log.push(line);
    this.txn.push(line);
    if (VERBOSE) console.log(`    [${this.step}] ${line}`);
  }

  fail(what, expected, actual) {
    throw new Mismatch(`${what}\n      expected (heap): ${expected}\n      actual   (lake): ${actual}`);
  }

  async setup() {
    const s = this.shape;
    for (const [c, schema] of [[this.H, this.schemaH], [this.L, this.schemaL]]) {
      const r = await run(c, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path = ${schema}, public`);
      if (!r.ok) throw new Error(`setup of ${schema}: ${r.message}`);
    }
    await run(this.O, `SET search_path = ${this.schemaL}, public`);
    // the lake session's settings: small buffers spill, small row groups, batched inserts,
    // aggregate pushdown on or off — same results expected either way
    const r = this.r;
    this.settings = [
      `lake_fdw.write_buffer_mem = '${r.chance(0.5) ? '1MB' : '256MB'}'`,
      `lake_fdw.row_group_rows = ${r.chance(0.5) ? 1024 : 1048576}`,
      `lake_fdw.insert_batch_size = ${r.chance(0.3) ? r.pick([2, 7, 100]) : 1}`,
      `lake_fdw.enable_aggregate_pushdown = ${r.chance(0.2) ? 'off' : 'on'}`,
    ];
    for (const set of this.settings) {
      const res = await run(this.L, `SET ${set}`);
      if (!res.ok) throw new Error(`SET ${set}: ${res.message}`);
      this.log.push(`SET ${set};`);
    }
    const hd = heapDDL(s), ld = lakeDDL(s, `differential/${RUN_ID}/${this.seed}`);
    this.log.push(`-- heap: ${hd};`);
    this.note(`${ld};`);
    const rh = await run(this.H, hd);
    if (!rh.ok) throw new Error(`heap DDL failed: ${rh.message}\n${hd}`);
    const rl = await run(this.L, ld);
    if (!rl.ok) throw new Mismatch(`lake DDL failed: ${rl.code} ${rl.message}\n      ${ld}`);
  }

  async teardown() {
    await run(this.H, `DROP SCHEMA IF EXISTS ${this.schemaH} CASCADE`);
    await run(this.L, `DROP SCHEMA IF EXISTS ${this.schemaL} CASCADE`);
  }

  // the heap's rows as seen inside the running transaction: Map key -> row (name -> text|null)
  async heapState() {
    const names = this.shape.cols.map(c => c.name);
    const r = await run(this.H, `SELECT ${this.shape.cols.map(c => `${c.q}::text`).join(', ')} FROM t`);
    if (!r.ok) throw new Error(`reading the heap state failed: ${r.message}`);
    const m = new Map();
    for (const a of r.rows) {
      const row = {};
      names.forEach((n, i) => { row[n] = a[i]; });
      m.set(keyOf(this.shape, row), row);
    }
    return m;
  }

  // one statement on both sides; returns true if both failed (the transaction is aborted)
  async both(sql, { ordered = false } = {}) {
    this.note(`${sql};`);
    this.stats.statements++;
    // a DELETE that drops whole partitions in metadata reports the dropped files' row count (a
    // documented difference on primary-key tables, where files may hold several versions)
    let metaDelete = false;
    if (/^DELETE FROM t\b/.test(sql) && !/ RETURNING /.test(sql)) {
      const e = await run(this.L, `EXPLAIN (COSTS OFF) ${sql}`);
      metaDelete = e.ok && e.rows.some(r => /Foreign Delete/.test(Object.values(r)[0]));
    }
    const h = await run(this.H, sql);
    const l = await run(this.L, sql);
    if (!h.ok || !l.ok) {
      if (h.ok) this.fail(`statement failed on lake only: ${sql}`, `success (${h.command} ${h.count})`, `${l.code}: ${l.message}`);
      if (l.ok) this.fail(`statement failed on heap only: ${sql}`, `${h.code}: ${h.message}`, `success (${l.command} ${l.count})`);
      if (h.code !== l.code) this.fail(`different errors: ${sql}`, `${h.code}: ${h.message}`, `${l.code}: ${l.message}`);
      if (h.code === '21000' && !/cannot affect row a second time/.test(l.message)) {
        this.fail(`different error messages: ${sql}`, h.message, l.message);
      }
      this.note(`-- both failed: ${h.code} ${h.message}`);
      this.stats.errorsAlike++;
      return true;
    }
    // a blind DO NOTHING cannot know how many proposed keys existed: its command tag counts every
    // proposed row (a documented difference); with RETURNING it takes the lookup path and is exact
    const blindNothing = /DO NOTHING$/.test(sql);
    if (blindNothing && h.count !== l.count) notes.blindNothingCount++;
    if (metaDelete && h.count !== l.count) notes.metaDeleteCount++;
    if (h.count !== l.count && h.command !== 'SELECT' && !blindNothing && !metaDelete && COMPARE_COUNTS) {
      this.fail(`different row counts: ${sql}`, `${h.command} ${h.count}`, `${l.command} ${l.count}`);
    }
    const hr = ordered ? h.rows.map(rowText) : sortedRows(h.rows);
    const lr = ordered ? l.rows.map(rowText) : sortedRows(l.rows);
    if (hr.join('\n') !== lr.join('\n')) {
      this.fail(`different result rows${ordered ? ' (in order)' : ''}: ${sql}`, hr.join(' ') || '(none)', lr.join(' ') || '(none)');
    }
    return false;
  }

  // full contents of heap (H) and lake (via session c)
  async compareContents(where, c = this.L) {
    this.stats.checks++;
    const q = 'SELECT * FROM t';
    const h = await run(this.H, q), l = await run(c, q);
    if (!h.ok) throw new Error(`heap read failed: ${h.message}`);
    if (!l.ok) this.fail(`reading the lake table ${where} failed`, `${h.rows.length} rows`, `${l.code}: ${l.message}`);
    const hs = sortedRows(h.rows), ls = sortedRows(l.rows);
    if (hs.join('\n') === ls.join('\n')) {
      if (!this.inTxn) this.committed = hs;	// what other sessions must see until the next commit
      return;
    }
    const lset = new Set(ls), hset = new Set(hs);
    const onlyH = hs.filter(x => !lset.has(x)), onlyL = ls.filter(x => !hset.has(x));
    this.fail(`contents differ ${where} (heap ${hs.length} rows, lake ${ls.length} rows)`,
      `rows missing from lake: ${onlyH.slice(0, 20).join(' ') || '(none)'}`,
      `rows only in lake: ${onlyL.slice(0, 20).join(' ') || '(none)'}`);
  }

  // another session must see the last committed contents while a transaction is open
  async observerSeesCommitted() {
    // after a TRUNCATE the transaction holds ACCESS EXCLUSIVE on the table: readers wait, as on heap
    if (!this.committed || this.txn.some(l => /^TRUNCATE/.test(l))) return;
    this.stats.checks++;
    const o = await run(this.O, 'SELECT * FROM t');
    if (!o.ok) this.fail('the observer session could not read the lake table', 'the committed rows', `${o.code}: ${o.message}`);
    const os = sortedRows(o.rows);
    if (os.join('\n') === this.committed.join('\n')) return;
    const cset = new Set(this.committed), oset = new Set(os);
    this.fail(`another session sees uncommitted or lost rows inside the transaction (committed ${this.committed.length} rows, seen ${os.length})`,
      `committed rows it does not see: ${this.committed.filter(x => !oset.has(x)).slice(0, 20).join(' ') || '(none)'}`,
      `rows it sees that are not committed: ${os.filter(x => !cset.has(x)).slice(0, 20).join(' ') || '(none)'}`);
  }

  async control(sql) {	// BEGIN / COMMIT / ROLLBACK / SAVEPOINT ... on both
    this.note(`${sql};`);
    const h = await run(this.H, sql), l = await run(this.L, sql);
    if (!h.ok) throw new Error(`heap: ${sql} failed: ${h.message}`);
    if (!l.ok) this.fail(`${sql} failed on lake only`, 'success', `${l.code}: ${l.message}`);
  }

  async statement() {
    const rows = await this.heapState();
    const st = this.gen.statement(rows);
    if (!st) return false;
    return this.both(st.sql, { ordered: st.ordered });
  }

  async transaction() {
    const r = this.r;
    this.txn = [];
    if (r.chance(0.3)) {			// autocommit: one statement
      await this.statement();
      await this.compareContents('after an autocommit statement');
      return;
    }
    const iso = r.weighted([[6, ''], [2, ' ISOLATION LEVEL REPEATABLE READ'], [1, ' ISOLATION LEVEL READ COMMITTED']]);
    await this.control(`BEGIN${iso}`);
    this.inTxn = true;
    const savepoints = [];
    let aborted = false;
    const n = r.int(1, 6);
    for (let i = 0; i < n; i++) {
      if (this.forms.has('savepoint') && r.chance(0.25)) {
        const name = `sp${savepoints.length + 1}`;
        await this.control(`SAVEPOINT ${name}`);
        savepoints.push(name);
      }
      aborted = await this.statement();
      if (aborted) {
        if (savepoints.length && r.chance(0.75)) {
          const k = r.int(0, savepoints.length - 1);
          await this.control(`ROLLBACK TO SAVEPOINT ${savepoints[k]}`);
          savepoints.length = k + 1;
          aborted = false;
          continue;
        }
        break;
      }
      if (savepoints.length && r.chance(0.2)) {
        const k = r.int(0, savepoints.length - 1);
        if (r.chance(0.7)) {
          await this.control(`ROLLBACK TO SAVEPOINT ${savepoints[k]}`);
          savepoints.length = k + 1;
        } else {
          await this.control(`RELEASE SAVEPOINT ${savepoints[k]}`);
          savepoints.length = k;
        }
      }
      if (r.chance(0.15)) {
        await this.compareContents('inside the transaction');
        await this.observerSeesCommitted();
      }
    }
    this.inTxn = false;
    if (aborted || (this.forms.has('rollback') && r.chance(0.15))) {
      await this.control('ROLLBACK');
      this.stats.rollbacks++;
      await this.compareContents('after ROLLBACK');
    } else {
      await this.control('COMMIT');
      this.stats.commits++;
      await this.compareContents('after COMMIT');
      if (r.chance(0.25)) await this.compareContents('after COMMIT, read by another session', this.O);
    }
  }

  async compact() {
    const sql = `SELECT lake_compact('t', ${this.r.chance(0.5)})`;
    this.txn = [];
    this.stats.compactions++;
    this.note(`${sql};`);
    const l = await run(this.L, sql);
    if (!l.ok) this.fail(`${sql} failed`, 'success', `${l.code}: ${l.message}`);
    await this.compareContents(`after ${sql}`);
  }

  async go() {
    await this.setup();
    for (this.step = 1; this.step <= STEPS; this.step++) {
      if (this.forms.has('compact') && this.r.chance(0.1)) await this.compact();
      await this.transaction();
    }
    this.txn = [];
    if (this.forms.has('compact')) await this.compact();
    await this.compareContents('at the end', this.O);
  }
}

async function connectAll() {
  return { H: await connect('heap'), L: await connect('lake'), O: await connect('observer') };
}

async function main() {
  const start = Date.now();
  console.log(`differential: seed ${BASE_SEED}, ${STEPS} transactions per seed, engines ${ENGINE_LIST.join(',')}, ` +
    `budget ${BUDGET_MS / 1000} s${env.DIFF_SEEDS ? `, ${MAX_SEEDS} seeds` : ''}`);
  console.log(`differential: forms ${[...FORMS].join(',')}; key types ${KEY_TYPES.join(',')}`);
  let clients = await connectAll();
  let passed = 0, failed = 0;
  for (let i = 0; i < MAX_SEEDS; i++) {
    if (!env.DIFF_SEEDS && i > 0 && Date.now() - start > BUDGET_MS) break;
    const seed = BASE_SEED + BigInt(i);
    const engine = ENGINE_LIST[i % ENGINE_LIST.length];
    const sr = new SeedRun(seed, engine, clients);
    const t0 = Date.now();
    try {
      await sr.go();
      await sr.teardown();
      passed++;
      const st = sr.stats;
      console.log(`  ok: seed ${seed} ${engine}: ${st.statements} statements (${st.errorsAlike} failed alike), ` +
        `${st.commits} commits, ${st.rollbacks} rollbacks, ${st.compactions} compactions, ${st.checks} content checks ` +
        `(${((Date.now() - t0) / 1000).toFixed(1)} s) ${describeShape(sr.shape)}`);
    } catch (e) {
      if (!(e instanceof Mismatch)) throw e;
      failed++;
      const file = path.join(SCRATCH, `differential-${seed}.sql`);
      fs.writeFileSync(file, sr.log.join('\n') + '\n');
      console.log(`  FAIL: seed ${seed} (merge_engine ${engine}), step ${sr.step}: ${e.message}`);
      console.log(`    table: ${describeShape(sr.shape)}`);
      console.log(`    lake session: ${(sr.settings ?? []).join(', ')}`);
      console.log('    statements of the failing transaction:');
      for (const l of sr.txn) console.log(`      ${l}`);
      console.log(`    whole log of the seed: ${file}`);
      console.log(`    reproduce: LAKE_SEED=${seed} DIFF_SEEDS=1 DIFF_ENGINES=${engine} DIFF_STEPS=${STEPS}` +
        ` DIFF_FORMS=${quoteLit(env.DIFF_FORMS ?? 'all')}${env.DIFF_KEY_TYPES ? ` DIFF_KEY_TYPES=${env.DIFF_KEY_TYPES}` : ''}` +
        `${env.DIFF_KEY_CLAUSE ? ` DIFF_KEY_CLAUSE=${env.DIFF_KEY_CLAUSE}` : ''}${env.DIFF_COUNTS ? ` DIFF_COUNTS=${env.DIFF_COUNTS}` : ''}` +
        ' bash test/run-tests differential');
      // new sessions for the next seed (the old ones may be in a transaction, or lost in a crash);
      // the failing seed's schemas stay for inspection
      for (const c of Object.values(clients)) await c.end().catch(() => {});
      clients = await connectAll();
      if (failed >= 4) break;
    }
  }
  for (const c of Object.values(clients)) await c.end();
  if (notes.metaDeleteCount) {
    console.log(`  (documented difference seen ${notes.metaDeleteCount} times: a DELETE of whole partitions ` +
      'reports the dropped files\' row count)');
  }
  if (notes.blindNothingCount) {
    console.log(`  (documented difference seen ${notes.blindNothingCount} times: the row count of a blind ON CONFLICT DO NOTHING ` +
      'counts every proposed row)');
  }
  console.log(`differential: ${passed} passed, ${failed} failed (seeds; ${((Date.now() - start) / 1000).toFixed(0)} s)`);
  process.exit(failed ? 1 : 0);
}

main().catch(e => { console.error(`differential: ${e.stack ?? e}`); process.exit(2); });
