// import_review.test.js - imports and exports at their edges (docs/import.md):
// a row naming a one-time price, a bad cell in a partial import of customers,
// metadata keys with capitals and Nordic letters through the export round
// trip, cell lengths counted in characters, an export too wide to import
// again, and an opening invoice's long description and number on its line.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const { world, importCsv, counts, all } = require('./import_lib')(() => server);

test('a prices row naming a one-time price is that row\'s error (the server answered nothing, crashed)', async () => {
  const w = world('review-onetime');
  await w.s.products.create({ id: 'prod_once', name: 'Setup' });
  await w.s.prices.create({ product: 'prod_once', currency: 'nok', unit_amount: 50000, lookup_key: 'setup_fee' });
  const imp = await importCsv(w, 'prices',
    'lookup_key,product,currency,unit_amount,interval\nsetup_fee,prod_once,nok,500.00,month\n');
  assert.deepEqual(counts(imp), { status: 'failed', rows: 1, created: 0, updated: 0, unchanged: 0, errors: 1 });
  assert.deepEqual(imp.errors, [{ row: 2, column: 'lookup_key', value: 'setup_fee',
    message: 'A one-time price cannot be imported: the prices of an import are recurring' }]);
  assert.equal((await w.s.prices.list({ limit: 10 })).data.length, 1);
});

test('partial=true: a customer row with a bad preferred_locale writes nothing; lengths are characters', async () => {
  const w = world('review-locale');
  const ext = 'ø'.repeat(255); // 255 characters, 510 bytes: within external_id's 255
  const imp = await importCsv(w, 'customers',
    `external_id,name,preferred_locale\nA-1,Bad locale,${'x'.repeat(17)}\n${ext},Good,nb\n`,
    { partial: 'true' });
  assert.deepEqual(counts(imp), { status: 'succeeded', rows: 2, created: 1, updated: 0, unchanged: 0, errors: 1 });
  assert.deepEqual(imp.errors.map((x) => [x.row, x.column, x.message]),
    [[2, 'preferred_locale', 'At most 16 characters']]);
  const cus = await all(w.s.customers.list({ limit: 10 }));
  assert.deepEqual(cus.map((c) => [c.name, c.external_id]), [['Good', ext]]);
});

test('metadata keys keep their case and Nordic letters through export and re-import', async () => {
  const w = world('review-metadata');
  const long = 'Område'.padEnd(40, 'ø'); // 40 characters, 80 bytes
  const metadata = { KundeNr: '10001', [long]: 'Østlandet' };
  const c = await w.s.customers.create({ name: 'Fjord AS', external_id: 'CRM-1', metadata });
  const file = (await w.get('/v1/exports/customers.csv')).text;
  assert.equal(file.split('\r\n')[0].split(',').slice(-2).join(','), `metadata.KundeNr,metadata.${long}`);
  const imp = await importCsv(w, 'customers', file);
  assert.deepEqual(counts(imp), { status: 'succeeded', rows: 1, created: 0, updated: 0, unchanged: 1, errors: 0 });
  assert.deepEqual((await w.s.customers.retrieve(c.id)).metadata, metadata);
  // the same key twice is an error of the header, not a silent overwrite
  const twice = await importCsv(w, 'customers', 'id,metadata.KundeNr,metadata.KundeNr\n' +
    `${c.id},1,2\n`);
  assert.deepEqual(twice.errors.map((x) => [x.row, x.column, x.message]),
    [[1, 'metadata.KundeNr', "The column 'metadata.KundeNr' appears twice"]]);
});

