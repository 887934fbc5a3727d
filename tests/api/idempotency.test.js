// idempotency.test.js - Idempotency-Key on the wire: replay, conflicts,
// concurrency, per-tenant scope, failed requests, headers and events.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Stripe = require('stripe');
const { startServer } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });


function post(key, path, body, ikey, headers = {}) {
  const h = { Authorization: `Bearer ${key}`, ...headers };
  if (ikey !== undefined) h['Idempotency-Key'] = ikey;
  return server.raw('POST', path, { body, headers: h });
}

function count(sql) {
  return JSON.parse(server.sql(sql) || '[{"n":0}]')[0].n;
}
const customers = (t, where = '1 = 1') => count(`SELECT count(*) AS n FROM customers WHERE tenant_id = '${t.id}' AND ${where}`);
const events = (t, where = '1 = 1') => count(`SELECT count(*) AS n FROM events WHERE tenant_id = '${t.id}' AND ${where}`);
const keys = (t) => count(`SELECT count(*) AS n FROM idempotency_keys WHERE tenant_id = '${t.id}'`);

test('the same POST with the same key replays the identical response', async () => {
  const t = server.tenant('Replay AS');
  const first = await post(t.secret_key, '/v1/customers', 'name=Kari&email=kari%40example.no&metadata[plan]=pro', 'replay-1');
  assert.equal(first.status, 200);
  assert.match(first.json.id, /^cus_/);
  assert.equal(first.headers.get('idempotent-replayed'), null);

  const again = await post(t.secret_key, '/v1/customers', 'name=Kari&email=kari%40example.no&metadata[plan]=pro', 'replay-1');
  assert.equal(again.status, 200);
  assert.equal(again.text, first.text, 'the body is replayed byte for byte');
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('idempotency-key'), 'replay-1');
  assert.notEqual(again.headers.get('request-id'), first.headers.get('request-id'));

  // The order of the parameters does not make it another request, and a JSON
  // body decodes into the same tree as the form body.
  const reordered = await post(t.secret_key, '/v1/customers', 'metadata[plan]=pro&email=kari%40example.no&name=Kari', 'replay-1');
  assert.equal(reordered.status, 200);
  assert.equal(reordered.text, first.text);
  const json = await post(t.secret_key, '/v1/customers',
    JSON.stringify({ email: 'kari@example.no', metadata: { plan: 'pro' }, name: 'Kari' }), 'replay-1',
    { 'Content-Type': 'application/json' });
  assert.equal(json.status, 200);
  assert.equal(json.text, first.text);
  assert.equal(json.headers.get('idempotent-replayed'), 'true');

  // Through the SDK too: same key, same id, and the SDK sees the replay header.
  const s = server.client(t.secret_key);
  const viaSdk = await s.customers.create({ name: 'Kari', email: 'kari@example.no', metadata: { plan: 'pro' } },
    { idempotencyKey: 'replay-1' });
  assert.equal(viaSdk.id, first.json.id);
  assert.equal(viaSdk.lastResponse.headers['idempotent-replayed'], 'true');

  assert.equal(customers(t), 1);
  assert.equal(events(t), 1);
  assert.equal(keys(t), 1);
  const list = await s.customers.list();
  assert.deepEqual(list.data.map((c) => c.id), [first.json.id]);
});

