// ledger.test.js - the receivables ledger over HTTP and `recur verify` on a real
// server's database: the customer ledger and statement (empty, then with the
// rows the posting templates write, seeded with sqlite3 because no endpoint
// posts), the aging report over invoices made through the SDK on a test clock,
// and verify passing, then failing by name after one ledger row is corrupted.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

const DAY = 86400;
const T = 1772323200; // 2026-03-01 00:00:00 UTC, the test clock's start

let server, tenant, stripe;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Ledger AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

function verify(...args) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

async function get(path, key = tenant.secret_key) {
  const res = await server.raw('GET', path, { key });
  return res;
}

test('recur verify on a fresh database passes and prints every check', () => {
  const r = verify();
  assert.equal(r.status, 0, r.out + r.err);
  for (const mode of ['test', 'live']) assert.match(r.out, new RegExp(`tenant ${tenant.id}, ${mode} mode`));
  for (const check of ['entries are well formed: 0 entries', 'every posting balances: 0 postings',
    'debits equal credits: debits 0 = credits 0', 'customer balances equal their entries: 0 customers',
    'entries name existing customers']) {
    assert.match(r.out, new RegExp(`\\n  ok    ${check}`), check);
  }
  assert.match(r.out, /paid invoices have a payment/);
  assert.match(r.out, /no invoice attempt charged twice/);
  assert.match(r.out, /credit notes agree with invoices and ledger/);
  assert.match(r.out, /\nok: 16 checks, 0 failed/);

  assert.equal(verify('--help').status, 0);
  assert.match(verify('--help').out, /usage: recur verify/);
  assert.equal(verify('--bogus').status, 2);
  assert.equal(verify('extra').status, 2);
  const missing = verify('--tenant', 'acct_nope');
  assert.equal(missing.status, 2);
  assert.match(missing.err, /No such tenant: 'acct_nope'/);
});

test('an empty ledger and statement have their shapes; bad input names its parameter', async () => {
  const cus = await stripe.customers.create({ name: 'Ola', currency: 'nok' });
  const l = await get(`/v1/customers/${cus.id}/ledger`);
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.json, {
    object: 'list', url: `/v1/customers/${cus.id}/ledger`, has_more: false, data: [],
    currency: 'nok', receivable: 0, credit_balance: 0, refunds_payable: 0, balance: 0,
  });
  const s = await get(`/v1/customers/${cus.id}/statement`);
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json, {
    object: 'customer_statement', livemode: false, customer: cus.id, currency: 'nok',
    from: null, to: null, opening_balance: 0, total_debit: 0, total_credit: 0,
    closing_balance: 0, entries: [],
  });
  // A customer without a currency and without entries: no currency to show.
  const bare = await stripe.customers.create({ name: 'Bare' });
  assert.equal((await get(`/v1/customers/${bare.id}/ledger`)).json.currency, null);

  const notFound = await get('/v1/customers/cus_nope/ledger');
  assert.equal(notFound.status, 404);
  assert.equal(notFound.json.error.code, 'resource_missing');
  for (const [path, param] of [
    [`/v1/customers/${cus.id}/ledger?limit=0`, 'limit'],
    [`/v1/customers/${cus.id}/ledger?currency=xyz`, 'currency'],
    [`/v1/customers/${cus.id}/ledger?starting_after=le_nope`, 'starting_after'],
    [`/v1/customers/${cus.id}/ledger?account=revenue`, 'account'],
    [`/v1/customers/${cus.id}/statement?from=10&to=5`, 'to'],
    [`/v1/customers/${cus.id}/statement?from=soon`, 'from'],
    ['/v1/reports/aging?as_of=yesterday', 'as_of'],
    ['/v1/reports/aging?customer=cus_nope', 'customer'],
    ['/v1/reports/aging?limit=101', 'limit'],
  ]) {
    const r = await get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.json.error.param, param, path);
  }
  // Another tenant's key sees no such customer.
  const other = server.tenant('Other AS');
  assert.equal((await get(`/v1/customers/${cus.id}/ledger`, other.secret_key)).status, 404);
  assert.equal((await server.raw('GET', `/v1/customers/${cus.id}/ledger`)).status, 401);
});

