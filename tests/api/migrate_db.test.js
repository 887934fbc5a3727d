// migrate_db.test.js - `recur migrate-db` (issue 9, docs/scaling.md): a SQLite
// database built through the API (customers on a test clock, card
// subscriptions renewed twice, their payments, a credit note, a CSV import) is
// copied to a new PostgreSQL database; the counts per table and the verify
// reports are equal, a few tables are identical row by row (ids, amounts,
// JSON), `recur verify` on PostgreSQL is clean, and `recur serve` on the copy
// answers the stripe SDK exactly as the SQLite server did, and goes on
// numbering after the copied rows. Runs under make api-pg (it needs
// RECUR_TEST_PG, the admin URL of a throw-away server); the source is always
// SQLite, whatever back end the rest of the suite runs on.
'use strict';
const pgAdmin = process.env.RECUR_TEST_PG || '';
delete process.env.RECUR_TEST_PG; // the harness starts the source server on SQLite

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, BIN, freePort, waitForPort } = require('./harness');

const T0 = 1767225600; // 2026-01-01 00:00:00 UTC
const DAY = 86400;
const CUSTOMERS_CSV = fs.readFileSync(path.join(__dirname, '../fixtures/import/customers.csv'), 'utf8');

function psql(url, q) {
  return execFileSync('psql', [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', q]).toString();
}

async function all(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

// What a client reads back: the objects migrate-db must keep exactly.
async function snapshot(s) {
  return {
    customers: await all(s.customers.list({ limit: 100 })),
    subscriptions: await all(s.subscriptions.list({ limit: 100, status: 'all' })),
    invoices: await all(s.invoices.list({ limit: 100 })),
    creditNotes: await all(s.creditNotes.list({ limit: 100 })),
    paymentIntents: await all(s.paymentIntents.list({ limit: 100 })),
    events: await all(s.events.list({ limit: 100 })),
  };
}

// The tables compared row by row: ids, amounts, JSON text and seq as stored.
const SAME_ROWS = ['customers', 'subscriptions', 'invoices', 'invoice_lines', 'payment_intents',
  'credit_notes', 'ledger_entries', 'events', 'imports', 'audit_log'];

test('a SQLite database copied to PostgreSQL: equal counts and rows, verify clean, served the same',
  { skip: pgAdmin ? false : 'needs RECUR_TEST_PG (make api-pg)' }, async () => {
    const server = await startServer();
    const name = `recur_migrate_${process.pid}`;
    let pgServe = null;
    try {
      // ---- the source, built through the API on SQLite
      const t = server.tenant('Migrering AS');
      const s = server.client(t.secret_key);
      const clock = await s.testHelpers.testClocks.create({ frozen_time: T0 });
      const product = await s.products.create({ name: 'Pro' });
      const price = await s.prices.create({ product: product.id, currency: 'nok', unit_amount: 19900,
        recurring: { interval: 'month' } });
      for (let i = 0; i < 3; i++) {
        const cus = await s.customers.create({ name: `Kunde ${i}`, currency: 'nok', test_clock: clock.id,
          metadata: { n: String(i) } });
        const pm = await s.paymentMethods.attach('pm_card_visa', { customer: cus.id });
        await s.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
        await s.subscriptions.create({ customer: cus.id, items: [{ price: price.id }] });
      }
      await s.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 31 * DAY + 3600 }); // Feb 1
      await s.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 59 * DAY + 3600 }); // Mar 1
      const paid = (await all(s.invoices.list({ limit: 100, status: 'paid' })));
      assert.equal(paid.length, 9, 'three first invoices and two renewals each, paid by card');
      await s.creditNotes.create({ invoice: paid[0].id, amount: 5000, credit_amount: 5000 });
      const imp = await server.raw('POST', '/v1/imports?type=customers',
        { key: t.secret_key, body: CUSTOMERS_CSV, headers: { 'Content-Type': 'text/csv' } });
      assert.equal(imp.status, 200, imp.text);
      assert.equal(imp.json.created_count, 4);
      const before = await snapshot(s);
      assert.equal(before.customers.length, 7);
      server.child.kill('SIGTERM'); // stopped, not removed: server.stop() cleans up at the end
      await new Promise((r) => server.child.once('exit', r));

      // ---- the copy
      psql(pgAdmin, `CREATE DATABASE ${name}`);
      const url = new URL(pgAdmin);
      url.pathname = `/${name}`;
      const pg = url.toString();
      const r = spawnSync(BIN, ['migrate-db', '--from', server.db, '--to', pg], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok: every count and check is the same$/m);
      assert.match(r.stdout, /^verify source: ok: \d+ checks, 0 failed/m);
      assert.match(r.stdout, /^verify target: ok: \d+ checks, 0 failed/m);
      const counts = {};
      for (const m of r.stdout.matchAll(/^(\w+) +(\d+) +(\d+)$/gm)) {
        assert.equal(m[2], m[3], `${m[1]} counts`);
        counts[m[1]] = Number(m[3]);
      }
      const sqliteCount = (tbl) => JSON.parse(server.sql(`SELECT count(*) AS n FROM ${tbl}`))[0].n;
      for (const tbl of ['customers', 'subscriptions', 'invoices', 'ledger_entries', 'events']) {
        assert.equal(counts[tbl], sqliteCount(tbl), tbl);
      }
      assert.equal(counts.customers, 7);
      assert.equal(counts.invoices, 9);
      assert.equal(counts.credit_notes, 1);

      // identical rows, ordered by their first column (seq or the id)
      for (const tbl of SAME_ROWS) {
        const want = JSON.parse(server.sql(`SELECT * FROM ${tbl} ORDER BY 1`) || '[]');
        const got = JSON.parse(psql(pg, `SELECT coalesce(json_agg(t ORDER BY 1), '[]') FROM`
          + ` (SELECT * FROM ${tbl} ORDER BY 1) t`));
        assert.ok(want.length > 0, `${tbl} has rows`);
        assert.deepEqual(got, want, tbl);
      }

      // a second copy into a database that is not empty is refused, and writes nothing
      const again = spawnSync(BIN, ['migrate-db', '--from', server.db, '--to', pg], { encoding: 'utf8' });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /The target is not empty: tenants has 1 rows/);
      assert.equal(psql(pg, 'SELECT count(*) FROM customers').trim(), '7');

      const v = spawnSync(BIN, ['verify', '--db', pg], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.doesNotMatch(v.stdout, /FAIL/);

      // ---- served from PostgreSQL: the same answers, and new rows after the copied ones
      const port = await freePort();
      pgServe = spawn(BIN, ['serve', '--db', pg, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
      await waitForPort(port, pgServe);
      const ps = server.client(t.secret_key, { port });
      assert.deepEqual(await snapshot(ps), before);
      const fresh = await ps.customers.create({ name: 'Etter flytting' });
      const listed = await ps.customers.list({ limit: 2 });
      assert.deepEqual(listed.data.map((c) => c.id), [fresh.id, before.customers[0].id]);
      assert.equal(psql(pg, `SELECT seq > (SELECT max(seq) FROM customers WHERE id <> '${fresh.id}')`
        + ` FROM customers WHERE id = '${fresh.id}'`).trim(), 't');
    } finally {
      if (pgServe && pgServe.exitCode === null) {
        pgServe.kill('SIGTERM');
        await new Promise((r) => pgServe.once('exit', r));
      }
      await server.stop();
      psql(pgAdmin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
