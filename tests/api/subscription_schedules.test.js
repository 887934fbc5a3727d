'use strict';
// Subscription schedules through the stripe SDK with test clocks: phases that
// change a subscription's prices at their boundaries (exact invoices month by
// month), iterations, from_subscription then a phase added, cancel, release,
// end_behavior cancel, a schedule that starts later, editing a future phase,
// and bad input that changes nothing. Every customer pays by pm_card_visa, so
// every invoice is paid and `recur verify` stays clean.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Schedules AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

const utc = (s) => Date.parse(`${s}T00:00:00Z`) / 1000;
const DAY = 86400;

// A clock at start, a paying customer on it, and monthly prices of the given amounts.
async function world(start, amounts) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(start) });
  const customer = await stripe.customers.create({ email: 'kunde@example.no', test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await stripe.products.create({ name: 'Plan' });
  const prices = [];
  for (const a of amounts) {
    prices.push(await stripe.prices.create({ product: product.id, currency: 'nok', unit_amount: a,
      recurring: { interval: 'month' } }));
  }
  return { clock, customer, prices };
}

const advance = (clock, day) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: utc(day) });

// [period start day, billing reason, total] of the subscription's invoices, oldest first.
async function invoices(subId) {
  const all = [];
  for await (const inv of stripe.invoices.list({ subscription: subId, limit: 100 })) all.push(inv);
  return all.reverse().map((i) => [new Date(i.period_start * 1000).toISOString().slice(0, 10),
    i.billing_reason, i.total, i.status]);
}

async function eventsOf(type, id) {
  const out = [];
  for await (const ev of stripe.events.list({ type, limit: 100 })) if (ev.data.object.id === id) out.push(ev);
  return out.reverse();
}

function assertVerified() {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', tenant.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /FAIL/);
}

const dumpData = () => server.dump().replace(/== idempotency_keys\n[^]*?(?=\n== |$)/, '== idempotency_keys');

async function refused(fn, param, status = 400) {
  const beforeDump = dumpData();
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, status, err.message);
    assert.equal(err.param, param, err.message);
    return true;
  });
  assert.equal(dumpData(), beforeDump, 'a refused request changes nothing');
}

