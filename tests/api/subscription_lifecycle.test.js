'use strict';
// The subscription lifecycle beyond the scenario suite (subscriptions.test.js),
// through the stripe SDK with test clocks: invoice previews that change nothing,
// adding and removing items, trial changes and trial end behaviours, incomplete
// subscriptions, scheduled cancellations, future billing anchors, promotion
// codes, send_invoice terms, the wall-clock scheduler, the event trail and
// exactly-once renewals. Every amount is asserted exactly.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe;

before(async () => {
  server = await startServer();
  const t = server.tenant('Lifecycle AS');
  stripe = server.client(t.secret_key);
});
after(async () => { await server.stop(); });

const DAY = 86400;
const HOUR = 3600;
const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;
const wallNow = () => Math.floor(Date.now() / 1000);

// Stripe's proration of one line: amount × remaining / period, rounded half
// away from zero (recur rounds each proration line on its own).
const prorate = (amount, remaining, period) => {
  const q = (Math.abs(amount) * remaining) / period;
  const r = Math.floor(q) + (q - Math.floor(q) >= 0.5 ? 1 : 0);
  return amount < 0 ? -r : r;
};

// A clock at `start`, a customer on it, and a product with one price per spec.
async function world(start, priceSpecs, customerParams = {}) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: typeof start === 'string' ? utc(start) : start });
  const customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: clock.id, ...customerParams });
  const product = await stripe.products.create({ name: 'Plan' });
  const prices = [];
  for (const spec of priceSpecs) {
    prices.push(await stripe.prices.create({ product: product.id, currency: 'nok', ...spec }));
  }
  return { clock, customer, product, prices };
}

const monthly = (amount, extra = {}) => ({ unit_amount: amount, recurring: { interval: 'month', ...extra } });

async function advance(clock, to) {
  return stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: typeof to === 'string' ? utc(to) : to });
}

// The subscription's invoices, oldest first.
async function invoicesOf(sub) {
  const all = [];
  for await (const inv of stripe.invoices.list({ subscription: sub.id, limit: 100 })) all.push(inv);
  return all.reverse();
}

// The customer's pending invoice item amounts, ascending.
async function pendingAmounts(customer) {
  const items = await stripe.invoiceItems.list({ customer: customer.id, pending: true, limit: 100 });
  return items.data.map((i) => i.amount).sort((a, b) => a - b);
}

const amounts = (inv) => inv.lines.data.map((l) => l.amount).sort((a, b) => a - b);

// Every table but the idempotency keys: the SDK sends a key with every POST,
// and a successful request's response is kept under it, which is the point of
// the key, not a change to billing data.
const dumpData = () => server.dump().replace(/== idempotency_keys\n[^]*?(?=\n== |$)/, '== idempotency_keys');

// Asserts that fn is refused with 400 and param, and that it wrote nothing.
async function refused(fn, param, status = 400) {
  const before = server.dump();
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, status, err.message);
    assert.equal(err.param, param, err.message);
    return true;
  });
  assert.equal(server.dump(), before, 'a refused request changes nothing');
}

/* ---- 1. create_preview ---------------------------------------------------- */

test('preview of an always_invoice upgrade with a proration_date shows its lines and changes nothing', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  const before = {
    dump: dumpData(),
    sub: await stripe.subscriptions.retrieve(sub.id),
    invoices: await invoicesOf(sub),
    balance: (await stripe.customers.retrieve(customer.id)).balance,
    events: (await stripe.events.list({ limit: 100 })).data.map((e) => e.id),
  };
  // Prorated from Apr 11: 20 of April's 30 days remain.
  const preview = await stripe.invoices.createPreview({
    subscription: sub.id,
    subscription_details: {
      items: [{ id: sub.items.data[0].id, price: prices[1].id }],
      proration_behavior: 'always_invoice',
      proration_date: utc('2026-04-11'),
    },
  });
  assert.equal(preview.object, 'invoice');
  assert.match(preview.id, /^upcoming_in_/);
  assert.equal(preview.status, 'draft');
  assert.equal(preview.number, null);
  assert.equal(preview.billing_reason, 'subscription_update');
  assert.equal(preview.subscription, sub.id);
  assert.deepEqual(amounts(preview), [-6667, 13333]);
  assert.ok(preview.lines.data.every((l) => l.parent.subscription_item_details.proration === true));
  assert.ok(preview.lines.data.every((l) => l.period.start === utc('2026-04-11') && l.period.end === utc('2026-05-01')));
  assert.ok(preview.lines.data.every((l) => l.invoice === preview.id), 'lines belong to the preview');
  assert.equal(preview.subtotal, 6666);
  assert.equal(preview.total, 6666);
  assert.equal(preview.amount_due, 6666);
  assert.equal(preview.amount_paid, 0);
  assert.equal(preview.amount_remaining, 6666);
  assert.equal(preview.status_transitions.finalized_at, null);

  assert.equal(dumpData(), before.dump, 'every table is unchanged');
  assert.deepEqual(await stripe.subscriptions.retrieve(sub.id), before.sub);
  assert.deepEqual(await invoicesOf(sub), before.invoices);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, before.balance);
  assert.deepEqual((await stripe.events.list({ limit: 100 })).data.map((e) => e.id), before.events);
  // The preview's id names nothing.
  await assert.rejects(stripe.invoices.retrieve(preview.id), (err) => err.statusCode === 404);
  // The real change, made afterwards, bills exactly what the preview showed.
  await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0].id, price: prices[1].id }],
    proration_behavior: 'always_invoice', proration_date: utc('2026-04-11'),
  });
  const real = (await invoicesOf(sub)).at(-1);
  assert.deepEqual(amounts(real), [-6667, 13333]);
  assert.equal(real.total, 6666);
});