test('an update replays too, and changes the object once', async () => {
  const t = server.tenant('Replay update AS');
  const s = server.client(t.secret_key);
  const c = await s.customers.create({ name: 'Before', balance: 100, currency: 'nok' });
  const u1 = await s.customers.update(c.id, { name: 'After' }, { idempotencyKey: 'upd-1' });
  // Another change in between: the replay must return the stored response,
  // not the object as it is now.
  await s.customers.update(c.id, { name: 'Later' });
  const u2 = await s.customers.update(c.id, { name: 'After' }, { idempotencyKey: 'upd-1' });
  assert.equal(u2.name, 'After');
  assert.deepEqual({ ...u2, lastResponse: undefined }, { ...u1, lastResponse: undefined });
  assert.equal(u2.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal((await s.customers.retrieve(c.id)).name, 'Later');
  assert.equal(events(t, "type = 'customer.updated'"), 2);
});

test('the same key with other parameters is a 400 idempotency_error', async () => {
  const t = server.tenant('Mismatch AS');
  const first = await post(t.secret_key, '/v1/customers', 'name=One', 'mismatch-1');
  assert.equal(first.status, 200);
  const before = server.dump();

  for (const [path, body] of [
    ['/v1/customers', 'name=Two'],
    ['/v1/customers', 'name=One&email=one%40example.no'],
    ['/v1/customers', 'name=One&expand[]=test_clock'],
    [`/v1/customers/${first.json.id}`, 'name=One'],
  ]) {
    const r = await post(t.secret_key, path, body, 'mismatch-1');
    assert.equal(r.status, 400, `${path} ${body}`);
    assert.deepEqual(Object.keys(r.json), ['error']);
    assert.equal(r.json.error.type, 'idempotency_error');
    assert.equal(r.json.error.param, undefined);
    assert.match(r.json.error.message, /mismatch-1/);
    assert.equal(r.headers.get('idempotency-key'), 'mismatch-1');
    assert.equal(r.headers.get('idempotent-replayed'), null);
  }

  const s = server.client(t.secret_key);
  await assert.rejects(s.customers.create({ name: 'Two' }, { idempotencyKey: 'mismatch-1' }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.rawType, 'idempotency_error');
    assert.equal(err.type, 'StripeIdempotencyError');
    return true;
  });
  assert.equal(server.dump(), before, 'a rejected retry changes nothing');
  assert.equal(customers(t), 1);
});

test('ten parallel POSTs with one key create exactly one customer', async () => {
  for (let round = 0; round < 3; round++) {
    const t = server.tenant(`Parallel AS ${round}`);
    const ikey = `parallel-${round}`;
    const rs = await Promise.all(Array.from({ length: 10 }, () =>
      post(t.secret_key, '/v1/customers', 'name=Racer&metadata[round]=' + round, ikey)));
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, 'at least one request succeeds');
    const ids = new Set(ok.map((r) => r.json.id));
    assert.equal(ids.size, 1, 'every success names the same customer');
    for (const r of rs) {
      assert.equal(r.headers.get('idempotency-key'), ikey);
      if (r.status === 200) {
        assert.equal(r.text, ok[0].text);
        continue;
      }
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.type, 'idempotency_error');
      assert.equal(r.headers.get('stripe-should-retry'), 'true');
    }
    assert.equal(customers(t), 1);
    assert.equal(events(t, "type = 'customer.created'"), 1);
    assert.equal(events(t), 1);
    assert.equal(keys(t), 1);
    // A retry after the dust settles is a plain replay.
    const later = await post(t.secret_key, '/v1/customers', 'name=Racer&metadata[round]=' + round, ikey);
    assert.equal(later.status, 200);
    assert.equal(later.json.id, [...ids][0]);
  }
});

test('ten parallel SDK calls with one key create exactly one customer', async () => {
  const t = server.tenant('Parallel SDK AS');
  const s = server.client(t.secret_key);
  const settled = await Promise.allSettled(Array.from({ length: 10 }, () =>
    s.customers.create({ name: 'SDK racer' }, { idempotencyKey: 'sdk-parallel' })));
  const ids = new Set();
  for (const r of settled) {
    if (r.status === 'fulfilled') {
      ids.add(r.value.id);
    } else {
      assert.equal(r.reason.statusCode, 409);
      assert.equal(r.reason.rawType, 'idempotency_error');
    }
  }
  assert.equal(ids.size, 1);
  assert.equal(customers(t), 1);
  assert.equal(events(t), 1);
});

test('keys are per tenant and per mode', async () => {
  const a = server.tenant('Keys A AS');
  const b = server.tenant('Keys B AS');
  const ra = await post(a.secret_key, '/v1/customers', 'name=Same', 'shared-key');
  const rb = await post(b.secret_key, '/v1/customers', 'name=Same', 'shared-key');
  const rl = await post(a.live_secret_key, '/v1/customers', 'name=Same', 'shared-key');
  for (const r of [ra, rb, rl]) {
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('idempotent-replayed'), null);
  }
  assert.equal(new Set([ra.json.id, rb.json.id, rl.json.id]).size, 3);
  assert.equal(rl.json.livemode, true);
  // Other parameters under the same key are fine in another tenant.
  const other = await post(b.secret_key, '/v1/customers', 'name=Different', 'other-key');
  assert.equal(other.status, 200);
  const mismatch = await post(a.secret_key, '/v1/customers', 'name=Different', 'shared-key');
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.json.error.type, 'idempotency_error');
  assert.equal(customers(a, 'livemode = 0'), 1);
  assert.equal(customers(a, 'livemode = 1'), 1);
  assert.equal(customers(b), 2);
  // Each tenant replays its own response.
  const again = await post(b.secret_key, '/v1/customers', 'name=Same', 'shared-key');
  assert.equal(again.text, rb.text);
});

