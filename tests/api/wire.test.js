// wire.test.js - the wire rules of docs/api.md, one test each: body and query
// encodings, expand forms, auth forms, list filters, the error and delete
// shapes, and the event stream.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, T, stripe;

before(async () => {
  server = await startServer();
  T = server.tenant('Wire AS');
  stripe = server.client(T.secret_key);
});
after(async () => { await server.stop(); });

const auth = () => ({ Authorization: `Bearer ${T.secret_key}` });
const form = (path, body, method = 'POST') => server.raw(method, path, { body, headers: auth() });
const json = (path, obj, ctype = 'application/json') =>
  server.raw('POST', path, { body: JSON.stringify(obj), headers: { ...auth(), 'Content-Type': ctype } });
const get = (path, headers = auth()) => server.raw('GET', path, { headers });

// The fields two customers created from the same parameters must share.
function comparable(c) {
  const { id, created, invoice_prefix, tax_ids, ...rest } = c;
  assert.match(id, /^cus_/);
  assert.equal(typeof created, 'number');
  assert.match(invoice_prefix, /^[0-9A-Z]{3,12}$/);
  return { ...rest, tax_ids: tax_ids.data.map((t) => [t.type, t.value, t.country]) };
}

test('a JSON body decodes like the form body the SDK sends', async () => {
  const params = {
    name: 'Kari Nordmann',
    email: 'kari@example.no',
    balance: -2500,
    currency: 'nok',
    address: { line1: 'Storgata 1', city: 'Oslo', postal_code: '0155', country: 'NO' },
    preferred_locales: ['nb', 'en'],
    invoice_settings: { footer: 'Takk', custom_fields: [{ name: 'Ref', value: 'A1' }, { name: 'PO', value: '7' }] },
    tax_id_data: [{ type: 'no_vat', value: 'NO123456789MVA' }],
    metadata: { plan: 'pro', seats: '5' },
  };
  const viaSdk = await stripe.customers.create(params);
  const viaJson = await json('/v1/customers', params);
  assert.equal(viaJson.status, 200, viaJson.text);
  assert.deepEqual(comparable(viaJson.json), comparable(viaSdk));
  const withCharset = await json('/v1/customers', params, 'application/json; charset=utf-8');
  assert.equal(withCharset.status, 200);
  assert.deepEqual(comparable(withCharset.json), comparable(viaSdk));

  // JSON numbers and booleans in metadata become strings, as Stripe stores them;
  // null removes a key like the form's empty string does.
  const typed = await json(`/v1/customers/${viaJson.json.id}`, { metadata: { seats: 7, vip: true, plan: null } });
  assert.equal(typed.status, 200, typed.text);
  assert.deepEqual(typed.json.metadata, { seats: '7', vip: 'true' });
  const formUpdate = await stripe.customers.update(viaSdk.id, { metadata: { seats: 7, vip: 'true', plan: '' } });
  assert.deepEqual(formUpdate.metadata, typed.json.metadata);

  // An empty JSON object is an empty parameter set.
  const empty = await json('/v1/customers', {});
  assert.equal(empty.status, 200);
  assert.equal(empty.json.name, null);
});