test('preview with create_prorations is the next renewal, proration lines included', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(20000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  const dump = dumpData();
  const preview = await stripe.invoices.createPreview({
    subscription: sub.id,
    subscription_details: {
      items: [{ id: sub.items.data[0].id, price: prices[1].id }],
      proration_behavior: 'create_prorations',
      proration_date: utc('2026-04-16'),
    },
  });
  assert.equal(preview.billing_reason, 'subscription_cycle');
  assert.equal(preview.status, 'draft');
  assert.equal(preview.period_start, utc('2026-05-01'));
  assert.equal(preview.period_end, utc('2026-06-01'));
  assert.deepEqual(amounts(preview), [-5000, 10000, 20000]);
  assert.equal(preview.total, 25000);
  assert.equal(preview.amount_due, 25000);
  assert.equal(dumpData(), dump);
  assert.deepEqual(await pendingAmounts(customer), [], 'no pending item survives the preview');

  // Without details: the renewal as things stand.
  const plain = await stripe.invoices.createPreview({ subscription: sub.id });
  assert.equal(plain.billing_reason, 'subscription_cycle');
  assert.equal(plain.period_start, utc('2026-05-01'));
  assert.equal(plain.period_end, utc('2026-06-01'));
  assert.deepEqual(amounts(plain), [10000]);
  assert.equal(plain.total, 10000);
  assert.equal(dumpData(), dump);
});

test('preview of a new subscription is its first invoice; a customer alone previews pending items', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const dump = dumpData();
  const first = await stripe.invoices.createPreview({
    customer: customer.id,
    subscription_details: { items: [{ price: prices[0].id, quantity: 3 }] },
  });
  assert.equal(first.billing_reason, 'subscription_create');
  assert.equal(first.status, 'draft');
  assert.equal(first.period_start, utc('2026-04-01'));
  assert.equal(first.period_end, utc('2026-05-01'));
  assert.deepEqual(amounts(first), [30000]);
  assert.equal(first.total, 30000);
  assert.equal(dumpData(), dump);
  assert.equal((await stripe.subscriptions.list({ customer: customer.id })).data.length, 0);

  // A customer who was never invoiced has nothing upcoming.
  await refused(() => stripe.invoices.createPreview({ customer: customer.id }), undefined, 404);
  await stripe.invoiceItems.create({ customer: customer.id, amount: 1234, currency: 'nok', description: 'Oppstart' });
  await stripe.invoiceItems.create({ customer: customer.id, amount: 766, currency: 'nok', description: 'Frakt' });
  const dump2 = dumpData();
  const pending = await stripe.invoices.createPreview({ customer: customer.id });
  assert.equal(pending.currency, 'nok');
  assert.deepEqual(amounts(pending), [766, 1234]);
  assert.equal(pending.total, 2000);
  assert.equal(pending.amount_due, 2000);
  assert.equal(dumpData(), dump2);
  assert.deepEqual(await pendingAmounts(customer), [766, 1234]);
});

test('preview refuses bad input with the nested param and changes nothing', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await refused(() => stripe.invoices.createPreview({
    subscription: sub.id, subscription_details: { items: [{ id: sub.items.data[0].id, price: 'price_nope' }] },
  }), 'subscription_details[items][0][price]');
  await refused(() => stripe.invoices.createPreview({
    customer: customer.id, subscription_details: { items: [{ price: 'price_nope' }] },
  }), 'subscription_details[items][0][price]');
  await refused(() => stripe.invoices.createPreview({
    subscription: sub.id, subscription_details: { items: [{ id: 'si_nope', quantity: 2 }] },
  }), 'subscription_details[items][0][id]');
  await refused(() => stripe.invoices.createPreview({
    subscription: sub.id, subscription_details: { proration_behavior: 'sometimes' },
  }), 'subscription_details[proration_behavior]');
  await refused(() => stripe.invoices.createPreview({ subscription: 'sub_nope' }), 'subscription');
  await refused(() => stripe.invoices.createPreview({}), 'customer');
  // A canceled subscription has no upcoming invoice.
  await stripe.subscriptions.cancel(sub.id);
  await refused(() => stripe.invoices.createPreview({ subscription: sub.id }), undefined, 404);
});

/* ---- 2. items ------------------------------------------------------------- */

test('adding an item prorates its remaining time; deleting one credits its unused time', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000), monthly(3000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await advance(clock, '2026-04-16');
  const added = await stripe.subscriptions.update(sub.id, { items: [{ price: prices[1].id }] });
  assert.deepEqual(added.items.data.map((i) => i.price.id), [prices[0].id, prices[1].id]);
  assert.equal((await invoicesOf(sub)).length, 1, 'create_prorations waits for the renewal');
  assert.deepEqual(await pendingAmounts(customer), [1500]); // 3000 × 15/30
  await advance(clock, '2026-05-01');
  let invs = await invoicesOf(sub);
  assert.deepEqual(amounts(invs[1]), [1500, 3000, 10000]);
  assert.equal(invs[1].total, 14500);

  // May has 31 days; on May 16, 16 remain: 3000 × 16/31 = 1548.39.
  await advance(clock, '2026-05-16');
  const second = added.items.data[1].id;
  const removed = await stripe.subscriptions.update(sub.id, { items: [{ id: second, deleted: true }] });
  assert.deepEqual(removed.items.data.map((i) => i.price.id), [prices[0].id]);
  assert.deepEqual(await pendingAmounts(customer), [prorate(-3000, 16, 31)]);
  assert.equal(prorate(-3000, 16, 31), -1548);
  await advance(clock, '2026-06-01');
  invs = await invoicesOf(sub);
  assert.deepEqual(amounts(invs[2]), [-1548, 10000]);
  assert.equal(invs[2].total, 8452);
});

