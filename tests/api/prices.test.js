'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

function fresh(name) {
  const t = server.tenant(name);
  return { tenant: t, stripe: server.client(t.secret_key) };
}

// The rows a failed request must not have touched.
function business() {
  return ['products', 'prices', 'events']
    .map((t) => server.sql(`SELECT * FROM ${t} ORDER BY seq`)).join('\n');
}

// The SDK turns *_decimal fields into Decimal objects; compare them as text.
function plain(v) { return JSON.parse(JSON.stringify(v)); }

async function rejects400(promise, param, { code, message } = {}) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.param, param);
    if (code !== undefined) assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('one-time per-unit price: create renders exactly what retrieve does', async () => {
  const { stripe } = fresh('Prices AS');
  const prod = await stripe.products.create({ name: 'Widget' });
  const p = await stripe.prices.create({
    product: prod.id, currency: 'nok', unit_amount: 12500, nickname: 'Standard',
    lookup_key: 'widget_std', metadata: { sku: 'W-1' },
  });
  assert.match(p.id, /^price_[0-9A-Za-z]{24}$/);
  assert.deepEqual(plain({ ...p, id: 'x', created: 0 }), {
    id: 'x', object: 'price', created: 0, active: true, product: prod.id, currency: 'nok',
    unit_amount: 12500, unit_amount_decimal: '12500', billing_scheme: 'per_unit', tiers: null,
    tiers_mode: null, transform_quantity: null, recurring: null, type: 'one_time',
    tax_behavior: 'unspecified', lookup_key: 'widget_std', nickname: 'Standard',
    custom_unit_amount: null, metadata: { sku: 'W-1' }, livemode: false,
  });
  assert.deepEqual(await stripe.prices.retrieve(p.id), p);
  const [ev] = (await stripe.events.list()).data;
  assert.equal(ev.type, 'price.created');
  assert.deepEqual(ev.data.object, plain(p));

  // expand[]=product gives the product.
  const withProduct = await stripe.prices.retrieve(p.id, { expand: ['product'] });
  assert.deepEqual(withProduct.product, prod);

  // A free price is fine; currencies are read case-insensitively and rendered lower-case.
  const free = await stripe.prices.create({ product: prod.id, currency: 'EUR', unit_amount: 0 });
  assert.equal(free.unit_amount, 0);
  assert.equal(free.currency, 'eur');
  const yen = await stripe.prices.create({ product: prod.id, currency: 'jpy', unit_amount: 1000000000000000 });
  assert.equal(yen.unit_amount, 1000000000000000);
});

test('recurring prices: intervals, usage types, trial days, the three-year cap', async () => {
  const { stripe } = fresh('Recurring AS');
  const prod = await stripe.products.create({ name: 'Plan' });
  const monthly = await stripe.prices.create({
    product: prod.id, currency: 'sek', unit_amount: 9900,
    recurring: { interval: 'month', trial_period_days: 14 },
  });
  assert.equal(monthly.type, 'recurring');
  assert.deepEqual(monthly.recurring, {
    interval: 'month', interval_count: 1, meter: null, trial_period_days: 14, usage_type: 'licensed',
  });
  const metered = await stripe.prices.create({
    product: prod.id, currency: 'sek', unit_amount_decimal: '0.25',
    recurring: { interval: 'week', interval_count: 2, usage_type: 'metered', meter: 'mtr_api_calls' },
  });
  assert.deepEqual(metered.recurring, {
    interval: 'week', interval_count: 2, meter: 'mtr_api_calls', trial_period_days: null, usage_type: 'metered',
  });
  assert.deepEqual(await stripe.prices.retrieve(metered.id), metered);
  // The longest period Stripe allows is three years, in any unit.
  for (const [interval, max] of [['day', 1095], ['week', 156], ['month', 36], ['year', 3]]) {
    const ok = await stripe.prices.create({
      product: prod.id, currency: 'sek', unit_amount: 1, recurring: { interval, interval_count: max },
    });
    assert.equal(ok.recurring.interval_count, max);
    await rejects400(stripe.prices.create({
      product: prod.id, currency: 'sek', unit_amount: 1, recurring: { interval, interval_count: max + 1 },
    }), 'recurring[interval_count]', { message: /three years/ });
  }
});

