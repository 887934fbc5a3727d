'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Customers AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

test('create, retrieve, update, delete a customer', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1767225600 });
  const c = await stripe.customers.create({
    name: 'Kari Nordmann',
    email: 'kari@example.no',
    phone: '+4799999999',
    address: { line1: 'Storgata 1', postal_code: '0155', city: 'Oslo', country: 'NO' },
    shipping: { name: 'Kari', address: { city: 'Bergen', country: 'NO' } },
    preferred_locales: ['nb', 'en'],
    tax_id_data: [{ type: 'no_vat', value: 'NO123456789MVA' }],
    invoice_settings: { footer: 'Takk!', custom_fields: [{ name: 'Ref', value: 'A1' }] },
    metadata: { plan: 'pro', region: 'east' },
    test_clock: clock.id,
  });
  assert.match(c.id, /^cus_[0-9A-Za-z]{24}$/);
  assert.equal(c.object, 'customer');
  assert.equal(c.balance, 0);
  assert.equal(c.livemode, false);
  assert.equal(c.address.city, 'Oslo');
  assert.equal(c.address.line2, null);
  assert.equal(c.shipping.address.city, 'Bergen');
  assert.deepEqual(c.preferred_locales, ['nb', 'en']);
  assert.equal(c.tax_ids.data.length, 1);
  assert.equal(c.tax_ids.data[0].type, 'no_vat');
  assert.equal(c.tax_ids.data[0].country, 'NO');
  assert.equal(c.invoice_settings.footer, 'Takk!');
  assert.deepEqual(c.invoice_settings.custom_fields, [{ name: 'Ref', value: 'A1' }]);
  assert.deepEqual(c.metadata, { plan: 'pro', region: 'east' });
  assert.equal(c.test_clock, clock.id);

  const got = await stripe.customers.retrieve(c.id);
  assert.deepEqual(got, c);

  // metadata merges; an empty string removes a key; "" unsets a field. A
  // balance is kept in a currency, given with it when the customer has none.
  const up = await stripe.customers.update(c.id, {
    metadata: { region: '', tier: 'gold' }, phone: '', balance: -500, currency: 'nok',
  });
  assert.deepEqual(up.metadata, { plan: 'pro', tier: 'gold' });
  assert.equal(up.phone, null);
  assert.equal(up.balance, -500);
  assert.equal(up.currency, 'nok');
  assert.equal(up.email, 'kari@example.no');
  // The balance moved by a transaction, dated at the customer's clock.
  const txns = await stripe.customers.listBalanceTransactions(c.id);
  assert.deepEqual(txns.data.map((t) => [t.type, t.amount, t.currency, t.ending_balance, t.created]),
    [['adjustment', -500, 'nok', -500, clock.frozen_time]]);

  const events = await stripe.events.list({ type: 'customer.updated', limit: 1 });
  assert.equal(events.data[0].data.object.id, c.id);
  assert.deepEqual(events.data[0].data.previous_attributes.metadata, { region: 'east', tier: null });
  assert.equal(events.data[0].data.previous_attributes.phone, '+4799999999');

  const del = await stripe.customers.del(c.id);
  assert.deepEqual(del, { id: c.id, object: 'customer', deleted: true });
  const gone = await stripe.customers.retrieve(c.id);
  assert.equal(gone.deleted, true);
  await assert.rejects(stripe.customers.update(c.id, { name: 'x' }), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    return true;
  });
  const kinds = (await stripe.events.list({ limit: 3 })).data.map((e) => e.type);
  assert.deepEqual(kinds, ['customer.deleted', 'customer.updated', 'customer.created']);
});

test('auto-pagination over 250 customers: every id once, newest first', async () => {
  const other = server.tenant('Pagination AS');
  const s = server.client(other.secret_key);
  const created = [];
  for (let i = 0; i < 250; i++) {
    created.push((await s.customers.create({ email: `p${i}@example.com` })).id);
  }
  const seen = [];
  for await (const c of s.customers.list({ limit: 7 })) seen.push(c.id);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, created.slice().reverse());

  // ending_before walks back towards the newest.
  const page = await s.customers.list({ limit: 3, ending_before: created[10] });
  assert.deepEqual(page.data.map((c) => c.id), [created[13], created[12], created[11]]);
  assert.equal(page.has_more, true);
  const last = await s.customers.list({ limit: 5, starting_after: created[3] });
  assert.deepEqual(last.data.map((c) => c.id), [created[2], created[1], created[0]]);
  assert.equal(last.has_more, false);
});

test('list filters and search by email', async () => {
  const t = server.tenant('Search AS');
  const s = server.client(t.secret_key);
  const a = await s.customers.create({ email: 'ola@example.no', name: 'Ola' });
  await s.customers.create({ email: 'per@example.no', name: 'Per' });
  const b = await s.customers.create({ email: 'ola@example.no', name: 'Ola 2' });
  const byEmail = await s.customers.list({ email: 'ola@example.no' });
  assert.deepEqual(byEmail.data.map((c) => c.id), [b.id, a.id]);
  const found = await s.customers.search({ query: "email:'ola@example.no'" });
  assert.equal(found.object, 'search_result');
  assert.deepEqual(found.data.map((c) => c.id), [b.id, a.id]);
  const both = await s.customers.search({ query: "email:'ola@example.no' AND name:'Ola 2'" });
  assert.deepEqual(both.data.map((c) => c.id), [b.id]);
  const all = [];
  for await (const c of s.customers.search({ query: "email:'ola@example.no'", limit: 1 })) all.push(c.id);
  assert.deepEqual(all, [b.id, a.id]);
});

test('expand replaces an id with its object, on one object and across a list', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1767225600, name: 'Expand' });
  const c = await stripe.customers.create({ name: 'Expand me', test_clock: clock.id });
  const one = await stripe.customers.retrieve(c.id, { expand: ['test_clock'] });
  assert.equal(one.test_clock.id, clock.id);
  assert.equal(one.test_clock.object, 'test_helpers.test_clock');
  assert.equal(one.test_clock.frozen_time, 1767225600);
  const list = await stripe.customers.list({ limit: 1, expand: ['data.test_clock'] });
  assert.equal(list.data[0].test_clock.name, 'Expand');
  const plain = await stripe.customers.create({ name: 'No clock' });
  const none = await stripe.customers.retrieve(plain.id, { expand: ['test_clock'] });
  assert.equal(none.test_clock, null);
});