// The rows svc_ledger_post writes for an invoice of 1 250.00 (1 000.00 + 25 % VAT)
// finalized at T and paid by card at T + 3 days.
function seedPosting(tenantId, cus) {
  const rows = [
    ['le_seed0', T, 'invoice:in_seed:finalized', 0, 'receivables', `'${cus}'`, 125000, 0, 'NULL', 'Invoice finalized'],
    ['le_seed1', T, 'invoice:in_seed:finalized', 1, 'revenue', 'NULL', 0, 100000, 'NULL', 'Invoice finalized'],
    ['le_seed2', T, 'invoice:in_seed:finalized', 2, 'tax_payable', 'NULL', 0, 25000, 250000, 'Invoice finalized'],
    ['le_seed3', T + 3 * DAY, 'payment:pi_seed', 0, 'payment_clearing', 'NULL', 125000, 0, 'NULL', 'Payment received'],
    ['le_seed4', T + 3 * DAY, 'payment:pi_seed', 1, 'receivables', `'${cus}'`, 0, 125000, 'NULL', 'Payment received'],
  ];
  const values = rows.map(([id, created, source, line, account, customer, debit, credit, rate, desc]) =>
    `('${tenantId}', 0, '${id}', ${created}, '${source}', ${line}, '${account}', ${customer}, 'nok',` +
    ` ${debit}, ${credit}, ${rate}, '${desc}')`).join(', ');
  server.sql('INSERT INTO ledger_entries (tenant_id, livemode, id, created, source, line, account,' +
    ` customer, currency, debit, credit, vat_rate, description) VALUES ${values}`);
}

test('a customer ledger and statement over posted entries, and verify catching a corrupted row', async () => {
  const t = server.tenant('Books AS');
  const s = server.client(t.secret_key);
  const cus = await s.customers.create({ name: 'Kari', currency: 'nok' });
  seedPosting(t.id, cus.id);

  const l = await get(`/v1/customers/${cus.id}/ledger`, t.secret_key);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.json.receivable, 0);
  assert.equal(l.json.balance, 0);
  // Her own accounts only, newest first, each with the balance after it.
  assert.deepEqual(l.json.data, [
    { id: 'le_seed4', object: 'ledger_entry', created: T + 3 * DAY, livemode: false,
      source: 'payment:pi_seed', line: 1, account: 'receivables', customer: cus.id, currency: 'nok',
      debit: 0, credit: 125000, vat_rate: null, description: 'Payment received', running_balance: 0 },
    { id: 'le_seed0', object: 'ledger_entry', created: T, livemode: false,
      source: 'invoice:in_seed:finalized', line: 0, account: 'receivables', customer: cus.id,
      currency: 'nok', debit: 125000, credit: 0, vat_rate: null, description: 'Invoice finalized',
      running_balance: 125000 },
  ]);
  const page = await get(`/v1/customers/${cus.id}/ledger?limit=1`, t.secret_key);
  assert.equal(page.json.has_more, true);
  assert.deepEqual(page.json.data.map((x) => x.id), ['le_seed4']);
  const next = await get(`/v1/customers/${cus.id}/ledger?limit=1&starting_after=le_seed4`, t.secret_key);
  assert.equal(next.json.has_more, false);
  assert.deepEqual(next.json.data.map((x) => [x.id, x.running_balance]), [['le_seed0', 125000]]);

  // A statement from the day of the payment opens with the invoice owed.
  const st = await get(`/v1/customers/${cus.id}/statement?from=${T + DAY}&to=${T + 30 * DAY}`, t.secret_key);
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.from, T + DAY);
  assert.equal(st.json.to, T + 30 * DAY);
  assert.equal(st.json.opening_balance, 125000);
  assert.equal(st.json.closing_balance, 0);
  assert.equal(st.json.total_credit, 125000);
  assert.deepEqual(st.json.entries.map((x) => [x.id, x.running_balance]), [['le_seed4', 0]]);

  let r = verify('--tenant', t.id);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /ok    entries are well formed: 5 entries/);
  assert.match(r.out, /ok    every posting balances: 2 postings/);
  assert.match(r.out, /ok    debits equal credits: debits 250000 = credits 250000/);
  assert.match(r.out, /ok    debits equal credits per currency: nok: debits 250000 = credits 250000/);
  assert.match(r.out, /ok    customer balances equal their entries: 1 customers/);

  // One row off by 1.00: the posting, the books and Kari's balance all say so.
  server.sql("UPDATE ledger_entries SET credit = credit - 100 WHERE id = 'le_seed4'");
  r = verify('--tenant', t.id);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /FAIL  every posting balances: 1 of 2 postings do not balance/);
  assert.match(r.out, /posting payment:pi_seed: debits 125000, credits 124900/);
  assert.match(r.out, /FAIL  debits equal credits: debits 250000, credits 249900/);
  assert.match(r.out, /FAIL  customer balances equal their entries: 1 of 1 customers/);
  assert.match(r.out, new RegExp(`Customer ${cus.id} \\(nok\\): balance 0 and receivable 100`));
  assert.match(r.out, /FAIL  debits equal credits per currency: nok: debits 250000 != credits 249900/);
  assert.match(r.out, /\nFAIL: 17 checks, 4 failed, 0 skipped\n$/);
  // The API reads what is there: her ledger now says she owes 1.00.
  assert.equal((await get(`/v1/customers/${cus.id}/ledger`, t.secret_key)).json.receivable, 100);
});

// A send_invoice invoice of amount for cus, due days after finalization.
async function openInvoice(s, cus, amount, days) {
  await s.invoiceItems.create({ customer: cus.id, amount, currency: 'nok', description: 'Work' });
  const draft = await s.invoices.create({ customer: cus.id, collection_method: 'send_invoice',
    days_until_due: days, pending_invoice_items_behavior: 'include' });
  const inv = await s.invoices.finalizeInvoice(draft.id);
  assert.equal(inv.status, 'open');
  assert.equal(inv.due_date, T + days * DAY);
  return inv;
}

