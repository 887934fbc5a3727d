'use strict';
// The billing scenarios of issue 3, driven through the stripe SDK with test
// clocks: renewals on month ends, trials, plan changes with proration,
// cancellations, coupons, tax, tiers and the customer's credit balance.
// Every amount is asserted exactly.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe;

before(async () => {
  server = await startServer();
  const t = server.tenant('Scenarios AS');
  stripe = server.client(t.secret_key);
});
after(async () => { await server.stop(); });

const DAY = 86400;
const utc = (s) => Date.parse(`${s}T00:00:00Z`) / 1000;

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

async function advance(clock, to) {
  return stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: typeof to === 'string' ? utc(to) : to });
}

// The subscription's invoices, oldest first.
async function invoicesOf(sub) {
  const all = [];
  for await (const inv of stripe.invoices.list({ subscription: sub.id, limit: 100 })) all.push(inv);
  return all.reverse();
}

test('monthly from Jan 31 renews Feb 28, Mar 31, Apr 30', async () => {
  const { clock, customer, prices } = await world('2026-01-31', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  assert.equal(sub.status, 'active');
  assert.equal(sub.billing_cycle_anchor, utc('2026-01-31'));
  assert.equal(sub.items.data[0].current_period_start, utc('2026-01-31'));
  assert.equal(sub.items.data[0].current_period_end, utc('2026-02-28'));
  for (const d of ['2026-02-28', '2026-03-31', '2026-04-30']) await advance(clock, d);
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.period_start), [utc('2026-01-31'), utc('2026-02-28'), utc('2026-03-31'), utc('2026-04-30')]);
  assert.deepEqual(invs.map((i) => i.period_end), [utc('2026-02-28'), utc('2026-03-31'), utc('2026-04-30'), utc('2026-05-31')]);
  assert.deepEqual(invs.map((i) => i.billing_reason), ['subscription_create', 'subscription_cycle', 'subscription_cycle', 'subscription_cycle']);
  assert.deepEqual(invs.map((i) => i.total), [10000, 10000, 10000, 10000]);
  const now = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.items.data[0].current_period_start, utc('2026-04-30'));
  assert.equal(now.items.data[0].current_period_end, utc('2026-05-31'));
});

test('monthly from Jan 31 in a leap year renews on Feb 29', async () => {
  const { clock, customer, prices } = await world('2028-01-31', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2028-02-29');
  await advance(clock, '2028-03-31');
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.period_start), [utc('2028-01-31'), utc('2028-02-29'), utc('2028-03-31')]);
});

test('yearly from Feb 29 renews on Feb 28, then Feb 29 in the next leap year', async () => {
  const { clock, customer, prices } = await world('2024-02-29', [{ unit_amount: 120000, recurring: { interval: 'year' } }]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  for (const d of ['2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29']) await advance(clock, d);
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.period_start),
    ['2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29'].map(utc));
  assert.ok(invs.every((i) => i.total === 120000));
});

test('weekly and every 3 months', async () => {
  const w = await world('2026-03-02', [{ unit_amount: 2500, recurring: { interval: 'week' } }]);
  const weekly = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }] });
  await advance(w.clock, utc('2026-03-02') + 14 * DAY);
  assert.deepEqual((await invoicesOf(weekly)).map((i) => i.period_start),
    [0, 7, 14].map((d) => utc('2026-03-02') + d * DAY));

  const q = await world('2026-01-31', [{ unit_amount: 30000, recurring: { interval: 'month', interval_count: 3 } }]);
  const quarterly = await stripe.subscriptions.create({ customer: q.customer.id, items: [{ price: q.prices[0].id }] });
  await advance(q.clock, '2026-04-30');
  await advance(q.clock, '2026-07-31');
  assert.deepEqual((await invoicesOf(quarterly)).map((i) => i.period_start),
    ['2026-01-31', '2026-04-30', '2026-07-31'].map(utc));
});

test('a 14-day trial costs nothing, then bills the first period', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 14 });
  assert.equal(sub.status, 'trialing');
  assert.equal(sub.trial_start, utc('2026-03-01'));
  assert.equal(sub.trial_end, utc('2026-03-15'));
  let invs = await invoicesOf(sub);
  assert.equal(invs.length, 1);
  assert.equal(invs[0].total, 0);
  assert.equal(invs[0].status, 'paid');
  await advance(clock, '2026-03-15');
  const after = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(after.status, 'active');
  assert.equal(after.items.data[0].current_period_start, utc('2026-03-15'));
  assert.equal(after.items.data[0].current_period_end, utc('2026-04-15'));
  invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.total), [0, 19900]);
  assert.equal(invs[1].billing_reason, 'subscription_cycle');
});

