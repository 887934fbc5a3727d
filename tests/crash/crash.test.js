// crash.test.js - crash safety of the billing run (docs/crash.md).
//
// A database of CRASH_N subscriptions due for renewal on the wall clock and
// CRASH_CLOCK_N on one test clock (tests/crash/gen.c) is billed by a real
// `recur serve`: its scheduler renews the wall-clock ones in batches, and a
// POST .../advance moves the test clock over its subscriptions' renewal. The
// server is SIGKILLed CRASH_KILLS times at random moments (seeded: CRASH_SEED,
// printed so a failure can be replayed), restarted each time, and left to
// finish; an interrupted advance is re-issued by the client. Then the
// database must show every renewal billed and charged exactly once (see
// docs/crash.md for the list of assertions) and `recur verify` must be clean.
//
//   make test         CRASH_N=5000   CRASH_KILLS=5  (part of make test)
//   make crash-test   CRASH_N=100000 CRASH_KILLS=30
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, waitForPort } = require('../api/harness.js');

const BUILD = process.env.RECUR_BUILD || path.resolve(__dirname, '../../build');
const BIN = process.env.RECUR_BIN || path.join(BUILD, 'recur');
const GEN = process.env.CRASH_GEN || path.join(path.dirname(BIN), 'crash_gen');
const N = Number(process.env.CRASH_N || 5000);
const CLOCK_N = Number(process.env.CRASH_CLOCK_N || Math.min(2000, Math.ceil(N / 10)));
const KILLS = Number(process.env.CRASH_KILLS || 5);
const SEED = Number(process.env.CRASH_SEED || Math.floor(Math.random() * 2 ** 31));
// A first guess of renewals per second, replaced by what each life measures.
const RATE_GUESS = Number(process.env.CRASH_RATE || 300);
const FINISH_MS = Number(process.env.CRASH_FINISH_MS || 60 * 60 * 1000);

// seeded (rng.js), so a seed replays the same kill delays
const rng = require('./rng');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One sqlite3 process per query; the server may be writing (WAL readers do not block).
function sql(dbPath, q) {
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 30000', '-json', dbPath, q],
    { maxBuffer: 64 * 1024 * 1024 }).toString().trim();
  return out ? JSON.parse(out) : [];
}
const one = (dbPath, q) => Object.values(sql(dbPath, q)[0] || { v: null })[0];

class Server {
  constructor(dbPath, port, logPath) {
    this.dbPath = dbPath;
    this.port = port;
    this.logPath = logPath;
    this.child = null;
    this.lives = 0;
  }

