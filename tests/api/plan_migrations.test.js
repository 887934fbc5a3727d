'use strict';
// Plan families and migrations (docs/billing.md "Plan families and
// migrations"), through the stripe SDK with test clocks; recur's own
// endpoints (plan_families, migrate, migration, mrr_movements) through
// server.raw with JSON bodies. Each scenario previews the migration first,
// proves the preview wrote nothing, migrates, and asserts the real invoice is
// the previewed one; MRR movements and `recur verify` close each one.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const utc = (s) => Date.parse(s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`) / 1000;

// recur's own endpoints, JSON in and out.
async function call(w, method, path, body) {
  const r = await server.raw(method, path, {
    key: w.tenant.secret_key,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return r;
}

async function ok(w, method, path, body) {
  const r = await call(w, method, path, body);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// A tenant per scenario; Basic 100.00, Pro 200.00 a month, Pro yearly 2,990.00,
// and a family with the declared paths.
async function world(start, { vat = false } = {}) {
  const tenant = server.tenant(`Families ${start} ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const w = { tenant, stripe };
  w.clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) });
  w.customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: w.clock.id });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: w.customer.id });
  await stripe.customers.update(w.customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const basic = await stripe.products.create({ name: 'Basic' });
  const pro = await stripe.products.create({ name: 'Pro' });
  const price = (product, unit_amount, interval) => stripe.prices.create({
    product: product.id, currency: 'nok', unit_amount, recurring: { interval } });
  w.basic = await price(basic, 10000, 'month');
  w.pro = await price(pro, 20000, 'month');
  w.proYear = await price(pro, 299000, 'year');
  w.other = await price(pro, 15000, 'month');
  if (vat) {
    w.vat = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false });
  }
  w.family = await ok(w, 'POST', '/v1/plan_families', {
    name: 'Kontor',
    prices: [w.basic.id, w.pro.id, w.proYear.id],
    rules: [
      { from: w.basic.id, to: w.pro.id, kind: 'upgrade', timings: ['now', 'next_period'] },
      { from: w.pro.id, to: w.basic.id, kind: 'downgrade', timings: ['next_period'] },
      { from: w.pro.id, to: w.proYear.id, kind: 'frequency_change', timings: ['now'] },
    ],
  });
  return w;
}

async function subscribe(w, price) {
  return w.stripe.subscriptions.create({
    customer: w.customer.id, items: [{ price: price.id }],
    ...(w.vat ? { default_tax_rates: [w.vat.id] } : {}),
  });
}

const advance = (w, to) => w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc(to) });

// What must be equal between a preview and the real invoice.
const essence = (inv) => ({
  lines: inv.lines.data.map((l) => ({
    amount: l.amount, description: l.description, period: l.period,
    proration: l.parent?.subscription_item_details?.proration ?? l.proration,
  })),
  subtotal: inv.subtotal, tax: inv.total_taxes ?? inv.tax, total: inv.total,
  amount_due: inv.amount_due, period_start: inv.period_start, period_end: inv.period_end,
  billing_reason: inv.billing_reason, currency: inv.currency,
});

// Previews, checks nothing changed, migrates, and checks the invoice is the previewed one.
async function migrateWithPreview(w, sub, body) {
  const dump = server.dump();
  const preview = await ok(w, 'POST', `/v1/subscriptions/${sub.id}/migrate`, { ...body, preview: true });
  assert.equal(server.dump(), dump, 'a preview changes nothing');
  assert.equal(preview.object, 'subscription_migration_preview');
  const migrated = await ok(w, 'POST', `/v1/subscriptions/${sub.id}/migrate`, body);
  const invoice = await w.stripe.invoices.retrieve(migrated.latest_invoice);
  assert.deepEqual(essence(invoice), essence(preview.invoice), 'the real invoice is the previewed one');
  const period = (x) => x.items.data.map((i) => [i.current_period_start, i.current_period_end]);
  assert.deepEqual(period(preview.subscription), period(migrated));
  assert.deepEqual(preview.subscription.items.data.map((i) => i.price.id),
    migrated.items.data.map((i) => i.price.id));
  return { preview, migrated, invoice };
}

function verify(w) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.tenant.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

async function movements(w, query) {
  const r = await ok(w, 'GET', `/v1/mrr_movements?${new URLSearchParams(query)}`);
  return r.data.map((m) => ({ kind: m.kind, before: m.mrr_before, after: m.mrr_after,
    delta: m.delta, currency: m.currency, source: m.source, created: m.created }));
}

test('the catalog: a family renders Stripe-style with its rules and defaults, and is validated', async () => {
  const w = await world('2026-04-01');
  assert.equal(w.family.object, 'plan_family');
  assert.match(w.family.id, /^fam_/);
  assert.deepEqual(w.family.prices, [w.basic.id, w.pro.id, w.proYear.id]);
  assert.deepEqual(w.family.rules[0], {
    from: w.basic.id, to: w.pro.id, kind: 'upgrade', timings: ['now', 'next_period'],
    proration_behavior: 'always_invoice', credit_unused: true, carry_discounts: true, alignment: 'auto',
  });
  assert.deepEqual((await ok(w, 'GET', `/v1/plan_families/${w.family.id}`)), w.family);
  const list = await ok(w, 'GET', '/v1/plan_families');
  assert.deepEqual(list.data.map((f) => f.id), [w.family.id]);

  const refused = async (body, param, path = '/v1/plan_families') => {
    const dump = server.dump();
    const r = await call(w, 'POST', path, body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.param, param, r.text);
    assert.equal(server.dump(), dump);
  };
  // A price belongs to at most one family.
  await refused({ name: 'Andre', prices: [w.other.id, w.pro.id] }, 'prices[1]');
  await refused({ name: 'Andre', prices: [w.other.id, 'price_nope'] }, 'prices[1]');
  await refused({ name: 'Andre', prices: [w.other.id],
    rules: [{ from: w.other.id, to: w.other.id }] }, 'rules[0][to]');
  await refused({ name: 'Andre', prices: [w.other.id],
    rules: [{ from: w.other.id, to: w.basic.id }] }, 'rules[0][to]');
  await refused({ name: 'Andre', prices: [w.other.id],
    rules: [{ from: w.basic.id, to: w.other.id }] }, 'rules[0][from]');
  await refused({ rules: [{ from: w.basic.id, to: w.pro.id, kind: 'sidegrade' }] }, 'rules[0][kind]',
    `/v1/plan_families/${w.family.id}`);

  const updated = await ok(w, 'POST', `/v1/plan_families/${w.family.id}`,
    { name: 'Kontor 2026', metadata: { region: 'no' } });
  assert.equal(updated.name, 'Kontor 2026');
  assert.deepEqual(updated.rules, w.family.rules);
});

test('upgrade now mid-month with the same interval keeps the billing date; 25 % VAT; paid by pm_card_visa', async () => {
  const w = await world('2026-04-01', { vat: true });
  const sub = await subscribe(w, w.basic);
  const first = await w.stripe.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.total, 12500);
  await advance(w, '2026-04-16');
  const { migrated, invoice } = await migrateWithPreview(w, sub, { price: w.pro.id });

  // 15 of April's 30 days remain: -10000/2 and +20000/2, 25 % VAT on 5000.
  assert.deepEqual(invoice.lines.data.map((l) => [l.amount, l.description]), [
    [-5000, 'Unused time on Basic after 16 Apr 2026'],
    [10000, 'Remaining time on Pro after 16 Apr 2026'],
  ]);
  for (const l of invoice.lines.data) {
    assert.deepEqual(l.period, { start: utc('2026-04-16'), end: utc('2026-05-01') });
  }
  assert.equal(invoice.subtotal, 5000);
  assert.equal(invoice.total, 6250);
  assert.equal(invoice.amount_due, 6250);
  assert.equal(invoice.status, 'paid');
  assert.equal(invoice.amount_paid, 6250);
  assert.equal(invoice.billing_reason, 'subscription_update');
  assert.equal(migrated.items.data[0].current_period_start, utc('2026-04-01'));
  assert.equal(migrated.items.data[0].current_period_end, utc('2026-05-01'));
  assert.equal(migrated.items.data[0].price.id, w.pro.id);
  assert.equal(migrated.status, 'active');

  const mig = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.match(mig.id, /^mig_/);
  assert.equal(mig.object, 'migration');
  assert.deepEqual([mig.from, mig.to, mig.kind, mig.timing, mig.status, mig.invoice, mig.created],
    [w.basic.id, w.pro.id, 'upgrade', 'now', 'completed', invoice.id, utc('2026-04-16')]);

  assert.deepEqual(await movements(w, { subscription: sub.id }), [
    { kind: 'expansion', before: 10000, after: 20000, delta: 10000, currency: 'nok', source: mig.id,
      created: utc('2026-04-16') },
  ]);

  // customer.subscription.updated with the previous item.
  const events = await w.stripe.events.list({ type: 'customer.subscription.updated', limit: 1 });
  const ev = events.data[0];
  assert.equal(ev.data.object.id, sub.id);
  assert.equal(ev.data.object.items.data[0].price.id, w.pro.id);
  // recur's updates diff the subscription's own fields (docs/billing.md, known gaps): not items.
  assert.deepEqual(ev.data.previous_attributes, { latest_invoice: first.id });

  // The next renewal bills Pro on the kept date.
  await advance(w, '2026-05-01T01:00:00');
  const renewed = await w.stripe.subscriptions.retrieve(sub.id);
  const next = await w.stripe.invoices.retrieve(renewed.latest_invoice);
  assert.equal(next.lines.data[0].period.start, utc('2026-05-01'));
  assert.deepEqual(next.lines.data.map((l) => l.amount), [20000]);
  assert.equal(next.total, 25000);
  verify(w);
});

test('monthly to yearly now starts a new period today and credits the unused month', async () => {
  const w = await world('2026-04-01');
  const sub = await subscribe(w, w.pro);
  await advance(w, '2026-04-11');
  const { migrated, invoice } = await migrateWithPreview(w, sub, { price: w.proYear.id });
  assert.equal(migrated.items.data[0].current_period_start, utc('2026-04-11'));
  assert.equal(migrated.items.data[0].current_period_end, utc('2027-04-11'));
  assert.equal(migrated.billing_cycle_anchor, utc('2026-04-11'));
  // The year in full, and 20 of 30 days of 200.00 back: 13333.33 -> 13333.
  assert.deepEqual(invoice.lines.data.map((l) => [l.amount, l.period.start, l.period.end]), [
    [299000, utc('2026-04-11'), utc('2027-04-11')],
    [-13333, utc('2026-04-11'), utc('2026-05-01')],
  ]);
  assert.equal(invoice.lines.data[1].description, 'Unused time on Pro after 11 Apr 2026');
  assert.equal(invoice.total, 285667);
  assert.equal(invoice.status, 'paid');
  const mig = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.equal(mig.kind, 'frequency_change');
  assert.equal(mig.settings.alignment, 'new_period');
  // 299000 / 12 = 24916.67, half up: 24917.
  assert.deepEqual(await movements(w, { customer: w.customer.id, 'created[gte]': utc('2026-04-11') }), [
    { kind: 'expansion', before: 20000, after: 24917, delta: 4917, currency: 'nok', source: mig.id,
      created: utc('2026-04-11') },
  ]);
  assert.deepEqual(await movements(w, { customer: w.customer.id, 'created[gte]': utc('2026-04-12') }), []);
  verify(w);
});

test('a path outside the family, a timing the rule does not allow, and a subscription in no family are refused', async () => {
  const w = await world('2026-04-01');
  const sub = await subscribe(w, w.pro);
  await advance(w, '2026-04-10');
  const refused = async (s, body, param, message) => {
    const dump = server.dump();
    for (const preview of [true, false]) {
      const r = await call(w, 'POST', `/v1/subscriptions/${s.id}/migrate`, { ...body, preview });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(r.json.error.param, param, r.text);
      if (message) assert.match(r.json.error.message, message);
    }
    assert.equal(server.dump(), dump, 'a refused migration changes nothing');
  };
  // No rule from Pro to the 150.00 price (in no family at all).
  await refused(sub, { price: w.other.id }, 'price', /No migration path from .* it allows: .*price_/);
  // Pro -> Basic is declared for next_period only.
  await refused(sub, { price: w.basic.id }, 'timing', /does not allow timing now/);
  // Declared for next_period, but scheduled migrations wait for subscription schedules.
  await refused(sub, { price: w.basic.id, timing: 'next_period' }, 'timing', /not available yet/);
  await refused(sub, { price: w.basic.id, timing: 'date' }, 'date');
  await refused(sub, { price: w.pro.id }, 'price', /on .* already/);
  await refused(sub, { price: w.proYear.id, overrides: { alignment: 'keep' } }, 'overrides[alignment]');
  await refused(sub, {}, 'price');
  const loose = await subscribe(w, w.other);
  await refused(loose, { price: w.pro.id }, 'price', /no price in a plan family/);
  const r = await call(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.equal(r.status, 404);
  assert.deepEqual(await movements(w, {}), []);
});

test('a downgrade now with overrides credits the balance first and is a contraction', async () => {
  const w = await world('2026-04-01');
  // Pro -> Basic now is allowed once the rule says so.
  await ok(w, 'POST', `/v1/plan_families/${w.family.id}`, {
    rules: [
      { from: w.basic.id, to: w.pro.id, kind: 'upgrade', timings: ['now'] },
      { from: w.pro.id, to: w.basic.id, kind: 'downgrade', timings: ['now', 'next_period'],
        credit_unused: false },
    ],
  });
  const sub = await subscribe(w, w.pro);
  await advance(w, '2026-04-16');
  // The rule credits nothing for unused time; the override does.
  const { invoice } = await migrateWithPreview(w, sub,
    { price: w.basic.id, overrides: { credit_unused: true } });
  assert.deepEqual(invoice.lines.data.map((l) => l.amount), [-10000, 5000]);
  assert.equal(invoice.total, -5000);
  assert.equal(invoice.amount_due, 0);
  assert.equal((await w.stripe.customers.retrieve(w.customer.id)).balance, -5000);
  // Back up again: the credit pays first, the card the rest.
  await advance(w, '2026-04-21');
  const up = await migrateWithPreview(w, sub, { price: w.pro.id });
  // 10 of 30 days: -3333 and +6667.
  assert.deepEqual(up.invoice.lines.data.map((l) => l.amount), [-3333, 6667]);
  assert.equal(up.invoice.total, 3334);
  assert.equal(up.invoice.amount_due, 0);
  assert.equal(up.invoice.status, 'paid');
  assert.equal((await w.stripe.customers.retrieve(w.customer.id)).balance, -1666);
  const m = await movements(w, { subscription: sub.id });
  assert.deepEqual(m.map((x) => [x.kind, x.before, x.after, x.delta]), [
    ['expansion', 10000, 20000, 10000],
    ['contraction', 20000, 10000, -10000],
  ]);
  verify(w);
});
