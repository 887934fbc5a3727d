'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

// A fresh tenant per test keeps event and list assertions exact.
function fresh(name) {
  const t = server.tenant(name);
  return { tenant: t, stripe: server.client(t.secret_key) };
}

// The rows a failed request must not have touched.
function business() {
  return ['products', 'prices', 'events']
    .map((t) => server.sql(`SELECT * FROM ${t} ORDER BY seq`)).join('\n');
}

async function rejects400(promise, param, { code, message, status = 400 } = {}) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.statusCode, status);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.param, param);
    if (code !== undefined) assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('create, retrieve, update, delete a product; events with previous_attributes', async () => {
  const { stripe } = fresh('Products AS');
  const p = await stripe.products.create({
    name: 'Pro plan',
    description: 'Everything in Basic, and more',
    images: ['https://example.com/pro.png'],
    marketing_features: [{ name: 'Unlimited users' }, { name: 'Priority support' }],
    metadata: { tier: 'pro', region: 'nordic' },
    statement_descriptor: 'RECUR PRO',
    tax_code: 'txcd_10103001',
    unit_label: 'seat',
    url: 'https://example.com/pro',
    shippable: false,
    package_dimensions: { height: 1.5, length: 10, weight: 2.25, width: 3 },
  });
  assert.match(p.id, /^prod_[0-9A-Za-z]{24}$/);
  assert.equal(p.object, 'product');
  assert.equal(p.active, true);
  assert.equal(p.type, 'service');
  assert.equal(p.livemode, false);
  assert.equal(p.default_price, null);
  assert.equal(p.updated, p.created);
  assert.equal(p.name, 'Pro plan');
  assert.equal(p.description, 'Everything in Basic, and more');
  assert.deepEqual(p.images, ['https://example.com/pro.png']);
  assert.deepEqual(p.marketing_features, [{ name: 'Unlimited users' }, { name: 'Priority support' }]);
  assert.deepEqual(p.metadata, { tier: 'pro', region: 'nordic' });
  assert.equal(p.statement_descriptor, 'RECUR PRO');
  assert.equal(p.tax_code, 'txcd_10103001');
  assert.equal(p.unit_label, 'seat');
  assert.equal(p.url, 'https://example.com/pro');
  assert.equal(p.shippable, false);
  assert.deepEqual(p.package_dimensions, { height: 1.5, length: 10, weight: 2.25, width: 3 });

  const got = await stripe.products.retrieve(p.id);
  assert.deepEqual(got, p);

  const up = await stripe.products.update(p.id, {
    name: 'Pro plan 2',
    description: '',
    metadata: { region: '', color: 'blue' },
    images: '',
    marketing_features: [{ name: 'Everything' }],
    active: false,
    package_dimensions: '',
  });
  assert.equal(up.name, 'Pro plan 2');
  assert.equal(up.description, null);
  assert.deepEqual(up.metadata, { tier: 'pro', color: 'blue' });
  assert.deepEqual(up.images, []);
  assert.deepEqual(up.marketing_features, [{ name: 'Everything' }]);
  assert.equal(up.active, false);
  assert.equal(up.package_dimensions, null);
  assert.equal(up.unit_label, 'seat');
  assert.ok(up.updated >= p.updated);
  assert.deepEqual(await stripe.products.retrieve(p.id), up);

  const [updated] = (await stripe.events.list({ type: 'product.updated' })).data;
  assert.equal(updated.data.object.id, p.id);
  const prev = updated.data.previous_attributes;
  assert.equal(prev.name, 'Pro plan');
  assert.equal(prev.description, 'Everything in Basic, and more');
  assert.equal(prev.active, true);
  assert.deepEqual(prev.images, ['https://example.com/pro.png']);
  assert.deepEqual(prev.metadata, { region: 'nordic', color: null });
  assert.deepEqual(prev.package_dimensions, { height: 1.5, length: 10, weight: 2.25, width: 3 });
  assert.equal(prev.unit_label, undefined);

  // An update that changes nothing raises no event.
  const same = await stripe.products.update(p.id, { name: 'Pro plan 2' });
  assert.deepEqual(same, up);

  const del = await stripe.products.del(p.id);
  assert.deepEqual(del, { id: p.id, object: 'product', deleted: true });
  await assert.rejects(stripe.products.retrieve(p.id), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'id');
    return true;
  });
  await assert.rejects(stripe.products.del(p.id), (err) => err.statusCode === 404);
  const kinds = (await stripe.events.list()).data.map((e) => e.type);
  assert.deepEqual(kinds, ['product.deleted', 'product.updated', 'product.created']);
  const [deleted] = (await stripe.events.list({ type: 'product.deleted' })).data;
  assert.equal(deleted.data.object.id, p.id);
  assert.equal(deleted.data.object.name, 'Pro plan 2');
});

