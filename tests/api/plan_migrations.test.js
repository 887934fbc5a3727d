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
  assert.deepEqual(Object.keys(ev.data.previous_attributes).sort(), ['items', 'latest_invoice']);
  assert.equal(ev.data.previous_attributes.latest_invoice, first.id);
  assert.deepEqual(ev.data.previous_attributes.items.data.map((it) => [it.price.id, it.quantity]),
    [[w.basic.id, 1]]);

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
  // Pro -> Pro yearly is declared for now only.
  await refused(sub, { price: w.proYear.id, timing: 'next_period' }, 'timing', /does not allow timing next_period/);
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

// ---- scheduled migrations (docs/billing.md "Scheduled migrations") ----

// Schedules a migration after previewing it; returns the preview and the migration.
async function schedule(w, sub, body) {
  const dump = server.dump();
  const preview = await ok(w, 'POST', `/v1/subscriptions/${sub.id}/migrate`, { ...body, preview: true });
  assert.equal(server.dump(), dump, 'a preview changes nothing');
  const scheduled = await ok(w, 'POST', `/v1/subscriptions/${sub.id}/migrate`, body);
  assert.match(scheduled.schedule, /^sub_sched_/);
  const mig = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.equal(mig.status, 'scheduled');
  assert.equal(mig.schedule, scheduled.schedule);
  assert.equal(preview.migration.status, 'completed');
  return { preview, scheduled, mig };
}

// The invoices of a subscription, oldest first.
async function invoicesOf(w, sub) {
  const list = await w.stripe.invoices.list({ subscription: sub.id, limit: 100 });
  return list.data.slice().reverse();
}

test('a downgrade at the next period: the renewal bills the new price, exactly as previewed', async () => {
  const w = await world('2026-04-01');
  const sub = await subscribe(w, w.pro);
  await advance(w, '2026-04-10');
  const { preview, scheduled, mig } = await schedule(w, sub, { price: w.basic.id, timing: 'next_period' });
  assert.equal(mig.effective_at, utc('2026-05-01'));
  assert.equal(mig.kind, 'downgrade');
  // Nothing changes before the period ends: still Pro, nothing billed.
  assert.equal(scheduled.items.data[0].price.id, w.pro.id);
  assert.equal((await invoicesOf(w, sub)).length, 1);
  const sched = await w.stripe.subscriptionSchedules.retrieve(scheduled.schedule);
  assert.deepEqual(sched.phases.map((p) => [p.start_date, p.end_date, p.items[0].price]), [
    [utc('2026-04-01'), utc('2026-05-01'), w.pro.id],
    [utc('2026-05-01'), utc('2026-06-01'), w.basic.id],
  ]);
  assert.deepEqual(essence(preview.invoice).lines.map((l) => [l.amount, l.period.start, l.period.end]),
    [[10000, utc('2026-05-01'), utc('2026-06-01')]]);
  assert.equal(preview.invoice.total, 10000);
  assert.equal(preview.invoice.billing_reason, 'subscription_cycle');

  await advance(w, '2026-05-01T01:00:00');
  const invoices = await invoicesOf(w, sub);
  assert.equal(invoices.length, 2, 'the switch bills once: the renewal');
  assert.deepEqual(essence(invoices[1]), essence(preview.invoice), 'the renewal is the previewed invoice');
  assert.equal(invoices[1].status, 'paid');
  const done = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.deepEqual([done.id, done.status, done.effective_at], [mig.id, 'completed', utc('2026-05-01')]);
  const now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.items.data[0].price.id, w.basic.id);
  assert.equal(now.items.data[0].current_period_start, utc('2026-05-01'));
  assert.deepEqual(await movements(w, { subscription: sub.id }), [
    { kind: 'contraction', before: 20000, after: 10000, delta: -10000, currency: 'nok', source: mig.id,
      created: utc('2026-05-01') },
  ]);
  // One more month: Basic again, and the schedule has let go.
  await advance(w, '2026-06-01T01:00:00');
  const later = await invoicesOf(w, sub);
  assert.deepEqual(later.map((i) => i.total), [20000, 10000, 10000]);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).schedule, null);
  verify(w);
});

