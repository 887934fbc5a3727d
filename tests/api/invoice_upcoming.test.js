'use strict';
// invoice_upcoming.test.js - invoice.upcoming, the tenant's
// invoice_upcoming_days before a renewal (docs/webhooks.md): the setting
// (GET/POST /v1/settings/subscriptions), the event on a test clock in time
// order and once per (subscription, period), whom it skips, a setting
// changed after due_at was set, and the wall scheduler sending it.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

const DAY = 86400;
const T0 = 1777593600; // 2026-05-01T00:00:00Z
const RENEWAL = T0 + 31 * DAY; // 2026-06-01: the first renewal of a monthly subscription

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const form = (o) => new URLSearchParams(o).toString();
const post = (t, path, body) => server.raw('POST', path, { key: t.secret_key, body: form(body) });
const get = (t, path) => server.raw('GET', path, { key: t.secret_key });

async function world() {
  const tenant = server.tenant(`Upcoming ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const price = await stripe.prices.create({ currency: 'nok', unit_amount: 125000,
    recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
  const advance = (t) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
  const upcoming = async () => (await stripe.events.list({ type: 'invoice.upcoming', limit: 100 })).data
    .map((ev) => ev.data.object).reverse();
  return { tenant, stripe, clock, price, advance, upcoming };
}

async function customer(w, card) {
  const c = await w.stripe.customers.create({ name: 'C', test_clock: w.clock.id });
  if (card) {
    const pm = await w.stripe.paymentMethods.attach(card, { customer: c.id });
    await w.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
  }
  return c;
}

const subscribe = async (w, extra = {}, card = 'pm_card_visa') => w.stripe.subscriptions.create({
  customer: (await customer(w, card)).id, items: [{ price: w.price.id }], ...extra });

test('settings/subscriptions: 7 by default, validated, 0 or "" turns it off', async () => {
  const w = await world();
  let r = await get(w.tenant, '/v1/settings/subscriptions');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { object: 'subscription_settings', livemode: false, invoice_upcoming_days: 7 });
  for (const [body, param] of [[{ invoice_upcoming_days: '-1' }, 'invoice_upcoming_days'],
    [{ invoice_upcoming_days: '366' }, 'invoice_upcoming_days'],
    [{ invoice_upcoming_days: 'soon' }, 'invoice_upcoming_days'],
    [{ colour: 'red' }, 'colour']]) {
    const before = server.dump();
    r = await post(w.tenant, '/v1/settings/subscriptions', body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.param, param);
    assert.equal(server.dump(), before, 'a refusal changes nothing');
  }
  r = await post(w.tenant, '/v1/settings/subscriptions', { invoice_upcoming_days: '14' });
  assert.equal(r.json.invoice_upcoming_days, 14);
  r = await post(w.tenant, '/v1/settings/subscriptions', { invoice_upcoming_days: '' });
  assert.equal(r.json.invoice_upcoming_days, 0);
  r = await get(w.tenant, '/v1/settings/subscriptions');
  assert.equal(r.json.invoice_upcoming_days, 0);
});

test('on a test clock: 7 days before each renewal, once per period, the preview without an id', async () => {
  const w = await world();
  const sub = await subscribe(w);
  const invoices = async () => (await w.stripe.invoices.list({ subscription: sub.id })).data.length;
  assert.equal(await invoices(), 1);
  await w.advance(RENEWAL - 7 * DAY - 1);
  assert.deepEqual(await w.upcoming(), []);
  await w.advance(RENEWAL - 7 * DAY);
  let up = await w.upcoming();
  assert.equal(up.length, 1);
  const inv = up[0];
  assert.equal(inv.object, 'invoice');
  assert.equal(inv.id, null, 'Stripe\'s upcoming invoice has no id');
  assert.equal(inv.customer, sub.customer);
  assert.equal(inv.subscription, sub.id);
  assert.equal(inv.billing_reason, 'subscription_cycle');
  assert.equal(inv.collection_method, 'charge_automatically');
  assert.equal(inv.status, 'draft');
  assert.equal(inv.amount_due, 125000);
  assert.equal(inv.currency, 'nok');
  assert.equal(inv.next_payment_attempt, RENEWAL);
  assert.equal(inv.lines.data.length, 1);
  assert.equal(inv.lines.data[0].amount, 125000);
  assert.equal(inv.lines.data[0].invoice, null);
  assert.deepEqual(inv.lines.data[0].period, { start: RENEWAL, end: RENEWAL + 30 * DAY });
  // It is what create_preview shows, and it created nothing.
  const preview = await w.stripe.invoices.createPreview({ subscription: sub.id });
  assert.equal(preview.amount_due, inv.amount_due);
  assert.deepEqual(preview.lines.data[0].period, inv.lines.data[0].period);
  assert.equal(await invoices(), 1);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).invoice_upcoming_sent, undefined,
    'bookkeeping is not rendered');

  // Over the renewal and again to the same instants: no second notice for the period.
  await w.advance(RENEWAL + 1);
  assert.equal(await invoices(), 2);
  assert.equal((await w.upcoming()).length, 1);
  // The next period's (June has 30 days): its own notice, once.
  const next = RENEWAL + 30 * DAY;
  await w.advance(next - 7 * DAY);
  up = await w.upcoming();
  assert.equal(up.length, 2);
  assert.equal(up[1].next_payment_attempt, next);
  await w.advance(next - 7 * DAY + 3600);
  assert.equal((await w.upcoming()).length, 2);
  assert.equal(server.sql(`SELECT invoice_upcoming_sent AS s FROM subscriptions WHERE id = '${sub.id}'`),
    `[{"s":${next}}]`);
});

test('none for canceling, send_invoice, collection paused, a short period, or a trial that cancels', async () => {
  const w = await world();
  await subscribe(w, { cancel_at_period_end: true });
  await subscribe(w, { cancel_at: RENEWAL - DAY });
  await subscribe(w, { collection_method: 'send_invoice', days_until_due: 14 });
  const paused = await subscribe(w);
  await w.stripe.subscriptions.update(paused.id, { pause_collection: { behavior: 'void' } });
  // A stub of 5 days to a later anchor: the notice would fall before the period began.
  await subscribe(w, { billing_cycle_anchor: T0 + 5 * DAY });
  // A 14-day trial without a payment method that cancels at its end.
  const cancels = await subscribe(w, { trial_period_days: 14,
    trial_settings: { end_behavior: { missing_payment_method: 'cancel' } } }, null);
  // The one that gets it: a 14-day trial with a card, 7 days before the trial ends.
  const trial = await subscribe(w, { trial_period_days: 14 });
  await w.advance(T0 + 14 * DAY + 1);
  const up = await w.upcoming();
  assert.deepEqual(up.map((i) => [i.subscription, i.amount_due, i.next_payment_attempt]),
    [[trial.id, 125000, T0 + 14 * DAY]]);
  assert.equal((await w.stripe.subscriptions.retrieve(cancels.id)).status, 'canceled');
  const skipped = JSON.parse(server.sql(
    `SELECT invoice_upcoming_sent AS s FROM subscriptions WHERE id = '${cancels.id}'`))[0].s;
  assert.equal(skipped, T0 + 14 * DAY, 'the skipped trial is recorded as done');
});

test('a setting turned off after due_at was set: nothing sent, the renewal still on time', async () => {
  const w = await world();
  const sub = await subscribe(w);
  const r = await post(w.tenant, '/v1/settings/subscriptions', { invoice_upcoming_days: '0' });
  assert.equal(r.status, 200, r.text);
  await w.advance(RENEWAL + 1);
  assert.deepEqual(await w.upcoming(), []);
  const renewed = await w.stripe.subscriptions.retrieve(sub.id);
  assert.equal(renewed.items.data[0].current_period_start, RENEWAL);
  assert.equal((await w.stripe.invoices.list({ subscription: sub.id })).data.length, 2);
});

test('the wall scheduler sends it when it falls due, once', async () => {
  const tenant = server.tenant('Upcoming wall');
  const stripe = server.client(tenant.secret_key);
  const r = await post(tenant, '/v1/settings/subscriptions', { invoice_upcoming_days: '10' });
  assert.equal(r.status, 200, r.text);
  const now = Math.floor(Date.now() / 1000);
  const c = await stripe.customers.create({ name: 'Wall' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id });
  await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
  const price = await stripe.prices.create({ currency: 'nok', unit_amount: 9900,
    recurring: { interval: 'month' }, product_data: { name: 'Wall' } });
  // A stub period of exactly 10 days: its notice is due at its start, now.
  const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }],
    billing_cycle_anchor: now + 10 * DAY, proration_behavior: 'none' });
  let events = [];
  for (let i = 0; i < 100 && events.length === 0; i++) {
    events = (await stripe.events.list({ type: 'invoice.upcoming' })).data;
    if (events.length === 0) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(events.length, 1);
  assert.equal(events[0].data.object.subscription, sub.id);
  assert.equal(events[0].data.object.amount_due, 9900);
  assert.equal(events[0].data.object.next_payment_attempt, sub.items.data[0].current_period_end);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal((await stripe.events.list({ type: 'invoice.upcoming' })).data.length, 1);
});