test('minimal product gets Stripe defaults; caller-chosen id; type good', async () => {
  const { stripe } = fresh('Defaults AS');
  const p = await stripe.products.create({ name: 'Basic' });
  assert.deepEqual(Object.keys(p).sort(), [
    'active', 'created', 'default_price', 'description', 'id', 'images', 'livemode',
    'marketing_features', 'metadata', 'name', 'object', 'package_dimensions', 'shippable',
    'statement_descriptor', 'tax_code', 'type', 'unit_label', 'updated', 'url',
  ]);
  assert.deepEqual(
    { ...p, id: 'x', created: 0, updated: 0 },
    {
      id: 'x', object: 'product', created: 0, updated: 0, name: 'Basic', active: true,
      description: null, images: [], marketing_features: [], default_price: null,
      statement_descriptor: null, tax_code: null, unit_label: null, url: null,
      shippable: null, package_dimensions: null, type: 'service', metadata: {},
      livemode: false,
    },
  );

  const chosen = await stripe.products.create({ id: 'gold-plan_2026', name: 'Gold', type: 'good' });
  assert.equal(chosen.id, 'gold-plan_2026');
  assert.equal(chosen.type, 'good');
  assert.deepEqual(await stripe.products.retrieve('gold-plan_2026'), chosen);
  const before = business();
  await rejects400(stripe.products.create({ id: 'gold-plan_2026', name: 'Again' }), 'id',
    { code: 'resource_already_exists', message: /already exists/ });
  // A deleted product keeps its id taken.
  await stripe.products.del('gold-plan_2026');
  await rejects400(stripe.products.create({ id: 'gold-plan_2026', name: 'Again' }), 'id',
    { code: 'resource_already_exists' });
  assert.notEqual(business(), before); // only the delete changed something
});

