'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Coupons AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

const now = () => Math.floor(Date.now() / 1000);

// Asserts that p rejects with a 400 naming param (and code when given).
async function rejects400(p, param, code) {
  await assert.rejects(p, (err) => {
    assert.equal(err.statusCode, 400, `${param}: ${err.message}`);
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.raw.type, 'invalid_request_error');
    assert.equal(err.param, param);
    if (code) assert.equal(err.code, code);
    return true;
  });
}

const count = (table, t = tenant) =>
  JSON.parse(server.sql(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = '${t.id}'`))[0].n;

test('create, retrieve, update, delete a percent_off coupon', async () => {
  const c = await stripe.coupons.create({
    percent_off: 25.5, name: 'Quarter off', metadata: { campaign: 'spring', channel: 'web' },
  });
  assert.match(c.id, /^[0-9A-Za-z]{8}$/);
  assert.equal(c.object, 'coupon');
  assert.equal(c.percent_off, 25.5);
  assert.equal(c.amount_off, null);
  assert.equal(c.currency, null);
  assert.equal(c.duration, 'once');
  assert.equal(c.duration_in_months, null);
  assert.equal(c.max_redemptions, null);
  assert.equal(c.redeem_by, null);
  assert.equal(c.times_redeemed, 0);
  assert.equal(c.valid, true);
  assert.equal(c.livemode, false);
  assert.equal(c.name, 'Quarter off');
  assert.deepEqual(c.metadata, { campaign: 'spring', channel: 'web' });
  assert.ok(Math.abs(c.created - now()) <= 5);
  // Includable fields Stripe leaves out when the coupon has none.
  assert.equal('applies_to' in c, false);
  assert.equal('currency_options' in c, false);
  // 25.5 is rendered as the JSON number 25.5, not a string or 25.499999...
  const raw = await server.raw('GET', `/v1/coupons/${c.id}`, { key: tenant.secret_key });
  assert.match(raw.text, /"percent_off":25\.5[,}]/);

  assert.deepEqual(await stripe.coupons.retrieve(c.id), c);

  const up = await stripe.coupons.update(c.id, { name: 'Spring', metadata: { channel: '', tier: 'gold' } });
  assert.equal(up.name, 'Spring');
  assert.deepEqual(up.metadata, { campaign: 'spring', tier: 'gold' });
  assert.equal(up.percent_off, 25.5); // survives the rewrite of the row
  assert.equal(up.duration, 'once');
  const ev = await stripe.events.list({ type: 'coupon.updated', limit: 1 });
  assert.equal(ev.data[0].data.object.id, c.id);
  assert.deepEqual(ev.data[0].data.previous_attributes,
    { name: 'Quarter off', metadata: { channel: 'web', tier: null } });

  // name "" unsets it; an update that changes nothing writes no event.
  const unnamed = await stripe.coupons.update(c.id, { name: '' });
  assert.equal(unnamed.name, null);
  const before = count('events');
  await stripe.coupons.update(c.id, { metadata: { tier: 'gold' } });
  assert.equal(count('events'), before);

  const del = await stripe.coupons.del(c.id);
  assert.deepEqual(del, { id: c.id, object: 'coupon', deleted: true });
  await assert.rejects(stripe.coupons.retrieve(c.id), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'id');
    return true;
  });
  await assert.rejects(stripe.coupons.update(c.id, { name: 'x' }), (err) => err.statusCode === 404);
  await assert.rejects(stripe.coupons.del(c.id), (err) => err.statusCode === 404);
  const listed = await stripe.coupons.list({ limit: 100 });
  assert.equal(listed.data.some((x) => x.id === c.id), false);

  const kinds = (await stripe.events.list({ limit: 3 })).data.map((e) => e.type);
  assert.deepEqual(kinds, ['coupon.deleted', 'coupon.updated', 'coupon.updated']);
  const created = await stripe.events.list({ type: 'coupon.created' });
  assert.equal(created.data.length, 1);
  assert.equal(created.data[0].data.object.id, c.id);
  assert.equal(created.data[0].data.object.percent_off, 25.5);
  const deleted = await stripe.events.list({ type: 'coupon.deleted' });
  assert.equal(deleted.data[0].data.object.id, c.id);
  assert.equal(deleted.data[0].data.object.name, null);
});

test('amount_off coupon: currency, repeating months, limits, currency_options, caller id', async () => {
  const redeemBy = now() + 30 * 86400;
  const c = await stripe.coupons.create({
    id: 'SUMMER-25_off', amount_off: 500, currency: 'NOK', duration: 'repeating',
    duration_in_months: 3, max_redemptions: 20, redeem_by: redeemBy,
    currency_options: { eur: { amount_off: 45 } },
  });
  assert.equal(c.id, 'SUMMER-25_off');
  assert.equal(c.amount_off, 500);
  assert.equal(c.currency, 'nok');
  assert.equal(c.percent_off, null);
  assert.equal(c.duration, 'repeating');
  assert.equal(c.duration_in_months, 3);
  assert.equal(c.max_redemptions, 20);
  assert.equal(c.redeem_by, redeemBy);
  assert.equal(c.valid, true);
  assert.equal(c.name, null);
  assert.deepEqual(c.metadata, {});
  assert.deepEqual(c.currency_options, { eur: { amount_off: 45 } });
  assert.deepEqual(await stripe.coupons.retrieve('SUMMER-25_off'), c);

  // Update adds and changes currencies; the rest stays.
  const up = await stripe.coupons.update(c.id, {
    currency_options: { sek: { amount_off: 550 }, eur: { amount_off: 50 } },
  });
  assert.deepEqual(up.currency_options, { eur: { amount_off: 50 }, sek: { amount_off: 550 } });
  assert.equal(up.amount_off, 500);
  const ev = await stripe.events.list({ type: 'coupon.updated', limit: 1 });
  assert.deepEqual(ev.data[0].data.previous_attributes,
    { currency_options: { eur: { amount_off: 45 }, sek: null } });

  // forever needs no months.
  const f = await stripe.coupons.create({ percent_off: 100, duration: 'forever' });
  assert.equal(f.duration, 'forever');
  assert.equal(f.duration_in_months, null);
  assert.equal(f.percent_off, 100);
});

test('applies_to products must exist', async () => {
  const prod = (await stripe.products.create({ name: 'Widget' })).id;
  const c = await stripe.coupons.create({ percent_off: 10, applies_to: { products: [prod] } });
  assert.deepEqual(c.applies_to, { products: [prod] });
  assert.deepEqual((await stripe.coupons.retrieve(c.id)).applies_to, { products: [prod] });
  await rejects400(stripe.coupons.create({ percent_off: 10, applies_to: { products: [prod, 'prod_nope'] } }),
    'applies_to[products][1]', 'resource_missing');
  // A deleted product, and another tenant's product, are just as unknown.
  const gone = (await stripe.products.create({ name: 'Gone' })).id;
  await stripe.products.del(gone);
  await rejects400(stripe.coupons.create({ percent_off: 10, applies_to: { products: [gone] } }),
    'applies_to[products][0]', 'resource_missing');
  const other = server.tenant('Other coupons AS');
  const os = server.client(other.secret_key);
  await rejects400(os.coupons.create({ percent_off: 10, applies_to: { products: [prod] } }),
    'applies_to[products][0]', 'resource_missing');
});

test('valid is derived at read time from redeem_by and max_redemptions', async () => {
  const c = await stripe.coupons.create({ percent_off: 5, redeem_by: now() + 3600, max_redemptions: 2 });
  assert.equal(c.valid, true);
  // Simulate the passage of time and redemptions on the row itself.
  server.sql(`UPDATE coupons SET redeem_by = ${now() - 10} WHERE id = '${c.id}'`);
  assert.equal((await stripe.coupons.retrieve(c.id)).valid, false);
  server.sql(`UPDATE coupons SET redeem_by = ${now() + 3600}, times_redeemed = 2 WHERE id = '${c.id}'`);
  assert.equal((await stripe.coupons.retrieve(c.id)).valid, false);
  const listed = (await stripe.coupons.list({ limit: 100 })).data.find((x) => x.id === c.id);
  assert.equal(listed.valid, false);
  assert.equal(listed.times_redeemed, 2);
});

test('caller-chosen ids are unique per tenant and mode, deleted ones included', async () => {
  await stripe.coupons.create({ id: 'WELCOME10', percent_off: 10 });
  await rejects400(stripe.coupons.create({ id: 'WELCOME10', percent_off: 20 }), 'id', 'resource_already_exists');
  await stripe.coupons.del('WELCOME10');
  // The id stays reserved: discounts granted before the delete still point at it.
  await rejects400(stripe.coupons.create({ id: 'WELCOME10', percent_off: 20 }), 'id', 'resource_already_exists');
  // Another tenant, and live mode, have their own id space.
  const other = server.tenant('Ids AS');
  const c = await server.client(other.secret_key).coupons.create({ id: 'WELCOME10', percent_off: 30 });
  assert.equal(c.percent_off, 30);
  const live = await server.client(other.live_secret_key).coupons.create({ id: 'WELCOME10', percent_off: 40 });
  assert.equal(live.livemode, true);
  assert.equal(live.percent_off, 40);
});

test('everything but name, metadata and currency_options is immutable', async () => {
  const c = await stripe.coupons.create({ percent_off: 15 });
  for (const [param, value] of [['percent_off', 20], ['duration', 'forever'], ['amount_off', 100],
    ['redeem_by', now() + 99], ['max_redemptions', 3], ['id', 'NEWID']]) {
    await rejects400(stripe.coupons.update(c.id, { [param]: value }), param, 'parameter_unknown');
  }
  // currency_options only on amount_off coupons.
  await rejects400(stripe.coupons.update(c.id, { currency_options: { eur: { amount_off: 5 } } }),
    'currency_options');
  await rejects400(stripe.coupons.update(c.id, { name: 'x'.repeat(41) }), 'name');
  const a = await stripe.coupons.create({ amount_off: 100, currency: 'eur' });
  await rejects400(stripe.coupons.update(a.id, { currency_options: { usd: { amount_off: 0 } } }),
    'currency_options[usd][amount_off]', 'parameter_invalid_integer');
  assert.deepEqual(await stripe.coupons.retrieve(c.id), c);
  assert.equal('currency_options' in (await stripe.coupons.retrieve(a.id)), false);
});

test('bad input: 400 with the precise param, nothing written', async () => {
  const coupons = count('coupons');
  const events = count('events');
  const cases = [
    [{}, 'percent_off', 'parameter_missing'],
    [{ percent_off: 0 }, 'percent_off'],
    [{ percent_off: 100.01 }, 'percent_off'],
    [{ percent_off: 12.345 }, 'percent_off'],
    [{ percent_off: 'ten' }, 'percent_off'],
    [{ percent_off: 10, amount_off: 100, currency: 'usd' }, 'amount_off'],
    [{ amount_off: 500 }, 'currency', 'parameter_missing'],
    [{ amount_off: 0, currency: 'usd' }, 'amount_off', 'parameter_invalid_integer'],
    [{ amount_off: 1000000000000001, currency: 'usd' }, 'amount_off', 'parameter_invalid_integer'],
    [{ amount_off: 12.5, currency: 'usd' }, 'amount_off', 'parameter_invalid_integer'],
    [{ amount_off: 100, currency: 'xyz' }, 'currency'],
    [{ percent_off: 10, currency: 'usd' }, 'currency'],
    [{ percent_off: 10, duration: 'weekly' }, 'duration'],
    [{ percent_off: 10, duration: 'repeating' }, 'duration_in_months', 'parameter_missing'],
    [{ percent_off: 10, duration: 'once', duration_in_months: 3 }, 'duration_in_months'],
    [{ percent_off: 10, duration: 'repeating', duration_in_months: 0 }, 'duration_in_months'],
    [{ percent_off: 10, max_redemptions: 0 }, 'max_redemptions'],
    [{ percent_off: 10, redeem_by: now() - 60 }, 'redeem_by'],
    [{ percent_off: 10, redeem_by: now() + 6 * 366 * 86400 }, 'redeem_by'],
    [{ percent_off: 10, name: 'x'.repeat(41) }, 'name'],
    [{ percent_off: 10, id: 'bad id!' }, 'id'],
    [{ percent_off: 10, id: 'x'.repeat(201) }, 'id'],
    [{ percent_off: 10, applies_to: { products: ['prod_missing'] } }, 'applies_to[products][0]', 'resource_missing'],
    [{ percent_off: 10, applies_to: { prices: ['price_x'] } }, 'applies_to[prices]', 'parameter_unknown'],
    [{ amount_off: 100, currency: 'usd', currency_options: { eur: { amount: 5 } } }, 'currency_options[eur][amount]', 'parameter_unknown'],
    [{ amount_off: 100, currency: 'usd', currency_options: { xyz: { amount_off: 5 } } }, 'currency_options[xyz]'],
    [{ amount_off: 100, currency: 'usd', currency_options: { usd: { amount_off: 5 } } }, 'currency_options[usd]'],
    [{ percent_off: 10, currency_options: { eur: { amount_off: 5 } } }, 'currency_options'],
    [{ percent_off: 10, metadata: { note: 'v'.repeat(501) } }, 'metadata[note]'],
    [{ percent_off: 10, metadata: 'nope' }, 'metadata'],
    [{ percent_off: 10, coupon_code: 'X' }, 'coupon_code', 'parameter_unknown'],
  ];
  for (const [params, param, code] of cases) {
    await rejects400(stripe.coupons.create(params), param, code);
  }
  assert.equal(count('coupons'), coupons);
  assert.equal(count('events'), events);
});

test('form and JSON bodies both carry decimals exactly', async () => {
  const form = await server.raw('POST', '/v1/coupons', { key: tenant.secret_key, body: 'percent_off=33.33&duration=forever' });
  assert.equal(form.status, 200);
  assert.equal(form.json.percent_off, 33.33);
  const json = await server.raw('POST', '/v1/coupons', {
    key: tenant.secret_key, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ percent_off: 0.07, metadata: { n: 1 } }),
  });
  assert.equal(json.status, 200);
  assert.equal(json.json.percent_off, 0.07);
  assert.deepEqual(json.json.metadata, { n: '1' });
  // Updating another field rewrites the row; the scaled percent must survive it.
  const up = await stripe.coupons.update(form.json.id, { name: 'Third' });
  assert.equal(up.percent_off, 33.33);
  assert.equal(JSON.parse(server.sql(`SELECT percent_off FROM coupons WHERE id = '${form.json.id}'`))[0].percent_off, 3333);
});

test('auto-pagination over 250 coupons: every id once, newest first', async () => {
  const other = server.tenant('Coupon pages AS');
  const s = server.client(other.secret_key);
  const created = [];
  for (let i = 0; i < 250; i++) {
    created.push((await s.coupons.create({ percent_off: (i % 100) + 1 })).id);
  }
  const seen = [];
  for await (const c of s.coupons.list({ limit: 7 })) seen.push(c.id);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, created.slice().reverse());

  const page = await s.coupons.list({ limit: 3, ending_before: created[10] });
  assert.deepEqual(page.data.map((c) => c.id), [created[13], created[12], created[11]]);
  assert.equal(page.has_more, true);
  const last = await s.coupons.list({ limit: 5, starting_after: created[3] });
  assert.deepEqual(last.data.map((c) => c.id), [created[2], created[1], created[0]]);
  assert.equal(last.has_more, false);

  // A deleted coupon drops out of the list.
  await s.coupons.del(created[249]);
  const top = await s.coupons.list({ limit: 1 });
  assert.equal(top.data[0].id, created[248]);
  assert.equal(top.url, '/v1/coupons');
  assert.equal(top.object, 'list');

  // created filter.
  assert.deepEqual((await s.coupons.list({ created: { lt: 1000 } })).data, []);
  const all = await s.coupons.list({ created: { gte: now() - 3600 }, limit: 100 });
  assert.equal(all.data.length, 100);
  assert.equal(all.has_more, true);
  await rejects400(s.coupons.list({ created: { after: 5 } }), 'created[after]', 'parameter_unknown');
  await rejects400(s.coupons.list({ limit: 101 }), 'limit');
  await rejects400(s.coupons.list({ valid: true }), 'valid', 'parameter_unknown');
});
