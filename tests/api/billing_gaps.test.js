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

/* ---- promotion code restrictions ------------------------------------------- */

test('restrictions are checked on create and shown as Stripe shows them', async () => {
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
  const plain = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } });
  assert.deepEqual(plain.restrictions, { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null });
  const both = await stripe.promotionCodes.create({
    promotion: { type: 'coupon', coupon: coupon.id },
    restrictions: { first_time_transaction: true, minimum_amount: 50000, minimum_amount_currency: 'NOK', currency_options: { eur: { minimum_amount: 4000 } } },
  });
  assert.deepEqual(both.restrictions, {
    first_time_transaction: true, minimum_amount: 50000, minimum_amount_currency: 'nok',
    currency_options: { eur: { minimum_amount: 4000 } },
  });
  const promotion = { type: 'coupon', coupon: coupon.id };
  await refused(() => stripe.promotionCodes.create({ promotion, restrictions: { minimum_amount: 100 } }),
    'restrictions[minimum_amount_currency]');
  await refused(() => stripe.promotionCodes.create({ promotion, restrictions: { minimum_amount_currency: 'nok' } }),
    'restrictions[minimum_amount]');
  await refused(() => stripe.promotionCodes.create({ promotion, restrictions: { minimum_amount: -1, minimum_amount_currency: 'nok' } }),
    'restrictions[minimum_amount]');
  await refused(() => stripe.promotionCodes.create({ promotion, restrictions: { first_time: true } }),
    'restrictions[first_time]');
  await refused(() => stripe.promotionCodes.create({ promotion, restrictions: { currency_options: { xxx: { minimum_amount: 1 } } } }),
    'restrictions[currency_options][xxx]');
});

test('first_time_transaction refuses a customer with a paid invoice, on the param that applies the code', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
  const promo = await stripe.promotionCodes.create({
    promotion: { type: 'coupon', coupon: coupon.id }, restrictions: { first_time_transaction: true },
  });
  const item = [{ price: prices[0].id }];
  // A first-time customer redeems it: 100.00 − 20 % = 80.00.
  const first = await stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: promo.id }] });
  assert.equal((await stripe.invoices.retrieve(first.latest_invoice)).total, 8000);
  await stripe.invoices.pay(first.latest_invoice, { paid_out_of_band: true });
  // With a paid invoice behind it the customer cannot any more, whichever param carries it.
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: promo.id }] }),
    'discounts[0][promotion_code]');
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, promotion_code: promo.id }),
    'promotion_code');
  await refused(() => stripe.subscriptions.update(first.id, { discounts: [{ promotion_code: promo.id }] }),
    'discounts[0][promotion_code]');
  const draft = await stripe.invoices.create({ customer: customer.id, currency: 'nok' });
  await refused(() => stripe.invoices.update(draft.id, { discounts: [{ promotion_code: promo.id }] }),
    'discounts[0][promotion_code]');
  assert.equal((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed, 1);
  // A trial's 0.00 invoice is no transaction.
  const w = await world('2026-04-01', [monthly(10000)]);
  const trial = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }], trial_period_days: 7 });
  const later = await stripe.subscriptions.update(trial.id, { promotion_code: promo.id });
  assert.equal(later.discounts.length, 1);
});

test('minimum_amount is compared with the items\' recurring amount, or an invoice\'s subtotal, in its currency', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000), monthly(40000)]);
  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
  const promo = await stripe.promotionCodes.create({
    promotion: { type: 'coupon', coupon: coupon.id }, restrictions: { minimum_amount: 50000, minimum_amount_currency: 'nok' },
  });
  // 100.00 is below 500.00.
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], discounts: [{ promotion_code: promo.id }] }),
    'discounts[0][promotion_code]');
  // 100.00 + 400.00 meets it: 500.00 − 10 % = 450.00.
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }, { price: prices[1].id }], promotion_code: promo.id,
  });
  assert.equal((await stripe.invoices.retrieve(sub.latest_invoice)).total, 45000);
  // On update it is the items as the update leaves them: 1 × 100.00 is too little, 5 × 100.00 enough.
  const small = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await refused(() => stripe.subscriptions.update(small.id, { promotion_code: promo.id }), 'promotion_code');
  const grown = await stripe.subscriptions.update(small.id, {
    items: [{ id: small.items.data[0].id, quantity: 5 }], proration_behavior: 'none', promotion_code: promo.id,
  });
  assert.equal(grown.discounts.length, 1);
  // In another currency without a minimum for it, the code cannot be met.
  const eurProduct = await stripe.products.create({ name: 'Euro' });
  const eur = await stripe.prices.create({ product: eurProduct.id, currency: 'eur', ...monthly(100000) });
  const euroCustomer = await stripe.customers.create({ email: 'eu@example.no', test_clock: customer.test_clock });
  await refused(() => stripe.subscriptions.create({ customer: euroCustomer.id, items: [{ price: eur.id }], promotion_code: promo.id }),
    'promotion_code');
  // A draft's subtotal: 300.00 is too little, 600.00 enough.
  await stripe.invoiceItems.create({ customer: customer.id, amount: 30000, currency: 'nok' });
  const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
  await refused(() => stripe.invoices.update(draft.id, { discounts: [{ promotion_code: promo.id }] }), 'discounts[0][promotion_code]');
  await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 30000, currency: 'nok' });
  const discounted = await stripe.invoices.update(draft.id, { discounts: [{ promotion_code: promo.id }] });
  assert.equal(discounted.subtotal, 60000);
  assert.equal(discounted.total, 54000);
  // On create, against the pending items the draft takes.
  await stripe.invoiceItems.create({ customer: customer.id, amount: 20000, currency: 'nok' });
  await refused(() => stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include', discounts: [{ promotion_code: promo.id }] }),
    'discounts[0][promotion_code]');
});