test('default_price_data creates the price and sets default_price in one go', async () => {
  const { stripe } = fresh('Default price AS');
  const p = await stripe.products.create({
    name: 'Team',
    default_price_data: {
      currency: 'NOK',
      unit_amount: 19900,
      recurring: { interval: 'month', interval_count: 3 },
      tax_behavior: 'inclusive',
      metadata: { src: 'dpd' },
    },
  });
  assert.match(p.default_price, /^price_[0-9A-Za-z]{24}$/);
  const price = await stripe.prices.retrieve(p.default_price);
  assert.equal(price.product, p.id);
  assert.equal(price.currency, 'nok');
  assert.equal(price.unit_amount, 19900);
  assert.equal(price.unit_amount_decimal.toString(), '19900');
  assert.equal(price.type, 'recurring');
  assert.deepEqual(price.recurring, {
    interval: 'month', interval_count: 3, meter: null, trial_period_days: null, usage_type: 'licensed',
  });
  assert.equal(price.tax_behavior, 'inclusive');
  assert.deepEqual(price.metadata, { src: 'dpd' });

  const kinds = (await stripe.events.list()).data.map((e) => e.type);
  assert.deepEqual(kinds, ['price.created', 'product.created']);
  const [created] = (await stripe.events.list({ type: 'product.created' })).data;
  assert.equal(created.data.object.default_price, p.default_price);

  // expand[]=default_price gives the price object.
  const expanded = await stripe.products.retrieve(p.id, { expand: ['default_price'] });
  // (The product's schema does not tell the SDK to make decimals of an expanded price.)
  assert.deepEqual(expanded.default_price, JSON.parse(JSON.stringify(price)));

  // default_price may move to another active price of the same product.
  const yearly = await stripe.prices.create({
    product: p.id, currency: 'nok', unit_amount: 199000, recurring: { interval: 'year' },
  });
  const moved = await stripe.products.update(p.id, { default_price: yearly.id });
  assert.equal(moved.default_price, yearly.id);
  const [upd] = (await stripe.events.list({ type: 'product.updated' })).data;
  assert.equal(upd.data.previous_attributes.default_price, p.default_price);

  // ...but not to a price of another product, an archived one, or one that does not exist.
  const other = await stripe.products.create({
    name: 'Other', default_price_data: { currency: 'nok', unit_amount: 100 },
  });
  const archived = await stripe.prices.create({
    product: p.id, currency: 'nok', unit_amount: 5, active: false,
  });
  const before = business();
  await rejects400(stripe.products.update(p.id, { default_price: other.default_price }),
    'default_price', { message: /another product/ });
  await rejects400(stripe.products.update(p.id, { default_price: archived.id }),
    'default_price', { message: /archived/ });
  await rejects400(stripe.products.update(p.id, { default_price: 'price_nope', name: 'X' }),
    'default_price', { code: 'resource_missing', message: /No such price/ });
  // A bad default_price_data writes neither the product nor the price.
  await rejects400(stripe.products.create({
    name: 'Broken', default_price_data: { currency: 'nok', unit_amount: 100, recurring: { interval: 'fortnight' } },
  }), 'default_price_data[recurring][interval]');
  await rejects400(stripe.products.create({
    name: 'Broken', default_price_data: { currency: 'nok' },
  }), 'default_price_data[unit_amount]', { code: 'parameter_missing' });
  await rejects400(stripe.products.create({
    name: 'Broken', default_price_data: { currency: 'nok', unit_amount: 1, nickname: 'n' },
  }), 'default_price_data[nickname]', { code: 'parameter_unknown' });
  await rejects400(stripe.products.create({
    name: 'Broken', default_price_data: { currency: 'nok', unit_amount: 1, recurring: { interval: 'month', usage_type: 'metered' } },
  }), 'default_price_data[recurring][usage_type]', { code: 'parameter_unknown' });
  assert.equal(business(), before);

  // The default price cannot be archived while it is the default.
  await rejects400(stripe.prices.update(yearly.id, { active: false }), 'active',
    { message: /default price/ });
  const unset = await stripe.products.update(p.id, { default_price: '' });
  assert.equal(unset.default_price, null);
  const archivedNow = await stripe.prices.update(yearly.id, { active: false });
  assert.equal(archivedNow.active, false);
});

test('a product with prices cannot be deleted', async () => {
  const { stripe } = fresh('Delete AS');
  const p = await stripe.products.create({ name: 'Has prices' });
  const price = await stripe.prices.create({ product: p.id, currency: 'eur', unit_amount: 500 });
  await stripe.prices.update(price.id, { active: false });
  const before = business();
  await assert.rejects(stripe.products.del(p.id), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.param, undefined);
    assert.equal(err.message,
      'This product cannot be deleted because it has one or more prices; archive it with active=false instead.');
    return true;
  });
  assert.equal(business(), before);
  assert.equal((await stripe.products.retrieve(p.id)).id, p.id);
  // Archiving is the way out.
  const archived = await stripe.products.update(p.id, { active: false });
  assert.equal(archived.active, false);
});

test('list filters: active, ids, shippable, url, type, created', async () => {
  const { stripe } = fresh('Filters AS');
  const a = await stripe.products.create({ name: 'A', shippable: true, url: 'https://a.example' });
  const b = await stripe.products.create({ name: 'B', active: false, type: 'good' });
  const c = await stripe.products.create({ name: 'C', shippable: false });
  const ids = async (params) => (await stripe.products.list(params)).data.map((p) => p.id);
  assert.deepEqual(await ids({}), [c.id, b.id, a.id]);
  assert.deepEqual(await ids({ active: true }), [c.id, a.id]);
  assert.deepEqual(await ids({ active: false }), [b.id]);
  assert.deepEqual(await ids({ ids: [a.id, b.id, 'prod_missing'] }), [b.id, a.id]);
  assert.deepEqual(await ids({ shippable: true }), [a.id]);
  assert.deepEqual(await ids({ shippable: false }), [c.id]);
  assert.deepEqual(await ids({ url: 'https://a.example' }), [a.id]);
  assert.deepEqual(await ids({ type: 'good' }), [b.id]);
  assert.deepEqual(await ids({ type: 'service' }), [c.id, a.id]);
  assert.deepEqual(await ids({ created: { gte: a.created } }), [c.id, b.id, a.id]);
  assert.deepEqual(await ids({ created: { gt: c.created + 1000 } }), []);
  assert.deepEqual(await ids({ active: true, shippable: true, limit: 1 }), [a.id]);
  const page = await stripe.products.list({ limit: 2 });
  assert.equal(page.object, 'list');
  assert.equal(page.url, '/v1/products');
  assert.equal(page.has_more, true);
  // Another tenant sees none of them.
  const other = fresh('Other AS').stripe;
  assert.deepEqual((await other.products.list()).data, []);
  await assert.rejects(other.products.retrieve(a.id), (err) => err.statusCode === 404);
});

