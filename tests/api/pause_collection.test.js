'use strict';
// pause_collection.test.js - pausing a subscription's payment collection
// (docs/billing.md#pausing-payment-collection), through the stripe SDK with
// test clocks and pm_card_visa as the customer's default: each behavior over
// a renewal (keep_as_draft leaves a draft with auto_advance false,
// mark_uncollectible and void finalize and close the invoice, none is
// charged, the subscription stays active and keeps renewing); resumes_at
// ends the pause by itself (mid-period, and at the very moment of a renewal,
// which is then charged); "" ends it at once; an invoice already open when
// the pause starts keeps its retries; bad input names its parameter and
// changes nothing; `recur verify` is clean after every scenario.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const PRICE = 29900; // 299.00 NOK a month
const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;

// A tenant of its own per scenario; a clock at start; a customer paying with card.
async function world(start, { card = 'pm_card_visa' } = {}) {
  const tenant = server.tenant(`Pause ${start} ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) });
  const customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await stripe.products.create({ name: 'Pro' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: PRICE,
    recurring: { interval: 'month' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  assert.equal(sub.status, 'active');
  assert.equal(sub.pause_collection, null);
  return { tenant, stripe, clock, customer, price, pm, sub };
}

async function advance(w, to) {
  return w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc(to) });
}

async function all(list) {
  const out = [];
  for await (const x of list) out.push(x);
  return out;
}

// The subscription's invoices, oldest first.
async function invoicesOf(w) {
  return (await all(w.stripe.invoices.list({ subscription: w.sub.id, limit: 100 }))).reverse();
}

async function eventsOf(w, type) {
  return (await all(w.stripe.events.list({ type, limit: 100 }))).reverse();
}

// The payment intents (and so the charges) made for an invoice.
async function intentsFor(w, invoice) {
  const pis = await all(w.stripe.paymentIntents.list({ customer: w.customer.id, limit: 100 }));
  return pis.filter((p) => p.invoice === invoice);
}

// customer.subscription.updated events whose previous_attributes name pause_collection.
async function pauseEvents(w) {
  return (await eventsOf(w, 'customer.subscription.updated'))
    .filter((e) => 'pause_collection' in (e.data.previous_attributes || {}));
}

async function ledgerOf(w) {
  const res = await server.raw('GET', `/v1/customers/${w.customer.id}/ledger`, { key: w.tenant.secret_key });
  assert.equal(res.status, 200, res.text);
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

// Pauses w.sub with behavior from 1 May and renews it on 1 Jun; returns the June invoice.
async function pausedRenewal(w, behavior) {
  const paused = await w.stripe.subscriptions.update(w.sub.id, { pause_collection: { behavior } });
  assert.deepEqual(paused.pause_collection, { behavior, resumes_at: null });
  assert.equal(paused.status, 'active');
  const [ev] = await pauseEvents(w);
  assert.equal(ev.data.previous_attributes.pause_collection, null);
  assert.deepEqual(ev.data.object.pause_collection, { behavior, resumes_at: null });

  await advance(w, '2026-06-01');
  const sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  // Stripe: the status does not change, and the subscription keeps renewing.
  assert.equal(sub.status, 'active');
  assert.deepEqual(sub.pause_collection, { behavior, resumes_at: null });
  assert.equal(sub.items.data[0].current_period_start, utc('2026-06-01'));
  assert.equal(sub.items.data[0].current_period_end, utc('2026-07-01'));
  const invs = await invoicesOf(w);
  assert.equal(invs.length, 2);
  assert.equal(invs[0].status, 'paid');
  const june = invs[1];
  assert.equal(sub.latest_invoice, june.id);
  assert.equal(june.billing_reason, 'subscription_cycle');
  assert.equal(june.total, PRICE);
  assert.equal(june.attempt_count, 0);
  assert.equal(june.attempted, false);
  assert.equal(june.next_payment_attempt, null);
  assert.equal(june.amount_paid, 0);
  assert.deepEqual(await intentsFor(w, june.id), []);
  assert.equal((await eventsOf(w, 'invoice.payment_failed')).length, 0);
  return june;
}

test('keep_as_draft: the renewal stays a draft with auto_advance false, uncharged', async () => {
  const w = await world('2026-05-01');
  const june = await pausedRenewal(w, 'keep_as_draft');
  assert.equal(june.status, 'draft');
  assert.equal(june.auto_advance, false);
  assert.equal(june.number, null);
  assert.equal(june.status_transitions.finalized_at, null);
  assert.equal(june.amount_due, PRICE);
  assert.equal((await eventsOf(w, 'invoice.finalized')).length, 1, 'only the first invoice');
  // It renews again the next month, still a draft.
  await advance(w, '2026-07-01');
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => [i.status, i.auto_advance]),
    [['paid', true], ['draft', false], ['draft', false]]);
  // The draft can be collected later: finalized by hand, it is open and can be paid.
  const fin = await w.stripe.invoices.finalizeInvoice(june.id);
  assert.equal(fin.status, 'open');
  const paid = await w.stripe.invoices.pay(june.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, PRICE);
  verify(w);
});

test('mark_uncollectible: the renewal is finalized, marked uncollectible at once, uncharged', async () => {
  const w = await world('2026-05-01');
  const june = await pausedRenewal(w, 'mark_uncollectible');
  assert.equal(june.status, 'uncollectible');
  assert.match(june.number, /^RCR-\d{4}$/);
  assert.equal(june.status_transitions.finalized_at, utc('2026-06-01'));
  assert.equal(june.status_transitions.marked_uncollectible_at, utc('2026-06-01'));
  assert.equal(june.amount_due, PRICE);
  assert.equal(june.amount_remaining, PRICE);
  assert.deepEqual((await eventsOf(w, 'invoice.marked_uncollectible')).map((e) => e.data.object.id), [june.id]);
  // The write-off is in the ledger: the customer owes nothing on it.
  assert.equal((await ledgerOf(w)).receivable, 0);
  verify(w);
});

test('void: the renewal is finalized (a number is taken) and voided at once, uncharged', async () => {
  const w = await world('2026-05-01');
  const june = await pausedRenewal(w, 'void');
  assert.equal(june.status, 'void');
  assert.match(june.number, /^RCR-\d{4}$/);
  assert.equal(june.status_transitions.finalized_at, utc('2026-06-01'));
  assert.equal(june.status_transitions.voided_at, utc('2026-06-01'));
  assert.equal(june.amount_due, PRICE);
  assert.deepEqual((await eventsOf(w, 'invoice.voided')).map((e) => e.data.object.id), [june.id]);
  assert.equal((await ledgerOf(w)).receivable, 0);
  verify(w);
});

test('resumes_at in mid-period clears the pause then; the next renewal is charged and paid', async () => {
  const w = await world('2026-05-01');
  const resumesAt = utc('2026-06-15T12:00:00');
  const paused = await w.stripe.subscriptions.update(w.sub.id,
    { pause_collection: { behavior: 'void', resumes_at: resumesAt } });
  assert.deepEqual(paused.pause_collection, { behavior: 'void', resumes_at: resumesAt });

  await advance(w, '2026-06-15');
  let sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.deepEqual(sub.pause_collection, { behavior: 'void', resumes_at: resumesAt }, 'not yet');
  assert.equal((await pauseEvents(w)).length, 1);

  await advance(w, '2026-06-16');
  sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.pause_collection, null);
  assert.equal(sub.status, 'active');
  const evs = await pauseEvents(w);
  assert.equal(evs.length, 2);
  assert.deepEqual(evs[1].data.previous_attributes.pause_collection, { behavior: 'void', resumes_at: resumesAt });
  assert.equal(evs[1].data.object.pause_collection, null);
  // Stripe sends .resumed only for the other pause (status paused).
  assert.equal((await eventsOf(w, 'customer.subscription.resumed')).length, 0);

  await advance(w, '2026-07-01');
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => [i.status, i.amount_paid]), [['paid', PRICE], ['void', 0], ['paid', PRICE]]);
  const july = invs[2];
  assert.equal(july.status_transitions.paid_at, utc('2026-07-01'));
  const pis = await intentsFor(w, july.id);
  assert.deepEqual(pis.map((p) => [p.status, p.amount, p.payment_method]), [['succeeded', PRICE, w.pm.id]]);
  verify(w);
});

test('resumes_at at the very moment of a renewal: that renewal is collected', async () => {
  const w = await world('2026-05-01');
  await w.stripe.subscriptions.update(w.sub.id,
    { pause_collection: { behavior: 'mark_uncollectible', resumes_at: utc('2026-07-01') } });
  // One advance over both: the June renewal is paused, the July one is not.
  await advance(w, '2026-07-01');
  const sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.pause_collection, null);
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => [i.status, i.amount_paid, i.attempt_count]),
    [['paid', PRICE, 1], ['uncollectible', 0, 0], ['paid', PRICE, 1]]);
  assert.equal(sub.latest_invoice, invs[2].id);
  assert.equal((await intentsFor(w, invs[2].id)).length, 1);
  // The pause ended before the renewal: its event comes first.
  const upd = await eventsOf(w, 'customer.subscription.updated');
  const ended = upd.findIndex((e) => 'pause_collection' in (e.data.previous_attributes || {})
    && e.data.object.pause_collection === null);
  const renewed = upd.findIndex((e) => e.data.object.latest_invoice === invs[2].id);
  assert.ok(ended >= 0 && renewed > ended, `pause ended at ${ended}, renewal at ${renewed}`);
  verify(w);
});

test('pause_collection="" resumes collection at once', async () => {
  const w = await world('2026-05-01');
  await w.stripe.subscriptions.update(w.sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
  const resumed = await w.stripe.subscriptions.update(w.sub.id, { pause_collection: '' });
  assert.equal(resumed.pause_collection, null);
  const evs = await pauseEvents(w);
  assert.equal(evs.length, 2);
  assert.deepEqual(evs[1].data.previous_attributes.pause_collection, { behavior: 'keep_as_draft', resumes_at: null });
  // Unsetting what is not set changes nothing: no event.
  await w.stripe.subscriptions.update(w.sub.id, { pause_collection: '' });
  assert.equal((await pauseEvents(w)).length, 2);

  await advance(w, '2026-06-01');
  const invs = await invoicesOf(w);
  assert.deepEqual(invs.map((i) => [i.status, i.amount_paid]), [['paid', PRICE], ['paid', PRICE]]);
  assert.equal((await intentsFor(w, invs[1].id)).length, 1);
  verify(w);
});

test('an invoice open before the pause keeps its retries (Stripe retries it unless voided)', async () => {
  const w = await world('2026-05-01');
  const failing = await w.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: w.customer.id });
  await w.stripe.customers.update(w.customer.id, { invoice_settings: { default_payment_method: failing.id } });
  await advance(w, '2026-06-01');
  let sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'past_due');
  const june = sub.latest_invoice;
  await w.stripe.subscriptions.update(w.sub.id, { pause_collection: { behavior: 'void' } });
  await advance(w, '2026-06-04');
  const inv = await w.stripe.invoices.retrieve(june);
  assert.equal(inv.status, 'open');
  assert.equal(inv.attempt_count, 2, 'the 3-day retry ran');
  assert.equal(inv.next_payment_attempt, utc('2026-06-06'));
  sub = await w.stripe.subscriptions.retrieve(w.sub.id);
  assert.equal(sub.status, 'past_due', 'the pause does not change the status');
  verify(w);
});

test('bad pause_collection input names its parameter and changes nothing', async () => {
  const w = await world('2026-05-01');
  const cases = [
    [{ behavior: 'sleep' }, 'pause_collection[behavior]'],
    [{ resumes_at: utc('2026-06-01') }, 'pause_collection[behavior]'],
    [{ behavior: '' }, 'pause_collection[behavior]'],
    [{ behavior: 'void', resumes_at: utc('2026-05-01') }, 'pause_collection[resumes_at]'],
    [{ behavior: 'void', resumes_at: utc('2026-04-30') }, 'pause_collection[resumes_at]'],
    [{ behavior: 'void', resumes_at: 'tomorrow' }, 'pause_collection[resumes_at]'],
    [{ behavior: 'void', until: utc('2026-06-01') }, 'pause_collection[until]'],
    ['void', 'pause_collection'],
  ];
  const before = dumpData();
  for (const [pc, param] of cases) {
    await assert.rejects(w.stripe.subscriptions.update(w.sub.id, { pause_collection: pc }), (err) => {
      assert.equal(err.statusCode, 400, JSON.stringify(pc));
      assert.equal(err.type, 'StripeInvalidRequestError');
      assert.equal(err.param, param, JSON.stringify(pc));
      return true;
    });
  }
  assert.equal(dumpData(), before);
  // A resumes_at one second after the clock's time is in the future.
  const ok = await w.stripe.subscriptions.update(w.sub.id,
    { pause_collection: { behavior: 'void', resumes_at: utc('2026-05-01') + 1 } });
  assert.equal(ok.pause_collection.resumes_at, utc('2026-05-01') + 1);
});

test('resumes_at is judged by the test clock, not the wall clock', async () => {
  // The clock runs ahead of the wall clock: 2029 is in the future for the
  // wall clock but in the past for the subscription.
  const w = await world('2030-01-01');
  const before = dumpData();
  await assert.rejects(w.stripe.subscriptions.update(w.sub.id,
    { pause_collection: { behavior: 'void', resumes_at: utc('2029-12-31') } }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'pause_collection[resumes_at]');
    return true;
  });
  assert.equal(dumpData(), before);
});

test('a canceled subscription cannot be paused', async () => {
  const w = await world('2026-05-01');
  await w.stripe.subscriptions.cancel(w.sub.id);
  const before = dumpData();
  await assert.rejects(w.stripe.subscriptions.update(w.sub.id, { pause_collection: { behavior: 'void' } }),
    (err) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.param, 'pause_collection');
      assert.equal(err.message, 'A canceled subscription can only update its cancellation_details and metadata');
      return true;
    });
  assert.equal(dumpData(), before);
  verify(w);
});

test('on the wall clock, the scheduler ends the pause at resumes_at', async () => {
  const tenant = server.tenant(`Pause wall ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const customer = await stripe.customers.create({ email: 'kunde@example.no' });
  const product = await stripe.products.create({ name: 'Pro' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: PRICE,
    recurring: { interval: 'month' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const resumesAt = Math.floor(Date.now() / 1000) + 2;
  const paused = await stripe.subscriptions.update(sub.id,
    { pause_collection: { behavior: 'keep_as_draft', resumes_at: resumesAt } });
  assert.deepEqual(paused.pause_collection, { behavior: 'keep_as_draft', resumes_at: resumesAt });
  // The scheduler runs every second: give it up to 6 s past resumes_at.
  let now = paused;
  for (let i = 0; i < 80 && now.pause_collection !== null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = await stripe.subscriptions.retrieve(sub.id);
  }
  assert.equal(now.pause_collection, null);
  assert.ok(Date.now() / 1000 >= resumesAt, 'not before resumes_at');
  assert.equal(now.status, 'active');
  const evs = (await all(stripe.events.list({ type: 'customer.subscription.updated', limit: 100 })))
    .filter((e) => 'pause_collection' in (e.data.previous_attributes || {}));
  assert.equal(evs.length, 2);
});

test('void leaves the customer credit balance as it was; mark_uncollectible uses it first', async () => {
  for (const [behavior, status, balanceAfter] of [['void', 'void', -10000], ['mark_uncollectible', 'uncollectible', 0]]) {
    const w = await world('2026-05-01');
    await w.stripe.customers.createBalanceTransaction(w.customer.id, { amount: -10000, currency: 'nok' });
    await w.stripe.subscriptions.update(w.sub.id, { pause_collection: { behavior } });
    await advance(w, '2026-06-01');
    const [, june] = await invoicesOf(w);
    assert.equal(june.status, status);
    assert.equal(june.starting_balance, -10000);
    // Finalization applied the 100.00 of credit; a void gives it back (Stripe: a
    // voided paused invoice "won't use the customer credit balance").
    assert.equal(june.amount_due, PRICE - 10000);
    assert.equal((await w.stripe.customers.retrieve(w.customer.id)).balance, balanceAfter, behavior);
    assert.equal((await ledgerOf(w)).receivable, 0);
    verify(w);
  }
});

test('an invoice the pausing update itself makes is held back too', async () => {
  const w = await world('2026-05-01');
  const product = await w.stripe.products.create({ name: 'Max' });
  const dearer = await w.stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 2 * PRICE,
    recurring: { interval: 'month' } });
  await advance(w, '2026-05-16T12:00:00'); // half of May's 31 days
  const sub = await w.stripe.subscriptions.update(w.sub.id, {
    items: [{ id: w.sub.items.data[0].id, price: dearer.id }],
    proration_behavior: 'always_invoice',
    pause_collection: { behavior: 'keep_as_draft' },
  });
  assert.equal(sub.status, 'active');
  const inv = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(inv.billing_reason, 'subscription_update');
  assert.equal(inv.status, 'draft');
  assert.equal(inv.auto_advance, false);
  // -299.00/2 + 598.00/2, each half up: -149.50 + 299.00
  assert.equal(inv.total, PRICE / 2);
  assert.deepEqual(await intentsFor(w, inv.id), []);
  verify(w);
});