test('quantity 0 credits the unused time and renews at zero', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id, quantity: 2 }] });
  assert.equal((await invoicesOf(sub))[0].total, 20000);
  await advance(clock, '2026-04-16');
  const zero = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 0 }] });
  assert.equal(zero.items.data[0].quantity, 0);
  assert.deepEqual(await pendingAmounts(customer), [-10000]);
  await advance(clock, '2026-05-01');
  const renewal = (await invoicesOf(sub))[1];
  assert.deepEqual(amounts(renewal), [-10000, 0]);
  assert.equal(renewal.total, -10000);
  assert.equal(renewal.amount_due, 0);
  assert.equal((await stripe.customers.retrieve(customer.id)).balance, -10000);
});

test('an item with its own tax rates is taxed alone', async () => {
  const vat = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  const { clock, prices, customer } = await world('2026-04-01', [monthly(10000), monthly(3000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  const upd = await stripe.subscriptions.update(sub.id, {
    items: [{ price: prices[1].id, tax_rates: [vat.id] }], proration_behavior: 'none',
  });
  assert.deepEqual(upd.items.data.map((i) => i.tax_rates.map((r) => r.id)), [[], [vat.id]]);
  const preview = await stripe.invoices.createPreview({ subscription: sub.id });
  assert.equal(preview.subtotal, 13000);
  assert.deepEqual(preview.lines.data.map((l) => l.taxes.reduce((n, t) => n + t.amount, 0)), [0, 750]);
  assert.equal(preview.total, 13750);
});

// Renewals: item tax rates, incomplete expiry, a stub after a trial.
test('renewals keep an item\'s own tax rates', async () => {
  const vat = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  const { clock, prices, customer } = await world('2026-04-01', [monthly(10000), monthly(3000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }, { price: prices[1].id, tax_rates: [vat.id] }] });
  assert.equal((await invoicesOf(sub))[0].total, 13750);
  await advance(clock, '2026-05-01');
  const renewal = (await invoicesOf(sub))[1];
  assert.equal(renewal.subtotal, 13000);
  assert.equal(renewal.total_taxes.reduce((n, t) => n + t.amount, 0), 750);
  assert.equal(renewal.total, 13750);
});

test('an incomplete subscription that expires voids its first invoice', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], payment_behavior: 'default_incomplete' });
  await advance(clock, utc('2026-04-01') + 23 * HOUR);
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'incomplete_expired');
  const inv = await stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(inv.status, 'void');
  assert.equal(inv.amount_due, 10000);
});

test('a trial that ends before a future anchor prorates the stub up to the anchor', async () => {
  const { clock, customer, prices } = await world('2026-01-10', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 5, billing_cycle_anchor: utc('2026-02-01'),
  });
  await advance(clock, '2026-02-01');
  const invs = await invoicesOf(sub);
  // Jan 15 to Feb 1 is 17 of January's 31 days.
  assert.deepEqual(invs.map((i) => i.total), [0, prorate(10000, 17, 31), 10000]);
  assert.equal(prorate(10000, 17, 31), 5484);
  assert.deepEqual(invs.map((i) => i.period_start), ['2026-01-10', '2026-01-15', '2026-02-01'].map(utc));
});

test('deleting a customer cancels its subscriptions and its clock still advances', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await stripe.customers.del(customer.id);
  const gone = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(gone.status, 'canceled');
  assert.equal(gone.ended_at, utc('2026-04-01'));
  const moved = await advance(clock, '2026-05-01');
  assert.equal(moved.status, 'ready');
  assert.equal((await invoicesOf(sub)).length, 1);
});

test('item changes that cannot be are refused and change nothing', async () => {
  const { customer, product, prices } = await world('2026-04-01', [monthly(10000), monthly(3000)]);
  const yearly = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 100000, recurring: { interval: 'year' } });
  const euro = await stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1000, recurring: { interval: 'month' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  const si = sub.items.data[0].id;
  // A second item must share the first one's interval and currency.
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ price: yearly.id }] }), 'items[0][price]');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ price: euro.id }] }), 'items[0][price]');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: si, price: euro.id }] }), 'items[0][price]');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: 'si_nope', quantity: 2 }] }), 'items[0][id]');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: si, deleted: true }] }), 'items');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: si, quantity: -1 }] }), 'items[0][quantity]');
  // A price appears once; metered prices are not offered; proration_date lies in the period.
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ price: prices[0].id }] }), 'items[0][price]');
  const second = (await stripe.subscriptions.update(sub.id, { items: [{ price: prices[1].id }], proration_behavior: 'none' })).items.data[1].id;
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: second, price: prices[0].id }] }), 'items[0][price]');
  await stripe.subscriptions.update(sub.id, { items: [{ id: second, deleted: true }], proration_behavior: 'none' });
  const metered = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 10, recurring: { interval: 'month', usage_type: 'metered' } });
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ price: metered.id }] }), 'items[0][price]');
  await refused(() => stripe.subscriptions.update(sub.id, { items: [{ id: si, quantity: 2 }], proration_date: utc('2026-03-31') }), 'proration_date');
  // Replacing the only item with a yearly one is a new cycle, invoiced now.
  const moved = await stripe.subscriptions.update(sub.id, { items: [{ id: si, price: yearly.id }] });
  assert.equal(moved.items.data[0].price.id, yearly.id);
  assert.equal(moved.items.data[0].current_period_end, utc('2027-04-01'));
  const last = (await invoicesOf(sub)).at(-1);
  assert.deepEqual(amounts(last), [-10000, 100000]);
  assert.equal(last.total, 90000);
});

