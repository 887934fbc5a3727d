// invoiceitems.test.js - invoice items through the stripe SDK: amounts, prices
// times quantities, decimal unit amounts, pending items, items on drafts, and
// the rule that an item on a finalized invoice no longer changes.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant, cus;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Items AS');
  stripe = server.client(tenant.secret_key);
  cus = await stripe.customers.create({ name: 'Ola', currency: 'nok' });
});
after(async () => { await server.stop(); });

async function rejects400Unchanged(fn, { param, code, message } = {}) {
  const before = server.dump();
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, 400, err.message);
    assert.equal(err.raw.type, 'invalid_request_error');
    if (param !== undefined) assert.equal(err.param, param);
    if (code) assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
  assert.equal(server.dump(), before, 'a failed request must change nothing');
}

async function oneTimePrice(params) {
  const product = await stripe.products.create({ name: 'Setup' });
  return stripe.prices.create({ product: product.id, currency: 'nok', ...params });
}

test('a pending item with an amount has Stripe\'s shape', async () => {
  const item = await stripe.invoiceItems.create({
    customer: cus.id, amount: 1000, currency: 'nok', description: 'Setup fee', metadata: { ref: 'A1' },
  });
  // The SDK parses Stripe's decimal strings into Decimal objects.
  const { id, date, quantity_decimal: qd, pricing: { unit_amount_decimal: uad, ...pricing }, ...rest } = item;
  assert.equal(String(qd), '1');
  assert.equal(String(uad), '1000');
  assert.match(id, /^ii_[0-9A-Za-z]{24}$/);
  assert.ok(Math.abs(date - Date.now() / 1000) < 10);
  assert.deepEqual({ ...rest, pricing }, {
    object: 'invoiceitem',
    amount: 1000,
    currency: 'nok',
    customer: cus.id,
    customer_account: null,
    description: 'Setup fee',
    discountable: true,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: { ref: 'A1' },
    parent: null,
    period: { start: date, end: date },
    pricing: { type: 'price_details' },
    proration: false,
    quantity: 1,
    subscription: null,
    tax_rates: [],
    test_clock: null,
  });
  assert.deepEqual(await stripe.invoiceItems.retrieve(id), item);
  const ev = (await stripe.events.list({ limit: 1 })).data[0];
  assert.equal(ev.type, 'invoiceitem.created');
  const raw = await server.raw('GET', `/v1/invoiceitems/${id}`, { key: tenant.secret_key });
  assert.deepEqual(ev.data.object, raw.json);
});

test('prices times quantities, rounded once, half up', async () => {
  const flat = await oneTimePrice({ unit_amount: 1250 });
  const a = await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: flat.id }, quantity: 3 });
  assert.equal(a.amount, 3750);
  assert.equal(a.currency, 'nok');
  assert.equal(a.quantity, 3);
  assert.deepEqual(a.pricing.price_details, { price: flat.id, product: flat.product });
  assert.equal(String(a.pricing.unit_amount_decimal), '1250');
  // The older top-level price works too.
  assert.equal((await stripe.invoiceItems.create({ customer: cus.id, price: flat.id })).amount, 1250);

  const half = await oneTimePrice({ unit_amount_decimal: '0.5' });
  assert.equal((await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: half.id }, quantity: 3 })).amount, 2);

  const volume = await oneTimePrice({
    billing_scheme: 'tiered', tiers_mode: 'volume',
    tiers: [{ up_to: 10, unit_amount: 1000 }, { up_to: 'inf', unit_amount: 800, flat_amount: 500 }],
  });
  const graduated = await oneTimePrice({
    billing_scheme: 'tiered', tiers_mode: 'graduated',
    tiers: [{ up_to: 10, unit_amount: 1000 }, { up_to: 'inf', unit_amount: 800, flat_amount: 500 }],
  });
  assert.equal((await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: volume.id }, quantity: 15 })).amount, 12500);
  assert.equal((await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: graduated.id }, quantity: 15 })).amount, 14500);

  const packs = await oneTimePrice({ unit_amount: 2000, transform_quantity: { divide_by: 5, round: 'up' } });
  assert.equal((await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: packs.id }, quantity: 7 })).amount, 4000);

  const dec = await stripe.invoiceItems.create({ customer: cus.id, unit_amount_decimal: '12.345', quantity: 10, currency: 'nok' });
  assert.equal(dec.amount, 123);
  assert.equal(String(dec.pricing.unit_amount_decimal), '12.345');

  // A credit: negative items are not discountable unless asked.
  const credit = await stripe.invoiceItems.create({ customer: cus.id, amount: -500, currency: 'nok' });
  assert.equal(credit.discountable, false);
  assert.equal(credit.amount, -500);
});

