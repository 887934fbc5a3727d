'use strict';
// event_coverage.test.js - the event types recur claims (the one list in
// src/service/event_types.c, shown in docs/webhooks.md "Event types") are
// each emitted by some scenario, and nothing recur emits is missing from the
// list. The scenarios go through the stripe SDK (recur's own endpoints
// through server.raw): catalogue, customers, payment methods, invoices and
// their whole life, card failures, refunds, credit notes, subscriptions with
// trials, pauses, test clock renewals and reminders, schedules, plan
// families, and an endpoint that fails until it is disabled.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('./harness');

const ROOT = path.join(__dirname, '..', '..');
const DAY = 86400;
const T0 = 1777593600; // 2026-05-01T00:00:00Z

let server;
before(async () => {
  // An endpoint that never answers is disabled once its retry window (2 s
  // here, 3 days in production) has passed without a success.
  const saved = { ...process.env };
  Object.assign(process.env, { RECUR_WEBHOOK_BACKOFF_MS: '100', RECUR_WEBHOOK_RETRY_WINDOW: '2' });
  try {
    server = await startServer();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
after(async () => { await server.stop(); });

// The claimed list, read from its one source.
function claimed() {
  const src = fs.readFileSync(path.join(ROOT, 'src/service/event_types.c'), 'utf8');
  const body = src.slice(src.indexOf('svc_event_types[] = {'), src.indexOf('NULL,'));
  return [...body.matchAll(/^\t"([a-z_.]+)",$/gm)].map((m) => m[1]);
}

async function own(t, method, p, body) {
  const r = await server.raw(method, p, { key: t.secret_key, body: body && JSON.stringify(body),
    headers: body ? { 'Content-Type': 'application/json' } : {} });
  assert.ok(r.status < 300, `${method} ${p}: ${r.text}`);
  return r.json;
}

async function withCard(stripe, params, card) {
  const c = await stripe.customers.create(params);
  const pm = await stripe.paymentMethods.attach(card, { customer: c.id });
  await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
  return c;
}

async function scenarios(t, stripe) {
  // An endpoint on a port nobody listens on: retried, then disabled.
  await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks', enabled_events: ['customer.created'] });

  // Catalogue.
  const product = await stripe.products.create({ name: 'Pro' });
  await stripe.products.update(product.id, { description: 'The pro plan' });
  const gone = await stripe.products.create({ name: 'Gone' });
  await stripe.products.del(gone.id);
  const price = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 10000,
    recurring: { interval: 'month' } });
  await stripe.prices.update(price.id, { metadata: { tier: 'pro' } });
  const other = await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: 20000,
    recurring: { interval: 'month' } });
  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' });
  await stripe.coupons.update(coupon.id, { name: 'Ten off' });
  const promo = await stripe.promotionCodes.create({ coupon: coupon.id, code: 'TEN' });
  await stripe.promotionCodes.update(promo.id, { metadata: { campaign: 'spring' } });
  const doomed = await stripe.coupons.create({ amount_off: 500, currency: 'nok', duration: 'once' });
  await stripe.coupons.del(doomed.id);
  const vat = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false });
  await stripe.taxRates.update(vat.id, { description: 'Norwegian VAT' });
  const family = await own(t, 'POST', '/v1/plan_families', { name: 'Office', prices: [price.id, other.id],
    rules: [{ from: price.id, to: other.id, kind: 'upgrade', timings: ['now'] }] });
  await own(t, 'POST', `/v1/plan_families/${family.id}`, { name: 'Office plans' });

  // Customers and payment methods.
  const c = await withCard(stripe, { name: 'Kari', email: 'kari@example.no' }, 'pm_card_visa');
  await stripe.customers.del((await stripe.customers.create({ name: 'Short-lived' })).id);
  const spare = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: c.id });
  await stripe.paymentMethods.update(spare.id, { billing_details: { name: 'Kari N' } });
  await stripe.paymentMethods.detach(spare.id);

  // Invoice items and invoices: created, updated, deleted, finalized, paid, sent, voided, uncollectible.
  const item = await stripe.invoiceItems.create({ customer: c.id, amount: 5000, currency: 'nok' });
  await stripe.invoiceItems.update(item.id, { description: 'Setup' });
  const dropped = await stripe.invoiceItems.create({ customer: c.id, amount: 100, currency: 'nok' });
  await stripe.invoiceItems.del(dropped.id);
  const draft = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' });
  await stripe.invoices.update(draft.id, { description: 'One-off' });
  const paid = await stripe.invoices.pay((await stripe.invoices.finalizeInvoice(draft.id)).id);
  assert.equal(paid.status, 'paid');
  await stripe.invoices.del((await stripe.invoices.create({ customer: c.id, currency: 'nok' })).id);
  const manual = async () => {
    await stripe.invoiceItems.create({ customer: c.id, amount: 3000, currency: 'nok' });
    const d = await stripe.invoices.create({ customer: c.id, collection_method: 'send_invoice',
      days_until_due: 14, pending_invoice_items_behavior: 'include' });
    return stripe.invoices.finalizeInvoice(d.id);
  };
  await stripe.invoices.sendInvoice((await manual()).id);
  await stripe.invoices.voidInvoice((await manual()).id);
  const credited = await manual();
  await stripe.invoices.markUncollectible((await manual()).id);

  // Refunds (charge.refunded) and credit notes.
  const [charge] = (await stripe.charges.list({ customer: c.id })).data;
  const refund = await stripe.refunds.create({ charge: charge.id, amount: 1000 });
  await stripe.refunds.update(refund.id, { metadata: { reason: 'goodwill' } });
  const cn = await stripe.creditNotes.create({ invoice: credited.id, amount: 1000 });
  await stripe.creditNotes.update(cn.id, { memo: 'Discount agreed' });
  await stripe.creditNotes.voidCreditNote(cn.id);

  // A card that fails: charge.failed, payment_intent.payment_failed, invoice.payment_failed.
  const failing = await withCard(stripe, { name: 'Fails' }, 'pm_card_chargeCustomerFail');
  await stripe.invoiceItems.create({ customer: failing.id, amount: 2000, currency: 'nok' });
  const open = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({
    customer: failing.id, pending_invoice_items_behavior: 'include' })).id);
  await assert.rejects(stripe.invoices.pay(open.id), (err) => err.statusCode === 402);

  // Pause and resume.
  const s1 = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }],
    default_tax_rates: [vat.id] });
  await stripe.subscriptions.update(s1.id, { metadata: { seats: '3' } });
  await own(t, 'POST', `/v1/subscriptions/${s1.id}/pause`, {});
  await stripe.subscriptions.resume(s1.id, { billing_cycle_anchor: 'now' });

  // Schedules: released, canceled (and completed on the clock below).
  const released = await stripe.subscriptionSchedules.create({ customer: c.id, start_date: 'now',
    phases: [{ items: [{ price: price.id }], iterations: 2 }] });
  await stripe.subscriptionSchedules.update(released.id, { metadata: { note: 'x' } });
  await stripe.subscriptionSchedules.release(released.id);
  const canceled = await stripe.subscriptionSchedules.create({ customer: c.id, start_date: 'now',
    phases: [{ items: [{ price: price.id }], iterations: 2 }] });
  await stripe.subscriptionSchedules.cancel(canceled.id);

  // On a test clock: a trial (trial_will_end, invoice.upcoming), a reminder, a schedule that completes, deleted.
  await own(t, 'POST', '/v1/settings/dunning', { reminders: { count: 1, first_days: 3, interval_days: 3 } });
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const cc = await withCard(stripe, { name: 'Clocked', test_clock: clock.id }, 'pm_card_visa');
  await stripe.subscriptions.create({ customer: cc.id, items: [{ price: price.id }], trial_period_days: 14 });
  await stripe.subscriptionSchedules.create({ customer: cc.id, start_date: 'now', end_behavior: 'release',
    phases: [{ items: [{ price: other.id }], iterations: 1 }] });
  await stripe.invoiceItems.create({ customer: cc.id, amount: 4000, currency: 'nok' });
  await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: cc.id,
    collection_method: 'send_invoice', days_until_due: 1, pending_invoice_items_behavior: 'include' })).id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 40 * DAY });
  await stripe.subscriptions.cancel(s1.id);
  await stripe.testHelpers.testClocks.del(clock.id);
}