test('yearly to monthly at the next period starts a monthly period at the year end, as previewed', async () => {
  const w = await world('2026-04-01');
  await ok(w, 'POST', `/v1/plan_families/${w.family.id}`, {
    rules: [{ from: w.proYear.id, to: w.pro.id, kind: 'frequency_change', timings: ['next_period'] }],
  });
  const sub = await subscribe(w, w.proYear);
  await advance(w, '2026-06-15');
  const { preview, mig } = await schedule(w, sub, { price: w.pro.id, timing: 'next_period' });
  assert.equal(mig.effective_at, utc('2027-04-01'));
  assert.equal(preview.invoice.total, 20000);
  assert.deepEqual(preview.invoice.lines.data.map((l) => [l.amount, l.period.start, l.period.end]),
    [[20000, utc('2027-04-01'), utc('2027-05-01')]]);
  await advance(w, '2027-04-01T01:00:00');
  const invoices = await invoicesOf(w, sub);
  assert.deepEqual(invoices.map((i) => i.total), [299000, 20000]);
  assert.deepEqual(essence(invoices[1]), essence(preview.invoice));
  const now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.items.data[0].current_period_start, utc('2027-04-01'));
  assert.equal(now.items.data[0].current_period_end, utc('2027-05-01'));
  const done = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.equal(done.status, 'completed');
  assert.equal(done.settings.alignment, 'new_period');
  // 299000 / 12 = 24917 (half up) down to 20000.
  assert.deepEqual((await movements(w, { subscription: sub.id })).map((m) => [m.kind, m.before, m.after, m.created]),
    [['contraction', 24917, 20000, utc('2027-04-01')]]);
  await advance(w, '2027-05-01T01:00:00');
  assert.deepEqual((await invoicesOf(w, sub)).map((i) => i.total), [299000, 20000, 20000]);
  verify(w);
});

test('a scheduled migration changed, then removed: nothing happens and the renewal bills the old price', async () => {
  const w = await world('2026-04-01');
  await ok(w, 'POST', `/v1/plan_families/${w.family.id}`, {
    rules: [{ from: w.basic.id, to: w.pro.id, kind: 'upgrade', timings: ['now', 'next_period', 'date'] }],
  });
  const sub = await subscribe(w, w.basic);
  await advance(w, '2026-04-05');
  const first = await schedule(w, sub, { price: w.pro.id, timing: 'next_period' });
  assert.equal(first.mig.effective_at, utc('2026-05-01'));
  // Changed: on 20 April instead. 11 of 30 days: -3667 and +7333.
  const second = await schedule(w, sub, { price: w.pro.id, timing: 'date', date: utc('2026-04-20') });
  assert.notEqual(second.mig.id, first.mig.id);
  assert.equal(second.mig.effective_at, utc('2026-04-20'));
  assert.equal(second.scheduled.schedule, first.scheduled.schedule);
  assert.deepEqual(second.preview.invoice.lines.data.map((l) => l.amount), [-3667, 7333]);
  const sched = await w.stripe.subscriptionSchedules.retrieve(second.scheduled.schedule);
  assert.deepEqual(sched.phases.map((p) => [p.start_date, p.items[0].price]),
    [[utc('2026-04-01'), w.basic.id], [utc('2026-04-20'), w.pro.id]]);
  // Removed.
  const removed = await ok(w, 'DELETE', `/v1/subscriptions/${sub.id}/migration`);
  assert.deepEqual([removed.id, removed.status], [second.mig.id, 'canceled']);
  const after = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(after.schedule, null);
  assert.equal((await w.stripe.subscriptionSchedules.retrieve(second.scheduled.schedule)).status, 'released');
  const r = await call(w, 'DELETE', `/v1/subscriptions/${sub.id}/migration`);
  assert.equal(r.status, 404);
  await advance(w, '2026-05-01T01:00:00');
  const invoices = await invoicesOf(w, sub);
  assert.deepEqual(invoices.map((i) => i.total), [10000, 10000]);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id, w.basic.id);
  assert.deepEqual(await movements(w, { subscription: sub.id }), []);
  // Scheduled again, then the subscription is canceled: the migration will never run.
  const again = await schedule(w, sub, { price: w.pro.id, timing: 'next_period' });
  await w.stripe.subscriptions.cancel(sub.id);
  const gone = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.deepEqual([gone.id, gone.status], [again.mig.id, 'canceled']);
  // Released by hand: the same.
  const other = await subscribe(w, w.basic);
  const third = await schedule(w, other, { price: w.pro.id, timing: 'next_period' });
  await w.stripe.subscriptionSchedules.release(third.scheduled.schedule);
  assert.equal((await ok(w, 'GET', `/v1/subscriptions/${other.id}/migration`)).status, 'canceled');
  verify(w);
});

