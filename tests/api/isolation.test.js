// isolation.test.js - a key sees its own tenant and mode, nothing else.
//
// Tenant B's key must not be able to read, list, page past, search, update or
// delete tenant A's objects, nor see its events; a tenant's live key and test
// key hold separate data. Every refused request must leave the database as it
// was.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, A, B, a, b, aLive;
let cusA, evtA, clockA, cusLive;

before(async () => {
  server = await startServer();
  A = server.tenant('Isolation A AS');
  B = server.tenant('Isolation B AS');
  a = server.client(A.secret_key);
  b = server.client(B.secret_key);
  aLive = server.client(A.live_secret_key);
  clockA = await a.testHelpers.testClocks.create({ frozen_time: 1767225600, name: 'A clock' });
  cusA = await a.customers.create({ name: 'A only', email: 'shared@example.no', metadata: { owner: 'a' }, test_clock: clockA.id });
  evtA = (await a.events.list({ limit: 1 })).data[0];
  cusLive = await aLive.customers.create({ name: 'A live', email: 'shared@example.no' });
});
after(async () => { await server.stop(); });

function missing(id) {
  return (err) => {
    assert.equal(err.statusCode, 404, err.message);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'id');
    assert.ok(err.message.includes(id), err.message);
    return true;
  };
}

test("tenant B cannot retrieve, update or delete tenant A's customer", async () => {
  const before = server.dump();
  await assert.rejects(b.customers.retrieve(cusA.id), missing(cusA.id));
  await assert.rejects(b.customers.update(cusA.id, { name: 'Stolen', metadata: { owner: 'b' } }), missing(cusA.id));
  await assert.rejects(b.customers.del(cusA.id), missing(cusA.id));
  await assert.rejects(b.customers.retrieve(cusA.id, { expand: ['test_clock'] }), missing(cusA.id));
  // Raw, with the key as a Basic user and the id in a JSON body's path.
  const basic = `Basic ${Buffer.from(`${B.secret_key}:`).toString('base64')}`;
  const r = await server.raw('POST', `/v1/customers/${cusA.id}`,
    { body: '{"name":"Stolen"}', headers: { Authorization: basic, 'Content-Type': 'application/json' } });
  assert.equal(r.status, 404);
  assert.deepEqual(r.json.error, {
    type: 'invalid_request_error', code: 'resource_missing', param: 'id',
    message: `No such customer: '${cusA.id}'`,
  });
  assert.equal(server.dump(), before, "B's attempts changed nothing");
  assert.deepEqual(await a.customers.retrieve(cusA.id), cusA);
});

test("tenant B's lists, search and cursors do not show tenant A's data", async () => {
  assert.deepEqual((await b.customers.list()).data, []);
  assert.deepEqual((await b.customers.list({ email: 'shared@example.no' })).data, []);
  assert.deepEqual((await b.customers.list({ created: { gte: 0 } })).data, []);
  assert.deepEqual((await b.customers.list({ test_clock: clockA.id })).data, []);
  assert.deepEqual((await b.customers.search({ query: "email:'shared@example.no'" })).data, []);
  await assert.rejects(b.customers.list({ starting_after: cusA.id }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'starting_after');
    return true;
  });
  await assert.rejects(b.events.list({ ending_before: evtA.id }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'ending_before');
    return true;
  });
  // A sees its own, through the same filters.
  assert.deepEqual((await a.customers.list({ email: 'shared@example.no' })).data.map((c) => c.id), [cusA.id]);
});

test("tenant B cannot see tenant A's events", async () => {
  await assert.rejects(b.events.retrieve(evtA.id), missing(evtA.id));
  assert.deepEqual((await b.events.list()).data, []);
  assert.deepEqual((await b.events.list({ type: 'customer.created' })).data, []);
  assert.deepEqual((await b.events.list({ type: 'customer.*' })).data, []);
  assert.deepEqual((await b.events.list({ types: ['customer.created', 'customer.updated'] })).data, []);
  // B's own change shows up for B only.
  const mine = await b.customers.create({ name: 'B only' });
  const bEvents = (await b.events.list()).data;
  assert.deepEqual(bEvents.map((e) => [e.type, e.data.object.id]), [['customer.created', mine.id]]);
  const aIds = [];
  for await (const e of a.events.list({ limit: 2 })) aIds.push(e.data.object.id);
  assert.ok(!aIds.includes(mine.id));
  await assert.rejects(a.events.retrieve(bEvents[0].id), missing(bEvents[0].id));
  await assert.rejects(a.customers.retrieve(mine.id), missing(mine.id));
});

test("tenant B cannot use tenant A's test clock", async () => {
  await assert.rejects(b.testHelpers.testClocks.retrieve(clockA.id), missing(clockA.id));
  assert.deepEqual((await b.testHelpers.testClocks.list()).data, []);
  const before = server.dump();
  await assert.rejects(b.customers.create({ name: 'On A clock', test_clock: clockA.id }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'test_clock');
    assert.equal(err.code, 'resource_missing');
    return true;
  });
  assert.equal(server.dump(), before);
});