test('auto-pagination over 250 products: every id once, newest first', async () => {
  const { stripe } = fresh('Paginate products AS');
  const created = [];
  for (let i = 0; i < 250; i++) created.push((await stripe.products.create({ name: `P${i}` })).id);
  const seen = [];
  for await (const p of stripe.products.list({ limit: 13 })) seen.push(p.id);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, created.slice().reverse());
  const back = await stripe.products.list({ limit: 3, ending_before: created[100] });
  assert.deepEqual(back.data.map((p) => p.id), [created[103], created[102], created[101]]);
});

test('bad input: 400 with the exact param, nothing written', async () => {
  const { stripe } = fresh('Bad products AS');
  const p = await stripe.products.create({ name: 'Target' });
  const before = business();
  const cases = [
    [() => stripe.products.create({}), 'name', 'parameter_missing'],
    [() => stripe.products.create({ name: '' }), 'name', 'parameter_missing'],
    [() => stripe.products.create({ name: 'x', colour: 'red' }), 'colour', 'parameter_unknown'],
    [() => stripe.products.create({ name: 'x', id: 'bad id!' }), 'id', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', active: 'maybe' }), 'active', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', type: 'gadget' }), 'type', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', images: ['ftp://x'] }), 'images[0]', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', images: Array(9).fill('https://x.example/i.png') }), 'images', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', marketing_features: [{ name: 'ok' }, { title: 'no' }] }), 'marketing_features[1][title]', 'parameter_unknown'],
    [() => stripe.products.create({ name: 'x', marketing_features: [{ name: 'ok' }, { name: 'y'.repeat(81) }] }), 'marketing_features[1][name]', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', package_dimensions: { height: 1, length: 1, weight: 1 } }), 'package_dimensions[width]', 'parameter_missing'],
    [() => stripe.products.create({ name: 'x', package_dimensions: { height: 1.234, length: 1, weight: 1, width: 1 } }), 'package_dimensions[height]', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', statement_descriptor: 'THIS IS FAR TOO LONG FOR A CARD' }), 'statement_descriptor', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', statement_descriptor: '12345' }), 'statement_descriptor', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', statement_descriptor: 'Bob\'s' }), 'statement_descriptor', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', tax_code: 'vat25' }), 'tax_code', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', unit_label: 'thirteen chars' }), 'unit_label', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', url: 'not a url' }), 'url', 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', metadata: { ['k'.repeat(41)]: 'v' } }), `metadata[${'k'.repeat(41)}]`, 'parameter_invalid'],
    [() => stripe.products.create({ name: 'x', default_price_data: { unit_amount: 5 } }), 'default_price_data[currency]', 'parameter_missing'],
    [() => stripe.products.update(p.id, { name: '' }), 'name', 'parameter_invalid'],
    [() => stripe.products.update(p.id, { type: 'good' }), 'type', 'parameter_unknown'],
    [() => stripe.products.update(p.id, { default_price_data: { currency: 'nok', unit_amount: 1 } }), 'default_price_data', 'parameter_unknown'],
    [() => stripe.products.list({ limit: 101 }), 'limit', 'parameter_invalid_integer'],
    [() => stripe.products.list({ active: 'yes' }), 'active', 'parameter_invalid'],
    [() => stripe.products.list({ starting_after: 'prod_nope' }), 'starting_after', 'resource_missing'],
  ];
  for (const [call, param, code] of cases) await rejects400(call(), param, { code });
  assert.equal(business(), before);
  await assert.rejects(stripe.products.update('prod_missing', { name: 'x' }), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.message, "No such product: 'prod_missing'");
    return true;
  });
});
