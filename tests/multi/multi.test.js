// multi.test.js - three `recur serve` processes on one PostgreSQL database
// (issue 9, docs/scaling.md). make multi-pg; not part of make test (minutes).
//
// The databases are made as the crash test makes its SQLite one
// (tests/crash/gen.c: subscriptions cloned from templates made through the
// services, in seconds), then copied to a throw-away PostgreSQL with `recur
// migrate-db`, so the copy is exercised at this size too. Then:
//
// 1. MULTI_N (20,000) subscriptions on one test clock: the clock is advanced
//    over their renewal through one process while the other two take API load
//    (node loops creating, reading and listing customers); every load request
//    must answer 200.
// 2. MULTI_WALL (3,000) subscriptions due on the wall clock, renewed by the
//    schedulers of all three processes; one process is SIGKILLed MULTI_KILLS
//    (5) times at random moments (seeded: MULTI_SEED) and restarted while the
//    other two go on.
//
// After each: every subscription billed exactly once, one payment intent per
// (invoice, attempt) and one charge per intent, invoice numbers gapless, no
// event twice, and `recur verify` clean.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, waitForPort } = require('../api/harness.js');

const BIN = process.env.RECUR_BIN || path.resolve(__dirname, '../../build/recur');
const GEN = process.env.CRASH_GEN || path.join(path.dirname(BIN), 'crash_gen');
const ROOT = path.resolve(__dirname, '../..');
const N = Number(process.env.MULTI_N || 20000);
const WALL = Number(process.env.MULTI_WALL || 3000);
const KILLS = Number(process.env.MULTI_KILLS || 5);
const SEED = Number(process.env.MULTI_SEED || Math.floor(Math.random() * 2 ** 31));
const LIMIT_MS = 60 * 60 * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// seeded (rng.js), so a seed replays the same kill delays
const rng = require('../crash/rng');