/* ---- 3. trials ------------------------------------------------------------ */

test('moving trial_end later keeps the trial and moves the period end', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 14 });
  const later = await stripe.subscriptions.update(sub.id, { trial_end: utc('2026-03-20') });
  assert.equal(later.status, 'trialing');
  assert.equal(later.trial_end, utc('2026-03-20'));
  assert.equal(later.items.data[0].current_period_end, utc('2026-03-20'));
  await advance(clock, '2026-03-15');
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'trialing');
  assert.equal((await invoicesOf(sub)).length, 1);
  await advance(clock, '2026-03-20');
  const active = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(active.status, 'active');
  assert.equal(active.items.data[0].current_period_start, utc('2026-03-20'));
  assert.equal(active.items.data[0].current_period_end, utc('2026-04-20'));
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.total), [0, 19900]);
  assert.equal(invs[1].period_start, utc('2026-03-20'));
});

test('trial_end on an active subscription starts a trial now, credits the unused paid time, and restarts the cycle at its end', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  assert.equal(sub.status, 'active');
  await advance(clock, '2026-03-16');
  const trial = await stripe.subscriptions.update(sub.id, { trial_end: utc('2026-04-30') });
  assert.equal(trial.status, 'trialing');
  assert.equal(trial.trial_start, utc('2026-03-16'));
  assert.equal(trial.trial_end, utc('2026-04-30'));
  assert.equal(trial.billing_cycle_anchor, utc('2026-04-30'));
  assert.equal(trial.items.data[0].current_period_start, utc('2026-03-16'));
  assert.equal(trial.items.data[0].current_period_end, utc('2026-04-30'));
  // 16 of March's 31 paid days unused: credited, waiting for the next invoice.
  const credit = -prorate(19900, 16 * 86400, 31 * 86400);
  assert.equal(credit, -10271);
  assert.deepEqual(await pendingAmounts(customer), [credit]);
  // The old period end passes without an invoice; the trial's end bills the new cycle.
  await advance(clock, '2026-04-01');
  assert.equal((await invoicesOf(sub)).length, 1);
  await advance(clock, '2026-04-30');
  const invs = await invoicesOf(sub);
  assert.equal(invs.length, 2);
  assert.deepEqual(amounts(invs[1]), [credit, 19900]);
  assert.equal(invs[1].total, 19900 + credit);
  assert.equal(invs[1].period_start, utc('2026-04-30'));
  const active = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(active.status, 'active');
  assert.equal(active.items.data[0].current_period_end, utc('2026-05-30'));
  // With proration_behavior=none nothing is credited.
  const other = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await stripe.subscriptions.update(other.id, { trial_end: utc('2026-06-15'), proration_behavior: 'none' });
  assert.deepEqual(await pendingAmounts(customer), []);
});

test("trial_end 'now' ends the trial and bills a new period from now", async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 14 });
  await advance(clock, '2026-03-05T12:00:00');
  const now = utc('2026-03-05T12:00:00');
  const ended = await stripe.subscriptions.update(sub.id, { trial_end: 'now' });
  assert.equal(ended.status, 'active');
  assert.equal(ended.trial_end, now);
  assert.equal(ended.billing_cycle_anchor, now);
  assert.equal(ended.items.data[0].current_period_start, now);
  assert.equal(ended.items.data[0].current_period_end, utc('2026-04-05T12:00:00'));
  const invs = await invoicesOf(sub);
  assert.equal(invs.length, 2);
  assert.equal(ended.latest_invoice, invs[1].id);
  assert.deepEqual(amounts(invs[1]), [19900]);
  assert.equal(invs[1].total, 19900);
  assert.equal(invs[1].period_start, now);
  assert.equal(invs[1].period_end, utc('2026-04-05T12:00:00'));
  // The trial's original end passes without another invoice; the new cycle renews.
  await advance(clock, '2026-03-16');
  assert.equal((await invoicesOf(sub)).length, 2);
  await advance(clock, '2026-04-05T12:00:00');
  assert.deepEqual((await invoicesOf(sub)).map((i) => i.total), [0, 19900, 19900]);
});

test('trial_from_plan takes the price recurring.trial_period_days', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900, { trial_period_days: 7 })]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], trial_from_plan: true });
  assert.equal(sub.status, 'trialing');
  assert.equal(sub.trial_start, utc('2026-03-01'));
  assert.equal(sub.trial_end, utc('2026-03-08'));
  await advance(clock, '2026-03-08');
  assert.deepEqual((await invoicesOf(sub)).map((i) => i.total), [0, 19900]);
  // Without trial_from_plan the price's trial does not apply.
  const plain = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  assert.equal(plain.status, 'active');
  assert.equal(plain.trial_end, null);
});