test('tiered prices, graduated and volume, round-trip as Stripe renders them', async () => {
  const { stripe, tenant } = fresh('Tiers AS');
  const prod = await stripe.products.create({ name: 'API' });
  const graduated = await stripe.prices.create({
    product: prod.id, currency: 'usd', billing_scheme: 'tiered', tiers_mode: 'graduated',
    recurring: { interval: 'month', usage_type: 'metered' },
    tiers: [
      { up_to: 1000, unit_amount: 0, flat_amount: 500 },
      { up_to: 10000, unit_amount_decimal: '0.35' },
      { up_to: 'inf', unit_amount_decimal: '0.100', flat_amount_decimal: '2500' },
    ],
  });
  assert.equal(graduated.billing_scheme, 'tiered');
  assert.equal(graduated.tiers_mode, 'graduated');
  assert.equal(graduated.unit_amount, null);
  assert.equal(graduated.unit_amount_decimal, null);
  assert.deepEqual(plain(graduated.tiers), [
    { flat_amount: 500, flat_amount_decimal: '500', unit_amount: 0, unit_amount_decimal: '0', up_to: 1000 },
    { flat_amount: null, flat_amount_decimal: null, unit_amount: null, unit_amount_decimal: '0.35', up_to: 10000 },
    { flat_amount: 2500, flat_amount_decimal: '2500', unit_amount: null, unit_amount_decimal: '0.1', up_to: null },
  ]);
  assert.deepEqual(await stripe.prices.retrieve(graduated.id), graduated);

  const volume = await stripe.prices.create({
    product: prod.id, currency: 'usd', billing_scheme: 'tiered', tiers_mode: 'volume',
    tiers: [{ up_to: 5, unit_amount: 1000 }, { up_to: 'inf', unit_amount: 800 }],
  });
  assert.equal(volume.tiers_mode, 'volume');
  assert.equal(volume.type, 'one_time');
  assert.deepEqual(plain(volume.tiers), [
    { flat_amount: null, flat_amount_decimal: null, unit_amount: 1000, unit_amount_decimal: '1000', up_to: 5 },
    { flat_amount: null, flat_amount_decimal: null, unit_amount: 800, unit_amount_decimal: '800', up_to: null },
  ]);
  assert.deepEqual(await stripe.prices.retrieve(volume.id), volume);
  const listed = (await stripe.prices.list({ product: prod.id })).data;
  assert.deepEqual(listed, [volume, graduated]);
  // Stripe's includable tiers: expand[]=tiers renders them as they are.
  assert.deepEqual(await stripe.prices.retrieve(volume.id, { expand: ['tiers'] }), volume);

  // A JSON body carries up_to as a number and decimals as strings; a JSON real
  // for a decimal amount is refused (a double cannot hold 12 places exactly).
  const json = (body) => server.raw('POST', '/v1/prices', {
    key: tenant.secret_key,
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const viaJson = await json({
    product: prod.id, currency: 'usd', billing_scheme: 'tiered', tiers_mode: 'graduated',
    tiers: [{ up_to: 10, unit_amount_decimal: '1.50' }, { up_to: 'inf', flat_amount: 3 }],
  });
  assert.equal(viaJson.status, 200);
  assert.deepEqual(viaJson.json.tiers, [
    { flat_amount: null, flat_amount_decimal: null, unit_amount: null, unit_amount_decimal: '1.5', up_to: 10 },
    { flat_amount: 3, flat_amount_decimal: '3', unit_amount: null, unit_amount_decimal: null, up_to: null },
  ]);
  const real = await json({ product: prod.id, currency: 'usd', unit_amount_decimal: 10.5 });
  assert.equal(real.status, 400);
  assert.equal(real.json.error.param, 'unit_amount_decimal');
});

test('transform_quantity, unit_amount_decimal and custom_unit_amount', async () => {
  const { stripe } = fresh('Shapes AS');
  const prod = await stripe.products.create({ name: 'Seats' });
  const packs = await stripe.prices.create({
    product: prod.id, currency: 'nok', unit_amount: 5000,
    transform_quantity: { divide_by: 10, round: 'up' },
  });
  assert.deepEqual(packs.transform_quantity, { divide_by: 10, round: 'up' });
  assert.deepEqual(await stripe.prices.retrieve(packs.id), packs);

  // Sub-minor-unit precision, normalised as Stripe renders it.
  const fine = await stripe.prices.create({ product: prod.id, currency: 'nok', unit_amount_decimal: '0012.500000000001' });
  assert.equal(fine.unit_amount, null);
  assert.equal(fine.unit_amount_decimal.toString(), '12.500000000001');
  assert.equal(server.sql(`SELECT unit_amount_decimal FROM prices WHERE id = '${fine.id}'`),
    '[{"unit_amount_decimal":"12.500000000001"}]');
  const whole = await stripe.prices.create({ product: prod.id, currency: 'nok', unit_amount_decimal: '1000.000' });
  assert.equal(whole.unit_amount, 1000);
  assert.equal(whole.unit_amount_decimal.toString(), '1000');

  const pwyw = await stripe.prices.create({
    product: prod.id, currency: 'nok',
    custom_unit_amount: { enabled: true, minimum: 1000, maximum: 100000, preset: 5000 },
  });
  assert.deepEqual(pwyw.custom_unit_amount, { maximum: 100000, minimum: 1000, preset: 5000 });
  assert.equal(pwyw.unit_amount, null);
  const open = await stripe.prices.create({ product: prod.id, currency: 'nok', custom_unit_amount: { enabled: true } });
  assert.deepEqual(open.custom_unit_amount, { maximum: null, minimum: null, preset: null });
});

test('product_data creates the product inline, in the same transaction', async () => {
  const { stripe } = fresh('Inline AS');
  const p = await stripe.prices.create({
    currency: 'dkk', unit_amount: 4900, recurring: { interval: 'year' },
    product_data: { name: 'Annual', unit_label: 'user', metadata: { line: 'b2b' }, statement_descriptor: 'ANNUAL' },
  });
  const prod = await stripe.products.retrieve(p.product);
  assert.equal(prod.name, 'Annual');
  assert.equal(prod.unit_label, 'user');
  assert.equal(prod.statement_descriptor, 'ANNUAL');
  assert.deepEqual(prod.metadata, { line: 'b2b' });
  assert.equal(prod.default_price, null);
  const kinds = (await stripe.events.list()).data.map((e) => e.type);
  assert.deepEqual(kinds, ['price.created', 'product.created']);

  const chosen = await stripe.prices.create({
    currency: 'dkk', unit_amount: 100, product_data: { id: 'inline-chosen', name: 'Chosen' },
  });
  assert.equal(chosen.product, 'inline-chosen');

  // A price that fails validation leaves no inline product behind.
  const before = business();
  await rejects400(stripe.prices.create({ currency: 'dkk', product_data: { name: 'Orphan' } }),
    'unit_amount', { code: 'parameter_missing' });
  await rejects400(stripe.prices.create({ currency: 'dkk', unit_amount: 1, product_data: { name: 'Orphan', description: 'no' } }),
    'product_data[description]', { code: 'parameter_unknown' });
  await rejects400(stripe.prices.create({ currency: 'dkk', unit_amount: 1, product_data: { unit_label: 'x' } }),
    'product_data[name]', { code: 'parameter_missing' });
  await rejects400(stripe.prices.create({ currency: 'dkk', unit_amount: 1, product_data: { id: 'inline-chosen', name: 'Again' } }),
    'product_data[id]', { code: 'resource_already_exists' });
  await rejects400(stripe.prices.create({ currency: 'dkk', unit_amount: 1, product: prod.id, product_data: { name: 'Both' } }),
    'product_data');
  // A lookup key conflict after the inline product was written rolls it back too.
  await stripe.prices.update(p.id, { lookup_key: 'annual' });
  const withKey = business();
  await rejects400(stripe.prices.create({ currency: 'dkk', unit_amount: 1, lookup_key: 'annual', product_data: { name: 'Late' } }),
    'lookup_key');
  assert.equal(business(), withKey);
  assert.notEqual(withKey, before);
});

test('lookup keys: unique, filterable, transferable in one transaction', async () => {
  const { stripe } = fresh('Lookup AS');
  const prod = await stripe.products.create({ name: 'Plans' });
  const mk = (extra) => stripe.prices.create({ product: prod.id, currency: 'eur', unit_amount: 1000, ...extra });
  const basic = await mk({ lookup_key: 'basic_monthly' });
  const pro = await mk({ lookup_key: 'pro_monthly', unit_amount: 2000 });
  await mk({});
  const found = await stripe.prices.list({ lookup_keys: ['pro_monthly', 'basic_monthly', 'nope'] });
  assert.deepEqual(found.data.map((p) => p.id), [pro.id, basic.id]);
  assert.deepEqual((await stripe.prices.list({ lookup_keys: ['basic_monthly'] })).data.map((p) => p.id), [basic.id]);

  const before = business();
  await rejects400(mk({ lookup_key: 'basic_monthly' }), 'lookup_key', { message: /transfer_lookup_key/ });
  await rejects400(stripe.prices.update(pro.id, { lookup_key: 'basic_monthly' }), 'lookup_key');
  assert.equal(business(), before);

  // transfer_lookup_key moves the key; the old holder is told by price.updated.
  const v2 = await mk({ lookup_key: 'basic_monthly', transfer_lookup_key: true, unit_amount: 1100 });
  assert.equal(v2.lookup_key, 'basic_monthly');
  assert.equal((await stripe.prices.retrieve(basic.id)).lookup_key, null);
  const evs = (await stripe.events.list({ limit: 2 })).data;
  assert.deepEqual(evs.map((e) => e.type), ['price.created', 'price.updated']);
  assert.equal(evs[1].data.object.id, basic.id);
  assert.deepEqual(evs[1].data.previous_attributes, { lookup_key: 'basic_monthly' });
  assert.deepEqual((await stripe.prices.list({ lookup_keys: ['basic_monthly'] })).data.map((p) => p.id), [v2.id]);

  // ...and on update too.
  const moved = await stripe.prices.update(pro.id, { lookup_key: 'basic_monthly', transfer_lookup_key: true });
  assert.equal(moved.lookup_key, 'basic_monthly');
  assert.equal((await stripe.prices.retrieve(v2.id)).lookup_key, null);
  // Setting the key a price already holds is not a conflict.
  assert.equal((await stripe.prices.update(pro.id, { lookup_key: 'basic_monthly' })).lookup_key, 'basic_monthly');
  // Lookup keys are per tenant.
  const other = fresh('Other lookup AS').stripe;
  const op = await other.products.create({ name: 'x' });
  const theirs = await other.prices.create({ product: op.id, currency: 'eur', unit_amount: 1, lookup_key: 'basic_monthly' });
  assert.equal(theirs.lookup_key, 'basic_monthly');
});

test('update: only nickname, active, metadata, lookup_key, tax_behavior; amounts are immutable', async () => {
  const { stripe } = fresh('Update AS');
  const prod = await stripe.products.create({ name: 'Thing' });
  const p = await stripe.prices.create({ product: prod.id, currency: 'nok', unit_amount: 700, metadata: { a: '1' } });
  const up = await stripe.prices.update(p.id, {
    nickname: 'Cheap', active: false, metadata: { a: '', b: '2' }, tax_behavior: 'exclusive',
  });
  assert.equal(up.nickname, 'Cheap');
  assert.equal(up.active, false);
  assert.deepEqual(up.metadata, { b: '2' });
  assert.equal(up.tax_behavior, 'exclusive');
  assert.equal(up.unit_amount, 700);
  assert.deepEqual(await stripe.prices.retrieve(p.id), up);
  const [ev] = (await stripe.events.list({ type: 'price.updated' })).data;
  assert.deepEqual(ev.data.previous_attributes, {
    nickname: null, active: true, metadata: { a: '1', b: null }, tax_behavior: 'unspecified',
  });

  const before = business();
  await rejects400(stripe.prices.update(p.id, { unit_amount: 800 }), 'unit_amount', { code: 'parameter_unknown' });
  await rejects400(stripe.prices.update(p.id, { currency: 'eur' }), 'currency', { code: 'parameter_unknown' });
  await rejects400(stripe.prices.update(p.id, { recurring: { interval: 'month' } }), 'recurring', { code: 'parameter_unknown' });
  await rejects400(stripe.prices.update(p.id, { tax_behavior: 'inclusive' }), 'tax_behavior', { message: /cannot be changed/ });
  assert.equal(business(), before);
  // The same behaviour again is no change, and no event.
  const again = await stripe.prices.update(p.id, { tax_behavior: 'exclusive', nickname: 'Cheap' });
  assert.deepEqual(again, up);
  assert.equal(business(), before);
  const cleared = await stripe.prices.update(p.id, { nickname: '' });
  assert.equal(cleared.nickname, null);
  await assert.rejects(stripe.prices.update('price_missing', { nickname: 'x' }), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.message, "No such price: 'price_missing'");
    return true;
  });
});