test('two phases: 3 months at A, then B; release at the end leaves the subscription on B', async () => {
  const { clock, customer, prices: [A, B] } = await world('2026-01-01', [1000, 2000]);
  const sched = await stripe.subscriptionSchedules.create({
    customer: customer.id, start_date: 'now', end_behavior: 'release',
    phases: [{ items: [{ price: A.id }], iterations: 3 }, { items: [{ price: B.id, quantity: 2 }], iterations: 1 }],
  });
  assert.match(sched.id, /^sub_sched_/);
  assert.equal(sched.object, 'subscription_schedule');
  assert.equal(sched.status, 'active');
  assert.deepEqual(sched.current_phase, { start_date: utc('2026-01-01'), end_date: utc('2026-04-01') });
  assert.deepEqual(sched.phases.map((p) => [p.start_date, p.end_date]),
    [[utc('2026-01-01'), utc('2026-04-01')], [utc('2026-04-01'), utc('2026-05-01')]]);
  assert.equal(sched.phases[1].items[0].price, B.id);
  assert.equal(sched.phases[1].items[0].quantity, 2);
  assert.equal(sched.test_clock, clock.id);
  assert.equal(sched.livemode, false);
  const sub = await stripe.subscriptions.retrieve(sched.subscription);
  assert.equal(sub.schedule, sched.id);
  assert.deepEqual(sub.items.data.map((i) => i.price.id), [A.id]);

  for (const d of ['2026-02-01', '2026-03-01', '2026-04-01']) await advance(clock, d);
  const mid = await stripe.subscriptionSchedules.retrieve(sched.id);
  assert.deepEqual(mid.current_phase, { start_date: utc('2026-04-01'), end_date: utc('2026-05-01') });
  const onB = await stripe.subscriptions.retrieve(sched.subscription);
  assert.deepEqual(onB.items.data.map((i) => [i.price.id, i.quantity]), [[B.id, 2]]);
  // The phase change told the subscription's new items.
  const updates = await eventsOf('customer.subscription.updated', sched.subscription);
  const change = updates.find((e) => e.data.previous_attributes.items &&
    e.data.object.items.data[0].price.id === B.id);
  assert.equal(change.data.previous_attributes.items.data[0].price.id, A.id);
  assert.equal(change.data.object.items.data[0].price.id, B.id);

  for (const d of ['2026-05-01', '2026-06-01']) await advance(clock, d);
  // Three months at A, then B x 2 from the boundary on: the boundary's renewal bills B.
  assert.deepEqual(await invoices(sched.subscription), [
    ['2026-01-01', 'subscription_create', 1000, 'paid'],
    ['2026-02-01', 'subscription_cycle', 1000, 'paid'],
    ['2026-03-01', 'subscription_cycle', 1000, 'paid'],
    ['2026-04-01', 'subscription_cycle', 4000, 'paid'],
    ['2026-05-01', 'subscription_cycle', 4000, 'paid'],
    ['2026-06-01', 'subscription_cycle', 4000, 'paid'],
  ]);
  const done = await stripe.subscriptionSchedules.retrieve(sched.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.completed_at, utc('2026-05-01'));
  assert.equal(done.current_phase, null);
  assert.equal(done.subscription, null);
  assert.equal(done.released_subscription, sched.subscription);
  const after = await stripe.subscriptions.retrieve(sched.subscription);
  assert.equal(after.schedule, null);
  assert.equal(after.status, 'active');
  assert.equal((await eventsOf('subscription_schedule.created', sched.id)).length, 1);
  assert.equal((await eventsOf('subscription_schedule.completed', sched.id)).length, 1);
  const list = await stripe.subscriptionSchedules.list({ customer: customer.id });
  assert.deepEqual(list.data.map((s) => s.id), [sched.id]);
  assertVerified();
});

test('from_subscription, then a phase added: the next period bills the new price', async () => {
  const { clock, customer, prices: [A, B] } = await world('2026-01-15', [1000, 3000]);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: A.id }] });
  const sched = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
  assert.equal(sched.status, 'active');
  assert.equal(sched.subscription, sub.id);
  assert.equal(sched.end_behavior, 'release');
  assert.deepEqual(sched.current_phase, { start_date: utc('2026-01-15'), end_date: utc('2026-02-15') });
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).schedule, sched.id);
  // A second schedule for the same subscription is refused.
  await refused(() => stripe.subscriptionSchedules.create({ from_subscription: sub.id }), 'from_subscription');

  const updated = await stripe.subscriptionSchedules.update(sched.id, {
    phases: [
      { items: [{ price: A.id }], start_date: sched.phases[0].start_date, end_date: sched.phases[0].end_date },
      { items: [{ price: B.id }], iterations: 2 },
    ],
  });
  assert.deepEqual(updated.phases.map((p) => [p.start_date, p.end_date]),
    [[utc('2026-01-15'), utc('2026-02-15')], [utc('2026-02-15'), utc('2026-04-15')]]);
  await advance(clock, '2026-02-15');
  await advance(clock, '2026-03-15');
  assert.deepEqual(await invoices(sub.id), [
    ['2026-01-15', 'subscription_create', 1000, 'paid'],
    ['2026-02-15', 'subscription_cycle', 3000, 'paid'],
    ['2026-03-15', 'subscription_cycle', 3000, 'paid'],
  ]);
  assertVerified();
});