function psql(url, q) {
  return execFileSync('psql', [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', q],
    { maxBuffer: 64 * 1024 * 1024 }).toString().trim();
}
// A query's rows as objects.
const rows = (url, q) => JSON.parse(psql(url, `SELECT coalesce(json_agg(t), '[]') FROM (${q}) t`));
const num = (url, q) => Number(psql(url, q));

// A throw-away PostgreSQL (scripts/pg-server.sh), one database per part.
function pgServer(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-multi-pg-'));
  const admin = execFileSync(path.join(ROOT, 'scripts/pg-server.sh'), ['start', dir]).toString().trim();
  t.after(() => execFileSync(path.join(ROOT, 'scripts/pg-server.sh'), ['stop', dir]));
  return (name) => {
    psql(admin, `CREATE DATABASE ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return u.toString();
  };
}

// crash_gen's SQLite database copied to PostgreSQL by recur migrate-db.
function generate(t, dir, db, wall, clock) {
  const file = path.join(dir, `${path.basename(new URL(db).pathname)}.db`);
  const g = JSON.parse(execFileSync(GEN, ['-o', file, '-n', String(wall), '-c', String(clock)]).toString());
  const started = Date.now();
  const r = spawnSync(BIN, ['migrate-db', '--from', `sqlite:${file}`, '--to', db], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  t.diagnostic(`migrate-db: ${r.stdout.split('\n')[0]} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  fs.rmSync(file, { force: true });
  g.genSeq = num(db, 'SELECT max(seq) FROM events');
  return g;
}

class Server {
  constructor(db, port, log) {
    Object.assign(this, { db, port, log, child: null, lives: 0 });
  }

  start() {
    const log = fs.openSync(this.log, 'a');
    this.child = spawn(BIN, ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`,
      '--threads', '2'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((r) => this.child.once('exit', (code, sig) => r({ code, sig })));
    this.lives++;
    return waitForPort(this.port, this.child, 30000);
  }

  async kill() {
    this.child.kill('SIGKILL');
    assert.equal((await this.exited).sig, 'SIGKILL');
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
  }
}

async function threeServers(t, dir, db) {
  const servers = [];
  for (let i = 0; i < 3; i++) {
    servers.push(new Server(db, await freePort(), path.join(dir, `serve-${i}.log`)));
  }
  t.after(() => Promise.all(servers.map((s) => s.stop())));
  await Promise.all(servers.map((s) => s.start()));
  return servers;
}

async function call(port, key, method, p, body) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, json: await res.json() };
}

// API load on one server until stop() is called: create a customer, read it, list.
function load(server, key) {
  const stats = { ok: 0, failed: [] };
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        const c = await call(server.port, key, 'POST', '/v1/customers', `name=Last+${server.port}-${i}`);
        const r = c.status === 200 ? await call(server.port, key, 'GET', `/v1/customers/${c.json.id}`) : c;
        const l = await call(server.port, key, 'GET', '/v1/customers?limit=10');
        for (const x of [c, r, l]) {
          if (x.status === 200) stats.ok++;
          else stats.failed.push(x.status);
        }
      } catch (err) {
        if (running) stats.failed.push(String(err));
      }
    }
  })();
  return { stats, stop: async () => { running = false; await loop; return stats; } };
}

// What must hold after a billing run over every subscription of g (wall-clock
// ones renewed at g.renew_at, test-clock ones at g.clock_renew), the declining
// card's ones (tests/crash/gen.c) past_due.
function assertBilledOnce(db, g) {
  const q = (s) => rows(db, s);
  const total = g.clock_subs + g.wall;
  const failing = g.clock_failing + g.wall_failing;
  assert.deepEqual(q(`SELECT count(*) AS n FROM subscriptions WHERE periods_billed != 2 OR current_period_start
      != (CASE WHEN test_clock IS NULL THEN ${g.renew_at} ELSE ${g.clock_renew} END)`),
  [{ n: 0 }], 'subscriptions not renewed exactly once');
  assert.deepEqual(q('SELECT status, count(*) AS n FROM subscriptions GROUP BY status ORDER BY status'),
    [{ status: 'active', n: total - failing }, { status: 'past_due', n: failing }].filter((x) => x.n > 0));
  assert.deepEqual(q(`SELECT subscription, count(*) AS n FROM invoices WHERE billing_reason = 'subscription_cycle'
      GROUP BY 1 HAVING count(*) != 1 LIMIT 5`), [], 'two renewal invoices');
  assert.equal(num(db, `SELECT count(*) FROM invoices i JOIN subscriptions s ON s.id = i.subscription
      WHERE i.billing_reason = 'subscription_cycle' AND i.period_start = s.current_period_start`), total);
  // One payment intent per (invoice, attempt), one charge per intent, the gateway charged once per charge.
  assert.deepEqual(q('SELECT invoice, attempt, count(*) AS n FROM payment_intents GROUP BY 1, 2 HAVING count(*) > 1'), []);
  assert.deepEqual(q('SELECT payment_intent, count(*) AS n FROM charges GROUP BY 1 HAVING count(*) > 1'), []);
  assert.equal(num(db, "SELECT count(*) FROM gateway_sandbox_attempts WHERE kind = 'charge'"),
    num(db, 'SELECT count(*) FROM charges'));
  // Invoice numbers gapless in the tenant's one series.
  const all = total;
  assert.deepEqual(q("SELECT count(*) AS n, count(DISTINCT number) AS d, max(CAST(substr(number, 5) AS BIGINT)) AS m"
    + ' FROM invoices WHERE number IS NOT NULL'), [{ n: 2 * all, d: 2 * all, m: 2 * all }]);
  assert.equal(num(db, "SELECT next_number FROM invoice_number_sequences WHERE prefix = 'RCR'"), 2 * all + 1);
  assert.deepEqual(q('SELECT source, line, count(*) AS n FROM ledger_entries GROUP BY 1, 2 HAVING count(*) > 1'), []);
  // No event twice: the same type and data, or the same type for one object.
  assert.deepEqual(q(`SELECT type, count(*) AS n FROM events WHERE seq > ${g.genSeq}
      GROUP BY type, data HAVING count(*) > 1 LIMIT 5`), []);
  assert.deepEqual(q(`SELECT type, data::json->'object'->>'id' AS id, count(*) AS n FROM events
      WHERE seq > ${g.genSeq} AND type IN ('invoice.created', 'invoice.finalized', 'invoice.paid',
      'invoice.payment_failed', 'payment_intent.created', 'charge.succeeded', 'charge.failed')
      GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 5`), []);
  assert.deepEqual(q(`SELECT type, count(*) AS n FROM events WHERE seq > ${g.genSeq}
      AND type IN ('invoice.created', 'invoice.paid', 'invoice.payment_failed', 'payment_intent.created')
      GROUP BY type ORDER BY type`), [
    { type: 'invoice.created', n: total },
    { type: 'invoice.paid', n: total - failing },
    { type: 'invoice.payment_failed', n: failing },
    { type: 'payment_intent.created', n: total },
  ].filter((x) => x.n > 0));
  const v = spawnSync(BIN, ['verify', '--db', db], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stdout + v.stderr);
}

test(`three processes on one PostgreSQL: a test clock over ${N} subscriptions under API load;`
  + ` ${WALL} wall-clock renewals with ${KILLS} SIGKILLs (seed ${SEED})`, { timeout: LIMIT_MS }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-multi-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const database = pgServer(t);
  const random = rng(SEED);

  // ---- 1. the test clock, advanced through one process, the others under load
  const dbA = database('multi_clock');
  const a = generate(t, dir, dbA, 1, N);
  let servers = await threeServers(t, dir, dbA);
  // the one wall-clock template renews by whichever scheduler claims it
  const loads = [load(servers[1], a.secret_key), load(servers[2], a.secret_key)];
  await sleep(500);
  let started = Date.now();
  const adv = await call(servers[0].port, a.secret_key, 'POST',
    `/v1/test_helpers/test_clocks/${a.clock}/advance`, `frozen_time=${a.clock_target}`);
  const advanceMs = Date.now() - started;
  await sleep(500);
  const stats = await Promise.all(loads.map((l) => l.stop()));
  assert.equal(adv.status, 200, JSON.stringify(adv.json));
  assert.equal(adv.json.status, 'ready');
  for (const s of stats) {
    assert.deepEqual(s.failed, []);
    assert.ok(s.ok > 0);
  }
  t.diagnostic(`advance over ${N} subscriptions: ${(advanceMs / 1000).toFixed(1)} s;`
    + ` load answered ${stats.map((s) => s.ok).join(' + ')} requests meanwhile`);
  while (num(dbA, 'SELECT count(*) FROM subscriptions WHERE test_clock IS NULL AND periods_billed < 2') > 0) {
    await sleep(200);
  }
  await Promise.all(servers.map((s) => s.stop()));
  assertBilledOnce(dbA, a);

  // ---- 2. wall-clock renewals by three schedulers, one process SIGKILLed and restarted
  const dbB = database('multi_wall');
  const b = generate(t, dir, dbB, WALL, 0);
  servers = await threeServers(t, dir, dbB);
  const due = () => num(dbB, 'SELECT count(*) FROM subscriptions WHERE due_at <= extract(epoch FROM now())::bigint');
  const kills = [];
  started = Date.now();
  for (let k = 0; k < KILLS; k++) {
    const victim = servers[Math.floor(random() * 3)];
    await sleep(20 + Math.floor(random() * 400)); // inside the run: it takes seconds
    await victim.kill();
    kills.push({ port: victim.port, due: due() });
    await victim.start();
  }
  while (due() > 0) {
    assert.ok(Date.now() - started < LIMIT_MS, 'the schedulers did not finish');
    await sleep(200);
  }
  t.diagnostic(`wall-clock run of ${WALL}: ${((Date.now() - started) / 1000).toFixed(1)} s, kills ${JSON.stringify(kills)}`);
  await Promise.all(servers.map((s) => s.stop()));
  assert.equal(kills.length, KILLS);
  assertBilledOnce(dbB, b);
});