test('a failed request does not keep its key: the corrected retry runs', async () => {
  const t = server.tenant('Retry AS');
  const s = server.client(t.secret_key);
  const before = server.dump();
  const bad = await post(t.secret_key, '/v1/customers', 'name=Kari&email=not-an-email', 'fix-me');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'email');
  assert.equal(bad.headers.get('idempotency-key'), 'fix-me');
  // Nor does a 404, a bad expand or an unknown parameter.
  const missing = await post(t.secret_key, '/v1/customers/cus_missing', 'name=x', 'fix-404');
  assert.equal(missing.status, 404);
  const expand = await post(t.secret_key, '/v1/customers', 'name=x&expand[]=name', 'fix-expand');
  assert.equal(expand.status, 400);
  assert.equal(expand.json.error.param, 'expand[0]');
  await assert.rejects(s.customers.create({ nmae: 'x' }, { idempotencyKey: 'fix-sdk' }),
    (err) => err.statusCode === 400 && err.param === 'nmae');
  assert.equal(server.dump(), before, 'no key, no event, no customer');
  assert.equal(keys(t), 0);

  const good = await post(t.secret_key, '/v1/customers', 'name=Kari&email=kari%40example.no', 'fix-me');
  assert.equal(good.status, 200);
  assert.equal(good.headers.get('idempotent-replayed'), null);
  assert.equal(good.json.email, 'kari@example.no');
  const fixed = await s.customers.create({ name: 'x' }, { idempotencyKey: 'fix-expand' });
  assert.match(fixed.id, /^cus_/);
  const replay = await post(t.secret_key, '/v1/customers', 'name=Kari&email=kari%40example.no', 'fix-me');
  assert.equal(replay.text, good.text);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(customers(t), 2);
  assert.equal(keys(t), 2);
});

test('responses carry Request-Id and Stripe-Version and echo Idempotency-Key', async () => {
  const t = server.tenant('Headers AS');
  const version = Stripe.API_VERSION;
  assert.equal(version, '2026-10-28.endive');
  const seen = new Set();
  const check = (r, ikey) => {
    const rid = r.headers.get('request-id');
    assert.match(rid, /^req_[0-9A-Za-z]{14}$/);
    assert.ok(!seen.has(rid), 'every response has its own Request-Id');
    seen.add(rid);
    assert.equal(r.headers.get('stripe-version'), version);
    assert.equal(r.headers.get('idempotency-key'), ikey);
    assert.equal(r.headers.get('content-type'), 'application/json');
  };
  check(await post(t.secret_key, '/v1/customers', 'name=H', 'hdr-1'), 'hdr-1'); // success
  check(await post(t.secret_key, '/v1/customers', 'name=H', 'hdr-1'), 'hdr-1'); // replay
  check(await post(t.secret_key, '/v1/customers', 'name=I', 'hdr-1'), 'hdr-1'); // mismatch
  check(await post(t.secret_key, '/v1/customers', 'bogus=1', 'hdr-2'), 'hdr-2'); // 400
  check(await post('sk_test_nope', '/v1/customers', 'name=H', 'hdr-3'), 'hdr-3'); // 401
  check(await post(t.secret_key, '/v1/customers', 'name=H'), null); // no key sent, none echoed
  const get = await server.raw('GET', '/v1/customers', { headers: { Authorization: `Bearer ${t.secret_key}` } });
  check(get, null);
  const notFound = await server.raw('GET', '/v1/nowhere', { headers: { Authorization: `Bearer ${t.secret_key}` } });
  check(notFound, null);

  // The SDK exposes them too.
  const s = server.client(t.secret_key);
  const c = await s.customers.create({ name: 'SDK' }, { idempotencyKey: 'hdr-sdk' });
  assert.match(c.lastResponse.requestId, /^req_/);
  assert.equal(c.lastResponse.idempotencyKey, 'hdr-sdk');
  assert.equal(c.lastResponse.apiVersion, version);
});