test('cancel: the subscription is canceled with the schedule (no proration asked)', async () => {
  const { clock, customer, prices: [A] } = await world('2026-01-01', [1000]);
  const sched = await stripe.subscriptionSchedules.create({
    customer: customer.id, start_date: 'now', phases: [{ items: [{ price: A.id }], iterations: 6 }],
  });
  await advance(clock, '2026-01-10');
  const canceled = await stripe.subscriptionSchedules.cancel(sched.id, { prorate: false, invoice_now: false });
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.canceled_at, utc('2026-01-10'));
  const sub = await stripe.subscriptions.retrieve(sched.subscription);
  assert.equal(sub.status, 'canceled');
  assert.equal(sub.canceled_at, utc('2026-01-10'));
  assert.equal((await eventsOf('subscription_schedule.canceled', sched.id)).length, 1);
  // Nothing more happens to either.
  await advance(clock, '2026-02-10');
  assert.deepEqual(await invoices(sub.id), [['2026-01-01', 'subscription_create', 1000, 'paid']]);
  await refused(() => stripe.subscriptionSchedules.cancel(sched.id), undefined);
  assertVerified();
});

test('release: the subscription goes on alone with the items it has', async () => {
  const { clock, customer, prices: [A, B] } = await world('2026-01-01', [1000, 2000]);
  const sched = await stripe.subscriptionSchedules.create({
    customer: customer.id, start_date: 'now',
    phases: [{ items: [{ price: A.id }], iterations: 1 }, { items: [{ price: B.id }] }],
  });
  await advance(clock, '2026-01-20');
  const released = await stripe.subscriptionSchedules.release(sched.id);
  assert.equal(released.status, 'released');
  assert.equal(released.released_at, utc('2026-01-20'));
  assert.equal(released.released_subscription, sched.subscription);
  assert.equal(released.subscription, null);
  assert.equal((await stripe.subscriptions.retrieve(sched.subscription)).schedule, null);
  await advance(clock, '2026-02-01');
  await advance(clock, '2026-03-01');
  // No phase change any more: A goes on.
  assert.deepEqual(await invoices(sched.subscription), [
    ['2026-01-01', 'subscription_create', 1000, 'paid'],
    ['2026-02-01', 'subscription_cycle', 1000, 'paid'],
    ['2026-03-01', 'subscription_cycle', 1000, 'paid'],
  ]);
  assert.equal((await eventsOf('subscription_schedule.released', sched.id)).length, 1);
  assertVerified();
});

test('end_behavior cancel: the subscription ends with the last phase', async () => {
  const { clock, customer, prices: [A] } = await world('2026-01-01', [1500]);
  const sched = await stripe.subscriptionSchedules.create({
    customer: customer.id, start_date: 'now', end_behavior: 'cancel',
    phases: [{ items: [{ price: A.id }], iterations: 2 }],
  });
  // A schedule decides the end: the subscription's own cancel_at is refused.
  await refused(() => stripe.subscriptions.update(sched.subscription, { cancel_at_period_end: true }),
    'cancel_at_period_end');
  await advance(clock, '2026-02-01');
  await advance(clock, '2026-03-01');
  await advance(clock, '2026-04-01');
  const sub = await stripe.subscriptions.retrieve(sched.subscription);
  assert.equal(sub.status, 'canceled');
  assert.equal(sub.ended_at, utc('2026-03-01'));
  assert.deepEqual(await invoices(sub.id), [
    ['2026-01-01', 'subscription_create', 1500, 'paid'],
    ['2026-02-01', 'subscription_cycle', 1500, 'paid'],
  ]);
  const done = await stripe.subscriptionSchedules.retrieve(sched.id);
  assert.equal(done.status, 'canceled');
  assert.equal(done.canceled_at, utc('2026-03-01'));
  assertVerified();
});