test('upgrade at exactly half a 30-day period with always_invoice: -50.00 and +100.00', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  const up = await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0].id, price: prices[1].id }],
    proration_behavior: 'always_invoice',
  });
  assert.equal(up.items.data[0].price.id, prices[1].id);
  const invs = await invoicesOf(sub);
  assert.equal(invs.length, 2);
  const inv = invs[1];
  assert.equal(inv.billing_reason, 'subscription_update');
  assert.deepEqual(inv.lines.data.map((l) => l.amount).sort((a, b) => a - b), [-5000, 10000]);
  assert.equal(inv.total, 5000);
  assert.equal(inv.amount_due, 5000);
  // The period and billing date do not move on a same-interval change.
  assert.equal(up.items.data[0].current_period_end, utc('2026-05-01'));
  await advance(clock, '2026-05-01');
  assert.equal((await invoicesOf(sub))[2].total, 20000);
});

test('downgrade at half with always_invoice credits the balance', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(20000), monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0].id, price: prices[1].id }], proration_behavior: 'always_invoice',
  });
  const inv = (await invoicesOf(sub))[1];
  assert.deepEqual(inv.lines.data.map((l) => l.amount).sort((a, b) => a - b), [-10000, 5000]);
  assert.equal(inv.total, -5000);
  assert.equal(inv.amount_due, 0);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, -5000);
  // The credit pays part of the next renewal: 100.00 - 50.00.
  await advance(clock, '2026-05-01');
  const next = (await invoicesOf(sub))[2];
  assert.equal(next.total, 10000);
  assert.equal(next.amount_due, 5000);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, 0);
});

test('a quantity change with create_prorations lands on the next invoice; none prorates nothing', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id, quantity: 1 }] });
  await advance(clock, '2026-04-16');
  await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 3 }] });
  assert.equal((await invoicesOf(sub)).length, 1, 'create_prorations does not invoice at once');
  const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
  assert.deepEqual(pending.data.map((i) => i.amount).sort((a, b) => a - b), [-5000, 15000]);
  await advance(clock, '2026-05-01');
  const next = (await invoicesOf(sub))[1];
  assert.deepEqual(next.lines.data.map((l) => l.amount).sort((a, b) => a - b), [-5000, 15000, 30000]);
  assert.equal(next.total, 40000);

  const w = await world('2026-04-01', [monthly(10000)]);
  const s2 = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }] });
  await advance(w.clock, '2026-04-16');
  await stripe.subscriptions.update(s2.id, { items: [{ id: s2.items.data[0].id, quantity: 2 }], proration_behavior: 'none' });
  assert.equal((await stripe.invoiceItems.list({ customer: w.customer.id, pending: true })).data.length, 0);
  await advance(w.clock, '2026-05-01');
  assert.equal((await invoicesOf(s2))[1].total, 20000);
});

test('cancel at period end, and cancel now with the proration credited to the balance', async () => {
  const a = await world('2026-04-01', [monthly(10000)]);
  const s1 = await stripe.subscriptions.create({ customer: a.customer.id, items: [{ price: a.prices[0].id }] });
  const set = await stripe.subscriptions.update(s1.id, { cancel_at_period_end: true });
  assert.equal(set.cancel_at_period_end, true);
  assert.equal(set.status, 'active');
  await advance(a.clock, '2026-05-01');
  const ended = await stripe.subscriptions.retrieve(s1.id);
  assert.equal(ended.status, 'canceled');
  assert.equal(ended.ended_at, utc('2026-05-01'));
  assert.equal((await invoicesOf(s1)).length, 1, 'no renewal after cancel_at_period_end');

  const b = await world('2026-04-01', [monthly(10000)]);
  const s2 = await stripe.subscriptions.create({ customer: b.customer.id, items: [{ price: b.prices[0].id }] });
  await advance(b.clock, '2026-04-16');
  const canceled = await stripe.subscriptions.cancel(s2.id, { prorate: true, invoice_now: true });
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.canceled_at, utc('2026-04-16'));
  const last = (await invoicesOf(s2)).at(-1);
  assert.equal(last.total, -5000);
  assert.equal((await stripe.customers.retrieve(b.customer.id)).balance, -5000);
  await advance(b.clock, '2026-05-02');
  assert.equal((await invoicesOf(s2)).length, 2, 'nothing renews after a cancel');

  // A canceled subscription cannot be changed; nothing is written.
  const dump = server.dump();
  await assert.rejects(stripe.subscriptions.update(s2.id, { items: [{ id: s2.items.data[0].id, quantity: 5 }] }),
    (err) => err.statusCode === 400 && err.param === 'items');
  await assert.rejects(stripe.subscriptions.cancel(s2.id), (err) => err.statusCode === 400);
  assert.equal(server.dump(), dump);
});