test('expand[]=x, expand[0]=x and a JSON expand list all expand', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1767225600, name: 'Wire clock' });
  const c = await stripe.customers.create({ name: 'On a clock', test_clock: clock.id });
  assert.equal(c.test_clock, clock.id);
  const want = await stripe.testHelpers.testClocks.retrieve(clock.id);
  for (const q of ['expand[]=test_clock', 'expand[0]=test_clock', 'expand%5B%5D=test_clock', 'expand%5B0%5D=test_clock']) {
    const r = await get(`/v1/customers/${c.id}?${q}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.deepEqual(r.json.test_clock, want, q);
  }
  const sdk = await stripe.customers.retrieve(c.id, { expand: ['test_clock'] });
  assert.deepEqual(sdk.test_clock, want);
  // On a write, in a JSON body.
  const upd = await json(`/v1/customers/${c.id}`, { name: 'Renamed', expand: ['test_clock'] });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.json.name, 'Renamed');
  assert.deepEqual(upd.json.test_clock, want);
  // Two paths at once, on a list: data.x expands every element.
  const list = await get('/v1/customers?limit=3&expand[0]=data.test_clock&expand[1]=data.test_clock');
  assert.equal(list.status, 200, list.text);
  const mine = list.json.data.find((x) => x.id === c.id);
  assert.deepEqual(mine.test_clock, want);
  // A null expandable field stays null.
  const plain = await stripe.customers.create({ name: 'No clock' }, { });
  const r = await get(`/v1/customers/${plain.id}?expand[]=test_clock`);
  assert.equal(r.json.test_clock, null);
  // The stored object is not changed by expanding it.
  assert.equal((await stripe.customers.retrieve(c.id)).test_clock, clock.id);
});

test('percent-encoded brackets and + for spaces decode like plain ones', async () => {
  const r = await form('/v1/customers', 'name=Ola+Nordmann&metadata%5Bk%5D=v&metadata%5bother%5d=w&address%5Bcity%5D=Troms%C3%B8');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, 'Ola Nordmann');
  assert.deepEqual(r.json.metadata, { k: 'v', other: 'w' });
  assert.equal(r.json.address.city, 'Tromsø');
  // In the query string as well.
  const q = await get(`/v1/customers?created%5Bgte%5D=${r.json.created}&limit=100`);
  assert.equal(q.status, 200, q.text);
  assert.ok(q.json.data.some((c) => c.id === r.json.id));
  const s = await get(`/v1/customers/search?query=name%3A%27Ola+Nordmann%27`);
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.data.map((c) => c.id), [r.json.id]);
});

test('an empty string unsets: metadata="" clears, metadata[k]="" removes, phone="" nulls', async () => {
  const c = await stripe.customers.create({ name: 'Unset', phone: '+4712345678', metadata: { a: '1', b: '2', c: '3' } });
  const one = await form(`/v1/customers/${c.id}`, 'metadata[a]=&phone=');
  assert.deepEqual(one.json.metadata, { b: '2', c: '3' });
  assert.equal(one.json.phone, null);
  const all = await form(`/v1/customers/${c.id}`, 'metadata=');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json.metadata, {});
  const sdk = await stripe.customers.update(c.id, { metadata: { x: '1' } });
  assert.deepEqual((await stripe.customers.update(sdk.id, { metadata: '' })).metadata, {});
});

test('length limits count characters, not bytes', async () => {
  const name = 'ø'.repeat(256); // 512 bytes
  const c = await stripe.customers.create({ name, metadata: { ['æ'.repeat(40)]: 'å'.repeat(500) } });
  assert.equal(c.name, name);
  assert.equal(c.metadata['æ'.repeat(40)], 'å'.repeat(500));
  const emoji = await stripe.customers.create({ description: '🦀'.repeat(350) });
  assert.equal([...emoji.description].length, 350);
});

test('HTTP Basic auth with the key as user name works', async () => {
  const c = await stripe.customers.create({ name: 'Basic' });
  const basic = (s) => ({ Authorization: `Basic ${Buffer.from(s).toString('base64')}` });
  // curl -u sk_test_...: sends "key:".
  const r = await get(`/v1/customers/${c.id}`, basic(`${T.secret_key}:`));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, c.id);
  const created = await server.raw('POST', '/v1/customers',
    { body: 'name=Via+Basic', headers: basic(`${T.secret_key}:`) });
  assert.equal(created.status, 200);
  assert.equal(created.json.name, 'Via Basic');
  // The scheme is case-insensitive, and a password after the colon is ignored.
  const lower = await get(`/v1/customers/${c.id}`, { Authorization: `basic ${Buffer.from(`${T.secret_key}:`).toString('base64')}` });
  assert.equal(lower.status, 200);
  const bearer = await get(`/v1/customers/${c.id}`, { Authorization: `bearer ${T.secret_key}` });
  assert.equal(bearer.status, 200);
  const withPassword = await get(`/v1/customers/${c.id}`, basic(`${T.secret_key}:ignored`));
  assert.equal(withPassword.status, 200);
  // The live key picks live mode.
  const live = await get('/v1/customers', basic(`${T.live_secret_key}:`));
  assert.equal(live.status, 200);
  assert.ok(live.json.data.every((x) => x.livemode === true));
});

test('GET lists filter by created[gte], created[gt], created[lt], created[lte] and exact created', async () => {
  const t = server.tenant('Created AS');
  const s = server.client(t.secret_key);
  const c = await s.customers.create({ name: 'Stamped' });
  const at = c.created;
  const ids = async (q) => (await s.customers.list(q)).data.map((x) => x.id);
  assert.deepEqual(await ids({ created: { gte: at } }), [c.id]);
  assert.deepEqual(await ids({ created: { lte: at } }), [c.id]);
  assert.deepEqual(await ids({ created: { gt: at } }), []);
  assert.deepEqual(await ids({ created: { lt: at } }), []);
  assert.deepEqual(await ids({ created: { gte: at - 60, lt: at + 60 } }), [c.id]);
  assert.deepEqual(await ids({ created: at }), [c.id]);
  assert.deepEqual(await ids({ created: at + 1 }), []);
  const r = await server.raw('GET', `/v1/customers?created[gte]=${at}`, { headers: { Authorization: `Bearer ${t.secret_key}` } });
  assert.deepEqual(r.json, { object: 'list', url: '/v1/customers', has_more: false, data: [c] });
  // Events filter the same way.
  const evs = await s.events.list({ created: { gte: at } });
  assert.deepEqual(evs.data.map((e) => e.data.object.id), [c.id]);
});

test('the error shape is exactly {error: {type, message, param?, code?}}', async () => {
  const shapes = [
    [await form('/v1/customers', 'bogus=1'), 400,
      { type: 'invalid_request_error', code: 'parameter_unknown', param: 'bogus', message: 'Received unknown parameter: bogus' }],
    [await get('/v1/customers/cus_missing'), 404,
      { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: "No such customer: 'cus_missing'" }],
    [await get('/v1/nowhere'), 404,
      { type: 'invalid_request_error', message: 'Unrecognized request URL (GET: /v1/nowhere).' }],
    [await get('/v1/customers', {}), 401, { type: 'invalid_request_error' }],
    [await get('/v1/customers', { Authorization: 'Bearer sk_test_wrongwrongwrong' }), 401,
      { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_wron****' }],
  ];
  for (const [r, status, want] of shapes) {
    assert.equal(r.status, status, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(Object.keys(r.json), ['error']);
    const keys = Object.keys(r.json.error).sort();
    assert.deepEqual(keys, Object.keys({ message: 1, ...want }).sort(), r.text);
    for (const [k, v] of Object.entries(want)) assert.equal(r.json.error[k], v);
    assert.equal(typeof r.json.error.message, 'string');
  }
  // The SDK turns the shape into its typed errors.
  await assert.rejects(stripe.customers.retrieve('cus_missing'), (err) => {
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.match(err.requestId, /^req_/);
    return true;
  });
  await assert.rejects(server.client('sk_test_wrongwrongwrong').customers.list(), (err) => {
    assert.equal(err.type, 'StripeAuthenticationError');
    return true;
  });
});

test('DELETE returns exactly {id, object, deleted: true}', async () => {
  const c = await stripe.customers.create({ name: 'Delete me' });
  const r = await server.raw('DELETE', `/v1/customers/${c.id}`, { headers: auth() });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { id: c.id, object: 'customer', deleted: true });
  assert.deepEqual(Object.keys(r.json), ['id', 'object', 'deleted']);
  // Retrieve answers with the same stub; the list no longer has it.
  assert.deepEqual((await get(`/v1/customers/${c.id}`)).json, { id: c.id, object: 'customer', deleted: true });
  assert.ok(!(await stripe.customers.list({ limit: 100 })).data.some((x) => x.id === c.id));
  const again = await server.raw('DELETE', `/v1/customers/${c.id}`, { headers: auth() });
  assert.equal(again.status, 404);
  const sdk = await stripe.customers.del((await stripe.customers.create({ name: 'x' })).id);
  assert.equal(sdk.deleted, true);
  assert.equal(sdk.object, 'customer');
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1767225600 });
  const dc = await server.raw('DELETE', `/v1/test_helpers/test_clocks/${clock.id}`, { headers: auth() });
  assert.deepEqual(dc.json, { id: clock.id, object: 'test_helpers.test_clock', deleted: true });
});

test('events: newest first, previous_attributes on *.updated only', async () => {
  const t = server.tenant('Events AS');
  const s = server.client(t.secret_key);
  const c = await s.customers.create({ name: 'First', email: 'e@example.no', metadata: { a: '1', b: '2' } });
  await s.customers.update(c.id, { name: 'Second', metadata: { a: '', c: '3' } });
  await s.customers.update(c.id, { balance: 700, currency: 'nok', address: { city: 'Oslo' } });
  await s.customers.update(c.id, { name: 'Second' }); // no change: no event
  await s.customers.del(c.id);
  const evs = (await s.events.list()).data;
  assert.deepEqual(evs.map((e) => e.type),
    ['customer.deleted', 'customer.updated', 'customer.updated', 'customer.created']);
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i - 1].created >= evs[i].created);
  for (const e of evs) {
    assert.match(e.id, /^evt_[0-9A-Za-z]{24}$/);
    assert.equal(e.object, 'event');
    assert.equal(e.api_version, '2026-10-28.endive');
    assert.equal(e.livemode, false);
    assert.equal(e.data.object.id, c.id);
    assert.match(e.request.id, /^req_/);
    if (e.type !== 'customer.updated') assert.equal(e.data.previous_attributes, undefined, e.type);
  }
  assert.deepEqual(evs[2].data.previous_attributes, { name: 'First', metadata: { a: '1', c: null } });
  assert.deepEqual(evs[1].data.previous_attributes, { balance: 0, currency: null, address: null });
  assert.equal(evs[1].data.object.balance, 700);
  assert.equal(evs[3].data.object.name, 'First');
  // Pagination and type filters keep the order.
  const paged = [];
  for await (const e of s.events.list({ limit: 1 })) paged.push(e.id);
  assert.deepEqual(paged, evs.map((e) => e.id));
  assert.deepEqual((await s.events.list({ type: 'customer.updated' })).data.map((e) => e.id), [evs[1].id, evs[2].id]);
  assert.deepEqual((await s.events.list({ types: ['customer.created', 'customer.deleted'] })).data.map((e) => e.id),
    [evs[0].id, evs[3].id]);
  assert.deepEqual(await s.events.retrieve(evs[2].id), evs[2]);
});

test('lists have Stripe\'s shape and honour limit and has_more', async () => {
  const t = server.tenant('Lists AS');
  const s = server.client(t.secret_key);
  const made = [];
  for (let i = 0; i < 3; i++) made.push((await s.customers.create({ name: `L${i}` })).id);
  const h = { Authorization: `Bearer ${t.secret_key}` };
  const page = await server.raw('GET', '/v1/customers?limit=2', { headers: h });
  assert.deepEqual(Object.keys(page.json), ['object', 'url', 'has_more', 'data']);
  assert.equal(page.json.object, 'list');
  assert.equal(page.json.url, '/v1/customers');
  assert.equal(page.json.has_more, true);
  assert.deepEqual(page.json.data.map((c) => c.id), [made[2], made[1]]);
  const rest = await server.raw('GET', `/v1/customers?limit=2&starting_after=${made[1]}`, { headers: h });
  assert.equal(rest.json.has_more, false);
  assert.deepEqual(rest.json.data.map((c) => c.id), [made[0]]);
  const all = await server.raw('GET', '/v1/customers', { headers: h });
  assert.equal(all.json.data.length, 3);
  const ev = await server.raw('GET', '/v1/events?limit=100', { headers: h });
  assert.equal(ev.json.url, '/v1/events');
  assert.equal(ev.json.data.length, 3);
});

test('catalog over the wire: JSON like form, expand product and default_price, delete shapes', async () => {
  const t = server.tenant('Catalog wire AS');
  const s = server.client(t.secret_key);
  const h = { Authorization: `Bearer ${t.secret_key}` };
  const prod = await s.products.create({ name: 'Pro', metadata: { tier: 'gold' } });
  const params = {
    product: prod.id, currency: 'nok', billing_scheme: 'tiered', tiers_mode: 'graduated',
    tiers: [{ up_to: 10, unit_amount: 1000 }, { up_to: 'inf', unit_amount: 500, flat_amount: 100 }],
    recurring: { interval: 'month', interval_count: 3 }, metadata: { a: 'b' }, nickname: 'Quarterly',
  };
  const viaSdk = await s.prices.create(params);
  const viaJson = await server.raw('POST', '/v1/prices',
    { body: JSON.stringify(params), headers: { ...h, 'Content-Type': 'application/json' } });
  assert.equal(viaJson.status, 200, viaJson.text);
  // (Compared through the SDK, which turns *_decimal strings into Decimals.)
  const strip = ({ id, created, ...rest }) => rest;
  assert.deepEqual(strip(await s.prices.retrieve(viaJson.json.id)), strip(viaSdk));
  assert.equal(viaSdk.recurring.interval_count, 3);

  // expand[]=product on one price, expand[]=data.product on a list.
  const one = await s.prices.retrieve(viaSdk.id, { expand: ['product'] });
  assert.deepEqual(one.product, await s.products.retrieve(prod.id));
  const list = await server.raw('GET', `/v1/prices?product=${prod.id}&expand[]=data.product`, { headers: h });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data.length, 2);
  for (const p of list.json.data) assert.equal(p.product.id, prod.id);
  // Includable fields: tiers on a tiered price, applies_to on a coupon that has none.
  const tiered = await server.raw('GET', `/v1/prices/${viaSdk.id}?expand[]=tiers`, { headers: h });
  assert.equal(tiered.status, 200, tiered.text);
  assert.deepEqual(tiered.json.tiers, viaJson.json.tiers);
  assert.deepEqual(tiered.json.tiers.map((x) => x.up_to), [10, null]);
  const coupon = await s.coupons.create({ id: 'PLAIN', percent_off: 10, duration: 'once' });
  const inc = await server.raw('GET', '/v1/coupons/PLAIN?expand[]=applies_to', { headers: h });
  assert.equal(inc.status, 200, inc.text);
  assert.equal(inc.json.id, coupon.id);

  // default_price expands on a product, also right on create.
  const withDefault = await s.products.create({ name: 'Basic', default_price_data: { currency: 'nok', unit_amount: 500 },
    expand: ['default_price'] });
  assert.equal(withDefault.default_price.object, 'price');
  assert.equal(withDefault.default_price.unit_amount, 500);
  assert.equal(withDefault.default_price.product, withDefault.id);

  // Deletes answer {id, object, deleted: true}.
  const lone = await s.products.create({ name: 'Lonely' });
  const dp = await server.raw('DELETE', `/v1/products/${lone.id}`, { headers: h });
  assert.deepEqual(dp.json, { id: lone.id, object: 'product', deleted: true });
  const dc = await server.raw('DELETE', '/v1/coupons/PLAIN', { headers: h });
  assert.deepEqual(dc.json, { id: 'PLAIN', object: 'coupon', deleted: true });

  // Decimal fields keep their exact value through form and JSON.
  const txForm = await s.taxRates.create({ display_name: 'MVA', percentage: 12.5, inclusive: true });
  const txJson = await server.raw('POST', '/v1/tax_rates', { body: '{"display_name":"MVA","percentage":12.5,"inclusive":true}',
    headers: { ...h, 'Content-Type': 'application/json' } });
  assert.equal(txForm.percentage, 12.5);
  assert.equal(txJson.json.percentage, 12.5);
  assert.equal(txJson.json.inclusive, true);

  // The catalog's events have the same shape as the customers'.
  const upd = await s.products.update(prod.id, { name: 'Pro 2' });
  const ev = (await s.events.list({ type: 'product.updated', limit: 1 })).data[0];
  assert.equal(ev.data.object.id, upd.id);
  assert.equal(ev.data.previous_attributes.name, 'Pro');
});