test('a subscriptions export wider than the 64 cells an import reads is refused', async () => {
  const w = world('review-wide');
  const cus = await w.s.customers.create({ name: 'Wide AS' });
  const price = await w.s.prices.create({ product_data: { name: 'Basic' }, currency: 'nok',
    unit_amount: 24900, recurring: { interval: 'month' } });
  const metadata = {};
  for (let i = 0; i < 44; i++) metadata[`k${String(i).padStart(2, '0')}`] = 'v';
  await w.s.subscriptions.create({ customer: cus.id, items: [{ price: price.id }],
    collection_method: 'send_invoice', days_until_due: 14, metadata });
  const r = await w.get('/v1/exports/subscriptions.csv');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.param, 'type');
  assert.equal(r.json.error.message, 'The subscriptions use 44 metadata keys; an export carries at most 43');
});

test('an opening invoice keeps a 200-character description and a 64-character number on its line', async () => {
  const w = world('review-opening');
  await w.s.customers.create({ name: 'Kari', currency: 'nok', external_id: 'K-1' });
  const desc = 'Abonnement på lang tid '.padEnd(200, 'æ');
  const number = 'N'.padEnd(64, '9');
  const imp = await importCsv(w, 'balances',
    'customer,reference,type,amount,currency,description,invoice_number,due_date\n' +
    `K-1,R-1,invoice,100.00,nok,${desc},${number},2099-01-31\n`);
  assert.deepEqual(counts(imp), { status: 'succeeded', rows: 1, created: 1, updated: 0, unchanged: 0, errors: 0 });
  const inv = (await w.s.invoices.list({ limit: 1 })).data[0];
  assert.equal(inv.lines.data[0].description, `${desc}: invoice ${number}`);
});

test('a past_due subscription exports and re-imports unchanged; no file makes one past_due', async () => {
  const w = world('review-pastdue');
  const T0 = 1785542400; // 2026-08-01
  const clock = await w.s.testHelpers.testClocks.create({ frozen_time: T0 });
  const cus = await w.s.customers.create({ name: 'Sein Betaler AS', currency: 'nok', external_id: 'PD-1',
    test_clock: clock.id });
  const ok = await w.s.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  await w.s.customers.update(cus.id, { invoice_settings: { default_payment_method: ok.id } });
  const product = await w.s.products.create({ name: 'Pro' });
  const price = await w.s.prices.create({ product: product.id, currency: 'nok', unit_amount: 29900,
    lookup_key: 'pro_m', recurring: { interval: 'month' } });
  const sub = await w.s.subscriptions.create({ customer: cus.id, items: [{ price: price.id }] });
  const bad = await w.s.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: cus.id });
  await w.s.customers.update(cus.id, { invoice_settings: { default_payment_method: bad.id } });
  await w.s.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 31 * 86400 });
  assert.equal((await w.s.subscriptions.retrieve(sub.id)).status, 'past_due');

  const file = (await w.get('/v1/exports/subscriptions.csv')).text;
  assert.match(file, /,past_due,/);
  const again = await importCsv(w, 'subscriptions', file);
  assert.deepEqual(counts(again), { status: 'succeeded', rows: 1, created: 0, updated: 0, unchanged: 1, errors: 0 });

  // A new row cannot start past_due, and an active subscription cannot be made so.
  const fresh = await importCsv(w, 'subscriptions',
    'external_id,customer,price,status,next_billing_date\nPD-NEW,PD-1,pro_m,past_due,2026-09-20\n');
  assert.deepEqual(fresh.errors.map((x) => [x.row, x.column]), [[2, 'status']]);
  await w.s.customers.update(cus.id, { invoice_settings: { default_payment_method: ok.id } });
  const active = await w.s.subscriptions.create({ customer: cus.id, items: [{ price: price.id }] });
  assert.equal(active.status, 'active');
  const header = file.split('\r\n')[0];
  const cols = header.split(',');
  const row = cols.map((c) => ({ id: active.id, customer: cus.id, status: 'past_due', price: 'pro_m',
    quantity: '1', next_billing_date: '2026-09-20' }[c] || '')).join(',');
  const made = await importCsv(w, 'subscriptions', `${header}\r\n${row}\r\n`);
  assert.deepEqual(made.errors.map((x) => [x.row, x.column]), [[2, 'status']]);
});
