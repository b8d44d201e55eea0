// conc.mjs — concurrent writers on primary-key lake tables: merges exact, commit order obeyed,
// read-modify-writes never lose an update.
//
// (a) aggregation: SESSIONS sessions at once send random rows with overlapping keys into an
//     aggregation table (aggregate 'sum' columns; plain INSERTs, merged by the engine) and into a
//     deduplicate table through the blind form ON CONFLICT (k) DO UPDATE SET s = t.s + EXCLUDED.s;
//     some transactions and savepoints are rolled back. Blind writes never conflict: every COMMIT
//     must succeed, and the final sums per key must equal exactly what committed transactions sent.
// (b) deduplicate: SESSIONS sessions upsert overlapping keys (plain INSERT, DO UPDATE SET
//     v = EXCLUDED.v, DO NOTHING, SET n = t.n + EXCLUDED.n, and the reading forms UPDATE SET
//     n = n + 1 and DO UPDATE SET n = t.n * 2, which fail with 40001 when the key changed since
//     their snapshot); each transaction also writes a marker key of its own. Afterwards every snapshot of lake_snapshots is read through a pinned table
//     (option snapshot): the marker appearing in it names the transaction it committed, and the
//     table's contents there must equal replaying the committed transactions in snapshot order.
// (c) the 40001 path: scripted interleavings of two sessions doing read-modify-writes of the same
//     key (UPDATE ... SET c = c + 1, lookup-path upserts, DELETE against UPDATE, REPEATABLE READ,
//     a lookup-path insert of a key another session inserts first):
//     one must fail with SQLSTATE 40001, never both succeed; blind upserts and different keys must
//     not conflict; then a stress loop of read-modify-writes with retries: final counter = number
//     of successful commits.
// While (a) and (b) run, a further session calls lake_compact now and then (when it exists).
//
// Environment: PG* (database MC_DB), LAKE_SEED, MC_SESSIONS (4), MC_TXNS (60 per session),
// MC_PARTS (default "a,b,c"); to narrow while features land: MC_A_TABLES ("agg,addt"), MC_B_KINDS
// ("insert,set,nothing,add"). A check over nothing committed fails: it would prove nothing.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const pg = createRequire(path.join(HERE, '../differential/package.json'))('pg');
const { Rng } = await import(path.join(HERE, '../differential/rng.mjs'));