test('events record the request id and the idempotency key', async () => {
  const t = server.tenant('Event keys AS');
  const s = server.client(t.secret_key);
  const created = await post(t.secret_key, '/v1/customers', 'name=Evented', 'evt-key-1');
  const id = created.json.id;
  const updated = await post(t.secret_key, `/v1/customers/${id}`, 'name=Renamed', 'evt-key-2');
  const plain = await post(t.secret_key, `/v1/customers/${id}`, 'name=Again');
  // A replay appends nothing.
  await post(t.secret_key, '/v1/customers', 'name=Evented', 'evt-key-1');
  const evs = (await s.events.list()).data;
  assert.deepEqual(evs.map((e) => e.type), ['customer.updated', 'customer.updated', 'customer.created']);
  assert.deepEqual(evs.map((e) => e.request), [
    { id: plain.headers.get('request-id'), idempotency_key: null },
    { id: updated.headers.get('request-id'), idempotency_key: 'evt-key-2' },
    { id: created.headers.get('request-id'), idempotency_key: 'evt-key-1' },
  ]);
  // The SDK's own keys land there as well.
  const viaSdk = await s.customers.create({ name: 'SDK keyed' });
  const ev = (await s.events.list({ limit: 1 })).data[0];
  assert.equal(ev.data.object.id, viaSdk.id);
  assert.equal(ev.request.id, viaSdk.lastResponse.requestId);
  assert.equal(ev.request.idempotency_key, viaSdk.lastResponse.idempotencyKey);
  assert.match(ev.request.idempotency_key, /^stripe-node-retry-/);
});

test('GET and DELETE ignore Idempotency-Key (nothing is stored)', async () => {
  const t = server.tenant('Get keys AS');
  const s = server.client(t.secret_key);
  const c = await s.customers.create({ name: 'Doomed' });
  const before = keys(t);
  const h = { Authorization: `Bearer ${t.secret_key}`, 'Idempotency-Key': 'get-key' };
  const g1 = await server.raw('GET', `/v1/customers/${c.id}`, { headers: h });
  const g2 = await server.raw('GET', `/v1/customers/${c.id}`, { headers: h });
  assert.equal(g1.status, 200);
  assert.equal(g2.headers.get('idempotent-replayed'), null);
  const d = await server.raw('DELETE', `/v1/customers/${c.id}`, { headers: h });
  assert.deepEqual(d.json, { id: c.id, object: 'customer', deleted: true });
  assert.equal(keys(t), before);
  // The same key is still free for a POST.
  const p = await post(t.secret_key, '/v1/customers', 'name=Fresh', 'get-key');
  assert.equal(p.status, 200);
  assert.equal(p.headers.get('idempotent-replayed'), null);
});

test('idempotency across the catalog: a replayed price and a coupon with a chosen id', async () => {
  const t = server.tenant('Catalog keys AS');
  const s = server.client(t.secret_key);
  const prod = await s.products.create({ name: 'Pro' });
  const p1 = await s.prices.create({ product: prod.id, currency: 'nok', unit_amount: 9900, recurring: { interval: 'month' } },
    { idempotencyKey: 'price-1' });
  const p2 = await s.prices.create({ product: prod.id, currency: 'nok', unit_amount: 9900, recurring: { interval: 'month' } },
    { idempotencyKey: 'price-1' });
  assert.equal(p2.id, p1.id);
  assert.equal(p2.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal((await s.prices.list()).data.length, 1);

  const c1 = await s.coupons.create({ id: 'ONCE', percent_off: 15, duration: 'once' }, { idempotencyKey: 'coupon-1' });
  const c2 = await s.coupons.create({ id: 'ONCE', percent_off: 15, duration: 'once' }, { idempotencyKey: 'coupon-1' });
  assert.deepEqual(c2, c1);
  assert.equal(c2.lastResponse.headers['idempotent-replayed'], 'true');
  // Without the key the same request is a new one, and the id is taken.
  const before = server.dump();
  await assert.rejects(s.coupons.create({ id: 'ONCE', percent_off: 15, duration: 'once' }),
    (err) => err.statusCode === 400 && err.code === 'resource_already_exists');
  assert.equal(server.dump(), before);
  assert.equal(events(t, "type = 'coupon.created'"), 1);
  assert.equal(events(t, "type = 'price.created'"), 1);
});
