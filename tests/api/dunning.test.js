'use strict';
// dunning.test.js - recur's dunning settings and send_invoice reminders
// (docs/payments.md): GET/POST /v1/settings/dunning validated against the
// Nordic limits; a send_invoice invoice (days_until_due 14, SEK) gets two
// reminders on schedule under a policy of 2 reminders with a 60 SEK fee, each
// adding the fee to what it owes as a line and posting it to the ledger; a
// payment stop (invoice or customer) halts them and lifting it resumes;
// late-payment interest accrues per reminder; voiding an invoice with fees
// takes them back; `recur verify` is clean afterwards.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const DAY = 86400;
const T0 = 1777593600; // 2026-05-01
const AMOUNT = 100000; // 1 000.00 SEK
const FEE = 6000;      // 60.00 SEK, Sweden's cap

const form = (o) => new URLSearchParams(o).toString();

async function post(w, path, body) {
  return server.raw('POST', path, { key: w.tenant.secret_key, body: form(body) });
}

async function all(list) {
  const out = [];
  for await (const x of list) out.push(x);
  return out;
}

async function world() {
  const tenant = server.tenant(`Dunning ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const customer = await stripe.customers.create({ email: 'kund@example.se', test_clock: clock.id });
  return { tenant, stripe, clock, customer };
}

async function policy(w) {
  const r = await post(w, '/v1/settings/dunning', {
    'reminders[count]': '2', 'reminders[first_days]': '14', 'reminders[interval_days]': '14',
    'reminders[fee][sek]': String(FEE),
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function sendInvoice(w) {
  await w.stripe.invoiceItems.create({ customer: w.customer.id, amount: AMOUNT, currency: 'sek',
    description: 'Konsulttimmar' });
  const draft = await w.stripe.invoices.create({ customer: w.customer.id, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include' });
  const inv = await w.stripe.invoices.finalizeInvoice(draft.id);
  assert.equal(inv.status, 'open');
  assert.equal(inv.due_date, T0 + 14 * DAY);
  assert.equal(inv.amount_due, AMOUNT);
  return inv;
}

const advance = (w, t) => w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: t });
const reminders = async (w) => (await all(w.stripe.events.list({ type: 'invoice.reminder', limit: 100 }))).reverse();

function assertVerified(t) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', t.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /FAIL/);
}

test('settings/dunning: defaults, an update, and the Swedish fee cap', async () => {
  const w = await world();
  const def = await server.raw('GET', '/v1/settings/dunning', { key: w.tenant.secret_key });
  assert.equal(def.status, 200, def.text);
  assert.deepEqual(def.json.retries, { days: [3, 5, 7], final_action: 'cancel' });
  assert.deepEqual(def.json.reminders, { count: 2, first_days: 14, interval_days: 14, fee: {} });
  assert.deepEqual(def.json.late_interest, { annual_rate_bps: 0 });

  const set = await policy(w);
  assert.deepEqual(set.reminders.fee, { sek: FEE });
  const got = await server.raw('GET', '/v1/settings/dunning', { key: w.tenant.secret_key });
  assert.deepEqual(got.json, set);

  const over = await post(w, '/v1/settings/dunning', { 'reminders[fee][sek]': '7500' });
  assert.equal(over.status, 400, over.text);
  assert.equal(over.json.error.param, 'reminders[fee][sek]');
  const bad = await post(w, '/v1/settings/dunning', { 'retries[final_action]': 'explode' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'retries[final_action]');
  const unknown = await post(w, '/v1/settings/dunning', { 'reminders[colour]': 'red' });
  assert.equal(unknown.status, 400);
  const after = await server.raw('GET', '/v1/settings/dunning', { key: w.tenant.secret_key });
  assert.deepEqual(after.json, set, 'a refused update changes nothing');

  const retries = await post(w, '/v1/settings/dunning', { 'retries[days][0]': '2', 'retries[days][1]': '4',
    'retries[final_action]': 'unpaid' });
  assert.equal(retries.status, 200, retries.text);
  assert.deepEqual(retries.json.retries, { days: [2, 4], final_action: 'unpaid' });
  assert.deepEqual(retries.json.reminders.fee, { sek: FEE }, 'a POST keeps what it does not name');
});

test('two reminders with a 60 SEK fee each; a payment stop halts them, lifting it resumes', async () => {
  const w = await world();
  await policy(w);
  const inv = await sendInvoice(w);
  const due = T0 + 14 * DAY;

  await advance(w, due + 14 * DAY - 1);
  assert.equal((await reminders(w)).length, 0);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).amount_due, AMOUNT);

  // Reminder 1: 14 days after the due date, with the fee.
  await advance(w, due + 14 * DAY);
  let ev = await reminders(w);
  assert.equal(ev.length, 1);
  assert.equal(ev[0].data.object.id, inv.id);
  assert.deepEqual(ev[0].data.object.reminder, { number: 1, fee: FEE, interest: 0, sent_at: due + 14 * DAY });
  let cur = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(cur.amount_due, AMOUNT + FEE);
  assert.equal(cur.amount_remaining, AMOUNT + FEE);

  // A payment stop on the invoice: reminder 2 (due + 28 days) does not come.
  const stop = await post(w, `/v1/invoices/${inv.id}/payment_stop`, { enabled: 'true' });
  assert.equal(stop.status, 200, stop.text);
  assert.equal(stop.json.enabled, true);
  await advance(w, due + 35 * DAY);
  assert.equal((await reminders(w)).length, 1);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).amount_due, AMOUNT + FEE);

  // Lifted: the reminder that fell due meanwhile runs with the next advance, dated when it was due.
  const lift = await post(w, `/v1/invoices/${inv.id}/payment_stop`, { enabled: 'false' });
  assert.equal(lift.status, 200, lift.text);
  await advance(w, due + 36 * DAY);
  ev = await reminders(w);
  assert.equal(ev.length, 2);
  assert.deepEqual(ev[1].data.object.reminder, { number: 2, fee: FEE, interest: 0, sent_at: due + 28 * DAY });
  cur = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(cur.amount_due, AMOUNT + 2 * FEE);
  assert.equal(cur.amount_remaining, AMOUNT + 2 * FEE);
  // Each fee is a line of the invoice, and the totals are the sum of the lines.
  assert.equal(cur.subtotal, AMOUNT + 2 * FEE);
  assert.equal(cur.total, AMOUNT + 2 * FEE);
  assert.equal(cur.reminder_fees, 2 * FEE);
  assert.equal(cur.late_interest, 0);
  const lines = await all(w.stripe.invoices.listLineItems(inv.id));
  assert.deepEqual(lines.map((l) => [l.description, l.amount, l.period.start, l.taxes.length]), [
    ['Reminder fee (reminder 2)', FEE, due + 28 * DAY, 0],
    ['Reminder fee (reminder 1)', FEE, due + 14 * DAY, 0],
    ['Konsulttimmar', AMOUNT, T0, 0],
  ]);

  // The count is spent: no third reminder.
  await advance(w, due + 90 * DAY);
  assert.equal((await reminders(w)).length, 2);

  // The ledger: the receivable is the invoice plus both fees; paying it all settles it.
  const ledger = await server.raw('GET', `/v1/customers/${w.customer.id}/ledger?limit=100`,
    { key: w.tenant.secret_key });
  assert.equal(ledger.status, 200, ledger.text);
  const fees = JSON.parse(server.sql(`SELECT COALESCE(SUM(credit), 0) - COALESCE(SUM(debit), 0) AS net
    FROM ledger_entries WHERE tenant_id = '${w.tenant.id}' AND account = 'fees'`))[0].net;
  assert.equal(fees, 2 * FEE);
  const paid = await w.stripe.invoices.pay(inv.id, { paid_out_of_band: true });
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, AMOUNT + 2 * FEE);
  assertVerified(w.tenant);
});

test('a payment stop on the customer halts reminders of its invoices until lifted', async () => {
  const w = await world();
  await policy(w);
  const inv = await sendInvoice(w);
  const due = T0 + 14 * DAY;

  const stop = await post(w, `/v1/customers/${w.customer.id}/payment_stop`, { enabled: 'true' });
  assert.equal(stop.status, 200, stop.text);
  await advance(w, due + 30 * DAY);
  assert.equal((await reminders(w)).length, 0);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).amount_due, AMOUNT);

  await post(w, `/v1/customers/${w.customer.id}/payment_stop`, { enabled: 'false' });
  await advance(w, due + 31 * DAY);
  const ev = await reminders(w);
  assert.deepEqual(ev.map((e) => e.data.object.reminder.number), [1, 2]);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).amount_due, AMOUNT + 2 * FEE);

  const missing = await post(w, '/v1/customers/cus_nope/payment_stop', { enabled: 'true' });
  assert.equal(missing.status, 404);
  const noFlag = await post(w, `/v1/invoices/${inv.id}/payment_stop`, {});
  assert.equal(noFlag.status, 400);
  assertVerified(w.tenant);
});

test('the scheduler inside recur serve sends a due reminder of a wall-clock invoice', async () => {
  const tenant = server.tenant(`Dunning wall ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const w = { tenant, stripe };
  await policy(w);
  const customer = await stripe.customers.create({ email: 'vagg@example.se' });
  await stripe.invoiceItems.create({ customer: customer.id, amount: AMOUNT, currency: 'sek' });
  const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include' });
  const open = await stripe.invoices.finalizeInvoice(draft.id);
  // Due 15 days ago, so reminder 1 (due + 14 days) is due now and reminder 2 is not.
  const due = Math.floor(Date.now() / 1000) - 15 * DAY;
  server.sql(`PRAGMA busy_timeout = 10000; UPDATE invoices SET due_date = ${due},
    collection_due_at = ${due + 14 * DAY} WHERE id = '${open.id}';`);
  let inv = open;
  for (let i = 0; i < 40 && inv.amount_due === AMOUNT; i++) {
    await new Promise((r) => setTimeout(r, 250));
    inv = await stripe.invoices.retrieve(open.id);
  }
  assert.equal(inv.amount_due, AMOUNT + FEE);
  const ev = (await stripe.events.list({ type: 'invoice.reminder' })).data;
  assert.deepEqual(ev.map((e) => e.data.object.reminder), [{ number: 1, fee: FEE, interest: 0, sent_at: due + 14 * DAY }]);
  assertVerified(tenant);
});