test('a migration at a date inside the period prorates at that date, exactly as previewed', async () => {
  const w = await world('2026-04-01', { vat: true });
  await ok(w, 'POST', `/v1/plan_families/${w.family.id}`, {
    rules: [{ from: w.basic.id, to: w.pro.id, kind: 'upgrade', timings: ['date'] }],
  });
  const sub = await subscribe(w, w.basic);
  await advance(w, '2026-04-05');
  const { preview, mig } = await schedule(w, sub, { price: w.pro.id, timing: 'date', date: utc('2026-04-16') });
  await advance(w, '2026-04-16T01:00:00');
  const invoices = await invoicesOf(w, sub);
  assert.equal(invoices.length, 2);
  assert.deepEqual(essence(invoices[1]), essence(preview.invoice));
  assert.deepEqual(invoices[1].lines.data.map((l) => l.amount), [-5000, 10000]);
  assert.equal(invoices[1].total, 6250);
  assert.equal(invoices[1].status, 'paid');
  const done = await ok(w, 'GET', `/v1/subscriptions/${sub.id}/migration`);
  assert.deepEqual([done.status, done.invoice], ['completed', invoices[1].id]);
  assert.equal(done.id, mig.id);
  // The billing date is kept.
  const now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.items.data[0].current_period_end, utc('2026-05-01'));
  verify(w);
});

test('a 14-day trial converts to the paid price at trial end, or now, as previewed', async () => {
  const w = await world('2026-04-01');
  const trialProduct = await w.stripe.products.create({ name: 'Pro trial' });
  const trial = await w.stripe.prices.create({ product: trialProduct.id, currency: 'nok', unit_amount: 0,
    recurring: { interval: 'month' } });
  const fam = await ok(w, 'POST', '/v1/plan_families', {
    name: 'Prøve', prices: [trial.id, w.other.id],
    rules: [{ from: trial.id, to: w.other.id, kind: 'trial_conversion', timings: ['now', 'next_period'] }],
  });
  assert.equal(fam.rules[0].kind, 'trial_conversion');
  const sub = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: trial.id }],
    trial_period_days: 14 });
  assert.equal(sub.status, 'trialing');
  assert.equal(sub.trial_end, utc('2026-04-15'));
  await advance(w, '2026-04-03');
  const { preview, mig } = await schedule(w, sub, { price: w.other.id, timing: 'next_period' });
  assert.equal(mig.effective_at, utc('2026-04-15'));
  assert.deepEqual(preview.invoice.lines.data.map((l) => [l.amount, l.period.start, l.period.end]),
    [[15000, utc('2026-04-15'), utc('2026-05-15')]]);
  await advance(w, '2026-04-15T01:00:00');
  const invoices = await invoicesOf(w, sub);
  assert.deepEqual(invoices.map((i) => i.total), [0, 15000]);
  assert.deepEqual(essence(invoices[1]), essence(preview.invoice));
  assert.equal(invoices[1].status, 'paid');
  const now = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(now.status, 'active');
  assert.equal(now.items.data[0].price.id, w.other.id);
  // The switch happens while the subscription is still trialing (MRR 0 on both sides); the
  // trial's end that follows is not a migration (docs/billing.md, known gaps).
  assert.deepEqual(await movements(w, { subscription: sub.id }), []);

  // Converted before the trial ends: the trial ends now and the paid period starts.
  const early = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: trial.id }],
    trial_period_days: 14 });
  await advance(w, '2026-04-20');
  const { invoice, migrated } = await migrateWithPreview(w, early, { price: w.other.id });
  assert.equal(migrated.status, 'active');
  assert.equal(migrated.trial_end, utc('2026-04-20'));
  assert.deepEqual(invoice.lines.data.map((l) => [l.amount, l.period.start, l.period.end]),
    [[15000, utc('2026-04-20'), utc('2026-05-20')]]);
  assert.equal(invoice.status, 'paid');
  const conv = await ok(w, 'GET', `/v1/subscriptions/${early.id}/migration`);
  assert.deepEqual([conv.kind, conv.timing, conv.status, conv.invoice], ['trial_conversion', 'now', 'completed', invoice.id]);
  assert.deepEqual(await movements(w, { subscription: early.id }), [
    { kind: 'new', before: 0, after: 15000, delta: 15000, currency: 'nok', source: conv.id, created: utc('2026-04-20') },
  ]);
  verify(w);
});

