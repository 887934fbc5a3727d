'use strict';
// collection.test.js - automatic collection, payment retries and the
// subscription's status on payment outcomes, through the stripe SDK with test
// clocks and the sandbox's test cards (docs/payments.md): pm_card_visa pays a
// year of renewals; pm_card_chargeCustomerFail goes past_due, is retried 3, 5
// and 7 days after the first failure and is then canceled; a working card
// recovers the subscription (by pay, or by the next retry); pay with a card
// that declines answers 402 and keeps the attempt; payment_behavior on create;
// no attempt is ever charged twice; and the wall-clock scheduler retries.
// Every amount is exact, and `recur verify` is clean after every scenario.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const DAY = 86400;
const PRICE = 29900; // 299.00 NOK a month
const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;

// A tenant of its own per scenario, so events and lists count only its own.
async function world(start, { card = 'pm_card_visa' } = {}) {
  const tenant = server.tenant(`Collection ${start} ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) });
  const customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: clock.id });
  const product = await stripe.products.create({ name: 'Pro' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: PRICE,
    recurring: { interval: 'month' } });
  let pm = null;
  if (card) pm = await setDefault(stripe, customer, card);
  return { tenant, stripe, clock, customer, price, pm };
}

// Attaches a test card and makes it the customer's invoice_settings default.
async function setDefault(stripe, customer, card) {
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return pm;
}

async function advance(w, to) {
  return w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: typeof to === 'string' ? utc(to) : to });
}

async function all(list) {
  const out = [];
  for await (const x of list) out.push(x);
  return out;
}

// The subscription's invoices, oldest first.
async function invoicesOf(w, sub) {
  return (await all(w.stripe.invoices.list({ subscription: sub.id, limit: 100 }))).reverse();
}

async function eventsOf(w, type) {
  return (await all(w.stripe.events.list({ type, limit: 100 }))).reverse();
}

function verify(w) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.tenant.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok    no invoice attempt charged twice/);
  assert.match(r.stdout, /ok    paid invoices have a payment/);
}

// No (invoice, attempt) has two payment intents, nor a payment intent two charges.
function assertOneChargePerAttempt() {
  assert.equal(server.sql('SELECT invoice, attempt, count(*) AS n FROM payment_intents'
    + ' GROUP BY tenant_id, livemode, invoice, attempt HAVING count(*) > 1'), '');
  assert.equal(server.sql('SELECT payment_intent, count(*) AS n FROM charges'
    + ' GROUP BY payment_intent HAVING count(*) > 1'), '');
}

// The database without the idempotency keys (a 402 keeps its key, by design).
const dumpData = () => server.dump().replace(/== idempotency_keys\n[^]*?(?=\n== |$)/, '== idempotency_keys');

test('pm_card_visa renews and pays for twelve months, each invoice with its own charge', async () => {
  const w = await world('2026-01-01');
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
  assert.equal(sub.status, 'active');
  const first = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.status, 'paid');
  assert.equal(first.amount_paid, PRICE);
  assert.equal(first.attempt_count, 1);
  assert.equal(first.attempted, true);
  assert.equal(first.next_payment_attempt, null);

  for (let m = 2; m <= 13; m++) {
    const y = m <= 12 ? 2026 : 2027;
    const mm = String(m <= 12 ? m : m - 12).padStart(2, '0');
    await advance(w, `${y}-${mm}-01`);
    const now = await w.stripe.subscriptions.retrieve(sub.id);
    assert.equal(now.status, 'active', `${y}-${mm}`);
    const latest = await w.stripe.invoices.retrieve(now.latest_invoice);
    assert.equal(latest.status, 'paid', `${y}-${mm}`);
    assert.equal(latest.status_transitions.paid_at, utc(`${y}-${mm}-01`));
  }
  const invs = await invoicesOf(w, sub);
  assert.equal(invs.length, 13);
  assert.deepEqual(invs.map((i) => [i.status, i.amount_due, i.amount_paid, i.amount_remaining, i.attempt_count]),
    invs.map(() => ['paid', PRICE, PRICE, 0, 1]));
  assert.deepEqual(invs.map((i) => i.billing_reason), ['subscription_create', ...Array(12).fill('subscription_cycle')]);

  const pis = (await all(w.stripe.paymentIntents.list({ customer: w.customer.id, limit: 100 }))).reverse();
  assert.equal(pis.length, 13);
  assert.deepEqual(pis.map((p) => [p.status, p.amount, p.amount_received, p.currency, p.payment_method]),
    pis.map(() => ['succeeded', PRICE, PRICE, 'nok', w.pm.id]));
  assert.deepEqual(pis.map((p) => p.invoice), invs.map((i) => i.id));
  // Dated at the clock's time, the renewal's.
  assert.deepEqual(pis.map((p) => p.created), invs.map((i) => i.created));
  assert.deepEqual(pis.map((p) => p.description), ['Subscription creation', ...Array(12).fill('Subscription update')]);
  const charges = (await all(w.stripe.charges.list({ customer: w.customer.id, limit: 100 }))).reverse();
  assert.equal(charges.length, 13);
  assert.deepEqual(charges.map((c) => [c.status, c.paid, c.amount, c.amount_captured]),
    charges.map(() => ['succeeded', true, PRICE, PRICE]));
  assert.deepEqual(charges.map((c) => c.payment_intent), pis.map((p) => p.id));
  assert.deepEqual(pis.map((p) => p.latest_charge), charges.map((c) => c.id));

  assert.equal((await eventsOf(w, 'invoice.paid')).length, 13);
  assert.equal((await eventsOf(w, 'charge.succeeded')).length, 13);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 0);
  assert.equal((await eventsOf(w, 'customer.subscription.updated'))
    .filter((e) => e.data.previous_attributes && 'status' in e.data.previous_attributes).length, 0);
  assertOneChargePerAttempt();
  verify(w);
});

// A subscription paid by visa at creation on 1 Mar 2026, whose customer then
// switches to pm_card_chargeCustomerFail: the 1 Apr renewal fails.
async function failingRenewal() {
  const w = await world('2026-03-01');
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
  assert.equal(sub.status, 'active');
  w.failing = await setDefault(w.stripe, w.customer, 'pm_card_chargeCustomerFail');
  await advance(w, '2026-04-01');
  const invs = await invoicesOf(w, sub);
  assert.equal(invs.length, 2);
  return { w, sub, inv: invs[1] };
}

const T0 = utc('2026-04-01'); // the first failure

test('pm_card_chargeCustomerFail: past_due, retried 3, 5 and 7 days after the first failure, then canceled', async () => {
  const { w, sub, inv } = await failingRenewal();
  assert.equal(inv.status, 'open');
  assert.equal(inv.amount_due, PRICE);
  assert.equal(inv.amount_remaining, PRICE);
  assert.equal(inv.attempt_count, 1);
  assert.equal(inv.attempted, true);
  assert.equal(inv.next_payment_attempt, T0 + 3 * DAY);
  let now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.status, 'past_due');
  let failedEvents = await eventsOf(w, 'invoice.payment_failed');
  assert.equal(failedEvents.length, 1);
  assert.equal(failedEvents[0].data.object.id, inv.id);
  assert.equal(failedEvents[0].data.object.attempt_count, 1);
  assert.equal(failedEvents[0].data.object.next_payment_attempt, T0 + 3 * DAY);
  const pastDue = (await eventsOf(w, 'customer.subscription.updated')).at(-1);
  assert.equal(pastDue.data.object.status, 'past_due');
  assert.deepEqual(pastDue.data.previous_attributes, { status: 'active' });
  const pi = (await w.stripe.paymentIntents.list({ customer: w.customer.id, limit: 1 })).data[0];
  assert.equal(pi.status, 'requires_payment_method');
  assert.equal(pi.last_payment_error.code, 'card_declined');
  assert.equal(pi.last_payment_error.decline_code, 'generic_decline');
  assert.equal(pi.payment_method, w.failing.id);

  // Nothing happens before a retry is due.
  await advance(w, T0 + 3 * DAY - 1);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).attempt_count, 1);

  const schedule = [[3, 5], [5, 7], [7, null]];
  for (const [day, next] of schedule) {
    await advance(w, T0 + day * DAY);
    const i = await w.stripe.invoices.retrieve(inv.id);
    const n = schedule.findIndex((x) => x[0] === day) + 2;
    assert.equal(i.attempt_count, n, `day ${day}`);
    assert.equal(i.status, 'open', `day ${day}`);
    assert.equal(i.next_payment_attempt, next === null ? null : T0 + next * DAY, `day ${day}`);
    failedEvents = await eventsOf(w, 'invoice.payment_failed');
    assert.equal(failedEvents.length, n, `day ${day}`);
    assert.equal(failedEvents.at(-1).data.object.attempt_count, n);
    now = await w.stripe.subscriptions.retrieve(sub.id);
    assert.equal(now.status, next === null ? 'canceled' : 'past_due', `day ${day}`);
  }
  // The retries' charges, each at its own time.
  const failedCharges = (await all(w.stripe.charges.list({ customer: w.customer.id, limit: 100 })))
    .filter((c) => c.invoice === inv.id).reverse();
  assert.deepEqual(failedCharges.map((c) => [c.status, c.failure_code, c.outcome.reason]),
    Array(4).fill(['failed', 'card_declined', 'generic_decline']));
  assert.deepEqual(failedCharges.map((c) => c.created), [0, 3, 5, 7].map((d) => T0 + d * DAY));

  assert.equal(now.status, 'canceled');
  assert.equal(now.cancellation_details.reason, 'payment_failed');
  assert.equal(now.canceled_at, T0 + 7 * DAY);
  assert.equal(now.ended_at, T0 + 7 * DAY);
  const deleted = await eventsOf(w, 'customer.subscription.deleted');
  assert.equal(deleted.length, 1);
  assert.equal(deleted[0].data.object.cancellation_details.reason, 'payment_failed');
  // The invoice stays open and past due, with nothing more planned; no further renewal.
  const last = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(last.status, 'open');
  assert.equal(last.next_payment_attempt, null);
  await advance(w, '2026-05-02');
  assert.equal((await invoicesOf(w, sub)).length, 2);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 4);
  assertOneChargePerAttempt();
  verify(w);
});

for (const [action, status] of [['unpaid', 'unpaid'], ['leave_past_due', 'past_due']]) {
  test(`final action ${action} (settings/dunning): after the day-7 retry the subscription is ${status}`, async () => {
    const w = await world('2026-03-01');
    const set = await server.raw('POST', '/v1/settings/dunning', { key: w.tenant.secret_key,
      body: `retries[final_action]=${action}` });
    assert.equal(set.status, 200, set.text);
    const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
    w.failing = await setDefault(w.stripe, w.customer, 'pm_card_chargeCustomerFail');
    await advance(w, '2026-04-01');
    const inv = (await invoicesOf(w, sub))[1];
    for (const day of [3, 5]) {
      await advance(w, T0 + day * DAY);
      assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'past_due', `day ${day}`);
    }
    await advance(w, T0 + 7 * DAY);
    const now = await w.stripe.subscriptions.retrieve(sub.id);
    assert.equal(now.status, status);
    assert.equal(now.canceled_at, null);
    const last = await w.stripe.invoices.retrieve(inv.id);
    assert.equal(last.status, 'open');
    assert.equal(last.attempt_count, 4);
    assert.equal(last.next_payment_attempt, null);
    assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 4);
    assert.equal((await eventsOf(w, 'customer.subscription.deleted')).length, 0);
    assertOneChargePerAttempt();
    verify(w);
  });
}

test('recovery: a working card as default, then pay: paid, active, no further retries', async () => {
  const { w, sub, inv } = await failingRenewal();
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'past_due');
  await advance(w, T0 + DAY);
  const visa = await setDefault(w.stripe, w.customer, 'pm_card_visa');
  const paid = await w.stripe.invoices.pay(inv.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, PRICE);
  assert.equal(paid.amount_remaining, 0);
  assert.equal(paid.attempt_count, 2);
  assert.equal(paid.next_payment_attempt, null);
  assert.equal(paid.status_transitions.paid_at, T0 + DAY);
  const now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.status, 'active');
  const recovered = (await eventsOf(w, 'customer.subscription.updated')).at(-1);
  assert.deepEqual(recovered.data.previous_attributes, { status: 'past_due' });
  const pi = (await w.stripe.paymentIntents.list({ customer: w.customer.id, limit: 1 })).data[0];
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.payment_method, visa.id);
  assert.equal(pi.invoice, inv.id);

  // Days 3, 5 and 7 pass without an attempt; the next renewal is charged to visa.
  await advance(w, T0 + 8 * DAY);
  const again = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(again.attempt_count, 2);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 1);
  await advance(w, '2026-05-01');
  const invs = await invoicesOf(w, sub);
  assert.deepEqual(invs.map((i) => i.status), ['paid', 'paid', 'paid']);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'active');
  assertOneChargePerAttempt();
  verify(w);
});

test('recovery: the subscription default_payment_method switched to a working card pays at the next retry', async () => {
  const { w, sub, inv } = await failingRenewal();
  const visa = await w.stripe.paymentMethods.attach('pm_card_visa', { customer: w.customer.id });
  // The subscription's default wins over the customer's (still the failing card).
  await w.stripe.subscriptions.update(sub.id, { default_payment_method: visa.id });
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'past_due');
  await advance(w, T0 + 3 * DAY);
  const paid = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.attempt_count, 2);
  assert.equal(paid.next_payment_attempt, null);
  assert.equal(paid.status_transitions.paid_at, T0 + 3 * DAY);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'active');
  await advance(w, T0 + 8 * DAY);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).attempt_count, 2);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 1);
  verify(w);
});

test('an update that names the default method and invoices at once charges that method', async () => {
  const w = await world('2026-03-01', { card: null });
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
  const first = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.status, 'open');
  await advance(w, '2026-03-16');
  const visa = await w.stripe.paymentMethods.attach('pm_card_visa', { customer: w.customer.id });
  const updated = await w.stripe.subscriptions.update(sub.id, { default_payment_method: visa.id,
    billing_cycle_anchor: 'now', proration_behavior: 'none' });
  assert.equal(updated.status, 'active');
  const inv = await w.stripe.invoices.retrieve(updated.latest_invoice);
  assert.equal(inv.billing_reason, 'subscription_update');
  assert.equal(inv.status, 'paid');
  assert.equal(inv.amount_paid, PRICE);
  const pi = (await w.stripe.paymentIntents.list({ customer: w.customer.id })).data;
  assert.deepEqual(pi.map((p) => [p.invoice, p.payment_method, p.status]), [[inv.id, visa.id, 'succeeded']]);
  // error_if_incomplete on an update whose charge is declined: 402, and the update is not made.
  const failing = await w.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: w.customer.id });
  const snapshot = dumpData();
  await assert.rejects(w.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id,
    billing_cycle_anchor: 'now', proration_behavior: 'none', payment_behavior: 'error_if_incomplete' }), (err) => {
    assert.equal(err.statusCode, 402);
    assert.equal(err.decline_code, 'generic_decline');
    return true;
  });
  assert.equal(dumpData(), snapshot);
  // allow_incomplete: the update is made, its invoice open and retried, the subscription past_due.
  const pastDue = await w.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id,
    billing_cycle_anchor: 'now', proration_behavior: 'none' });
  assert.equal(pastDue.status, 'past_due');
  const open = await w.stripe.invoices.retrieve(pastDue.latest_invoice);
  assert.equal(open.status, 'open');
  assert.equal(open.attempt_count, 1);
  assert.equal(open.next_payment_attempt, utc('2026-03-16') + 3 * DAY);
  verify(w);
});

test('pay with a card that declines: 402 card_error with decline_code, and the attempt is kept', async () => {
  const { w, sub, inv } = await failingRenewal();
  const before = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(before.attempt_count, 1);
  const key = 'pay-declined-1';
  const attempt = () => w.stripe.invoices.pay(inv.id, { payment_method: w.failing.id }, { idempotencyKey: key });
  let first;
  await assert.rejects(attempt(), (err) => {
    first = err;
    assert.equal(err.statusCode, 402);
    assert.equal(err.type, 'StripeCardError');
    assert.equal(err.rawType, 'card_error');
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    assert.equal(err.message, 'Your card was declined.');
    return true;
  });
  // Committed: the attempt, its failed charge and invoice.payment_failed.
  const after1 = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(after1.status, 'open');
  assert.equal(after1.attempt_count, 2);
  // A manual attempt does not move the retry schedule.
  assert.equal(after1.next_payment_attempt, T0 + 3 * DAY);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 2);
  const charges = (await all(w.stripe.charges.list({ customer: w.customer.id, limit: 100 })))
    .filter((c) => c.invoice === inv.id);
  assert.deepEqual(charges.map((c) => c.status), ['failed', 'failed']);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'past_due');

  // The same Idempotency-Key answers the same 402 and charges nothing.
  const snapshot = dumpData();
  await assert.rejects(attempt(), (err) => {
    assert.equal(err.statusCode, 402);
    assert.equal(err.decline_code, 'generic_decline');
    assert.equal(err.requestId === first.requestId, false);
    return true;
  });
  assert.equal(dumpData(), snapshot);

  // A method that is not the customer's is refused and changes nothing.
  const stranger = await w.stripe.customers.create({ name: 'Stranger' });
  const theirs = await w.stripe.paymentMethods.attach('pm_card_visa', { customer: stranger.id });
  const beforeRefusal = dumpData();
  await assert.rejects(w.stripe.invoices.pay(inv.id, { payment_method: theirs.id }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'payment_method');
    assert.match(err.message, /does not have a payment method with the ID/);
    return true;
  });
  await assert.rejects(w.stripe.invoices.pay(inv.id, { payment_method: 'pm_missing' }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'payment_method');
    return true;
  });
  assert.equal(dumpData(), beforeRefusal);

  // A paid invoice cannot be paid again.
  const visa = await w.stripe.paymentMethods.attach('pm_card_visa', { customer: w.customer.id });
  assert.equal((await w.stripe.invoices.pay(inv.id, { payment_method: visa.id })).status, 'paid');
  await assert.rejects(w.stripe.invoices.pay(inv.id, { payment_method: visa.id }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'invoice_unexpected_state');
    return true;
  });
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'active');
  assertOneChargePerAttempt();
  verify(w);
});

test('advancing over the same retry times again never charges twice', async () => {
  const { w, inv } = await failingRenewal();
  // One advance over all three retry times runs them in order, each once.
  await advance(w, T0 + 7 * DAY + 3600);
  const i = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(i.attempt_count, 4);
  const count = async () => (await all(w.stripe.charges.list({ customer: w.customer.id, limit: 100 })))
    .filter((c) => c.invoice === inv.id).length;
  assert.equal(await count(), 4);
  await advance(w, T0 + 7 * DAY + 7200);
  await advance(w, T0 + 9 * DAY);
  assert.equal(await count(), 4);
  assert.equal((await w.stripe.invoices.retrieve(inv.id)).attempt_count, 4);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 4);
  // Retries on days 3, 5 and 7 in one advance: each charge dated at its own time.
  const created = (await all(w.stripe.charges.list({ customer: w.customer.id, limit: 100 })))
    .filter((c) => c.invoice === inv.id).map((c) => c.created).sort();
  assert.deepEqual(created, [0, 3, 5, 7].map((d) => T0 + d * DAY));
  assertOneChargePerAttempt();
  verify(w);
});

test('payment_behavior on create: allow_incomplete, error_if_incomplete, default_incomplete', async () => {
  const w = await world('2026-03-01', { card: 'pm_card_chargeCustomerFail' });
  // error_if_incomplete: the create fails with the card's 402, and nothing is written.
  const snapshot = dumpData();
  await assert.rejects(w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }],
    payment_behavior: 'error_if_incomplete' }), (err) => {
    assert.equal(err.statusCode, 402);
    assert.equal(err.rawType, 'card_error');
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    return true;
  });
  assert.equal(dumpData(), snapshot);

  // A preview of that subscription charges nothing (it is rolled back, and a
  // gateway call could not be): no 402, a draft with nothing attempted.
  const preview = await w.stripe.invoices.createPreview({ customer: w.customer.id,
    subscription_details: { items: [{ price: w.price.id }] } });
  assert.equal(preview.status, 'draft');
  assert.equal(preview.amount_due, PRICE);
  assert.equal(preview.attempt_count, 0);
  assert.equal(preview.next_payment_attempt, null);
  assert.equal(dumpData(), snapshot);

  // allow_incomplete (the default): incomplete, the first invoice open and not retried.
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
  assert.equal(sub.status, 'incomplete');
  const inv = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(inv.status, 'open');
  assert.equal(inv.attempt_count, 1);
  assert.equal(inv.next_payment_attempt, null);
  const created = (await eventsOf(w, 'customer.subscription.created')).at(-1);
  assert.equal(created.data.object.status, 'incomplete');
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 1);
  // 23 hours later it expires and its invoice is voided (Stripe's rule), with no retry.
  await advance(w, utc('2026-03-01') + 23 * 3600);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'incomplete_expired');
  const voided = await w.stripe.invoices.retrieve(inv.id);
  assert.equal(voided.status, 'void');
  assert.equal(voided.attempt_count, 1);

  // default_incomplete: nothing is charged; paying with a working card activates it.
  const visa = await setDefault(w.stripe, w.customer, 'pm_card_visa');
  const di = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }],
    payment_behavior: 'default_incomplete' });
  assert.equal(di.status, 'incomplete');
  const diInv = await w.stripe.invoices.retrieve(di.latest_invoice);
  assert.equal(diInv.status, 'open');
  assert.equal(diInv.attempt_count, 0);
  assert.equal(diInv.attempted, false);
  assert.equal(diInv.next_payment_attempt, null);
  const paid = await w.stripe.invoices.pay(diInv.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.attempt_count, 1);
  assert.equal((await w.stripe.subscriptions.retrieve(di.id)).status, 'active');
  const pi = (await w.stripe.paymentIntents.list({ customer: w.customer.id, limit: 1 })).data[0];
  assert.equal(pi.payment_method, visa.id);
  assert.equal(pi.amount, PRICE);
  verify(w);
});

test('without a payment method the invoice stays open and the subscription active (recur\'s deviation)', async () => {
  const w = await world('2026-03-01', { card: null });
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.price.id }] });
  assert.equal(sub.status, 'active');
  const inv = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(inv.status, 'open');
  assert.equal(inv.attempt_count, 0);
  assert.equal(inv.attempted, false);
  assert.equal(inv.next_payment_attempt, null);
  await advance(w, '2026-04-01');
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'active');
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 0);
  // A card put in later pays through pay; the older invoice stays for its own pay.
  await setDefault(w.stripe, w.customer, 'pm_card_visa');
  const invs = await invoicesOf(w, sub);
  assert.equal((await w.stripe.invoices.pay(invs[1].id)).status, 'paid');
  assert.equal((await w.stripe.invoices.pay(invs[0].id)).status, 'paid');
  // The next renewal is charged at once.
  await advance(w, '2026-05-01');
  const may = (await invoicesOf(w, sub))[2];
  assert.equal(may.status, 'paid');
  assert.equal(may.attempt_count, 1);
  verify(w);
});

test('the scheduler inside recur serve runs a due retry of a wall-clock invoice', async () => {
  const tenant = server.tenant('Wall collection AS');
  const stripe = server.client(tenant.secret_key);
  const customer = await stripe.customers.create({ email: 'vegg@example.no' });
  await setDefault(stripe, customer, 'pm_card_visa');
  const product = await stripe.products.create({ name: 'Wall' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 10000,
    recurring: { interval: 'month' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  // A renewal that failed, as the store would hold it: open, one failed attempt,
  // past_due, its retry now due.
  await stripe.invoiceItems.create({ customer: customer.id, amount: 10000, currency: 'nok' });
  const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
  const open = await stripe.invoices.finalizeInvoice(draft.id);
  assert.equal(open.status, 'open');
  assert.equal(open.next_payment_attempt, null); // a manual invoice: auto_advance false
  const past = Math.floor(Date.now() / 1000) - 60;
  // One transaction, waiting for the scheduler's: it must never see half of it.
  server.sql(`PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE;
    UPDATE invoices SET subscription = '${sub.id}', auto_advance = 1, attempt_count = 1, attempted = 1,
    next_payment_attempt = ${past}, collection_due_at = ${past}, dunning_first_failure = ${past - 3 * DAY},
    dunning_attempts = 1 WHERE id = '${open.id}';
    UPDATE subscriptions SET status = 'past_due', latest_invoice = '${open.id}' WHERE id = '${sub.id}';
    COMMIT;`);
  let inv = open;
  for (let i = 0; i < 40 && inv.status === 'open'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    inv = await stripe.invoices.retrieve(open.id);
  }
  assert.equal(inv.status, 'paid');
  assert.equal(inv.attempt_count, 2);
  assert.equal(inv.next_payment_attempt, null);
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  const charges = (await stripe.charges.list({ customer: customer.id })).data.filter((c) => c.invoice === open.id);
  assert.deepEqual(charges.map((c) => [c.status, c.amount]), [['succeeded', 10000]]);
});