test('late-payment interest: charged at each reminder for the days since the last charge, on the sale only', async () => {
  const w = await world();
  // 8 % a year (a Swedish reference rate plus 8 points is typical; the rate is the tenant's).
  const r = await post(w, '/v1/settings/dunning', {
    'reminders[count]': '2', 'reminders[first_days]': '14', 'reminders[interval_days]': '14',
    'reminders[fee][sek]': String(FEE), 'late_interest[annual_rate_bps]': '800',
  });
  assert.equal(r.status, 200, r.text);
  const inv = await sendInvoice(w);
  const due = T0 + 14 * DAY;

  await advance(w, due + 28 * DAY);
  const ev = await reminders(w);
  // 1 000.00 x 8 % x 14 / 365 = 3.0685 -> 3.07 (half up), both times: the first fee bears none.
  assert.deepEqual(ev.map((e) => e.data.object.reminder), [
    { number: 1, fee: FEE, interest: 307, sent_at: due + 14 * DAY },
    { number: 2, fee: FEE, interest: 307, sent_at: due + 28 * DAY },
  ]);
  const cur = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(cur.late_interest, 614);
  assert.equal(cur.reminder_fees, 2 * FEE);
  assert.equal(cur.amount_due, AMOUNT + 2 * FEE + 614);
  const lines = await all(w.stripe.invoices.listLineItems(inv.id));
  assert.deepEqual(lines.map((l) => [l.description, l.amount, l.period.start, l.period.end]), [
    ['Reminder fee (reminder 2)', FEE, due + 28 * DAY, due + 28 * DAY],
    ['Late-payment interest, 14 days at 8.00 % a year', 307, due + 14 * DAY, due + 28 * DAY],
    ['Reminder fee (reminder 1)', FEE, due + 14 * DAY, due + 14 * DAY],
    ['Late-payment interest, 14 days at 8.00 % a year', 307, due, due + 14 * DAY],
    ['Konsulttimmar', AMOUNT, T0, T0],
  ]);
  const interest = JSON.parse(server.sql(`SELECT COALESCE(SUM(credit), 0) - COALESCE(SUM(debit), 0) AS net
    FROM ledger_entries WHERE tenant_id = '${w.tenant.id}' AND account = 'interest'`))[0].net;
  assert.equal(interest, 614);
  assertVerified(w.tenant);
});

test('voiding an invoice with fees and interest takes them back from fees and interest', async () => {
  const w = await world();
  const r = await post(w, '/v1/settings/dunning', {
    'reminders[count]': '1', 'reminders[first_days]': '10', 'reminders[fee][sek]': String(FEE),
    'late_interest[annual_rate_bps]': '1000',
  });
  assert.equal(r.status, 200, r.text);
  const inv = await sendInvoice(w);
  await advance(w, T0 + 24 * DAY);
  const open = await w.stripe.invoices.retrieve(inv.id);
  // 1 000.00 x 10 % x 10 / 365 = 2.739... -> 2.74
  assert.equal(open.amount_due, AMOUNT + FEE + 274);
  const voided = await w.stripe.invoices.voidInvoice(inv.id);
  assert.equal(voided.status, 'void');
  const net = (account) => JSON.parse(server.sql(`SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) AS net
    FROM ledger_entries WHERE tenant_id = '${w.tenant.id}' AND account = '${account}'`))[0].net;
  assert.equal(net('receivables'), 0);
  assert.equal(net('fees'), 0);
  assert.equal(net('interest'), 0);
  assert.equal(net('revenue'), 0);
  assertVerified(w.tenant);
});
