'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Clocks AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

const JAN_31_2026 = 1769817600; // 2026-01-31T00:00:00Z

test('create, retrieve, list, advance and delete a test clock', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_31_2026, name: 'Renewals' });
  assert.match(clock.id, /^clock_[0-9A-Za-z]{24}$/);
  assert.equal(clock.object, 'test_helpers.test_clock');
  assert.equal(clock.frozen_time, JAN_31_2026);
  assert.equal(clock.status, 'ready');
  assert.equal(clock.name, 'Renewals');
  assert.equal(clock.deletes_after, clock.created + 30 * 86400);

  assert.deepEqual(await stripe.testHelpers.testClocks.retrieve(clock.id), clock);

  const moved = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_31_2026 + 86400 });
  assert.equal(moved.frozen_time, JAN_31_2026 + 86400);
  assert.equal(moved.status, 'ready');

  // Backwards or in place is refused and changes nothing.
  const before = server.dump();
  for (const t of [JAN_31_2026, JAN_31_2026 + 86400]) {
    await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t }), (err) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.type, 'StripeInvalidRequestError');
      assert.equal(err.param, 'frozen_time');
      return true;
    });
  }
  assert.equal(server.dump(), before);

  const listed = await stripe.testHelpers.testClocks.list();
  assert.deepEqual(listed.data.map((c) => c.id), [clock.id]);

  const types = (await stripe.events.list({ limit: 2 })).data.map((e) => e.type);
  assert.deepEqual(types, ['test_helpers.test_clock.ready', 'test_helpers.test_clock.created']);
});

test('deleting a clock deletes its customers', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_31_2026 });
  const on = await stripe.customers.create({ email: 'on@clock.no', test_clock: clock.id });
  const off = await stripe.customers.create({ email: 'off@clock.no' });
  const listed = await stripe.customers.list({ test_clock: clock.id });
  assert.deepEqual(listed.data.map((c) => c.id), [on.id]);
  const del = await stripe.testHelpers.testClocks.del(clock.id);
  assert.deepEqual(del, { id: clock.id, object: 'test_helpers.test_clock', deleted: true });
  assert.equal((await stripe.customers.retrieve(on.id)).deleted, true);
  assert.equal((await stripe.customers.retrieve(off.id)).email, 'off@clock.no');
  await assert.rejects(stripe.testHelpers.testClocks.retrieve(clock.id), (err) => err.statusCode === 404);
});

test('a customer cannot join a clock that does not exist, and live mode has no clocks', async () => {
  await assert.rejects(stripe.customers.create({ test_clock: 'clock_nope' }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'test_clock');
    assert.equal(err.code, 'resource_missing');
    return true;
  });
  const live = server.client(tenant.live_secret_key);
  await assert.rejects(live.testHelpers.testClocks.create({ frozen_time: JAN_31_2026 }), (err) => {
    assert.equal(err.statusCode, 400);
    return true;
  });
  await assert.rejects(stripe.testHelpers.testClocks.create({}), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'frozen_time');
    assert.equal(err.code, 'parameter_missing');
    return true;
  });
});