test('bad input is a 400 that writes nothing', async () => {
  const recurring = await oneTimePrice({ unit_amount: 100, recurring: { interval: 'month' } });
  const archived = await oneTimePrice({ unit_amount: 100 });
  await stripe.prices.update(archived.id, { active: false });
  const eur = await oneTimePrice({ unit_amount: 100, currency: 'eur' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ amount: 100, currency: 'nok' }), { param: 'customer', code: 'parameter_missing' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: 'cus_nope', amount: 100, currency: 'nok' }), { param: 'customer', code: 'resource_missing' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, currency: 'nok' }), { param: 'amount', code: 'parameter_missing' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100 }), { param: 'currency', code: 'parameter_missing' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', pricing: { price: eur.id } }), { param: 'amount' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, pricing: { price: recurring.id } }), { param: 'pricing[price]', message: /one_time/ });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, pricing: { price: archived.id } }), { param: 'pricing[price]', message: /not active/ });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, pricing: { price: 'price_nope' } }), { param: 'pricing[price]', code: 'resource_missing' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, pricing: { price: eur.id }, currency: 'nok' }), { param: 'currency' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', tax_rates: ['txr_nope'] }), { param: 'tax_rates[0]' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', period: { start: 200, end: 100 } }), { param: 'period[end]' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', subscription: 'sub_nope' }), { param: 'subscription' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', invoice: 'in_nope' }), { param: 'invoice' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 1e16, currency: 'nok' }), { param: 'amount' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: cus.id, amount: 100, currency: 'nok', colour: 'red' }), { param: 'colour', code: 'parameter_unknown' });
});

test('update and delete a pending item', async () => {
  const txr = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false });
  const item = await stripe.invoiceItems.create({ customer: cus.id, amount: 1000, currency: 'nok', description: 'Old' });
  const up = await stripe.invoiceItems.update(item.id, {
    amount: 2500, description: 'New', tax_rates: [txr.id], metadata: { k: 'v' },
    period: { start: 1767225600, end: 1769904000 }, discountable: false,
  });
  assert.equal(up.amount, 2500);
  assert.equal(up.description, 'New');
  assert.equal(up.tax_rates.length, 1);
  assert.equal(up.tax_rates[0].id, txr.id);
  assert.equal(up.tax_rates[0].percentage, 25);
  assert.deepEqual(up.metadata, { k: 'v' });
  assert.deepEqual(up.period, { start: 1767225600, end: 1769904000 });
  assert.equal(up.discountable, false);
  const ev = (await stripe.events.list({ limit: 1 })).data[0];
  assert.equal(ev.type, 'invoiceitem.updated');
  assert.equal(ev.data.previous_attributes.amount, 1000);
  assert.equal(ev.data.previous_attributes.description, 'Old');

  // A price item is priced again when its quantity changes.
  const price = await oneTimePrice({ unit_amount: 300 });
  const p = await stripe.invoiceItems.create({ customer: cus.id, pricing: { price: price.id }, quantity: 2 });
  assert.equal(p.amount, 600);
  assert.equal((await stripe.invoiceItems.update(p.id, { quantity: 5 })).amount, 1500);
  // An amount item keeps its unit amount: the quantity scales it.
  const q = await stripe.invoiceItems.create({ customer: cus.id, amount: 400, currency: 'nok', quantity: 2 });
  assert.equal(String(q.pricing.unit_amount_decimal), '200');
  assert.equal((await stripe.invoiceItems.update(q.id, { quantity: 3 })).amount, 600);

  const del = await stripe.invoiceItems.del(item.id);
  assert.deepEqual(del, { id: item.id, object: 'invoiceitem', deleted: true });
  assert.equal((await stripe.events.list({ limit: 1 })).data[0].type, 'invoiceitem.deleted');
  await assert.rejects(stripe.invoiceItems.retrieve(item.id), (e) => e.statusCode === 404);
  await assert.rejects(stripe.invoiceItems.del(item.id), (e) => e.statusCode === 404);
});