test('a trial without a payment method ends canceled or paused; a paused one resumes', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900)]);
  const canceling = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
  });
  const pausing = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
  });
  assert.deepEqual(pausing.trial_settings, { end_behavior: { missing_payment_method: 'pause' } });
  await advance(clock, '2026-03-09');
  const canceled = await stripe.subscriptions.retrieve(canceling.id);
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.ended_at, utc('2026-03-08'));
  assert.deepEqual((await invoicesOf(canceling)).map((i) => i.total), [0]);
  const paused = await stripe.subscriptions.retrieve(pausing.id);
  assert.equal(paused.status, 'paused');
  assert.deepEqual((await invoicesOf(pausing)).map((i) => i.total), [0]);
  // Paused, nothing renews.
  await advance(clock, '2026-04-10');
  assert.equal((await invoicesOf(pausing)).length, 1);
  assert.equal((await stripe.subscriptions.retrieve(pausing.id)).status, 'paused');

  const resumed = await stripe.subscriptions.resume(pausing.id);
  assert.equal(resumed.status, 'active');
  assert.equal(resumed.billing_cycle_anchor, utc('2026-04-10'));
  assert.equal(resumed.items.data[0].current_period_start, utc('2026-04-10'));
  assert.equal(resumed.items.data[0].current_period_end, utc('2026-05-10'));
  const invs = await invoicesOf(pausing);
  assert.deepEqual(invs.map((i) => i.total), [0, 19900]);
  assert.equal(invs[1].period_start, utc('2026-04-10'));
  assert.equal(invs[1].period_end, utc('2026-05-10'));
  assert.equal(resumed.latest_invoice, invs[1].id);
  await advance(clock, '2026-05-10');
  assert.deepEqual((await invoicesOf(pausing)).map((i) => i.total), [0, 19900, 19900]);
  // Only a paused subscription resumes.
  await refused(() => stripe.subscriptions.resume(pausing.id), undefined);
});

/* ---- 4. incomplete -------------------------------------------------------- */

test('default_incomplete waits for the first payment; unpaid it expires after 23 hours', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const paid = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], payment_behavior: 'default_incomplete',
  });
  assert.equal(paid.status, 'incomplete');
  const first = await stripe.invoices.retrieve(paid.latest_invoice);
  assert.equal(first.status, 'open');
  assert.equal(first.amount_due, 10000);
  const settled = await stripe.invoices.pay(first.id, { paid_out_of_band: true });
  assert.equal(settled.status, 'paid');
  assert.equal(settled.amount_paid, 10000);
  assert.equal((await stripe.subscriptions.retrieve(paid.id)).status, 'active');

  const unpaid = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], payment_behavior: 'default_incomplete',
  });
  assert.equal(unpaid.status, 'incomplete');
  await advance(clock, utc('2026-04-01') + 23 * HOUR - 1);
  assert.equal((await stripe.subscriptions.retrieve(unpaid.id)).status, 'incomplete');
  await advance(clock, utc('2026-04-01') + 23 * HOUR);
  const expired = await stripe.subscriptions.retrieve(unpaid.id);
  assert.equal(expired.status, 'incomplete_expired');
  assert.equal(expired.ended_at, utc('2026-04-01') + 23 * HOUR);
  // Terminal: nothing renews, and the paid one renews as usual.
  await advance(clock, '2026-05-01');
  assert.equal((await invoicesOf(unpaid)).length, 1);
  assert.deepEqual((await invoicesOf(paid)).map((i) => i.total), [10000, 10000]);
  await refused(() => stripe.subscriptions.update(unpaid.id, { items: [{ id: unpaid.items.data[0].id, quantity: 2 }] }), 'items');
});

/* ---- 5. scheduled cancellation -------------------------------------------- */

test('cancel_at mid-period cancels then with a proration credit; clearing it keeps renewing', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  const set = await stripe.subscriptions.update(sub.id, { cancel_at: utc('2026-04-21') });
  assert.equal(set.cancel_at, utc('2026-04-21'));
  assert.equal(set.status, 'active');
  await advance(clock, '2026-04-20');
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  await advance(clock, '2026-04-22');
  const ended = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(ended.status, 'canceled');
  assert.equal(ended.ended_at, utc('2026-04-21'));
  assert.equal(ended.canceled_at, utc('2026-04-21'));
  assert.equal(ended.cancellation_details.reason, 'cancellation_requested');
  // 10 of April's 30 days unused: 10000 × 10/30 = 3333.33.
  assert.deepEqual(await pendingAmounts(customer), [-3333]);
  await advance(clock, '2026-05-02');
  assert.equal((await invoicesOf(sub)).length, 1);

  const w = await world('2026-04-01', [monthly(10000)]);
  const kept = await stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: w.prices[0].id }] });
  await stripe.subscriptions.update(kept.id, { cancel_at: utc('2026-04-21') });
  const cleared = await stripe.subscriptions.update(kept.id, { cancel_at: '' });
  assert.equal(cleared.cancel_at, null);
  await stripe.subscriptions.update(kept.id, { cancel_at_period_end: true });
  const back = await stripe.subscriptions.update(kept.id, { cancel_at_period_end: false });
  assert.equal(back.cancel_at_period_end, false);
  assert.equal(back.cancel_at, null);
  await advance(w.clock, '2026-05-01');
  await advance(w.clock, '2026-06-01');
  const still = await stripe.subscriptions.retrieve(kept.id);
  assert.equal(still.status, 'active');
  assert.deepEqual((await invoicesOf(kept)).map((i) => i.total), [10000, 10000, 10000]);
  assert.deepEqual(await pendingAmounts(w.customer), []);
  await refused(() => stripe.subscriptions.update(kept.id, { cancel_at: utc('2026-05-01') }), 'cancel_at');
});

