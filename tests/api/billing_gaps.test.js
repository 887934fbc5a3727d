'use strict';
// The former "Known gaps" of docs/billing.md, each stated as Stripe behaves,
// through the stripe SDK with test clocks: pending credits left by a
// cancellation, a final invoice with nothing to bill, a customer's balance,
// promotion code restrictions, prorations under a discount, drafts that
// finalize themselves, and the parameters recur used to ignore. Every amount
// is asserted exactly.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe;

before(async () => {
  server = await startServer();
  const t = server.tenant('Gaps AS');
  stripe = server.client(t.secret_key);
});
after(async () => { await server.stop(); });

const DAY = 86400;
const HOUR = 3600;
const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;

// A clock at `start`, a customer on it, and a product with one price per spec.
async function world(start, priceSpecs, customerParams = {}) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) });
  const customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: clock.id, ...customerParams });
  const product = await stripe.products.create({ name: 'Plan' });
  const prices = [];
  for (const spec of priceSpecs) {
    prices.push(await stripe.prices.create({ product: product.id, currency: 'nok', ...spec }));
  }
  return { clock, customer, product, prices };
}

const monthly = (amount) => ({ unit_amount: amount, recurring: { interval: 'month' } });
const advance = (clock, to) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: utc(to) });

async function invoicesOf(filter) {
  const all = [];
  for await (const inv of stripe.invoices.list({ ...filter, limit: 100 })) all.push(inv);
  return all.reverse();
}

async function pendingAmounts(customer) {
  const items = await stripe.invoiceItems.list({ customer: customer.id, pending: true, limit: 100 });
  return items.data.map((i) => i.amount).sort((a, b) => a - b);
}

// Asserts that fn is refused with 400 and param, and that it wrote nothing.
async function refused(fn, param) {
  const dump = server.dump();
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, 400, err.message);
    assert.equal(err.param, param, err.message);
    return true;
  });
  assert.equal(server.dump(), dump, 'a refused request changes nothing');
}

/* ---- pending credits left by a cancellation -------------------------------- */

test('a scheduled cancellation\'s credit is taken by the customer\'s next subscription invoice', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await stripe.subscriptions.update(sub.id, { cancel_at: utc('2026-04-21') });
  await advance(clock, '2026-04-22');
  // 10 of April's 30 days unused: 10000 × 10/30 = 3333.33 → 3333.
  const [credit] = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
  assert.equal(credit.amount, -3333);
  assert.equal(credit.proration, true);
  const next = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[1].id }] });
  const first = await stripe.invoices.retrieve(next.latest_invoice);
  assert.deepEqual(first.lines.data.map((l) => l.amount), [20000, -3333]);
  assert.equal(first.total, 16667);
  assert.deepEqual(await pendingAmounts(customer), []);
  assert.equal((await stripe.invoiceItems.retrieve(credit.id)).invoice, first.id);
});

test('a cancellation with prorate and without invoice_now leaves a credit a manual invoice takes', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  await stripe.subscriptions.cancel(sub.id, { prorate: true });
  assert.deepEqual(await pendingAmounts(customer), [-5000]);
  assert.equal((await invoicesOf({ subscription: sub.id })).length, 1, 'no final invoice without invoice_now');
  await stripe.invoiceItems.create({ customer: customer.id, amount: 20000, currency: 'nok', description: 'Oppsett' });
  const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
  assert.equal(draft.subtotal, 15000);
  const open = await stripe.invoices.finalizeInvoice(draft.id);
  assert.equal(open.total, 15000);
  assert.equal(open.amount_due, 15000);
  assert.deepEqual(await pendingAmounts(customer), []);
});

test('DELETE with invoice_now and nothing to bill makes no invoice', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  const canceled = await stripe.subscriptions.cancel(sub.id, { invoice_now: true });
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.latest_invoice, sub.latest_invoice);
  const invs = await invoicesOf({ customer: customer.id });
  assert.deepEqual(invs.map((i) => i.billing_reason), ['subscription_create']);

  // Pending items of the subscription are still billed on a final invoice.
  const w = await world('2026-04-01', [monthly(10000)]);
  const s2 = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }] });
  await stripe.invoiceItems.create({ customer: w.customer.id, subscription: s2.id, amount: 2500, currency: 'nok' });
  const c2 = await stripe.subscriptions.cancel(s2.id, { invoice_now: true });
  const last = await stripe.invoices.retrieve(c2.latest_invoice);
  assert.equal(last.billing_reason, 'subscription_cancel');
  assert.equal(last.total, 2500);
});

/* ---- the customer's balance ------------------------------------------------ */

test('a balance is refused without a currency, and one given with it is applied to the next invoice', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc('2026-04-01') });
  await refused(() => stripe.customers.create({ email: 'a@example.no', test_clock: clock.id, balance: -2500 }), 'balance');
  const customer = await stripe.customers.create({ email: 'a@example.no', test_clock: clock.id, balance: -2500, currency: 'nok' });
  assert.equal(customer.balance, -2500);
  const product = await stripe.products.create({ name: 'Plan' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', ...monthly(10000) });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const first = await stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.total, 10000);
  assert.equal(first.starting_balance, -2500);
  assert.equal(first.amount_due, 7500);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, 0);
});