test('a plan version update of 1,000 subscriptions: dry-run count, then each renews once on the new version', async () => {
  const w = await world('2026-04-01');
  const product = await w.stripe.products.create({ name: 'Team' });
  const v1 = await w.stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 10000,
    recurring: { interval: 'month' } });
  const v2 = await w.stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 12000,
    recurring: { interval: 'month' } });
  const fam = await ok(w, 'POST', '/v1/plan_families', {
    name: 'Team', prices: [v1.id, v2.id],
    rules: [{ from: v1.id, to: v2.id, kind: 'version_update', timings: ['next_period'] }],
  });
  const N = 1000;
  const subs = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 50); j++) {
      batch.push(w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: v1.id }] }));
    }
    subs.push(...await Promise.all(batch));
  }
  // Not counted: one already on v2 and one canceled on v1.
  await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: v2.id }] });
  const gone = await w.stripe.subscriptions.create({ customer: w.customer.id, items: [{ price: v1.id }] });
  await w.stripe.subscriptions.cancel(gone.id);
  console.log(`created ${N} subscriptions in ${Date.now() - t0} ms`);
  await advance(w, '2026-04-10');

  const dump = server.dump();
  const dry = await ok(w, 'POST', `/v1/plan_families/${fam.id}/version_updates`,
    { from: v1.id, to: v2.id, dry_run: true });
  assert.deepEqual([dry.object, dry.dry_run, dry.subscriptions, dry.scheduled], ['plan_version_update', true, N, 0]);
  assert.equal(server.dump(), dump, 'a dry run changes nothing');
  const t1 = Date.now();
  const vu = await ok(w, 'POST', `/v1/plan_families/${fam.id}/version_updates`, { from: v1.id, to: v2.id });
  console.log(`scheduled ${N} migrations in ${Date.now() - t1} ms`);
  assert.match(vu.id, /^pvu_/);
  assert.deepEqual([vu.status, vu.subscriptions, vu.scheduled, vu.skipped, vu.from, vu.to],
    ['completed', N, N, 0, v1.id, v2.id]);
  const mig = await ok(w, 'GET', `/v1/subscriptions/${subs[N - 1].id}/migration`);
  assert.deepEqual([mig.status, mig.kind, mig.version_update, mig.effective_at],
    ['scheduled', 'version_update', vu.id, utc('2026-05-01')]);

  const t2 = Date.now();
  await advance(w, '2026-05-01T01:00:00');
  console.log(`advanced over ${N} switches and renewals in ${Date.now() - t2} ms`);
  const renewals = new Map();
  for await (const inv of w.stripe.invoices.list({ customer: w.customer.id, limit: 100 })) {
    if (inv.period_start !== utc('2026-05-01')) continue;
    renewals.set(inv.subscription, (renewals.get(inv.subscription) || []).concat([inv]));
  }
  for (const s of subs) {
    const r = renewals.get(s.id) || [];
    assert.equal(r.length, 1, `${s.id} renews exactly once`);
    assert.deepEqual([r[0].total, r[0].status, r[0].billing_reason, r[0].lines.data[0].pricing.price_details.price],
      [12000, 'paid', 'subscription_cycle', v2.id]);
  }
  const done = await ok(w, 'GET', `/v1/subscriptions/${subs[0].id}/migration`);
  assert.equal(done.status, 'completed');
  verify(w);
});