test('coupons once, repeating 3 months and forever over six renewals', async () => {
  const totals = {};
  for (const [name, spec] of [
    ['once', { percent_off: 25, duration: 'once' }],
    ['repeating', { percent_off: 25, duration: 'repeating', duration_in_months: 3 }],
    ['forever', { percent_off: 25, duration: 'forever' }],
  ]) {
    const { clock, customer, prices } = await world('2026-01-31', [monthly(10000)]);
    const coupon = await stripe.coupons.create(spec);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], discounts: [{ coupon: coupon.id }] });
    for (const d of ['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30', '2026-07-31']) await advance(clock, d);
    const invs = await invoicesOf(sub);
    totals[name] = invs.map((i) => i.total);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
  }
  assert.deepEqual(totals.once, [7500, 10000, 10000, 10000, 10000, 10000, 10000]);
  assert.deepEqual(totals.repeating, [7500, 7500, 7500, 10000, 10000, 10000, 10000]);
  assert.deepEqual(totals.forever, [7500, 7500, 7500, 7500, 7500, 7500, 7500]);
});

test('25 % VAT exclusive and inclusive', async () => {
  const ex = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  const inc = await stripe.taxRates.create({ display_name: 'MVA inkl.', percentage: 25, inclusive: true, country: 'NO' });
  const a = await world('2026-04-01', [monthly(10000)]);
  const s1 = await stripe.subscriptions.create({ customer: a.customer.id, items: [{ price: a.prices[0].id }], default_tax_rates: [ex.id] });
  const i1 = (await invoicesOf(s1))[0];
  assert.equal(i1.subtotal, 10000);
  assert.equal(i1.total, 12500);
  assert.equal(i1.total_excluding_tax, 10000);
  assert.equal(i1.total_taxes.reduce((n, t) => n + t.amount, 0), 2500);

  const b = await world('2026-04-01', [monthly(12500)]);
  const s2 = await stripe.subscriptions.create({ customer: b.customer.id, items: [{ price: b.prices[0].id, tax_rates: [inc.id] }] });
  const i2 = (await invoicesOf(s2))[0];
  assert.equal(i2.total, 12500);
  assert.equal(i2.total_excluding_tax, 10000);
  assert.equal(i2.total_taxes.reduce((n, t) => n + t.amount, 0), 2500);
});

test('volume and graduated tiers on the same quantities', async () => {
  const tiers = [
    { up_to: 5, unit_amount: 1000 },
    { up_to: 10, unit_amount: 800, flat_amount: 500 },
    { up_to: 'inf', unit_amount: 600 },
  ];
  const expect = { graduated: { 1: 1000, 5: 5000, 6: 6300, 10: 9500, 11: 10100 }, volume: { 1: 1000, 5: 5000, 6: 5300, 10: 8500, 11: 6600 } };
  for (const mode of ['graduated', 'volume']) {
    const { customer, prices } = await world('2026-04-01', [{ billing_scheme: 'tiered', tiers_mode: mode, tiers, recurring: { interval: 'month' } }]);
    for (const q of [1, 5, 6, 10, 11]) {
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id, quantity: q }] });
      assert.equal((await invoicesOf(sub))[0].total, expect[mode][q], `${mode} × ${q}`);
    }
  }
});

test('a credit balance is consumed across two invoices', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  await stripe.customers.createBalanceTransaction(customer.id, { amount: -15000, currency: 'nok' });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  let invs = await invoicesOf(sub);
  assert.equal(invs[0].amount_due, 0);
  assert.equal(invs[0].ending_balance, -5000);
  assert.equal(invs[0].status, 'paid');
  await advance(clock, '2026-05-01');
  invs = await invoicesOf(sub);
  assert.equal(invs[1].starting_balance, -5000);
  assert.equal(invs[1].amount_due, 5000);
  assert.equal(invs[1].ending_balance, 0);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, 0);
});

test('renewals are exactly-once and listed; bad subscriptions are refused', async () => {
  const { clock, customer, prices } = await world('2026-01-31', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-02-28');
  const list = await stripe.subscriptions.list({ customer: customer.id });
  assert.deepEqual(list.data.map((s) => s.id), [sub.id]);
  assert.deepEqual((await stripe.subscriptions.list({ price: prices[0].id })).data.map((s) => s.id).includes(sub.id), true);
  const dump = server.dump();
  for (const [params, param] of [
    [{ customer: 'cus_nope', items: [{ price: prices[0].id }] }, 'customer'],
    [{ customer: customer.id }, 'items'],
    [{ customer: customer.id, items: [{ price: 'price_nope' }] }, 'items[0][price]'],
    [{ customer: customer.id, items: [{ price: prices[0].id, quantity: -1 }] }, 'items[0][quantity]'],
    [{ customer: customer.id, items: [{ price: prices[0].id }], collection_method: 'send_invoice' }, 'days_until_due'],
    [{ customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 731 }, 'trial_period_days'],
  ]) {
    await assert.rejects(stripe.subscriptions.create(params), (err) => {
      assert.equal(err.statusCode, 400, JSON.stringify(params));
      assert.equal(err.param, param);
      return true;
    });
  }
  assert.equal(server.dump(), dump);
});