/* ---- prorations under a discount ------------------------------------------- */

test('prorations are of the discounted amounts, and the invoice does not discount them again', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const pct = await stripe.coupons.create({ percent_off: 25, duration: 'forever' });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], discounts: [{ coupon: pct.id }] });
  assert.equal((await stripe.invoices.retrieve(sub.latest_invoice)).total, 7500);
  await advance(clock, '2026-04-16');
  // Half of April: −75.00 / 2 and +150.00 / 2, each already 25 % off.
  await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: prices[1].id }] });
  assert.deepEqual(await pendingAmounts(customer), [-3750, 7500]);
  const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
  assert.deepEqual(pending.data.map((i) => [i.proration, i.discountable]), [[true, false], [true, false]]);
  await advance(clock, '2026-05-01');
  const renewal = (await invoicesOf({ subscription: sub.id })).at(-1);
  // 200.00 − 25 % = 150.00, plus the prorations 37.50, which take no discount.
  assert.equal(renewal.subtotal, 23750);
  assert.deepEqual(renewal.total_discount_amounts.map((d) => d.amount), [5000]);
  assert.equal(renewal.total, 18750);

  // A fixed 20.00 off: −80.00 / 2 + 180.00 / 2 = 50.00 at once, not 30.00.
  const w = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const off = await stripe.coupons.create({ amount_off: 2000, currency: 'nok', duration: 'forever' });
  const s2 = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }], discounts: [{ coupon: off.id }] });
  await advance(w.clock, '2026-04-16');
  const up = await stripe.subscriptions.update(s2.id, {
    items: [{ id: s2.items.data[0].id, price: w.prices[1].id }], proration_behavior: 'always_invoice',
  });
  const inv = await stripe.invoices.retrieve(up.latest_invoice);
  assert.deepEqual(inv.lines.data.map((l) => l.amount).sort((a, b) => a - b), [-4000, 9000]);
  assert.equal(inv.total, 5000);

  // Cancelling credits the discounted unused time: 75.00 / 2.
  const c = await world('2026-04-01', [monthly(10000)]);
  const s3 = await stripe.subscriptions.create({ customer: c.customer.id, items: [{ price: c.prices[0].id }], discounts: [{ coupon: pct.id }] });
  await advance(c.clock, '2026-04-16');
  await stripe.subscriptions.cancel(s3.id, { prorate: true, invoice_now: true });
  assert.equal((await stripe.customers.retrieve(c.customer.id)).balance, -3750);
});

/* ---- parameters recur used to ignore --------------------------------------- */

test('a subscription\'s currency must be its prices\' currency', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000)]);
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], currency: 'eur' }), 'currency');
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], currency: 'xyz' }), 'currency');
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], currency: 'NOK' });
  assert.equal(sub.currency, 'nok');
});

test('resume takes billing_cycle_anchor=now and proration parameters; an unknown anchor is refused', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
  });
  await advance(clock, '2026-03-20');
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'paused');
  await refused(() => stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: 'later' }), 'billing_cycle_anchor');
  await refused(() => stripe.subscriptions.resume(sub.id, { proration_behavior: 'sometimes' }), 'proration_behavior');
  const resumed = await stripe.subscriptions.resume(sub.id, {
    billing_cycle_anchor: 'now', proration_behavior: 'always_invoice', proration_date: utc('2026-03-20'),
  });
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.billing_cycle_anchor, utc('2026-03-20'));
  const inv = await stripe.invoices.retrieve(resumed.latest_invoice);
  assert.equal(inv.total, 19900);
  assert.equal(inv.period_start, utc('2026-03-20'));
});