  start() {
    const log = fs.openSync(this.logPath, 'a');
    this.child = spawn(BIN, ['serve', '--db', `sqlite:${this.dbPath}`, '--listen',
      `127.0.0.1:${this.port}`, '--threads', '2'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((r) => this.child.once('exit', (code, sig) => r({ code, sig })));
    this.lives++;
  }

  async kill() {
    this.child.kill('SIGKILL');
    const { sig } = await this.exited;
    assert.equal(sig, 'SIGKILL', 'the server died of something else than our SIGKILL');
  }

  async stop() {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  ready() {
    return waitForPort(this.port, this.child, 30000);
  }
}

// Wall-clock renewals and collection steps still due now.
function wallDue(dbPath) {
  return one(dbPath, "SELECT (SELECT count(*) FROM subscriptions WHERE test_clock IS NULL"
    + " AND due_at <= CAST(strftime('%s','now') AS INTEGER)) + (SELECT count(*) FROM invoices"
    + " WHERE test_clock IS NULL AND status = 'open'"
    + " AND collection_due_at <= CAST(strftime('%s','now') AS INTEGER)) AS v");
}

async function advance(port, key, clock, target, idemKey) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/test_helpers/test_clocks/${clock}/advance`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded',
      'Idempotency-Key': idemKey },
    body: `frozen_time=${target}`,
  });
  return { status: res.status, json: await res.json() };
}

function clockTime(dbPath, clock) {
  return Number(one(dbPath, `SELECT frozen_time AS v FROM test_clocks WHERE id = '${clock}'`));
}

test(`crash safety: ${N} + ${CLOCK_N} renewals, ${KILLS} SIGKILLs, seed ${SEED}`, { timeout: FINISH_MS }, async (t) => {
  const t0 = Date.now();
  const random = rng(SEED);
  const dir = fs.mkdtempSync(path.join(process.env.CRASH_DIR || os.tmpdir(), 'recur-crash-'));
  const dbPath = path.join(dir, 'crash.db');
  t.diagnostic(`seed ${SEED} (CRASH_SEED=${SEED} replays the kill delays), dir ${dir}`);
  const g = JSON.parse(execFileSync(GEN, ['-o', dbPath, '-n', String(N), '-c', String(CLOCK_N)]).toString());
  const genSeq = Number(one(dbPath, 'SELECT max(seq) AS v FROM events'));
  const tGen = Date.now();
  t.diagnostic(`generated ${N} + ${CLOCK_N} subscriptions in ${((tGen - t0) / 1000).toFixed(1)} s`);

  const server = new Server(dbPath, await freePort(), path.join(dir, 'serve.log'));
  const kills = [];
  // A failed assertion must not leave the server running (node would wait for it).
  t.after(() => {
    t.diagnostic(`kills: ${JSON.stringify(kills)}`);
    if (server.child && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
    }
  });
  const clockKills = g.clock ? Math.max(1, Math.round(KILLS / 5)) : 0;
  const wallKills = KILLS - clockKills;

  // 1. The scheduler's run, killed wallKills times. Each life lasts a random
  // share of the time the remaining work should take at the rate measured so
  // far, so kills spread over the whole run (start-up included).
  let rate = RATE_GUESS;
  for (let k = 0; k < wallKills; k++) {
    const before = wallDue(dbPath);
    const expectMs = (before / rate) * 1000;
    // ... but before the work should be done, so each kill lands in the run.
    const delay = 20 + Math.floor(random() * Math.min(2 * expectMs / (wallKills - k + 1), 0.8 * expectMs));
    server.start();
    const born = Date.now();
    await sleep(delay);
    await server.kill();
    const after = wallDue(dbPath);
    const lived = (Date.now() - born) / 1000;
    if (before > after && lived > 0.5) rate = (before - after) / lived;
    kills.push({ phase: 'scheduler', delay, due_before: before, due_after: after });
  }
  server.start();
  const finishBy = Date.now() + FINISH_MS;
  while (wallDue(dbPath) > 0) {
    assert.ok(Date.now() < finishBy, 'the scheduler did not finish the run');
    await sleep(200);
  }
  const tWall = Date.now();

  // 2. The test clock's advance, one transaction over all its subscriptions:
  // killed clockKills times while it runs, the client re-issuing it after each
  // restart unless the clock already shows the new time (an advance that
  // committed before the kill). A fresh Idempotency-Key per try: the old one
  // is held "running" by the dead request (docs/crash.md, findings).
  if (g.clock) {
    await server.ready();
    let expectMs = (CLOCK_N / rate) * 1000;
    for (let k = 0; k < clockKills; k++) {
      // Once the clock shows the target (an advance answered before its kill),
      // the re-issue is refused (400) and the kill lands on an idle server.
      const done = clockTime(dbPath, g.clock) === g.clock_target;
      const delay = Math.floor(random() * 0.8 * expectMs);
      const started = Date.now();
      const req = advance(server.port, g.secret_key, g.clock, g.clock_target, `adv-${k}`)
        .catch((err) => ({ status: 0, error: String(err) }));
      await sleep(delay);
      await server.kill();
      const res = await req;
      kills.push({ phase: 'advance', delay, answered: res.status });
      if (res.status === 200) expectMs = Date.now() - started;
      if (done) assert.ok(res.status === 0 || res.status === 400, JSON.stringify(res));
      server.start();
      await server.ready();
      // The same key again, as a client retrying would send it. Never a second
      // run: the stored answer of a request that answered before the kill
      // (200, or 400 when the clock had already moved), a refusal (409) while
      // the dead request's key is held (its change committed but its answer
      // was lost, or "in progress" until IDEM_ABANDONED, 60 s, has passed), or,
      // when the dead request never claimed the key, a first run (200).
      const movedBefore = clockTime(dbPath, g.clock) === g.clock_target;
      const same = await advance(server.port, g.secret_key, g.clock, g.clock_target, `adv-${k}`);
      if (same.status === 200) {
        assert.equal(same.json.frozen_time, g.clock_target);
      } else if (same.status === 400) {
        assert.ok(movedBefore && same.json.error.param === 'frozen_time', JSON.stringify(same.json));
      } else {
        assert.equal(same.status, 409, JSON.stringify(same.json));
        assert.equal(same.json.error.type, 'idempotency_error');
      }
    }
    if (clockTime(dbPath, g.clock) !== g.clock_target) {
      const res = await advance(server.port, g.secret_key, g.clock, g.clock_target, 'adv-final');
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.frozen_time, g.clock_target);
      assert.equal(res.json.status, 'ready');
    }
    // Re-issuing an advance that already happened changes nothing: 400, not a second run.
    const again = await advance(server.port, g.secret_key, g.clock, g.clock_target, 'adv-again');
    assert.equal(again.status, 400);
    assert.equal(again.json.error.param, 'frozen_time');
  }
  await server.stop();
  const tRun = Date.now();
  t.diagnostic(`scheduler run ${((tWall - tGen) / 1000).toFixed(1)} s, advance ${((tRun - tWall) / 1000).toFixed(1)} s,`
    + ` ${server.lives} server lives, ${kills.length} SIGKILLs`);
  assert.equal(kills.length, KILLS);

  // 3. What must hold.
  const q = (s) => sql(dbPath, s);
  const cnt = (s) => Number(one(dbPath, s));
  const total = N + CLOCK_N;
  const failingTotal = g.wall_failing + g.clock_failing;

  // Every subscription moved exactly one period on, from the period it renewed at.
  assert.deepEqual(q(`SELECT count(*) AS n FROM subscriptions WHERE periods_billed != 2
      OR current_period_start != (CASE WHEN test_clock IS NULL THEN ${g.renew_at} ELSE ${g.clock_renew} END)`),
  [{ n: 0 }], 'subscriptions not renewed exactly once');
  assert.deepEqual(q("SELECT status, count(*) AS n FROM subscriptions GROUP BY status ORDER BY status"),
    [{ status: 'active', n: total - failingTotal }, { status: 'past_due', n: failingTotal }]);

  // Exactly one renewal invoice per subscription, for the renewed period.
  assert.deepEqual(q(`SELECT subscription, count(*) AS n FROM invoices
      WHERE billing_reason = 'subscription_cycle' GROUP BY 1 HAVING n != 1 LIMIT 5`), [], 'two renewal invoices');
  assert.equal(cnt(`SELECT count(*) FROM invoices i JOIN subscriptions s ON s.id = i.subscription
      WHERE i.billing_reason = 'subscription_cycle' AND i.period_start = s.current_period_start`), total,
  'a subscription without its renewal invoice');
  assert.deepEqual(q("SELECT status, count(*) AS n FROM invoices WHERE billing_reason = 'subscription_cycle'"
    + ' GROUP BY status ORDER BY status'),
  [{ status: 'open', n: failingTotal }, { status: 'paid', n: total - failingTotal }]);

  // One payment intent per (invoice, attempt), one charge per intent, at most one that succeeded.
  assert.deepEqual(q('SELECT invoice, attempt, count(*) AS n FROM payment_intents GROUP BY 1, 2 HAVING n > 1'), []);
  assert.deepEqual(q('SELECT payment_intent, count(*) AS n FROM charges GROUP BY 1 HAVING n > 1'), []);
  assert.deepEqual(q("SELECT payment_intent, count(*) AS n FROM charges WHERE status = 'succeeded' GROUP BY 1 HAVING n > 1"), []);
  assert.equal(cnt("SELECT count(*) FROM payment_intents p JOIN invoices i ON i.id = p.invoice"
    + " WHERE i.billing_reason = 'subscription_cycle'"), total, 'one attempt per renewal');
  // The gateway (sandbox) moved money exactly as often as recur recorded a charge.
  assert.equal(cnt("SELECT count(*) FROM gateway_sandbox_attempts WHERE kind = 'charge'"), cnt('SELECT count(*) FROM charges'));
  assert.equal(cnt("SELECT count(*) FROM gateway_sandbox_attempts WHERE kind = 'charge'"
    + ' AND idempotency_key IN (SELECT gateway_key FROM payment_intents)'), cnt('SELECT count(*) FROM charges'));

  // Ledger sources are unique; invoice numbers are gapless in the tenant's series.
  assert.deepEqual(q('SELECT source, line, count(*) AS n FROM ledger_entries GROUP BY 1, 2 HAVING n > 1'), []);
  const numbers = q("SELECT count(*) AS n, count(DISTINCT number) AS d, max(CAST(substr(number, 5) AS INTEGER)) AS m"
    + ' FROM invoices WHERE number IS NOT NULL')[0];
  const next = cnt("SELECT next_number FROM invoice_number_sequences WHERE prefix = 'RCR'");
  assert.deepEqual(numbers, { n: 2 * total, d: 2 * total, m: 2 * total });
  assert.equal(next, 2 * total + 1);

  // Events. A duplicate is two events of the same type whose data (the object
  // as sent and its previous_attributes) are identical: what a step that ran
  // twice would append. Beyond that, each renewal's events come exactly once:
  // per renewal invoice one invoice.created, invoice.finalized and either
  // invoice.paid + invoice.payment_succeeded or invoice.payment_failed; per
  // subscription one customer.subscription.updated (two when declined: the
  // renewal and past_due); per payment intent one payment_intent.created;
  // per subscription one invoice.upcoming before its renewal.
  assert.deepEqual(q(`SELECT type, count(*) AS n FROM events WHERE seq > ${genSeq} GROUP BY type, data HAVING n > 1 LIMIT 5`), []);
  const once = ['invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded',
    'invoice.payment_failed', 'payment_intent.created', 'payment_intent.succeeded',
    'payment_intent.payment_failed', 'charge.succeeded', 'charge.failed'].map((x) => `'${x}'`).join(', ');
  assert.deepEqual(q(`SELECT type, json_extract(data, '$.object.id') AS id, count(*) AS n FROM events
      WHERE seq > ${genSeq} AND type IN (${once}) GROUP BY 1, 2 HAVING n > 1 LIMIT 5`), [],
  'an event sent twice for one object');
  // invoice.upcoming (7 days before each renewal, docs/webhooks.md) has no
  // invoice id: once per subscription.
  assert.deepEqual(q(`SELECT json_extract(data, '$.object.subscription') AS sub, count(*) AS n
      FROM events WHERE seq > ${genSeq} AND type = 'invoice.upcoming' GROUP BY 1 HAVING n > 1 LIMIT 5`), [],
  'an invoice.upcoming sent twice for one subscription');
  assert.deepEqual(q(`SELECT type, count(*) AS n FROM events WHERE seq > ${genSeq}
      AND type NOT LIKE 'test_helpers.%' GROUP BY type ORDER BY type`), [
    { type: 'charge.failed', n: failingTotal },
    { type: 'charge.succeeded', n: total - failingTotal },
    { type: 'customer.subscription.updated', n: total + failingTotal },
    { type: 'invoice.created', n: total },
    { type: 'invoice.finalized', n: total },
    { type: 'invoice.paid', n: total - failingTotal },
    { type: 'invoice.payment_failed', n: failingTotal },
    { type: 'invoice.payment_succeeded', n: total - failingTotal },
    { type: 'invoice.upcoming', n: total },
    { type: 'payment_intent.created', n: total },
    { type: 'payment_intent.payment_failed', n: failingTotal },
    { type: 'payment_intent.succeeded', n: total - failingTotal },
  ]);
  if (g.clock) {
    assert.equal(cnt(`SELECT count(*) FROM events WHERE seq > ${genSeq} AND type = 'test_helpers.test_clock.ready'`), 1);
  }

  // The books.
  const verify = spawnSync(BIN, ['verify', '--db', `sqlite:${dbPath}`]);
  assert.equal(verify.status, 0, verify.stdout.toString());
  t.diagnostic(`checked in ${((Date.now() - tRun) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (!process.env.CRASH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});