function row(report, cus) {
  return report.data.find((r) => r.customer === cus.id);
}

function buckets(r) {
  return [r.current, r['1_30'], r['31_60'], r['61_90'], r.over_90, r.total];
}

test('the aging report buckets open invoices by days past due on a test clock', async () => {
  const t = server.tenant('Aging AS');
  const s = server.client(t.secret_key);
  const clock = await s.testHelpers.testClocks.create({ frozen_time: T });
  const a = await s.customers.create({ name: 'A', currency: 'nok', test_clock: clock.id });
  const b = await s.customers.create({ name: 'B', currency: 'nok', test_clock: clock.id });
  await openInvoice(s, a, 1000, 1);
  await openInvoice(s, a, 2000, 10);
  await openInvoice(s, a, 4000, 40);
  await openInvoice(s, a, 8000, 70);
  await openInvoice(s, b, 16000, 10);
  // Paid and void invoices owe nothing and stay out.
  const paid = await openInvoice(s, b, 32000, 10);
  await s.invoices.pay(paid.id, { paid_out_of_band: true });
  const voided = await openInvoice(s, b, 64000, 10);
  await s.invoices.voidInvoice(voided.id);

  const aging = async (q = '') => {
    const r = await get(`/v1/reports/aging${q}`, t.secret_key);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  let r = await aging(`?as_of=${T}`);
  assert.equal(r.object, 'aging_report');
  assert.equal(r.as_of, T);
  assert.equal(r.livemode, false);
  assert.deepEqual(r.buckets, ['current', '1_30', '31_60', '61_90', 'over_90']);
  assert.equal(r.has_more, false);
  assert.deepEqual(row(r, a), { customer: a.id, currency: 'nok', current: 15000, '1_30': 0,
    '31_60': 0, '61_90': 0, over_90: 0, total: 15000, invoices: 4 });
  assert.deepEqual(buckets(row(r, b)), [16000, 0, 0, 0, 0, 16000]);
  assert.deepEqual(r.totals, [{ currency: 'nok', current: 31000, '1_30': 0, '31_60': 0,
    '61_90': 0, over_90: 0, total: 31000, invoices: 5 }]);

  // The clock moves five days: the invoice due on day 1 is four days late.
  const moved = await s.testHelpers.testClocks.advance(clock.id, { frozen_time: T + 5 * DAY });
  r = await aging(`?as_of=${moved.frozen_time}`);
  assert.deepEqual(buckets(row(r, a)), [14000, 1000, 0, 0, 0, 15000]);
  assert.deepEqual(buckets(row(r, b)), [16000, 0, 0, 0, 0, 16000]);

  // Fifty days on: 49 and 40 days late, 10 days late, not yet due.
  r = await aging(`?as_of=${T + 50 * DAY}`);
  assert.deepEqual(buckets(row(r, a)), [8000, 4000, 3000, 0, 0, 15000]);
  assert.deepEqual(buckets(row(r, b)), [0, 0, 16000, 0, 0, 16000]);
  assert.deepEqual(buckets(r.totals[0]), [8000, 4000, 19000, 0, 0, 31000]);

  // 120 days on: 119 and 110 days over 90, 80 in 61_90, 50 in 31_60.
  r = await aging(`?as_of=${T + 120 * DAY}`);
  assert.deepEqual(buckets(row(r, a)), [0, 0, 8000, 4000, 3000, 15000]);
  assert.deepEqual(buckets(r.totals[0]), [0, 0, 8000, 4000, 19000, 31000]);

  // One customer a page, totals over all; and one customer only.
  const first = await aging(`?as_of=${T}&limit=1`);
  assert.equal(first.data.length, 1);
  assert.equal(first.has_more, true);
  assert.equal(first.totals[0].total, 31000);
  const second = await aging(`?as_of=${T}&limit=1&starting_after=${first.data[0].customer}`);
  assert.equal(second.data.length, 1);
  assert.equal(second.has_more, false);
  assert.deepEqual([first.data[0].customer, second.data[0].customer].sort(), [a.id, b.id].sort());
  const onlyB = await aging(`?as_of=${T}&customer=${b.id}`);
  assert.deepEqual(onlyB.data.map((x) => x.customer), [b.id]);
  assert.deepEqual(buckets(onlyB.totals[0]), [16000, 0, 0, 0, 0, 16000]);

  // Without as_of the report is as of now (the server's clock), and another tenant sees nothing.
  const now = await aging();
  assert.equal(typeof now.as_of, 'number');
  assert.equal(now.totals[0].total, 31000);
  const other = await get('/v1/reports/aging', tenant.secret_key);
  assert.equal(other.status, 200);
  assert.equal(other.json.data.some((x) => x.customer === a.id), false);
});