test('cancellation_details are checked the same way on update and on cancel', async () => {
  const { customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }] });
  await refused(() => stripe.subscriptions.cancel(sub.id, { cancellation_details: { feedback: 'meh' } }), 'cancellation_details[feedback]');
  await refused(() => stripe.subscriptions.cancel(sub.id, { cancellation_details: { mood: 'sad' } }), 'cancellation_details[mood]');
  await refused(() => stripe.subscriptions.update(sub.id, { cancellation_details: { feedback: 'meh' } }), 'cancellation_details[feedback]');
  const noted = await stripe.subscriptions.update(sub.id, { cancellation_details: { comment: 'For dyrt' } });
  assert.deepEqual(noted.cancellation_details, { comment: 'For dyrt', feedback: null, reason: null });
  const canceled = await stripe.subscriptions.cancel(sub.id, { cancellation_details: { feedback: 'too_expensive' } });
  assert.deepEqual(canceled.cancellation_details, { comment: 'For dyrt', feedback: 'too_expensive', reason: 'cancellation_requested' });
  assert.equal(canceled.canceled_at, utc('2026-04-01'));
  // Ended, only the details and metadata still change.
  const later = await stripe.subscriptions.update(sub.id, { cancellation_details: { comment: '' }, metadata: { why: 'pris' } });
  assert.deepEqual(later.cancellation_details, { comment: null, feedback: 'too_expensive', reason: 'cancellation_requested' });
  assert.deepEqual(later.metadata, { why: 'pris' });
});

/* ---- 6. billing cycle anchors --------------------------------------------- */

test('a future billing_cycle_anchor prorates the stub to the second; none makes it free', async () => {
  const { clock, customer, prices } = await world('2026-01-10T06:00:00', [monthly(10000)]);
  const start = utc('2026-01-10T06:00:00');
  const anchor = utc('2026-02-01');
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], billing_cycle_anchor: anchor });
  assert.equal(sub.billing_cycle_anchor, anchor);
  assert.equal(sub.items.data[0].current_period_start, start);
  assert.equal(sub.items.data[0].current_period_end, anchor);
  // The stub is a share of the month that ends at the anchor (Jan 1 to Feb 1).
  const expected = prorate(10000, anchor - start, anchor - utc('2026-01-01'));
  assert.equal(expected, 7016); // 10000 × 1_879_200 s / 2_678_400 s = 7016.13
  let invs = await invoicesOf(sub);
  assert.deepEqual(amounts(invs[0]), [expected]);
  assert.equal(invs[0].total, expected);
  assert.equal(invs[0].period_start, start);
  assert.equal(invs[0].period_end, anchor);
  await advance(clock, '2026-02-01');
  invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.total), [expected, 10000]);
  assert.equal(invs[1].period_start, anchor);
  assert.equal(invs[1].period_end, utc('2026-03-01'));

  const free = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], billing_cycle_anchor: utc('2026-03-01'),
    proration_behavior: 'none',
  });
  const freeInv = (await invoicesOf(free))[0];
  assert.equal(freeInv.total, 0);
  assert.equal(freeInv.period_end, utc('2026-03-01'));
});

test('billing_cycle_anchor_config day 31 from mid-February: Feb 28, Mar 31, Apr 30', async () => {
  const { clock, customer, prices } = await world('2026-02-15', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], billing_cycle_anchor_config: { day_of_month: 31 },
  });
  assert.equal(sub.billing_cycle_anchor, utc('2026-02-28'));
  assert.deepEqual(sub.billing_cycle_anchor_config, { day_of_month: 31, month: null, hour: null, minute: null, second: null });
  assert.equal(sub.items.data[0].current_period_end, utc('2026-02-28'));
  // The stub Feb 15 to Feb 28 is 13 of the 28 days from Jan 31.
  const stub = prorate(10000, 13 * DAY, 28 * DAY);
  assert.equal(stub, 4643);
  for (const d of ['2026-02-28', '2026-03-31', '2026-04-30']) await advance(clock, d);
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.total), [stub, 10000, 10000, 10000]);
  assert.deepEqual(invs.map((i) => i.period_start), ['2026-02-15', '2026-02-28', '2026-03-31', '2026-04-30'].map(utc));
  assert.deepEqual(invs.map((i) => i.period_end), ['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31'].map(utc));
});

/* ---- 7. discounts through promotion codes --------------------------------- */