const env = process.env;
const DB = env.MC_DB ?? 'lake_merge_concurrency';
const SEED = BigInt(env.LAKE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SESSIONS = Number(env.MC_SESSIONS ?? 4);
const TXNS = Number(env.MC_TXNS ?? 60);
const PARTS = new Set((env.MC_PARTS ?? 'a,b,c').split(','));
const A_TABLES = (env.MC_A_TABLES ?? 'agg,addt').split(',');		// (a): which tables get rows
const B_KINDS = (env.MC_B_KINDS ?? 'insert,set,nothing,add,rmw,lookup').split(',');	// (b): statement forms

let checks = 0, failures = 0;
const ok = m => { checks++; console.log(`  ok: ${m}`); };
const fail = m => { checks++; failures++; console.log(`  FAIL: ${m}`); };
const check = (cond, m, detail) => (cond ? ok(m) : fail(`${m}${detail ? `: ${detail}` : ''}`));

const rawTypes = { getTypeParser: () => v => v };
async function connect(name) {
  const c = new pg.Client({ database: DB, types: rawTypes, application_name: `merge_concurrency-${name}` });
  await c.connect();
  c.on('error', () => {});
  await c.query("SET statement_timeout = '120s'");
  return c;
}
async function run(c, sql) {
  try {
    const r = await c.query({ text: sql, rowMode: 'array' });
    return { ok: true, rows: r.rows ?? [], count: r.rowCount };
  } catch (e) {
    if (!e.code) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}
async function must(c, sql) {
  const r = await run(c, sql);
  if (!r.ok) throw new Error(`${sql}\n  failed: ${r.code} ${r.message}`);
  return r.rows;
}
const errText = r => (r.ok ? 'success' : `${r.code} ${r.message}`);

// ----------------------------------------------------------------- a compaction session
let compactor = null;
async function startCompactor(table) {
  const c = await connect('compactor');
  const has = (await must(c, "SELECT to_regprocedure('lake_compact(regclass,boolean)') IS NOT NULL"))[0][0] === 't';
  if (!has) {
    console.log('  (lake_compact does not exist here: no compaction runs beside the writers)');
    await c.end();
    return;
  }
  const state = { stop: false, runs: 0, errors: [] };
  state.done = (async () => {
    let i = 0;
    while (!state.stop) {
      const r = await run(c, `SELECT lake_compact('${table}', ${i++ % 3 === 0})`);
      if (r.ok) state.runs++;
      else state.errors.push(errText(r));
      await new Promise(res => setTimeout(res, 150));
    }
    await c.end();
  })();
  compactor = state;
}
async function stopCompactor(label) {
  if (!compactor) return;
  compactor.stop = true;
  await compactor.done;
  check(compactor.errors.length === 0, `${label}: ${compactor.runs} concurrent lake_compact calls, none failed`,
    compactor.errors.slice(0, 3).join(' | '));
  compactor = null;
}

// ----------------------------------------------------------------- (a) exact sums
async function partA(setup) {
  console.log('(a) aggregation: concurrent sums');
  await must(setup, `CREATE FOREIGN TABLE agg (k bigint, s1 bigint OPTIONS (aggregate 'sum'),
      s2 numeric(18,2) OPTIONS (aggregate 'sum'), cnt bigint OPTIONS (aggregate 'sum'), PRIMARY KEY (k))
    SERVER lake OPTIONS (table 'mc/agg', merge_engine 'aggregation', buckets '3')`);
  await must(setup, `CREATE FOREIGN TABLE addt (k bigint, s1 bigint NOT NULL, s2 numeric(18,2) NOT NULL,
      cnt bigint NOT NULL, PRIMARY KEY (k))
    SERVER lake OPTIONS (table 'mc/addt', buckets '2')`);
  const want = { agg: new Map(), addt: new Map() };
  const add = (m, k, row) => {
    const cur = m.get(k) ?? [0n, 0n, 0n];
    m.set(k, [cur[0] + row[0], cur[1] + row[1], cur[2] + row[2]]);
  };
  const errors = [];
  let commits = 0, rollbacks = 0;
  await startCompactor('agg');
  const session = async s => {
    const r = new Rng(SEED * 100n + BigInt(s));
    const c = await connect(`a${s}`);
    for (let t = 0; t < TXNS; t++) {
      const pending = [];	// [table, key, [s1, s2 cents, cnt]] of the transaction so far
      let saved = null;
      await must(c, 'BEGIN');
      const nst = r.int(1, 4);
      for (let i = 0; i < nst; i++) {
        if (saved === null && r.chance(0.2)) { await must(c, 'SAVEPOINT s'); saved = pending.length; }
        const table = r.pick(A_TABLES);
        const n = r.int(1, 8);
        const rows = [], seen = new Set();
        for (let j = 0; j < n; j++) {
          const k = r.int(0, 39);
          if (table === 'addt' && seen.has(k)) continue;	// DO UPDATE: a key once per statement
          seen.add(k);
          rows.push([k, BigInt(r.int(-100, 1000)), BigInt(r.int(-5000, 99999)), 1n]);
        }
        const values = rows.map(([k, a, b, n1]) => `(${k}, ${a}, ${(Number(b) / 100).toFixed(2)}, ${n1})`).join(', ');
        const sql = table === 'agg' ? `INSERT INTO agg VALUES ${values}`
          : `INSERT INTO addt AS t VALUES ${values} ON CONFLICT (k) DO UPDATE SET s1 = t.s1 + EXCLUDED.s1, ` +
            's2 = t.s2 + EXCLUDED.s2, cnt = t.cnt + EXCLUDED.cnt';
        const res = await run(c, sql);
        if (!res.ok) { errors.push(`session ${s}: ${sql.slice(0, 80)}...: ${errText(res)}`); break; }
        for (const [k, a, b, n1] of rows) pending.push([table, k, [a, b, n1]]);
        if (saved !== null && r.chance(0.3)) {
          await must(c, 'ROLLBACK TO SAVEPOINT s');
          pending.length = saved;
          saved = null;
        }
      }
      if (errors.length || r.chance(0.1)) {
        await run(c, 'ROLLBACK');
        rollbacks++;
        if (errors.length) break;
        continue;
      }
      const res = await run(c, 'COMMIT');
      if (!res.ok) { errors.push(`session ${s}: COMMIT: ${errText(res)}`); break; }
      commits++;
      for (const [table, k, row] of pending) add(want[table], k, row);
    }
    await c.end();
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => session(s)));
  await stopCompactor('(a)');
  check(errors.length === 0, `(a) ${SESSIONS} sessions: ${commits} commits, ${rollbacks} rollbacks, no statement or COMMIT failed`,
    errors.slice(0, 5).join(' | '));
  for (const table of ['agg', 'addt']) {
    const got = await must(setup, `SELECT k, s1, (s2 * 100)::bigint, cnt FROM ${table} ORDER BY k`);
    const w = [...want[table].entries()].sort((x, y) => x[0] - y[0]);
    const gotText = got.map(row => row.join(' ')).join(', ');
    const wantText = w.map(([k, v]) => `${k} ${v[0]} ${v[1]} ${v[2]}`).join(', ');
    if (!A_TABLES.includes(table)) continue;
    check(gotText === wantText && w.length > 0, `(a) ${table}: sums of ${w.length} keys exact (sum of cnt = ${w.reduce((a, [, v]) => a + v[2], 0n)})`,
      `\n      expected: ${wantText}\n      got:      ${gotText}`);
  }
}

// ----------------------------------------------------------------- (b) commit order
function applyOps(state, ops) {
  for (const op of ops) {
    for (const [k, v, n] of op.rows) {
      const cur = state.get(k);
      switch (op.kind) {
        case 'insert': state.set(k, [v, n]); break;
        case 'set': state.set(k, cur ? [v, cur[1]] : [v, n]); break;
        case 'nothing': if (!cur) state.set(k, [v, n]); break;
        case 'add': state.set(k, cur ? [v, cur[1] + n] : [v, n]); break;
        case 'rmw': if (cur) state.set(k, [v, cur[1] + 1n]); break;
        case 'lookup': state.set(k, cur ? [v, cur[1] * 2n] : [v, n]); break;
      }
    }
  }
}

async function partB(setup) {
  console.log('(b) deduplicate: the final state replays the commits in snapshot order');
  await must(setup, `CREATE FOREIGN TABLE dd (k text, v text, n bigint, PRIMARY KEY (k))
    SERVER lake OPTIONS (table 'mc/dd', buckets '2')`);
  await must(setup, "INSERT INTO dd SELECT 'k' || lpad(g::text, 2, '0'), 'init', 0 FROM generate_series(0, 9) g");
  const committed = new Map([['init', [{ kind: 'insert', rows: Array.from({ length: 10 }, (_, g) => [`k0${g}`, 'init', 0n]) }]]]);
  const errors = [];
  let rollbacks = 0, conflicts = 0;
  await startCompactor('dd');
  const session = async s => {
    const r = new Rng(SEED * 100n + 50n + BigInt(s));
    const c = await connect(`b${s}`);
    for (let t = 0; t < TXNS; t++) {
      const marker = `m-${s}-${t}`;
      const ops = [{ kind: 'insert', rows: [[marker, marker, 0n]] }];
      await must(c, 'BEGIN');
      let res = await run(c, `INSERT INTO dd VALUES ('${marker}', '${marker}', 0)`);
      const nst = r.int(1, 3);
      for (let i = 0; res.ok && i < nst; i++) {
        const kind = r.pick(B_KINDS);
        const rows = [], seen = new Set();
        for (let j = r.int(1, 5); j > 0; j--) {
          // UPDATE only keys that exist from the start: an UPDATE that finds no row reads nothing
          // a later commit could conflict with (as on heap in READ COMMITTED), so its place in
          // commit order would not be defined
          const k = `k${String(r.int(0, kind === 'rmw' ? 9 : 19)).padStart(2, '0')}`;
          if (kind !== 'insert' && kind !== 'nothing' && seen.has(k)) continue;
          seen.add(k);
          rows.push([k, `${s}.${t}.${i}.${j}`, BigInt(r.int(1, 50))]);
        }
        const values = rows.map(([k, v, n]) => `('${k}', '${v}', ${n})`).join(', ');
        const sql = {
          insert: `INSERT INTO dd VALUES ${values}`,
          set: `INSERT INTO dd VALUES ${values} ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
          nothing: `INSERT INTO dd VALUES ${values} ON CONFLICT DO NOTHING`,
          add: `INSERT INTO dd AS t VALUES ${values} ON CONFLICT (k) DO UPDATE SET n = t.n + EXCLUDED.n, v = EXCLUDED.v`,
          rmw: `UPDATE dd SET n = n + 1, v = CASE ${rows.map(([k, v]) => `WHEN k = '${k}' THEN '${v}'`).join(' ')} END ` +
            `WHERE k IN (${rows.map(([k]) => `'${k}'`).join(', ')})`,
          lookup: `INSERT INTO dd AS t VALUES ${values} ON CONFLICT (k) DO UPDATE SET n = t.n * 2, v = EXCLUDED.v`,
        }[kind];
        res = await run(c, sql);
        if (!res.ok && res.code !== '40001') errors.push(`session ${s}: ${sql.slice(0, 80)}...: ${errText(res)}`);
        ops.push({ kind, rows });
      }
      if (!res.ok || r.chance(0.1)) {
        await run(c, 'ROLLBACK');
        rollbacks++;
        if (!res.ok && res.code === '40001') { conflicts++; continue; }
        if (!res.ok) break;
        continue;
      }
      res = await run(c, 'COMMIT');
      if (!res.ok && res.code === '40001') { conflicts++; continue; }	// a read-modify-write lost
      if (!res.ok) { errors.push(`session ${s}: COMMIT: ${errText(res)}`); break; }
      committed.set(marker, ops);
    }
    await c.end();
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => session(s)));
  await stopCompactor('(b)');
  check(errors.length === 0, `(b) ${SESSIONS} sessions: ${committed.size - 1} commits, ${rollbacks} rollbacks ` +
    `(${conflicts} after 40001), nothing else failed`,
    errors.slice(0, 5).join(' | '));

  const snaps = await must(setup, "SELECT snapshot_id, kind FROM lake_snapshots('dd') ORDER BY snapshot_id");
  await must(setup, `CREATE FOREIGN TABLE dd_at (k text, v text, n bigint)
    SERVER lake OPTIONS (table 'mc/dd', primary_key 'k', snapshot '${snaps[0][0]}')`);
  const state = new Map();
  applyOps(state, committed.get('init'));	// snapshot 1: the keys k00..k09 every UPDATE targets
  const seenMarkers = new Set();
  const order = ['init'];	// markers in snapshot order
  let bad = null, replayed = 0;
  for (const [id, kind] of snaps) {
    await must(setup, `ALTER FOREIGN TABLE dd_at OPTIONS (SET snapshot '${id}')`);
    const rows = await must(setup, 'SELECT k, v, n FROM dd_at ORDER BY k COLLATE "C"');
    const fresh = rows.map(x => x[0]).filter(k => k.startsWith('m-') && !seenMarkers.has(k));
    if (fresh.length > 1) { bad = `snapshot ${id} (${kind}) holds ${fresh.length} new transactions: ${fresh.join(' ')}`; break; }
    if (fresh.length === 1) {
      const ops = committed.get(fresh[0]);
      if (!ops) { bad = `snapshot ${id} holds marker ${fresh[0]} of a transaction that did not commit`; break; }
      applyOps(state, ops);
      order.push(fresh[0]);
      seenMarkers.add(fresh[0]);
      replayed++;
    }
    const want = [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, [v, n]]) => `${k}=${v}/${n}`).join(' ');
    const got = rows.map(([k, v, n]) => `${k}=${v}/${n}`).join(' ');
    if (want !== got) {
      // the keys that differ, and every replayed operation on them (transaction, kind, row)
      const gotMap = new Map(rows.map(([k, v, n]) => [k, `${v}/${n}`]));
      const diffKeys = [...new Set([...state.keys(), ...gotMap.keys()])].filter(k => {
        const w = state.get(k);
        return (w ? `${w[0]}/${w[1]}` : undefined) !== gotMap.get(k);
      });
      const hist = [];
      for (const m of order) {
        for (const op of committed.get(m)) {
          for (const [k, v, n] of op.rows) if (diffKeys.includes(k)) hist.push(`${m} ${op.kind} ${k}=${v}/${n}`);
        }
      }
      bad = `snapshot ${id} (${kind}${fresh.length ? `, transaction ${fresh[0]}` : ''}) differs from the replay` +
        ` on ${diffKeys.map(k => `${k}: expected ${state.has(k) ? state.get(k).join('/') : 'absent'}, got ${gotMap.get(k) ?? 'absent'}`).join('; ')}` +
        `\n      operations on these keys in snapshot order: ${hist.join(' | ')}`;
      break;
    }
  }
  check(!bad && replayed === committed.size - 1 && committed.size > SESSIONS,
    `(b) ${snaps.length} snapshots: each equals replaying the ${committed.size - 1} committed transactions in snapshot order`,
    bad ?? `${replayed} of ${committed.size - 1} committed transactions found in snapshots`);
  const final = (await must(setup, 'SELECT k, v, n FROM dd ORDER BY k COLLATE "C"')).map(([k, v, n]) => `${k}=${v}/${n}`).join(' ');
  const want = [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, [v, n]]) => `${k}=${v}/${n}`).join(' ');
  check(final === want && committed.size > SESSIONS, '(b) the latest state read by a plain scan equals the full replay', `\n      expected: ${want}\n      got:      ${final}`);
}

// ----------------------------------------------------------------- (c) 40001
async function partC(setup) {
  console.log('(c) read-modify-write conflicts: 40001, never a lost update');
  await must(setup, `CREATE FOREIGN TABLE rmw (k bigint, c bigint NOT NULL, PRIMARY KEY (k))
    SERVER lake OPTIONS (table 'mc/rmw', buckets '2')`);
  await must(setup, 'INSERT INTO rmw SELECT g, 0 FROM generate_series(1, 20) g');
  const A = await connect('A'), B = await connect('B');
  const val = async k => {
    const rows = await must(setup, `SELECT c FROM rmw WHERE k = ${k}`);
    return rows.length ? Number(rows[0][0]) : null;
  };
  const inc = k => `UPDATE rmw SET c = c + 1 WHERE k = ${k}`;
  const lookup = k => `INSERT INTO rmw AS t VALUES (${k}, 1) ON CONFLICT (k) DO UPDATE SET c = t.c * 2 + EXCLUDED.c`;
  const blind = k => `INSERT INTO rmw AS t VALUES (${k}, 1) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c`;
  const is40001 = r => !r.ok && r.code === '40001';

  // both write inside open transactions, first commits, second must fail with 40001 at COMMIT
  async function bothOpen(label, k, sqlA, sqlB, expectConflict, final) {
    await must(A, 'BEGIN'); await must(B, 'BEGIN');
    const ra = await run(A, sqlA), rb = await run(B, sqlB);
    if (!ra.ok || !rb.ok) {
      fail(`${label}: the statements failed: A ${errText(ra)}; B ${errText(rb)}`);
      await run(A, 'ROLLBACK'); await run(B, 'ROLLBACK');
      return;
    }
    const ca = await run(A, 'COMMIT'), cb = await run(B, 'COMMIT');
    const v = await val(k);
    if (expectConflict) {
      check(ca.ok && is40001(cb) && v === final, `${label}: first COMMIT succeeds, second fails with 40001, c = ${final}`,
        `A COMMIT ${errText(ca)}; B COMMIT ${errText(cb)}; c = ${v}`);
    } else {
      check(ca.ok && cb.ok && v === final, `${label}: both COMMITs succeed, c = ${final}`,
        `A COMMIT ${errText(ca)}; B COMMIT ${errText(cb)}; c = ${v}`);
    }
  }
  await bothOpen('UPDATE c = c + 1 twice on key 1', 1, inc(1), inc(1), true, 1);
  await bothOpen('lookup-path upsert (c = t.c * 2 + EXCLUDED.c) twice on key 2', 2, lookup(2), lookup(2), true, 1);
  await bothOpen('UPDATE then lookup-path upsert on key 3', 3, inc(3), lookup(3), true, 1);
  await bothOpen('blind upsert (c = t.c + EXCLUDED.c) twice on key 4: no conflict', 4, blind(4), blind(4), false, 2);
  await bothOpen('UPDATE on key 5 and key 6 at once: different keys, no conflict', 5, inc(5), inc(6), false, 1);

  // B commits a change after A's snapshot, before A's read-modify-write commits
  {
    await must(A, 'BEGIN');
    const ra = await run(A, inc(7));
    const rb = await run(B, blind(7));	// autocommit, blind
    const ca = await run(A, 'COMMIT');
    const v = await val(7);
    check(ra.ok && rb.ok && is40001(ca) && v === 1, 'UPDATE on key 7, a blind upsert of key 7 commits meanwhile: the UPDATE fails with 40001 at COMMIT, c = 1',
      `A UPDATE ${errText(ra)}; B ${errText(rb)}; A COMMIT ${errText(ca)}; c = ${v}`);
  }
  {
    await must(A, 'BEGIN');
    const ra = await run(A, inc(8));
    const rb = await run(B, 'DELETE FROM rmw WHERE k = 8');
    const ca = await run(A, 'COMMIT');
    const v = await val(8);
    check(ra.ok && rb.ok && is40001(ca) && v === null, 'UPDATE on key 8, a DELETE of key 8 commits meanwhile: the UPDATE fails with 40001, key 8 stays deleted',
      `A UPDATE ${errText(ra)}; B DELETE ${errText(rb)}; A COMMIT ${errText(ca)}; c = ${v}`);
  }
  {
    // REPEATABLE READ: A's snapshot is taken by a read before B's commit
    await must(A, 'BEGIN ISOLATION LEVEL REPEATABLE READ');
    await run(A, 'SELECT c FROM rmw WHERE k = 9');
    const rb = await run(B, inc(9));
    const ra = await run(A, inc(9));
    const ca = ra.ok ? await run(A, 'COMMIT') : (await run(A, 'ROLLBACK'), ra);
    const v = await val(9);
    check(rb.ok && is40001(ra.ok ? ca : ra) && v === 1,
      'REPEATABLE READ: UPDATE of key 9 after another session changed it since the snapshot: 40001, c = 1',
      `B ${errText(rb)}; A UPDATE ${errText(ra)}; A COMMIT ${ra.ok ? errText(ca) : '-'}; c = ${v}`);
  }
  {
    // READ COMMITTED: A's UPDATE starts after B's commit, so it reads B's version: no conflict
    await must(A, 'BEGIN');
    await run(A, 'SELECT c FROM rmw WHERE k = 10');
    const rb = await run(B, inc(10));
    const ra = await run(A, inc(10));
    const ca = await run(A, 'COMMIT');
    const v = await val(10);
    check(rb.ok && ra.ok && ca.ok && v === 2,
      'READ COMMITTED: UPDATE of key 10 in a statement that started after the other commit: succeeds, c = 2',
      `B ${errText(rb)}; A UPDATE ${errText(ra)}; A COMMIT ${errText(ca)}; c = ${v}`);
  }
  // the lookup path found the key absent and inserts it; another session inserts the key and
  // commits first: heap would have waited and then updated (or done nothing); the lake must not
  // overwrite the other row with its insert
  for (const [label, k, sqlA] of [
    ['lookup-path upsert of absent key 14', 14, `INSERT INTO rmw AS t VALUES (14, 1) ON CONFLICT (k) DO UPDATE SET c = t.c * 2 + EXCLUDED.c`],
    ['DO NOTHING RETURNING (lookup path) of absent key 15', 15, 'INSERT INTO rmw VALUES (15, 1) ON CONFLICT DO NOTHING RETURNING c'],
  ]) {
    await must(setup, `DELETE FROM rmw WHERE k = ${k}`);
    await must(A, 'BEGIN');
    const ra = await run(A, sqlA);
    const rb = await run(B, `INSERT INTO rmw VALUES (${k}, 100)`);
    const ca = await run(A, 'COMMIT');
    const v = await val(k);
    check(ra.ok && rb.ok && is40001(ca) && v === 100,
      `${label}, another session inserts it and commits first: 40001 at COMMIT, the other row stays (c = 100)`,
      `A ${errText(ra)}; B ${errText(rb)}; A COMMIT ${errText(ca)}; c = ${v}`);
  }
  await A.end(); await B.end();

  // stress: every session increments keys 11..13 with retries on 40001
  const successes = new Map([[11, 0], [12, 0], [13, 0]]);
  const errors = [];
  let conflicts = 0;
  const session = async s => {
    const r = new Rng(SEED * 100n + 90n + BigInt(s));
    const c = await connect(`c${s}`);
    for (let t = 0; t < TXNS; t++) {
      const k = r.int(11, 13);
      for (let attempt = 0; attempt < 50; attempt++) {
        await must(c, 'BEGIN');
        const form = r.chance(0.7) ? inc(k) : `INSERT INTO rmw AS t VALUES (${k}, 0) ON CONFLICT (k) DO UPDATE SET c = t.c + 1 WHERE t.c >= 0`;
        const res = await run(c, form);
        const cm = res.ok ? await run(c, 'COMMIT') : (await run(c, 'ROLLBACK'), res);
        if (cm.ok) { successes.set(k, successes.get(k) + 1); break; }
        if (cm.code !== '40001') { errors.push(`session ${s}: ${errText(cm)}`); break; }
        conflicts++;
      }
      if (errors.length) break;
    }
    await c.end();
  };
  await Promise.all(Array.from({ length: SESSIONS }, (_, s) => session(s)));
  const got = (await must(setup, 'SELECT k, c FROM rmw WHERE k BETWEEN 11 AND 13 ORDER BY k')).map(x => `${x[0]}=${x[1]}`).join(' ');
  const want = [...successes.entries()].map(([k, n]) => `${k}=${n}`).join(' ');
  check(errors.length === 0 && got === want,
    `stress: ${SESSIONS} sessions, read-modify-writes with retry (${conflicts} retried after 40001): counters = successful commits (${want})`,
    `${errors.slice(0, 3).join(' | ')} counters ${got}, successful commits ${want}`);
}

async function main() {
  console.log(`merge_concurrency: seed ${SEED}, ${SESSIONS} sessions, ${TXNS} transactions each`);
  const setup = await connect('setup');
  for (const [part, fn] of [['a', partA], ['b', partB], ['c', partC]]) {
    if (!PARTS.has(part)) continue;
    try {
      await fn(setup);
    } catch (e) {
      fail(`(${part}) stopped: ${e.message}`);
      await run(setup, 'ROLLBACK');
    }
  }
  await setup.end();
  console.log(`merge_concurrency: ${checks - failures} passed, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch(e => { console.error(`merge_concurrency: ${e.stack ?? e}`); process.exit(2); });