async function emitted(stripe) {
  const types = new Set();
  for await (const ev of stripe.events.list({ limit: 100 })) types.add(ev.type);
  return types;
}

test('every claimed event type is emitted by a scenario, and every emitted one is claimed', async () => {
  const t = server.tenant('Coverage');
  const stripe = server.client(t.secret_key);
  await scenarios(t, stripe);
  const list = claimed();
  assert.ok(list.length > 50, 'the list was read');
  // The endpoint is disabled once its window passes (the worker retries every 100 ms).
  let types = new Set();
  for (let i = 0; i < 100; i++) {
    types = await emitted(stripe);
    if (types.has('webhook_endpoint.disabled')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(list.filter((x) => !types.has(x)), [], 'claimed but never emitted');
  assert.deepEqual([...types].filter((x) => !list.includes(x)).sort(), [], 'emitted but not claimed');
});

test('docs/webhooks.md lists exactly the claimed types', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/webhooks.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Event types'));
  const end = section.indexOf('\n## ', 3);
  // The table's second column: | `object` | `type`, `type` |
  const rows = (end > 0 ? section.slice(0, end) : section).split('\n').filter((l) => l.startsWith('| `'));
  const listed = rows.flatMap((l) => [...l.split('|')[2].matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...new Set(listed)].sort(), claimed().slice().sort());
});

test('enabled_events accepts only claimed types, or "*"', async () => {
  const t = server.tenant('Coverage endpoints');
  const stripe = server.client(t.secret_key);
  const ep = await stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/x',
    enabled_events: ['invoice.upcoming', 'webhook_endpoint.disabled'] });
  assert.deepEqual(ep.enabled_events, ['invoice.upcoming', 'webhook_endpoint.disabled']);
  const before = server.dump();
  await assert.rejects(stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/x',
    enabled_events: ['invoice.upcoming', 'invoice.exploded'] }), (err) => err.statusCode === 400
    && err.param === 'enabled_events' && /invoice\.exploded/.test(err.message));
  assert.equal(server.dump(), before);
});