test('a promotion code for an amount_off coupon in NOK discounts the first invoice', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const coupon = await stripe.coupons.create({ amount_off: 2500, currency: 'nok', duration: 'once' });
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'vaar-2026' });
  assert.match(promo.id, /^promo_/);
  assert.equal(promo.code, 'VAAR-2026');
  assert.deepEqual(promo.promotion, { type: 'coupon', coupon: coupon.id });
  assert.equal(promo.active, true);
  assert.equal(promo.times_redeemed, 0);
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], discounts: [{ promotion_code: promo.id }],
  });
  assert.equal(sub.discounts.length, 1);
  const first = (await invoicesOf(sub))[0];
  assert.equal(first.subtotal, 10000);
  assert.deepEqual(first.total_discount_amounts.map((d) => d.amount), [2500]);
  assert.equal(first.total, 7500);
  assert.equal((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed, 1);
  assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
  await advance(clock, '2026-05-01');
  assert.deepEqual((await invoicesOf(sub)).map((i) => i.total), [7500, 10000]);
  const listed = await stripe.promotionCodes.list({ code: 'VAAR-2026' });
  assert.deepEqual(listed.data.map((p) => p.id), [promo.id]);
  assert.deepEqual(listed.data[0].promotion, { type: 'coupon', coupon: coupon.id });
  const off = await stripe.promotionCodes.update(promo.id, { active: false });
  assert.equal(off.active, false);
  assert.deepEqual(off.promotion, { type: 'coupon', coupon: coupon.id });
  const [updated] = (await stripe.events.list({ type: 'promotion_code.updated', limit: 1 })).data;
  assert.equal(updated.data.object.id, promo.id);
  assert.deepEqual(updated.data.previous_attributes, { active: true });
});

test('an update that does not name discounts keeps them', async () => {
  const { clock, customer, prices } = await world('2026-04-01', [monthly(10000)]);
  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], discounts: [{ promotion_code: promo.id }] });
  const upd = await stripe.subscriptions.update(sub.id, { metadata: { team: 'drift' } });
  assert.deepEqual(upd.discounts, sub.discounts);
  await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 2 }], proration_behavior: 'none' });
  await advance(clock, '2026-05-01');
  assert.deepEqual((await invoicesOf(sub)).map((i) => i.total), [9000, 18000]);
  assert.equal((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed, 1);
});

test('coupons and promotion codes that cannot be redeemed are refused', async () => {
  const { customer, prices } = await world(wallNow(), [monthly(10000)]);
  const other = await stripe.customers.create({ email: 'annen@example.no', test_clock: customer.test_clock });
  const item = [{ price: prices[0].id }];
  const euro = await stripe.coupons.create({ amount_off: 500, currency: 'eur', duration: 'once' });
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ coupon: euro.id }] }),
    'discounts[0][coupon]');
  const euroPromo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: euro.id } });
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: euroPromo.id }] }),
    'discounts[0][promotion_code]');

  const once = await stripe.coupons.create({ percent_off: 10, duration: 'once', max_redemptions: 1 });
  await stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ coupon: once.id }] });
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ coupon: once.id }] }),
    'discounts[0][coupon]');

  // The promotion code's own limits: one redemption, a customer, an expiry, active.
  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
  const single = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, max_redemptions: 1 });
  const s1 = await stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: single.id }] });
  assert.equal((await invoicesOf(s1))[0].total, 9000);
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: single.id }] }),
    'discounts[0][promotion_code]');
  const personal = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, customer: customer.id });
  await refused(() => stripe.subscriptions.create({ customer: other.id, items: item, discounts: [{ promotion_code: personal.id }] }),
    'discounts[0][promotion_code]');
  const off = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, active: false });
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: off.id }] }),
    'discounts[0][promotion_code]');
  const soon = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, expires_at: wallNow() + DAY });
  const expiring = await stripe.coupons.create({ percent_off: 10, duration: 'once', redeem_by: wallNow() + DAY });
  // The customer's clock moves past both expiries.
  const clock = await stripe.testHelpers.testClocks.retrieve(customer.test_clock);
  await advance(clock, clock.frozen_time + 2 * DAY);
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ promotion_code: soon.id }] }),
    'discounts[0][promotion_code]');
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, discounts: [{ coupon: expiring.id }] }),
    'discounts[0][coupon]');
  await refused(() => stripe.subscriptions.create({ customer: customer.id, items: item, coupon: 'nope' }), 'coupon');
  // An existing discount is reused only from this subscription or its customer.
  const s2 = await stripe.subscriptions.create({ customer: other.id, items: item });
  await refused(() => stripe.subscriptions.update(s2.id, { discounts: [{ discount: 'di_nope' }] }), 'discounts[0][discount]');
  await refused(() => stripe.subscriptions.update(s2.id, { discounts: [{ discount: s1.discounts[0] }] }), 'discounts[0][discount]');
  const kept = await stripe.subscriptions.update(s1.id, { discounts: [{ discount: s1.discounts[0] }] });
  assert.deepEqual(kept.discounts, s1.discounts);
  const cleared = await stripe.subscriptions.update(s1.id, { discounts: '' });
  assert.deepEqual(cleared.discounts, []);
});

/* ---- 8. send_invoice ------------------------------------------------------ */

test('send_invoice subscriptions are due days_until_due after finalization', async () => {
  const { clock, customer, prices } = await world('2026-04-01T09:30:00', [monthly(10000)]);
  const sub = await stripe.subscriptions.create({
    customer: customer.id, items: [{ price: prices[0].id }], collection_method: 'send_invoice', days_until_due: 14,
  });
  assert.equal(sub.collection_method, 'send_invoice');
  assert.equal(sub.days_until_due, 14);
  await advance(clock, '2026-05-01T09:30:00');
  const invs = await invoicesOf(sub);
  assert.equal(invs.length, 2);
  for (const inv of invs) {
    assert.equal(inv.collection_method, 'send_invoice');
    assert.equal(inv.status, 'open');
    assert.equal(inv.amount_due, 10000);
    assert.equal(inv.due_date, inv.status_transitions.finalized_at + 14 * DAY);
  }
  assert.equal(invs[0].due_date, utc('2026-04-15T09:30:00'));
  assert.equal(invs[1].due_date, utc('2026-05-15T09:30:00'));
  for (const days of [-1, 731, 'soon']) {
    await refused(() => stripe.subscriptions.create({
      customer: customer.id, items: [{ price: prices[0].id }], collection_method: 'send_invoice', days_until_due: days,
    }), 'days_until_due');
  }
});