test('live and test keys of one tenant hold separate data', async () => {
  // Lists.
  assert.deepEqual((await a.customers.list({ email: 'shared@example.no' })).data.map((c) => c.id), [cusA.id]);
  assert.deepEqual((await aLive.customers.list()).data.map((c) => c.id), [cusLive.id]);
  assert.equal(cusLive.livemode, true);
  assert.equal(cusA.livemode, false);
  // Objects of the other mode do not exist.
  const before = server.dump();
  await assert.rejects(a.customers.retrieve(cusLive.id), missing(cusLive.id));
  await assert.rejects(a.customers.update(cusLive.id, { name: 'x' }), missing(cusLive.id));
  await assert.rejects(a.customers.del(cusLive.id), missing(cusLive.id));
  await assert.rejects(aLive.customers.retrieve(cusA.id), missing(cusA.id));
  await assert.rejects(aLive.customers.del(cusA.id), missing(cusA.id));
  await assert.rejects(aLive.testHelpers.testClocks.retrieve(clockA.id), missing(clockA.id));
  assert.equal(server.dump(), before);
  // Events.
  const liveEvents = (await aLive.events.list()).data;
  assert.deepEqual(liveEvents.map((e) => [e.type, e.data.object.id, e.livemode]),
    [['customer.created', cusLive.id, true]]);
  const testEvents = (await a.events.list({ limit: 100 })).data;
  assert.ok(testEvents.length >= 2);
  assert.ok(testEvents.every((e) => e.livemode === false && e.data.object.id !== cusLive.id));
  await assert.rejects(a.events.retrieve(liveEvents[0].id), missing(liveEvents[0].id));
  await assert.rejects(aLive.events.retrieve(evtA.id), missing(evtA.id));
  await assert.rejects(aLive.customers.list({ starting_after: cusA.id }), (err) => err.statusCode === 400);
});

test('a deleted customer of tenant A is still invisible to B', async () => {
  const doomed = await a.customers.create({ name: 'Doomed' });
  await a.customers.del(doomed.id);
  // A sees the deleted stub; B sees nothing at all.
  assert.deepEqual(await a.customers.retrieve(doomed.id).then((c) => ({ id: c.id, deleted: c.deleted })),
    { id: doomed.id, deleted: true });
  await assert.rejects(b.customers.retrieve(doomed.id), missing(doomed.id));
});

test("tenant B cannot see or use tenant A's products, prices, coupons and tax rates", async () => {
  const prod = await a.products.create({ name: 'A product' });
  const price = await a.prices.create({ product: prod.id, currency: 'nok', unit_amount: 9900, recurring: { interval: 'month' } });
  const coupon = await a.coupons.create({ id: 'WELCOME', percent_off: 10, duration: 'once' });
  const txr = await a.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  const before = server.dump();
  await assert.rejects(b.products.retrieve(prod.id), missing(prod.id));
  await assert.rejects(b.products.update(prod.id, { name: 'Stolen' }), missing(prod.id));
  await assert.rejects(b.products.del(prod.id), missing(prod.id));
  await assert.rejects(b.prices.retrieve(price.id), missing(price.id));
  await assert.rejects(b.prices.update(price.id, { active: false }), missing(price.id));
  await assert.rejects(b.coupons.retrieve(coupon.id), missing(coupon.id));
  await assert.rejects(b.coupons.update(coupon.id, { name: 'Stolen' }), missing(coupon.id));
  await assert.rejects(b.coupons.del(coupon.id), missing(coupon.id));
  await assert.rejects(b.taxRates.retrieve(txr.id), missing(txr.id));
  await assert.rejects(b.taxRates.update(txr.id, { active: false }), missing(txr.id));
  // Nor build on them.
  await assert.rejects(b.prices.create({ product: prod.id, currency: 'nok', unit_amount: 1 }),
    (err) => err.statusCode === 400 && err.param === 'product' && err.code === 'resource_missing');
  await assert.rejects(b.products.list({ starting_after: prod.id }), (err) => err.param === 'starting_after');
  for (const list of [b.products.list(), b.prices.list(), b.prices.list({ product: prod.id }),
    b.coupons.list(), b.taxRates.list()]) {
    assert.deepEqual((await list).data, []);
  }
  assert.equal(server.dump(), before, "B's attempts changed nothing");
  // Coupon ids are chosen by the caller, so they are unique per tenant only:
  // B may have its own WELCOME, and each tenant sees its own.
  const bCoupon = await b.coupons.create({ id: 'WELCOME', amount_off: 500, currency: 'nok', duration: 'forever' });
  assert.equal(bCoupon.id, 'WELCOME');
  assert.equal((await a.coupons.retrieve('WELCOME')).percent_off, 10);
  assert.equal((await b.coupons.retrieve('WELCOME')).amount_off, 500);
  await b.coupons.del('WELCOME');
  assert.equal((await a.coupons.retrieve('WELCOME')).valid, true);
  // And live mode has its own WELCOME namespace too.
  await assert.rejects(aLive.coupons.retrieve('WELCOME'), missing('WELCOME'));
  assert.equal((await aLive.coupons.create({ id: 'WELCOME', percent_off: 50, duration: 'once' })).livemode, true);
  assert.equal((await a.coupons.retrieve('WELCOME')).percent_off, 10);
  assert.deepEqual((await aLive.products.list()).data, []);
});