test('a schedule that starts later creates its subscription at start_date', async () => {
  const { clock, customer, prices: [A, B] } = await world('2026-01-01', [1000, 2500]);
  const sched = await stripe.subscriptionSchedules.create({
    customer: customer.id, start_date: utc('2026-01-10'),
    phases: [{ items: [{ price: A.id }], iterations: 1 }, { items: [{ price: B.id }], iterations: 1 }],
  });
  assert.equal(sched.status, 'not_started');
  assert.equal(sched.subscription, null);
  assert.equal(sched.current_phase, null);
  // Editing the future second phase before it starts: C instead of B.
  const C = await stripe.prices.create({ product: B.product, currency: 'nok', unit_amount: 700,
    recurring: { interval: 'month' } });
  const edited = await stripe.subscriptionSchedules.update(sched.id, {
    phases: [{ items: [{ price: A.id }], iterations: 1 }, { items: [{ price: C.id, quantity: 3 }], iterations: 1 }],
  });
  assert.equal(edited.phases[1].items[0].price, C.id);
  assert.equal(edited.phases[0].start_date, utc('2026-01-10'));
  await advance(clock, '2026-01-09');
  assert.equal((await stripe.subscriptionSchedules.retrieve(sched.id)).status, 'not_started');
  await advance(clock, '2026-01-10');
  const started = await stripe.subscriptionSchedules.retrieve(sched.id);
  assert.equal(started.status, 'active');
  const sub = await stripe.subscriptions.retrieve(started.subscription);
  assert.equal(sub.start_date, utc('2026-01-10'));
  assert.equal(sub.schedule, sched.id);
  await advance(clock, '2026-02-10');
  await advance(clock, '2026-03-10');
  assert.deepEqual(await invoices(sub.id), [
    ['2026-01-10', 'subscription_create', 1000, 'paid'],
    ['2026-02-10', 'subscription_cycle', 2100, 'paid'],
    ['2026-03-10', 'subscription_cycle', 2100, 'paid'],
  ]);
  assert.equal((await stripe.subscriptionSchedules.retrieve(sched.id)).status, 'completed');
  assertVerified();
});

test('bad input is refused with its parameter and changes nothing', async () => {
  const { clock, customer, prices: [A, B] } = await world('2026-01-01', [1000, 2000]);
  const ok = { customer: customer.id, start_date: 'now' };
  await refused(() => stripe.subscriptionSchedules.create({ ...ok, phases: [] }), 'phases');
  await refused(() => stripe.subscriptionSchedules.create({ customer: customer.id }), 'phases');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok, phases: [{ items: [{ price: 'price_nope' }] }] }),
    'phases[0][items][0][price]');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok,
    phases: [{ items: [{ price: A.id }], end_date: utc('2026-03-01') },
      { items: [{ price: B.id }], end_date: utc('2026-02-01') }] }), 'phases[1][end_date]');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok,
    phases: [{ items: [{ price: A.id }], iterations: 2, end_date: utc('2026-03-01') }] }), 'phases[0][iterations]');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok, end_behavior: 'pause',
    phases: [{ items: [{ price: A.id }] }] }), 'end_behavior');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok, start_date: utc('2025-12-01'),
    phases: [{ items: [{ price: A.id }] }] }), 'start_date');
  await refused(() => stripe.subscriptionSchedules.create({ ...ok,
    phases: [{ items: [{ price: A.id }] }, { items: [{ price: B.id }], trial: true }] }), 'phases[1][trial]');

  const sched = await stripe.subscriptionSchedules.create({ ...ok,
    phases: [{ items: [{ price: A.id }], iterations: 1 }, { items: [{ price: B.id }], iterations: 1 }] });
  await advance(clock, '2026-02-01');
  // The first phase is past: it cannot be passed again, the current one keeps its start.
  await refused(() => stripe.subscriptionSchedules.update(sched.id, {
    phases: [{ items: [{ price: A.id }], start_date: utc('2026-01-01'), iterations: 1 },
      { items: [{ price: B.id }] }] }), 'phases[0][start_date]');
  await refused(() => stripe.subscriptionSchedules.update(sched.id, {
    phases: [{ items: [{ price: 'price_nope' }], start_date: utc('2026-02-01') }] }), 'phases[0][items][0][price]');
  await refused(() => stripe.subscriptionSchedules.update(sched.id, { phases: '' }), 'phases');
  await refused(() => stripe.subscriptionSchedules.retrieve('sub_sched_nope'), 'id', 404);
  await stripe.subscriptionSchedules.release(sched.id);
  await refused(() => stripe.subscriptionSchedules.update(sched.id, { end_behavior: 'cancel' }), undefined);
  assertVerified();
});