/* ---- 9. the wall clock ---------------------------------------------------- */

test('the scheduler inside recur serve ends a wall-clock trial within seconds', async () => {
  const customer = await stripe.customers.create({ email: 'vegg@example.no' });
  const product = await stripe.products.create({ name: 'Wall' });
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', ...monthly(10000) });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: wallNow() + 2 });
  assert.equal(sub.status, 'trialing');
  let now = sub;
  for (let i = 0; i < 40 && now.status === 'trialing'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    now = await stripe.subscriptions.retrieve(sub.id);
  }
  assert.equal(now.status, 'active');
  const invs = await invoicesOf(sub);
  assert.deepEqual(invs.map((i) => i.billing_reason), ['subscription_create', 'subscription_cycle']);
  assert.deepEqual(invs.map((i) => i.total), [0, 10000]);
  assert.equal(invs[1].period_start, sub.trial_end);
  assert.equal(now.items.data[0].current_period_start, sub.trial_end);
});

/* ---- 10. the event trail -------------------------------------------------- */

test('events: created, updated with previous_attributes, deleted; invoice created and finalized', async () => {
  const { clock, customer, prices } = await world('2026-03-01', [monthly(19900), monthly(29900)]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0].id }], trial_period_days: 7 });
  await advance(clock, '2026-03-08');
  await stripe.subscriptions.update(sub.id, { metadata: { plan: 'pro' } });
  await stripe.subscriptions.cancel(sub.id);
  const events = [];
  for await (const e of stripe.events.list({ limit: 100 })) {
    const o = e.data.object;
    if (o.id === sub.id || o.subscription === sub.id) events.push(e);
  }
  events.reverse();
  const subEvents = events.filter((e) => e.type.startsWith('customer.subscription.'));
  // trial_will_end three days before the trial ends, as Stripe (docs/email.md).
  assert.deepEqual(subEvents.map((e) => e.type), [
    'customer.subscription.created', 'customer.subscription.trial_will_end',
    'customer.subscription.updated', 'customer.subscription.updated',
    'customer.subscription.deleted',
  ]);
  const [created, willEnd, trialEnd, meta, deleted] = subEvents;
  assert.equal(willEnd.data.object.status, 'trialing');
  assert.equal(willEnd.data.object.trial_end, utc('2026-03-08'));
  assert.equal(willEnd.data.previous_attributes, undefined);
  assert.equal(created.data.object.status, 'trialing');
  assert.equal(created.data.previous_attributes, undefined);
  assert.equal(trialEnd.data.object.status, 'active');
  assert.equal(trialEnd.data.previous_attributes.status, 'trialing');
  assert.equal(trialEnd.data.previous_attributes.latest_invoice, sub.latest_invoice);
  assert.deepEqual(meta.data.previous_attributes, { metadata: { plan: null } });
  assert.deepEqual(meta.data.object.metadata, { plan: 'pro' });
  assert.equal(deleted.data.object.status, 'canceled');
  assert.equal(deleted.data.object.ended_at, utc('2026-03-08'));

  const invs = await invoicesOf(sub);
  for (const inv of invs) {
    const types = events.filter((e) => e.data.object.id === inv.id).map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['invoice.created', 'invoice.finalized'], inv.id);
    const created = events.find((e) => e.type === 'invoice.created' && e.data.object.id === inv.id);
    assert.equal(created.data.object.status, 'draft');
    assert.equal(created.data.object.total, inv.total);
  }
  assert.deepEqual(invs.map((i) => i.total), [0, 19900]);
  assert.ok(events.some((e) => e.type === 'invoice.paid' && e.data.object.id === invs[0].id), 'a zero invoice is paid at once');
});

/* ---- 11. exactly-once ----------------------------------------------------- */

test('advancing in many small steps bills exactly what one big step bills', async () => {
  const runs = [];
  for (const steps of [1, 59]) {
    const { clock, customer, prices } = await world('2026-01-31', [monthly(10000), monthly(2500)]);
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 1 });
    const sub = await stripe.subscriptions.create({
      customer: customer.id, items: [{ price: prices[0].id }, { price: prices[1].id, quantity: 2 }],
      trial_period_days: 3, discounts: [{ coupon: coupon.id }],
    });
    const start = utc('2026-01-31'), end = utc('2026-03-30T12:00:00');
    for (let i = 1; i <= steps; i++) await advance(clock, start + Math.round(((end - start) * i) / steps));
    const invs = await invoicesOf(sub);
    runs.push(invs.map((i) => [i.billing_reason, i.period_start, i.period_end, i.subtotal, i.total]));
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0], [
    ['subscription_create', utc('2026-01-31'), utc('2026-02-03'), 0, 0],
    ['subscription_cycle', utc('2026-02-03'), utc('2026-03-03'), 15000, 12000],
    ['subscription_cycle', utc('2026-03-03'), utc('2026-04-03'), 15000, 15000],
  ]);
});
