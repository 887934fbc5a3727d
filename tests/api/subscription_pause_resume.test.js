'use strict';
// subscription_pause_resume.test.js - the paused status
// (docs/billing.md#pausing-and-resuming-a-subscription) and scheduled
// cancellations, through the stripe SDK with test clocks (recur's own
// POST /v1/subscriptions/:id/pause through server.raw): a pause mid-period
// makes no invoices over two months of advance; resume with
// billing_cycle_anchor=now starts and invoices a new period, with unchanged
// it keeps the anchor and charges the rest of the period, exactly prorated;
// a resume inside the period paid before the pause bills no time twice;
// resumes_at resumes by itself, on a test clock and on the wall clock; a
// trial that ended in a pause resumes unchanged, prorated; cancel_at
// mid-period ends it with the
// credit its proration_behavior says; cancel_at_period_end=false and
// cancel_at="" reactivate; bad input names its parameter and changes
// nothing; `recur verify` is clean after every scenario.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const PRICE = 29900; // 299.00 NOK a month
const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;

// A tenant per scenario; a clock at start (none: the wall clock); a customer
// paying by card; a subscription.
async function world(start) {
  const tenant = server.tenant(`Paused ${start} ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = start ? await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) }) : null;
  const customer = await stripe.customers.create({ email: 'kunde@example.no',
    ...(clock ? { test_clock: clock.id } : {}) });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await stripe.products.create({ name: 'Pro' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: PRICE,
    recurring: { interval: 'month' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  assert.equal(sub.status, 'active');
  return { tenant, stripe, clock, customer, price, sub };
}

async function advance(w, to) {
  return w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc(to) });
}

async function all(list) {
  const out = [];
  for await (const x of list) out.push(x);
  return out;
}

async function invoicesOf(w) {
  return (await all(w.stripe.invoices.list({ subscription: w.sub.id, limit: 100 }))).reverse();
}

async function eventsOf(w, type) {
  return (await all(w.stripe.events.list({ type, limit: 100 }))).reverse();
}

async function pendingOf(w) {
  return all(w.stripe.invoiceItems.list({ customer: w.customer.id, pending: true, limit: 100 }));
}

// recur's own pause endpoint: the SDK has no method for it.
async function pause(w, body = '') {
  const res = await server.raw('POST', `/v1/subscriptions/${w.sub.id}/pause`, { key: w.tenant.secret_key, body });
  return res;
}

async function paused(w, body = '') {
  const res = await pause(w, body);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.object, 'subscription');
  assert.equal(res.json.status, 'paused');
  return res.json;
}

function verify(w) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.tenant.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /FAIL/);
  assert.match(r.stdout, /ok    every posting balances: \d+ postings/);
  assert.match(r.stdout, /ok    customer balances equal their entries: \d+ customers/);
}

// The database without the idempotency keys (a refused request releases its key).
const dumpData = () => server.dump().replace(/== idempotency_keys\n[^]*?(?=\n== |$)/, '== idempotency_keys');

async function refused(fn, param, message) {
  const before = dumpData();
  const err = await fn().then(() => null, (x) => x);
  assert.ok(err, 'the request must fail');
  const status = err.statusCode ?? err.status;
  const body = err.raw ?? err.json?.error ?? {};
  assert.equal(status, 400, err.message ?? err.text);
  assert.equal(body.param ?? null, param ?? null, err.message ?? err.text);
  if (message) assert.match(body.message, message);
  assert.equal(dumpData(), before, 'a refused request changes nothing');
}

// server.raw answers rather than throws: turn a non-2xx into the error it carries.
const rawFails = (p) => async () => {
  const res = await p();
  if (res.status < 300) return res;
  throw { status: res.status, json: res.json, text: res.text };
};

/* ---- pause, then resume with a new period -------------------------------- */

test('a pause mid-period makes no invoices for two months; resume now starts and invoices a new period', async () => {
  const w = await world('2026-04-01');
  await advance(w, '2026-04-16');
  const p = await paused(w);
  // The period stays what it was; nothing is credited without create_prorations.
  assert.equal(p.items.data[0].current_period_start, utc('2026-04-01'));
  assert.equal(p.items.data[0].current_period_end, utc('2026-05-01'));
  assert.deepEqual(await pendingOf(w), []);
  const [ev] = await eventsOf(w, 'customer.subscription.paused');
  assert.equal(ev.data.object.status, 'paused');
  assert.equal(ev.data.previous_attributes.status, 'active');

  await advance(w, '2026-05-16');
  await advance(w, '2026-06-16');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE]);
  assert.equal((await w.stripe.subscriptions.retrieve(w.sub.id)).status, 'paused');

  const resumed = await w.stripe.subscriptions.resume(w.sub.id, { billing_cycle_anchor: 'now' });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.billing_cycle_anchor, utc('2026-06-16'));
  assert.equal(resumed.items.data[0].current_period_start, utc('2026-06-16'));
  assert.equal(resumed.items.data[0].current_period_end, utc('2026-07-16'));
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => i.total), [PRICE, PRICE]);
  assert.equal(invs[1].billing_reason, 'subscription_cycle');
  assert.equal(invs[1].status, 'paid');
  assert.equal(invs[1].period_start, utc('2026-06-16'));
  assert.equal(invs[1].period_end, utc('2026-07-16'));
  assert.equal(resumed.latest_invoice, invs[1].id);
  const [rev] = await eventsOf(w, 'customer.subscription.resumed');
  assert.equal(rev.data.object.status, 'active');
  assert.equal(rev.data.previous_attributes.status, 'paused');

  await advance(w, '2026-07-16');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE, PRICE, PRICE]);
  verify(w);
});

/* ---- resume keeping the anchor -------------------------------------------- */

test('resume unchanged keeps the anchor and charges the rest of the period, prorated', async () => {
  const w = await world('2026-04-01');
  await advance(w, '2026-04-16');
  await paused(w);
  await advance(w, '2026-06-11');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE]);

  const resumed = await w.stripe.subscriptions.resume(w.sub.id, { billing_cycle_anchor: 'unchanged' });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.billing_cycle_anchor, utc('2026-04-01'));
  assert.equal(resumed.items.data[0].current_period_start, utc('2026-06-01'));
  assert.equal(resumed.items.data[0].current_period_end, utc('2026-07-01'));
  const invs = await invoicesOf(w);
  assert.equal(invs.length, 2);
  const inv = invs[1];
  // 20 of June's 30 days: 29 900 × 20 / 30 = 19 933.33, half up.
  assert.equal(inv.total, 19933);
  assert.equal(inv.billing_reason, 'subscription_update');
  assert.equal(inv.status, 'paid');
  assert.equal(inv.lines.data.length, 1);
  assert.equal(inv.lines.data[0].amount, 19933);
  assert.equal(inv.lines.data[0].period.start, utc('2026-06-11'));
  assert.equal(inv.lines.data[0].period.end, utc('2026-07-01'));

  await advance(w, '2026-07-01');
  const after = await invoicesOf(w);
  assert.deepEqual(after.map((i) => i.total), [PRICE, 19933, PRICE]);
  assert.equal(after[2].period_start, utc('2026-07-01'));
  assert.equal(after[2].billing_reason, 'subscription_cycle');
  verify(w);
});

test('resume unchanged with proration_behavior=none is free until the renewal; proration_date dates the charge', async () => {
  const w = await world('2026-04-01');
  await advance(w, '2026-04-16');
  await paused(w);
  await advance(w, '2026-06-11');
  const resumed = await w.stripe.subscriptions.resume(w.sub.id, {
    billing_cycle_anchor: 'unchanged', proration_behavior: 'none',
  });
  assert.equal(resumed.status, 'active');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE]);
  await advance(w, '2026-07-01');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE, PRICE]);

  const v = await world('2026-04-01');
  await advance(v, '2026-04-16');
  await paused(v);
  await advance(v, '2026-06-11');
  // proration_date outside the period it resumes into: refused.
  await refused(() => v.stripe.subscriptions.resume(v.sub.id, {
    billing_cycle_anchor: 'unchanged', proration_date: utc('2026-05-31'),
  }), 'proration_date');
  await v.stripe.subscriptions.resume(v.sub.id, {
    billing_cycle_anchor: 'unchanged', proration_behavior: 'always_invoice', proration_date: utc('2026-06-16'),
  });
  // 15 of 30 days: 14 950.
  assert.deepEqual((await invoicesOf(v)).map((i) => i.total), [PRICE, 14950]);
  verify(w);
  verify(v);
});

/* ---- a resume inside the period paid before the pause --------------------- */

test('a resume inside the paid period bills no time twice', async () => {
  // unchanged: the period was paid, nothing to invoice; the renewal comes as usual.
  const a = await world('2026-04-01');
  await advance(a, '2026-04-16');
  await paused(a);
  await advance(a, '2026-04-21');
  const ra = await a.stripe.subscriptions.resume(a.sub.id, { billing_cycle_anchor: 'unchanged' });
  assert.equal(ra.status, 'active');
  assert.equal(ra.items.data[0].current_period_end, utc('2026-05-01'));
  assert.deepEqual((await invoicesOf(a)).map((i) => i.total), [PRICE]);
  await advance(a, '2026-05-01');
  assert.deepEqual((await invoicesOf(a)).map((i) => i.total), [PRICE, PRICE]);
  verify(a);

  // now: a new period, less the paid April days still unused (10 of 30: 9 966.67 → 9 967).
  const b = await world('2026-04-01');
  await advance(b, '2026-04-16');
  await paused(b);
  await advance(b, '2026-04-21');
  const rb = await b.stripe.subscriptions.resume(b.sub.id);
  assert.equal(rb.billing_cycle_anchor, utc('2026-04-21'));
  const ib = await invoicesOf(b);
  assert.deepEqual(ib.map((i) => i.total), [PRICE, PRICE - 9967]);
  assert.deepEqual(ib[1].lines.data.map((l) => l.amount).sort((x, y) => x - y), [-9967, PRICE]);
  verify(b);

  // A pause with create_prorations credits the unused half of April (14 950) at once,
  // as a pending item; resuming unchanged five days later charges the last ten days
  // (9 967), and the resume invoice takes the credit: −4 983 goes to the balance.
  const c = await world('2026-04-01');
  await advance(c, '2026-04-16');
  await paused(c, 'proration_behavior=create_prorations');
  const pending = await pendingOf(c);
  assert.deepEqual(pending.map((i) => i.amount), [-14950]);
  assert.equal(pending[0].proration, true);
  await advance(c, '2026-04-21');
  await c.stripe.subscriptions.resume(c.sub.id, { billing_cycle_anchor: 'unchanged' });
  const ic = await invoicesOf(c);
  assert.deepEqual(ic.map((i) => i.total), [PRICE, 9967 - 14950]);
  assert.deepEqual(await pendingOf(c), []);
  assert.equal((await c.stripe.customers.retrieve(c.customer.id)).balance, -4983);
  await advance(c, '2026-05-01');
  const may = (await invoicesOf(c))[2];
  assert.equal(may.total, PRICE);
  assert.equal(may.amount_due, PRICE - 4983);
  verify(c);
});

/* ---- resumes_at ------------------------------------------------------------- */

test('resumes_at resumes the subscription by itself with a new period', async () => {
  const w = await world('2026-04-01');
  await advance(w, '2026-04-16');
  await refused(rawFails(() => pause(w, `resumes_at=${utc('2026-04-16')}`)), 'resumes_at');
  await paused(w, `resumes_at=${utc('2026-05-20')}`);
  await advance(w, '2026-05-19');
  assert.equal((await w.stripe.subscriptions.retrieve(w.sub.id)).status, 'paused');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE]);
  await advance(w, '2026-06-01');
  const sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'active');
  assert.equal(sub.billing_cycle_anchor, utc('2026-05-20'));
  assert.equal(sub.items.data[0].current_period_start, utc('2026-05-20'));
  assert.equal(sub.items.data[0].current_period_end, utc('2026-06-20'));
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => i.total), [PRICE, PRICE]);
  assert.equal(invs[1].period_start, utc('2026-05-20'));
  assert.equal(invs[1].status, 'paid');
  assert.equal((await eventsOf(w, 'customer.subscription.resumed')).length, 1);
  await advance(w, '2026-06-20');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE, PRICE, PRICE]);
  verify(w);
});

test('a cancel_at that comes while paused ends the subscription, crediting paid time left', async () => {
  const w = await world('2026-04-01');
  await w.stripe.subscriptions.update(w.sub.id, { cancel_at: utc('2026-04-21') });
  await advance(w, '2026-04-16');
  await paused(w, `resumes_at=${utc('2026-06-01')}`);
  await advance(w, '2026-06-10');
  const sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'canceled');
  assert.equal(sub.ended_at, utc('2026-04-21'));
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE]);
  // April was paid through its end: 10 of 30 days back.
  assert.deepEqual((await pendingOf(w)).map((i) => i.amount), [-9967]);
  verify(w);

  // A pause that credited the unused time leaves nothing more to credit on DELETE.
  const v = await world('2026-04-01');
  await advance(v, '2026-04-16');
  await paused(v, 'proration_behavior=create_prorations');
  await advance(v, '2026-04-21');
  const gone = await v.stripe.subscriptions.cancel(v.sub.id, { prorate: true });
  assert.equal(gone.status, 'canceled');
  assert.deepEqual((await pendingOf(v)).map((i) => i.amount), [-14950]);
  verify(v);
});

/* ---- cancel at a date, reactivation --------------------------------------- */

test('cancel_at mid-period prorates as its update\'s proration_behavior says', async () => {
  const cases = [
    [undefined, [-9967], [PRICE], 0],
    ['none', [], [PRICE], 0],
    ['always_invoice', [], [PRICE, -9967], -9967],
  ];
  for (const [behavior, pending, totals, balance] of cases) {
    const w = await world('2026-04-01');
    const upd = await w.stripe.subscriptions.update(w.sub.id, {
      cancel_at: utc('2026-04-21'), ...(behavior ? { proration_behavior: behavior } : {}),
    });
    assert.equal(upd.cancel_at, utc('2026-04-21'));
    await advance(w, '2026-06-01');
    const sub = await w.stripe.subscriptions.retrieve(w.sub.id);
    assert.equal(sub.status, 'canceled', behavior);
    assert.equal(sub.ended_at, utc('2026-04-21'));
    assert.equal(sub.cancellation_details.reason, 'cancellation_requested');
    assert.deepEqual((await pendingOf(w)).map((i) => i.amount), pending, behavior);
    const invs = await invoicesOf(w);
    assert.deepEqual(invs.map((i) => i.total), totals, behavior);
    if (invs.length > 1) assert.equal(invs[1].billing_reason, 'subscription_cancel');
    assert.equal((await w.stripe.customers.retrieve(w.customer.id)).balance, balance);
    assert.equal((await eventsOf(w, 'customer.subscription.deleted')).length, 1);
    verify(w);
  }
});

test('cancel_at_period_end=false reactivates, and cancel_at="" clears: the renewal happens', async () => {
  const w = await world('2026-04-01');
  const set = await w.stripe.subscriptions.update(w.sub.id, { cancel_at_period_end: true });
  assert.equal(set.cancel_at_period_end, true);
  await advance(w, '2026-04-20');
  const back = await w.stripe.subscriptions.update(w.sub.id, { cancel_at_period_end: false });
  assert.equal(back.cancel_at_period_end, false);
  assert.equal(back.cancel_at, null);
  await advance(w, '2026-05-02');
  let sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'active');
  assert.equal(sub.canceled_at, null);
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE, PRICE]);

  const at = await w.stripe.subscriptions.update(w.sub.id, { cancel_at: utc('2026-05-20') });
  assert.equal(at.cancel_at, utc('2026-05-20'));
  const cleared = await w.stripe.subscriptions.update(w.sub.id, { cancel_at: '' });
  assert.equal(cleared.cancel_at, null);
  await advance(w, '2026-06-01');
  sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'active');
  assert.deepEqual((await invoicesOf(w)).map((i) => i.total), [PRICE, PRICE, PRICE]);
  assert.deepEqual(await pendingOf(w), []);
  assert.equal((await eventsOf(w, 'customer.subscription.deleted')).length, 0);
  verify(w);
});

/* ---- bad input --------------------------------------------------------------- */

test('bad input names its parameter and changes nothing', async () => {
  const w = await world('2026-04-01');
  await advance(w, '2026-04-10');
  // Resuming an active subscription.
  await refused(() => w.stripe.subscriptions.resume(w.sub.id), undefined, /Only a paused subscription/);
  // Pause parameters.
  await refused(rawFails(() => pause(w, 'proration_behavior=always_invoice')), 'proration_behavior');
  await refused(rawFails(() => pause(w, 'resumes_at=soon')), 'resumes_at');
  await refused(rawFails(() => pause(w, 'billing_cycle_anchor=now')), 'billing_cycle_anchor');
  await paused(w);
  // Pausing a paused subscription; an unknown anchor.
  await refused(rawFails(() => pause(w)), null, /Only an active subscription/);
  await refused(() => w.stripe.subscriptions.resume(w.sub.id, { billing_cycle_anchor: 'later' }), 'billing_cycle_anchor');
  await refused(() => w.stripe.subscriptions.resume(w.sub.id, { proration_behavior: 'sometimes' }), 'proration_behavior');
  // Pausing a canceled subscription.
  await w.stripe.subscriptions.cancel(w.sub.id);
  await refused(rawFails(() => pause(w)), null, /Only an active subscription/);
  await refused(() => w.stripe.subscriptions.resume(w.sub.id), undefined, /Only a paused subscription/);
  verify(w);
});

test('on the wall clock, the scheduler resumes a paused subscription at its resumes_at', async () => {
  const w = await world(null);
  const { stripe, sub } = w;
  const resumesAt = Math.floor(Date.now() / 1000) + 2;
  await paused(w, `resumes_at=${resumesAt}`);
  let now = await stripe.subscriptions.retrieve(sub.id);
  for (let i = 0; i < 100 && now.status === 'paused'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = await stripe.subscriptions.retrieve(sub.id);
  }
  assert.equal(now.status, 'active');
  assert.equal(now.billing_cycle_anchor, resumesAt);
  // Resumed inside the month paid at creation: that month's unused time is
  // credited on the new period's invoice, PRICE × (end − resume) / (end − start), half up.
  const { current_period_start: start, current_period_end: end } = sub.items.data[0];
  const credit = Math.floor((2 * PRICE * (end - resumesAt) + (end - start)) / (2 * (end - start)));
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => i.total), [PRICE, PRICE - credit]);
  assert.deepEqual(invs[1].lines.data.map((l) => l.amount).sort((x, y) => x - y), [-credit, PRICE]);
  assert.equal(invs[1].period_start, resumesAt);
  verify(w);
});

test('a trial that ended in a pause resumes unchanged into the anchor\'s period, prorated', async () => {
  const w = await world('2026-03-01');
  const sub = await w.stripe.subscriptions.create({
    customer: w.customer.id, items: [{ price: w.price.id }], trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    default_payment_method: null,
  });
  // The customer has a card, so the trial would convert: take it away first.
  await w.stripe.customers.update(w.customer.id, { invoice_settings: { default_payment_method: '' } });
  await advance(w, '2026-03-20');
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'paused');
  const resumed = await w.stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: 'unchanged' });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.billing_cycle_anchor, utc('2026-03-08'));
  assert.equal(resumed.items.data[0].current_period_start, utc('2026-03-08'));
  assert.equal(resumed.items.data[0].current_period_end, utc('2026-04-08'));
  const inv = await w.stripe.invoices.retrieve(resumed.latest_invoice);
  // 19 of the 31 days from 8 Mar to 8 Apr: 29 900 × 19 / 31 = 18 325.81, half up.
  assert.equal(inv.total, 18326);
  assert.equal(inv.billing_reason, 'subscription_update');
  verify(w);
});