test('list filters: product, active, type, currency, recurring, created', async () => {
  const { stripe } = fresh('Price filters AS');
  const a = await stripe.products.create({ name: 'A' });
  const b = await stripe.products.create({ name: 'B' });
  const once = await stripe.prices.create({ product: a.id, currency: 'nok', unit_amount: 1 });
  const monthly = await stripe.prices.create({ product: a.id, currency: 'nok', unit_amount: 2, recurring: { interval: 'month' } });
  const yearly = await stripe.prices.create({ product: b.id, currency: 'eur', unit_amount: 3, recurring: { interval: 'year' } });
  const metered = await stripe.prices.create({
    product: b.id, currency: 'nok', unit_amount: 4, recurring: { interval: 'month', usage_type: 'metered', meter: 'mtr_x1' },
  });
  const archived = await stripe.prices.create({ product: b.id, currency: 'nok', unit_amount: 5, active: false });
  const ids = async (params) => (await stripe.prices.list(params)).data.map((p) => p.id);
  assert.deepEqual(await ids({}), [archived.id, metered.id, yearly.id, monthly.id, once.id]);
  assert.deepEqual(await ids({ product: a.id }), [monthly.id, once.id]);
  assert.deepEqual(await ids({ active: false }), [archived.id]);
  assert.deepEqual(await ids({ active: true, product: b.id }), [metered.id, yearly.id]);
  assert.deepEqual(await ids({ type: 'one_time' }), [archived.id, once.id]);
  assert.deepEqual(await ids({ type: 'recurring' }), [metered.id, yearly.id, monthly.id]);
  assert.deepEqual(await ids({ currency: 'EUR' }), [yearly.id]);
  assert.deepEqual(await ids({ recurring: { interval: 'month' } }), [metered.id, monthly.id]);
  assert.deepEqual(await ids({ recurring: { usage_type: 'metered' } }), [metered.id]);
  assert.deepEqual(await ids({ recurring: { usage_type: 'licensed', interval: 'month' } }), [monthly.id]);
  assert.deepEqual(await ids({ recurring: { meter: 'mtr_x1' } }), [metered.id]);
  assert.deepEqual(await ids({ created: { lte: once.created - 1 } }), []);
  const page = await stripe.prices.list({ limit: 2 });
  assert.equal(page.url, '/v1/prices');
  assert.equal(page.has_more, true);
});