test('an item created for a draft lands on it; changes follow it until finalization', async () => {
  const c = await stripe.customers.create({ name: 'Draft owner', currency: 'nok' });
  const txr = await stripe.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false });
  const draft = await stripe.invoices.create({ customer: c.id, default_tax_rates: [txr.id] });
  assert.equal(draft.total, 0);
  const a = await stripe.invoiceItems.create({ customer: c.id, invoice: draft.id, amount: 10000, currency: 'nok' });
  assert.equal(a.invoice, draft.id);
  let inv = await stripe.invoices.retrieve(draft.id);
  assert.equal(inv.subtotal, 10000);
  assert.equal(inv.total, 12500);
  assert.equal(inv.lines.data.length, 1);
  assert.equal(inv.lines.data[0].parent.invoice_item_details.invoice_item, a.id);
  const ev = (await stripe.events.list({ limit: 2 })).data;
  assert.deepEqual(ev.map((e) => e.type), ['invoice.updated', 'invoiceitem.created']);
  assert.equal(ev[0].data.previous_attributes.total, 0);

  const b = await stripe.invoiceItems.create({ customer: c.id, invoice: draft.id, amount: 2000, currency: 'nok' });
  await stripe.invoiceItems.update(a.id, { amount: 6000 });
  inv = await stripe.invoices.retrieve(draft.id);
  assert.deepEqual(inv.lines.data.map((l) => l.amount), [2000, 6000]);
  assert.equal(inv.total, 10000);
  const lineId = inv.lines.data[1].id;

  await stripe.invoiceItems.del(b.id);
  inv = await stripe.invoices.retrieve(draft.id);
  assert.deepEqual(inv.lines.data.map((l) => [l.id, l.amount]), [[lineId, 6000]]);
  assert.equal(inv.total, 7500);

  // Another customer's draft, or one in another currency, is refused.
  const other = await stripe.customers.create({ name: 'Other', currency: 'nok' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: other.id, invoice: draft.id, amount: 1, currency: 'nok' }), { param: 'invoice' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: c.id, invoice: draft.id, amount: 1, currency: 'eur' }), { param: 'invoice' });

  const fin = await stripe.invoices.finalizeInvoice(draft.id);
  assert.equal(fin.amount_due, 7500);
  await rejects400Unchanged(() => stripe.invoiceItems.update(a.id, { amount: 1 }), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoiceItems.del(a.id), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoiceItems.create({ customer: c.id, invoice: draft.id, amount: 1, currency: 'nok' }), { param: 'invoice', code: 'invoice_unexpected_state' });
});

test('list: customer, pending, invoice, pagination', async () => {
  const c = await stripe.customers.create({ name: 'Lister', currency: 'nok' });
  const made = [];
  for (let i = 0; i < 12; i++) made.push((await stripe.invoiceItems.create({ customer: c.id, amount: 100 + i, currency: 'nok' })).id);
  const inv = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' });
  const late = await stripe.invoiceItems.create({ customer: c.id, amount: 999, currency: 'nok' });
  const ids = (l) => l.data.map((x) => x.id);
  const all = [];
  for await (const x of stripe.invoiceItems.list({ customer: c.id, limit: 5 })) all.push(x.id);
  assert.deepEqual(all, [late.id, ...made.slice().reverse()]);
  assert.deepEqual(ids(await stripe.invoiceItems.list({ customer: c.id, pending: true })), [late.id]);
  assert.equal((await stripe.invoiceItems.list({ customer: c.id, pending: false, limit: 100 })).data.length, 12);
  assert.equal((await stripe.invoiceItems.list({ invoice: inv.id, limit: 100 })).data.length, 12);
  const page = await stripe.invoiceItems.list({ customer: c.id, limit: 3 });
  assert.equal(page.object, 'list');
  assert.equal(page.url, '/v1/invoiceitems');
  assert.equal(page.has_more, true);
  assert.equal(page.data[0].object, 'invoiceitem');
});