test('auto-pagination over 250 prices: every id once, newest first', async () => {
  const { stripe } = fresh('Paginate prices AS');
  const prod = await stripe.products.create({ name: 'Many' });
  const created = [];
  for (let i = 0; i < 250; i++) {
    created.push((await stripe.prices.create({ product: prod.id, currency: 'nok', unit_amount: i })).id);
  }
  const seen = [];
  for await (const p of stripe.prices.list({ limit: 9, product: prod.id })) seen.push(p.id);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, created.slice().reverse());
});

test('bad input: 400 with the exact param, nothing written', async () => {
  const { stripe } = fresh('Bad prices AS');
  const prod = await stripe.products.create({ name: 'Target' });
  const base = { product: prod.id, currency: 'nok' };
  const tiered = { ...base, billing_scheme: 'tiered', tiers_mode: 'graduated' };
  const before = business();
  const cases = [
    [{ product: prod.id, unit_amount: 1 }, 'currency', 'parameter_missing'],
    [{ ...base, currency: 'xyz', unit_amount: 1 }, 'currency', 'parameter_invalid'],
    [{ currency: 'nok', unit_amount: 1 }, 'product', 'parameter_missing'],
    [{ ...base, product: 'prod_nope', unit_amount: 1 }, 'product', 'resource_missing'],
    [{ ...base }, 'unit_amount', 'parameter_missing'],
    [{ ...base, unit_amount: -1 }, 'unit_amount', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: 1000000000000001 }, 'unit_amount', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: '12.5' }, 'unit_amount', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: 1, unit_amount_decimal: '1' }, 'unit_amount_decimal', 'parameter_invalid'],
    [{ ...base, unit_amount_decimal: '1.1234567890123' }, 'unit_amount_decimal', 'parameter_invalid'],
    [{ ...base, unit_amount_decimal: '-1' }, 'unit_amount_decimal', 'parameter_invalid'],
    [{ ...base, unit_amount_decimal: '1e3' }, 'unit_amount_decimal', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, colour: 'red' }, 'colour', 'parameter_unknown'],
    [{ ...base, unit_amount: 1, recurring: { interval_count: 2 } }, 'recurring[interval]', 'parameter_missing'],
    [{ ...base, unit_amount: 1, recurring: { interval: 'fortnight' } }, 'recurring[interval]', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, recurring: { interval: 'month', interval_count: 0 } }, 'recurring[interval_count]', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: 1, recurring: { interval: 'month', usage_type: 'sometimes' } }, 'recurring[usage_type]', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, recurring: { interval: 'month', meter: 'mtr_1' } }, 'recurring[meter]', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, recurring: { interval: 'month', trial_period_days: 731 } }, 'recurring[trial_period_days]', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: 1, billing_scheme: 'flat' }, 'billing_scheme', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, tax_behavior: 'maybe' }, 'tax_behavior', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, tiers: [{ up_to: 'inf', unit_amount: 1 }] }, 'tiers', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, tiers_mode: 'volume' }, 'tiers_mode', 'parameter_invalid'],
    [{ ...tiered }, 'tiers', 'parameter_missing'],
    [{ ...base, billing_scheme: 'tiered', tiers: [{ up_to: 'inf', unit_amount: 1 }] }, 'tiers_mode', 'parameter_missing'],
    [{ ...tiered, tiers_mode: 'stairs', tiers: [{ up_to: 'inf', unit_amount: 1 }] }, 'tiers_mode', 'parameter_invalid'],
    [{ ...tiered, unit_amount: 5, tiers: [{ up_to: 'inf', unit_amount: 1 }] }, 'unit_amount', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 10, unit_amount: 1 }, { up_to: 10, unit_amount: 1 }, { up_to: 'inf', unit_amount: 1 }] }, 'tiers[1][up_to]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 10, unit_amount: 1 }, { up_to: 20, unit_amount: 1 }] }, 'tiers[1][up_to]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 'inf', unit_amount: 1 }, { up_to: 20, unit_amount: 1 }] }, 'tiers[0][up_to]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 'lots', unit_amount: 1 }, { up_to: 'inf', unit_amount: 1 }] }, 'tiers[0][up_to]', 'parameter_invalid_integer'],
    [{ ...tiered, tiers: [{ up_to: 5, unit_amount: 1 }, { unit_amount: 1 }] }, 'tiers[1][up_to]', 'parameter_missing'],
    [{ ...tiered, tiers: [{ up_to: 5 }, { up_to: 'inf', unit_amount: 1 }] }, 'tiers[0]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 5, unit_amount: 1, unit_amount_decimal: '1' }, { up_to: 'inf', unit_amount: 1 }] }, 'tiers[0][unit_amount_decimal]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 5, unit_amount: 1 }, { up_to: 'inf', flat_amount_decimal: '0.1234567890123' }] }, 'tiers[1][flat_amount_decimal]', 'parameter_invalid'],
    [{ ...tiered, tiers: [{ up_to: 5, unit_amount: 1, colour: 'red' }, { up_to: 'inf', unit_amount: 1 }] }, 'tiers[0][colour]', 'parameter_unknown'],
    [{ ...tiered, transform_quantity: { divide_by: 2, round: 'up' }, tiers: [{ up_to: 'inf', unit_amount: 1 }] }, 'transform_quantity', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, transform_quantity: { divide_by: 0, round: 'up' } }, 'transform_quantity[divide_by]', 'parameter_invalid_integer'],
    [{ ...base, unit_amount: 1, transform_quantity: { divide_by: 2, round: 'nearest' } }, 'transform_quantity[round]', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, transform_quantity: { divide_by: 2 } }, 'transform_quantity[round]', 'parameter_missing'],
    [{ ...base, custom_unit_amount: { enabled: false } }, 'custom_unit_amount[enabled]', 'parameter_invalid'],
    [{ ...base, custom_unit_amount: { enabled: true, minimum: 500, maximum: 100 } }, 'custom_unit_amount[minimum]', 'parameter_invalid'],
    [{ ...base, custom_unit_amount: { enabled: true }, recurring: { interval: 'month' } }, 'custom_unit_amount', 'parameter_invalid'],
    [{ ...base, custom_unit_amount: { enabled: true }, unit_amount: 5 }, 'custom_unit_amount', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, lookup_key: 'k'.repeat(201) }, 'lookup_key', 'parameter_invalid'],
    [{ ...base, unit_amount: 1, metadata: 'oops' }, 'metadata', 'parameter_invalid'],
  ];
  for (const [params, param, code] of cases) {
    await rejects400(stripe.prices.create(params), param, { code });
  }
  assert.equal(business(), before);
  const listCases = [
    [{ type: 'sometimes' }, 'type'],
    [{ recurring: { interval: 'fortnight' } }, 'recurring[interval]'],
    [{ recurring: { aggregate_usage: 'sum' } }, 'recurring[aggregate_usage]'],
    [{ lookup_keys: Array.from({ length: 11 }, (_, i) => `k${i}`) }, 'lookup_keys'],
    [{ currency: 'xx' }, 'currency'],
    [{ created: { after: 5 } }, 'created[after]'],
  ];
  for (const [params, param] of listCases) await rejects400(stripe.prices.list(params), param);
  await assert.rejects(stripe.prices.retrieve('price_missing'), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    return true;
  });
});
