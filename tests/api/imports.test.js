// imports.test.js - CSV imports and exports end to end (issue 8, docs/import.md):
// the fixtures of tests/fixtures/import/ go through POST /v1/imports (text/csv
// bodies and multipart/form-data uploads) of a real `recur serve`, and what
// they created is read back through the stripe SDK with exact values. Then: a
// file of 25 errors (every one with its row and column, all-or-nothing, the
// same report as errors.csv, partial=true), a Nordic Excel file, the export
// round trip, a re-import correcting dates, the renewal on the imported date
// at the imported price (test clocks), dry runs, imports without events, a
// background import, one SIGKILLed half-way and run again exactly once, and a
// balances file run twice with the ledger balanced.
//
// Subscriptions' dates are fixed in the fixtures, so their customers live on
// a test clock frozen at 2026-03-10 (an imported next billing date must be in
// the customer's future: its clock's).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, BIN, freePort, waitForPort } = require('./harness');

const FIXTURES = path.resolve(__dirname, '../fixtures/import');
const DAY = 86400;
const utc = (s) => Date.parse(s.includes('T') ? s : `${s}T00:00:00Z`) / 1000;
const T0 = utc('2026-03-10'); // the test clocks' start
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const { world, importCsv, importForm, counts, all, changedTables } = require('./import_lib')(() => server);

const fixture = (name) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');


// Customers on one test clock frozen at T0, with the external ids the subscription fixtures name.
async function clockCustomers(w, specs) {
  const clock = await w.s.testHelpers.testClocks.create({ frozen_time: T0 });
  const cus = {};
  for (const [ext, currency] of specs) {
    cus[ext] = await w.s.customers.create({ name: `Kunde ${ext}`, currency, test_clock: clock.id,
      external_id: ext });
  }
  return { clock, cus };
}

// The prices of a tenant by lookup_key.
async function pricesByKey(w) {
  const out = {};
  for (const p of await all(w.s.prices.list({ limit: 100 }))) out[p.lookup_key] = p;
  return out;
}

// The subscription with external_id ext, with its items.
async function subByExt(w, ext) {
  const subs = await all(w.s.subscriptions.list({ limit: 100, status: 'all' }));
  const found = subs.filter((x) => x.external_id === ext);
  assert.equal(found.length, 1, `one subscription ${ext}`);
  return found[0];
}

const FIXTURE_CLOCK_CUSTOMERS = [['CLK-1', 'nok'], ['CLK-2', 'nok'], ['CLK-3', 'sek']];

test('a valid file of each type imports with exact counts, and reads back with the values of the file', async () => {
  const w = world('Valid AS');
  // customers
  const ci = await importForm(w, 'customers', fixture('customers.csv'), 'customers.csv');
  assert.deepEqual(counts(ci), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  assert.equal(ci.filename, 'customers.csv');
  assert.equal(ci.type, 'customers');
  assert.equal(ci.mode, 'commit');
  assert.deepEqual(ci.errors, []);
  const customers = (await all(w.s.customers.list({ limit: 100 }))).reverse();
  const pick = (c) => ({
    external_id: c.external_id, name: c.name, email: c.email, phone: c.phone,
    description: c.description, preferred_locales: c.preferred_locales, currency: c.currency,
    tax_exempt: c.tax_exempt, invoice_prefix: c.invoice_prefix, address: c.address, metadata: c.metadata,
  });
  assert.deepEqual(customers.map(pick), [
    { external_id: 'CRM-20001', name: 'Fjordkraft Bakeri AS', email: 'faktura@fjordbakeri.no',
      phone: '+47 22 33 44 55', description: 'Bakery chain, 4 shops', preferred_locales: ['nb'],
      currency: 'nok', tax_exempt: 'none', invoice_prefix: 'FJORD',
      address: { line1: 'Storgata 12', line2: null, postal_code: '0155', city: 'Oslo', state: null, country: 'NO' },
      metadata: { segment: 'smb', crm_owner: 'kari' } },
    { external_id: 'CRM-20002', name: 'Solberg & Lind Redovisning AB', email: 'ekonomi@solberglind.se',
      phone: null, description: null, preferred_locales: ['sv'], currency: 'sek', tax_exempt: 'none',
      invoice_prefix: 'SOLB',
      address: { line1: 'Drottninggatan 88', line2: '3 tr', postal_code: '111 36', city: 'Stockholm', state: null, country: 'SE' },
      metadata: { segment: 'smb' } },
    { external_id: 'CRM-20003', name: 'Nordlys "Kafé" ANS', email: 'post@nordlys.no',
      phone: '+47 77 61 00 00', description: 'Kafé i Tromsø\nmed to linjer', preferred_locales: ['nb'],
      currency: 'nok', tax_exempt: 'exempt', invoice_prefix: 'NLYS',
      address: { line1: 'Sjøgata 3', line2: null, postal_code: '9008', city: 'Tromsø', state: null, country: 'NO' },
      metadata: { segment: 'micro', crm_owner: 'ole' } },
    { external_id: 'CRM-20004', name: 'Hansen Rør & Varme AS', email: 'regnskap@hansenror.no',
      phone: null, description: null, preferred_locales: [], currency: 'nok', tax_exempt: 'none',
      invoice_prefix: 'HROR',
      address: { line1: 'Industriveien 40', line2: 'Bygg B', postal_code: '4021', city: 'Stavanger', state: null, country: 'NO' },
      metadata: { segment: 'enterprise', crm_owner: 'kari' } },
  ]);
  // the list filters by external_id
  const one = await w.s.customers.list({ external_id: 'CRM-20003' });
  assert.deepEqual(one.data.map((c) => c.name), ['Nordlys "Kafé" ANS']);

  // prices (and their products)
  const pi = await importCsv(w, 'prices', fixture('prices.csv'));
  assert.deepEqual(pi.errors, []);
  assert.deepEqual(counts(pi), { status: 'succeeded', rows: 5, created: 5, updated: 0, unchanged: 0, errors: 0 });
  const prices = (await all(w.s.prices.list({ limit: 100 }))).reverse();
  assert.deepEqual(prices.map((p) => ({
    lookup_key: p.lookup_key, product: p.product, nickname: p.nickname, currency: p.currency,
    unit_amount: p.unit_amount, interval: p.recurring.interval, interval_count: p.recurring.interval_count,
    tax_behavior: p.tax_behavior, active: p.active, metadata: p.metadata,
  })), [
    { lookup_key: 'basic_monthly_nok', product: 'prod_basic', nickname: 'Basic, monthly', currency: 'nok',
      unit_amount: 24900, interval: 'month', interval_count: 1, tax_behavior: 'inclusive', active: true,
      metadata: { plan_family: 'basic' } },
    { lookup_key: 'pro_monthly_nok', product: 'prod_pro', nickname: 'Pro, monthly', currency: 'nok',
      unit_amount: 125050, interval: 'month', interval_count: 1, tax_behavior: 'exclusive', active: true,
      metadata: { plan_family: 'pro' } },
    { lookup_key: 'pro_yearly_sek', product: 'prod_pro', nickname: 'Pro, yearly', currency: 'sek',
      unit_amount: 1299000, interval: 'year', interval_count: 1, tax_behavior: 'inclusive', active: true,
      metadata: { plan_family: 'pro' } },
    { lookup_key: 'team_quarterly_nok', product: 'prod_team', nickname: 'Team, quarterly', currency: 'nok',
      unit_amount: 300000, interval: 'month', interval_count: 3, tax_behavior: 'inclusive', active: true,
      metadata: {} },
    { lookup_key: 'legacy_monthly_nok', product: 'prod_basic', nickname: 'Legacy', currency: 'nok',
      unit_amount: 19900, interval: 'month', interval_count: 1, tax_behavior: 'unspecified', active: false,
      metadata: { plan_family: 'basic' } },
  ]);
  const products = (await all(w.s.products.list({ limit: 100 }))).reverse();
  assert.deepEqual(products.map((p) => [p.id, p.name]),
    [['prod_basic', 'Basic'], ['prod_pro', 'Pro'], ['prod_team', 'Team']]);

  // subscriptions, on customers of a test clock
  const { cus } = await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const si = await importCsv(w, 'subscriptions', fixture('subscriptions.csv'));
  assert.deepEqual(counts(si), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  const byKey = await pricesByKey(w);
  const subView = (x) => ({
    customer: x.customer, status: x.status,
    items: x.items.data.map((i) => [i.price.id, i.quantity]),
    // this API version carries the period on the items
    current_period_start: x.items.data[0].current_period_start,
    current_period_end: x.items.data[0].current_period_end,
    billing_cycle_anchor: x.billing_cycle_anchor, trial_start: x.trial_start, trial_end: x.trial_end,
    collection_method: x.collection_method, days_until_due: x.days_until_due,
    cancel_at_period_end: x.cancel_at_period_end, currency: x.currency, metadata: x.metadata,
    latest_invoice: x.latest_invoice,
  });
  assert.deepEqual(subView(await subByExt(w, 'OLD-SUB-1')), {
    customer: cus['CLK-1'].id, status: 'active', items: [[byKey.basic_monthly_nok.id, 3]],
    current_period_start: utc('2026-02-15'), current_period_end: utc('2026-03-15'),
    billing_cycle_anchor: utc('2026-03-15'), trial_start: null, trial_end: null,
    collection_method: 'charge_automatically', days_until_due: null, cancel_at_period_end: false,
    currency: 'nok', metadata: { old_plan: 'B3' }, latest_invoice: null,
  });
  assert.deepEqual(subView(await subByExt(w, 'OLD-SUB-2')), {
    customer: cus['CLK-2'].id, status: 'active',
    items: [[byKey.pro_monthly_nok.id, 1], [byKey.basic_monthly_nok.id, 2]],
    current_period_start: utc('2026-03-01'), current_period_end: utc('2026-04-01'),
    billing_cycle_anchor: utc('2026-04-01'), trial_start: null, trial_end: null,
    collection_method: 'send_invoice', days_until_due: 14, cancel_at_period_end: false,
    currency: 'nok', metadata: { old_plan: 'P1B2' }, latest_invoice: null,
  });
  assert.deepEqual(subView(await subByExt(w, 'OLD-SUB-3')), {
    customer: cus['CLK-3'].id, status: 'trialing', items: [[byKey.pro_yearly_sek.id, 1]],
    current_period_start: utc('2026-03-01'), current_period_end: utc('2026-03-31'),
    billing_cycle_anchor: utc('2026-03-31'), trial_start: utc('2026-03-01'), trial_end: utc('2026-03-31'),
    collection_method: 'charge_automatically', days_until_due: null, cancel_at_period_end: false,
    currency: 'sek', metadata: {}, latest_invoice: null,
  });
  // no current_period_start: the period is the price's interval before the next billing date
  assert.deepEqual(subView(await subByExt(w, 'OLD-SUB-4')), {
    customer: cus['CLK-1'].id, status: 'active', items: [[byKey.team_quarterly_nok.id, 5]],
    current_period_start: utc('2026-02-20'), current_period_end: utc('2026-05-20'),
    billing_cycle_anchor: utc('2026-05-20'), trial_start: null, trial_end: null,
    collection_method: 'charge_automatically', days_until_due: null, cancel_at_period_end: true,
    currency: 'nok', metadata: { old_plan: 'T5' }, latest_invoice: null,
  });
  // nothing was invoiced at import
  assert.deepEqual((await w.s.invoices.list({ limit: 100 })).data, []);

  // balances, on the customers of the customers file
  const bi = await importCsv(w, 'balances', fixture('balances.csv'));
  assert.deepEqual(counts(bi), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  const byExt = {};
  for (const c of customers) byExt[c.external_id] = c.id;
  const txns = async (ext) => (await all(w.s.customers.listBalanceTransactions(byExt[ext], { limit: 100 })))
    .reverse().map((x) => [x.amount, x.currency, x.description, x.metadata.import_reference]);
  assert.deepEqual(await txns('CRM-20001'), [
    [125000, 'nok', 'Opening balance: unpaid usage', 'OB-2026-1'],
    [-5000, 'nok', 'Goodwill from the old system', 'OB-2026-4'],
  ]);
  assert.deepEqual(await txns('CRM-20002'), [[-30000, 'sek', 'Opening balance: prepaid credit', 'OB-2026-2']]);
  assert.deepEqual(await txns('CRM-20003'), [[9990, 'nok', null, 'OB-2026-3']]);
  assert.deepEqual(await txns('CRM-20004'), []);
  const balances = {};
  for (const ext of Object.keys(byExt)) balances[ext] = (await w.s.customers.retrieve(byExt[ext])).balance;
  assert.deepEqual(balances, { 'CRM-20001': 120000, 'CRM-20002': -30000, 'CRM-20003': 9990, 'CRM-20004': 0 });
});

// The CSV text of an import's errors.csv, parsed (no field of these reports holds a newline).
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\r\n').filter(Boolean)) {
    const fields = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let v = '';
        i++;
        for (;;) {
          if (line[i] === '"' && line[i + 1] === '"') { v += '"'; i += 2; } else if (line[i] === '"') { i++; break; } else v += line[i++];
        }
        fields.push(v);
        i++;
      } else {
        const end = line.indexOf(',', i) < 0 ? line.length : line.indexOf(',', i);
        fields.push(line.slice(i, end));
        i = end + 1;
      }
    }
    rows.push(fields);
  }
  return rows;
}

test('a file with 25 errors: every one with its row and column, nothing written, the same list in errors.csv; partial=true imports the good rows', async () => {
  const w = world('Errors AS');
  await importCsv(w, 'prices', fixture('prices.csv'));
  await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const csv = fixture('subscriptions_errors.csv');
  const before = server.dump();
  const imp = await importForm(w, 'subscriptions', csv, 'subscriptions_errors.csv');
  const expected = [
    [3, 'next_billing_date', '2026-02-30', /Not a date/],
    [5, 'next_billing_date', '15/04/2026', /Not a date/],
    [6, 'current_period_start', 'yesterday', /Not a date/],
    [7, 'trial_end', '2026-13-01', /Not a date/],
    [8, 'price', 'gold_monthly_nok', /No price.*gold_monthly_nok/],
    [9, 'price_2', 'price_nope', /No price.*price_nope/],
    [10, 'customer', 'CRM-404', /No customer.*CRM-404/],
    [11, 'customer', '', /customer.*required/],
    [12, 'quantity_2', '2', /quantity needs its price/],
    [13, 'quantity', 'three', /whole number/],
    [14, 'trial_end', '2026-04-01', /Only a trialing/],
    [15, 'next_billing_date', '2026-03-05', /in the future/],
    [16, 'status', 'paused', /status/],
    [17, 'days_until_due', '30', /send_invoice/],
    [18, 'days_until_due', '', /required/],
    [19, 'cancel_at_period_end', 'maybe', /true or false/],
    [20, '', '', /17 fields; the header has 16/],
    [22, 'price', '', /at least one price/],
    [23, 'current_period_start', '2026-03-20', /future/],
    [24, 'price', 'pro_yearly_sek', /currency/],
    [25, 'coupon', 'NOPE50', /coupon/i],
    [26, 'collection_method', 'invoice', /collection_method/],
    [27, 'days_until_due', '1000', /from 0 to 730/],
    [29, 'quantity', '-1', /whole number/],
    [29, 'next_billing_date', '', /required/],
  ];
  assert.equal(expected.length, 25);
  const got = imp.errors.map((x) => [x.row, x.column, x.value]);
  assert.deepEqual(got, expected.map(([row, col, value]) => [row, col, value]));
  for (const [i, [row, col, , word]] of expected.entries()) {
    assert.match(imp.errors[i].message, word, `row ${row} ${col}: ${imp.errors[i].message}`);
  }
  assert.deepEqual(counts(imp), { status: 'failed', rows: 29, created: 0, updated: 0, unchanged: 0, errors: 25 });
  assert.match(imp.failure_message, /nothing was imported/);
  // all or nothing: not one subscription (nor event, nor anything else) but the import and its report
  assert.deepEqual((await w.s.subscriptions.list({ limit: 100, status: 'all' })).data, []);
  const after1 = server.dump();
  assert.deepEqual(changedTables(before, after1), ['audit_log', 'import_chunks', 'import_errors', 'imports']);

  // the same list, whole, as errors.csv
  const ec = await w.get(imp.errors_url);
  assert.equal(ec.status, 200, ec.text);
  assert.match(ec.headers.get('content-type'), /^text\/csv/);
  assert.deepEqual(parseCsv(ec.text), [['row', 'column', 'value', 'message'],
    ...imp.errors.map((x) => [String(x.row), x.column, x.value, x.message])]);

  // partial=true: the five good rows, the same 25 errors
  const part = await importCsv(w, 'subscriptions', csv, { partial: 'true' });
  assert.deepEqual(counts(part), { status: 'succeeded', rows: 29, created: 5, updated: 0, unchanged: 0, errors: 25 });
  assert.deepEqual(part.errors.map((x) => [x.row, x.column, x.value]), got);
  const subs = await all(w.s.subscriptions.list({ limit: 100, status: 'all' }));
  assert.deepEqual(subs.map((x) => [x.external_id, x.metadata.note]).sort(),
    [['E-02', 'good'], ['E-04', 'good'], ['E-21', 'good'], ['E-28', 'good'], ['E-30', 'good']]);

  // prices: bad amounts, and an existing price's amount, currency or interval changed
  const perr = await importCsv(w, 'prices', fixture('prices_errors.csv'));
  assert.deepEqual(perr.errors.map((x) => [x.row, x.column, x.value]), [
    [2, 'unit_amount', '249.50'],
    [3, 'currency', 'sek'],
    [4, 'interval', 'year'],
    [4, 'interval_count', '1'],
    [5, 'unit_amount', '12.345'],
    [6, 'unit_amount', '1O0.00'],
    [7, 'unit_amount', '-5.00'],
    [8, 'interval', 'fortnight'],
    [9, 'product_name', ''],
    [10, 'active', 'kanskje'],
  ]);
  assert.match(perr.errors[0].message, /amount cannot change/);
  assert.match(perr.errors[1].message, /currency cannot change/);
  assert.match(perr.errors[2].message, /interval cannot change/);
  assert.match(perr.errors[4].message, /at most 2 decimals/);
  assert.match(perr.errors[5].message, /Not an amount/);
  assert.match(perr.errors[6].message, /negative/);
  assert.match(perr.errors[7].message, /Not an interval/);
  assert.match(perr.errors[8].message, /give its name/);
  assert.match(perr.errors[9].message, /true or false/);
  assert.deepEqual(counts(perr), { status: 'failed', rows: 9, created: 0, updated: 0, unchanged: 0, errors: 10 });
  assert.equal((await all(w.s.prices.list({ limit: 100 }))).length, 5);
});

test('a Nordic Excel file: BOM, semicolons, CRLF, decimal commas with thousands separators, DD.MM.YYYY dates', async () => {
  const w = world('Nordisk AS');
  const raw = fs.readFileSync(path.join(FIXTURES, 'prices_nordic.csv'));
  // what Excel writes: a BOM, CRLF, a no-break space as the thousands separator in one amount
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(raw.toString('utf8'), /\r\n/);
  assert.match(raw.toString('utf8'), /12\u00a0990,00/);
  const pi = await importForm(w, 'prices', raw.toString('utf8'), 'priser.csv');
  assert.deepEqual(pi.errors, []);
  assert.deepEqual(counts(pi), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  const prices = await pricesByKey(w);
  assert.deepEqual(Object.values(prices).reverse().map((p) => [p.lookup_key, p.nickname, p.currency,
    p.unit_amount, p.recurring.interval, p.active]), [
    ['nordic_basic', 'Basis; månedlig', 'nok', 24950, 'month', true],
    ['nordic_pro', 'Pro', 'nok', 125000, 'month', true],
    ['nordic_big', 'Stor', 'sek', 1299000, 'year', true],
    ['nordic_huge', 'Enorm', 'nok', 123456789, 'year', false],
  ]);

  const { cus } = await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const si = await importForm(w, 'subscriptions', fixture('subscriptions_nordic.csv'), 'abonnement.csv',
    { date_format: 'dmy' });
  assert.deepEqual(si.errors, []);
  assert.deepEqual(counts(si), { status: 'succeeded', rows: 3, created: 3, updated: 0, unchanged: 0, errors: 0 });
  assert.deepEqual(si.options, { delimiter: 'auto', decimal: 'auto', date_format: 'dmy' });
  const dates = async (ext) => {
    const x = await subByExt(w, ext);
    return [x.customer, x.status, x.items.data[0].price.id, x.items.data[0].quantity,
      x.items.data[0].current_period_start, x.items.data[0].current_period_end, x.trial_end, x.days_until_due];
  };
  assert.deepEqual(await dates('N-1'), [cus['CLK-1'].id, 'active', prices.nordic_basic.id, 2,
    utc('2026-02-15'), utc('2026-03-15'), null, null]);
  assert.deepEqual(await dates('N-2'), [cus['CLK-2'].id, 'trialing', prices.nordic_pro.id, 1,
    utc('2026-03-01'), utc('2026-03-31'), utc('2026-03-31'), 14]);
  assert.deepEqual(await dates('N-3'), [cus['CLK-3'].id, 'active', prices.nordic_big.id, 3,
    utc('2025-06-01'), utc('2026-06-01'), null, null]);
  // the same dates read as ISO are errors, each with its cell
  const iso = await importCsv(w, 'subscriptions', fixture('subscriptions_nordic.csv'), { mode: 'dry_run' });
  assert.deepEqual(iso.errors.map((x) => [x.row, x.column, x.value]), [
    [2, 'next_billing_date', '15.03.2026'], [2, 'current_period_start', '15.02.2026'],
    [3, 'next_billing_date', '31.03.2026'], [3, 'current_period_start', '01.03.2026'], [3, 'trial_end', '31.03.2026'],
    [4, 'next_billing_date', '01.06.2026'], [4, 'current_period_start', '01.06.2025'],
  ]);

  const bi = await importCsv(w, 'balances', fixture('balances_nordic.csv'));
  assert.deepEqual(counts(bi), { status: 'succeeded', rows: 2, created: 2, updated: 0, unchanged: 0, errors: 0 });
  assert.equal((await w.s.customers.retrieve(cus['CLK-1'].id)).balance, 125000);
  assert.equal((await w.s.customers.retrieve(cus['CLK-3'].id)).balance, -1000050);
  const t3 = (await w.s.customers.listBalanceTransactions(cus['CLK-3'].id)).data;
  assert.deepEqual(t3.map((x) => [x.amount, x.description]), [[-1000050, 'Förskott; kredit']]);
  // decimal=point on the same file: "1 250,00" is no amount then
  const point = await importCsv(w, 'balances', fixture('balances_nordic.csv'), { decimal: 'point', mode: 'dry_run' });
  assert.deepEqual(point.errors.map((x) => [x.row, x.column, x.value]),
    [[2, 'amount', '1 250,00'], [3, 'amount', '10\u00a0000,50']]);
});

// A tenant with the prices and subscriptions fixtures imported on clock customers.
async function subscribedWorld(name) {
  const w = world(name);
  await importCsv(w, 'prices', fixture('prices.csv'));
  const { clock, cus } = await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const si = await importCsv(w, 'subscriptions', fixture('subscriptions.csv'));
  assert.equal(si.created_count, 4);
  return { ...w, clock, cus, prices: await pricesByKey(w) };
}

const eventsOf = async (w, type) => all(w.s.events.list({ type, limit: 100 }));

test('round trip: export, change one quantity, re-import: exactly that subscription changes', async () => {
  const w = await subscribedWorld('Rundtur AS');
  const ex = await w.get('/v1/exports/subscriptions.csv');
  assert.equal(ex.status, 200, ex.text);
  assert.match(ex.headers.get('content-type'), /^text\/csv/);
  const rows = parseCsv(ex.text);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[0], ['id', 'external_id', 'customer', 'status', 'price', 'quantity', 'price_2',
    'quantity_2', 'price_3', 'quantity_3', 'price_4', 'quantity_4', 'price_5', 'quantity_5',
    'current_period_start', 'next_billing_date', 'trial_end', 'coupon', 'collection_method',
    'days_until_due', 'cancel_at_period_end', 'metadata.old_plan']);
  const sub2 = await subByExt(w, 'OLD-SUB-2');
  const line = rows.find((r) => r[1] === 'OLD-SUB-2');
  assert.deepEqual(line, [sub2.id, 'OLD-SUB-2', w.cus['CLK-2'].id, 'active', w.prices.pro_monthly_nok.id, '1',
    w.prices.basic_monthly_nok.id, '2', '', '', '', '', '', '', '2026-03-01', '2026-04-01', '', '',
    'send_invoice', '14', 'false', 'P1B2']);

  // the export as it is re-imports unchanged
  const same = await importCsv(w, 'subscriptions', ex.text);
  assert.deepEqual(counts(same), { status: 'succeeded', rows: 4, created: 0, updated: 0, unchanged: 4, errors: 0 });

  const updatedBefore = (await eventsOf(w, 'customer.subscription.updated')).length;
  const oldLine = line.join(',');
  assert.ok(ex.text.includes(`${oldLine}\r\n`));
  const edited = ex.text.replace(`${oldLine}\r\n`, `${[...line.slice(0, 7), '5', ...line.slice(8)].join(',')}\r\n`);
  const imp = await importCsv(w, 'subscriptions', edited);
  assert.deepEqual(counts(imp), { status: 'succeeded', rows: 4, created: 0, updated: 1, unchanged: 3, errors: 0 });
  const updated = await eventsOf(w, 'customer.subscription.updated');
  assert.equal(updated.length, updatedBefore + 1);
  assert.equal(updated[0].data.object.id, sub2.id);
  const after2 = await subByExt(w, 'OLD-SUB-2');
  assert.deepEqual(after2.items.data.map((i) => [i.price.id, i.quantity]),
    [[w.prices.pro_monthly_nok.id, 1], [w.prices.basic_monthly_nok.id, 5]]);
  // a correction, not a change of plan: no proration, nothing invoiced, same period
  assert.equal(after2.items.data[1].current_period_end, utc('2026-04-01'));
  assert.deepEqual((await w.s.invoiceItems.list()).data, []);
  assert.deepEqual((await w.s.invoices.list()).data, []);
  // the export after equals the edited file
  assert.equal((await w.get('/v1/exports/subscriptions.csv')).text, edited);

  // customers and prices re-import unchanged too, in the Nordic dialect as well
  for (const type of ['prices', 'customers']) {
    for (const q of ['', '?delimiter=semicolon&decimal=comma']) {
      const file = (await w.get(`/v1/exports/${type}.csv${q}`)).text;
      const again = await importCsv(w, type, file);
      assert.deepEqual(counts(again), { status: 'succeeded', rows: type === 'prices' ? 5 : 3, created: 0,
        updated: 0, unchanged: type === 'prices' ? 5 : 3, errors: 0 }, `${type}${q}`);
    }
  }
  const nordic = (await w.get('/v1/exports/prices.csv?delimiter=semicolon&decimal=comma')).text;
  assert.match(nordic, /;pro_monthly_nok;prod_pro;Pro;Pro, monthly;nok;1 250,50;month;1;exclusive;true;pro\r\n/);
});

// Invoices of a subscription, oldest first, as [billing_reason, amount_due, line period start, end, created].
async function renewals(w, sub) {
  const list = (await all(w.s.invoices.list({ subscription: sub.id, limit: 100 }))).reverse();
  return list.map((i) => [i.billing_reason, i.amount_due, i.lines.data[0].period.start,
    i.lines.data[0].period.end, i.created]);
}

test('after import, advancing the clock bills each subscription once on its imported date at its imported price', async () => {
  const w = await subscribedWorld('Fornyelse AS');
  const subs = {};
  for (const ext of ['OLD-SUB-1', 'OLD-SUB-2', 'OLD-SUB-3', 'OLD-SUB-4']) subs[ext] = await subByExt(w, ext);
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc('2026-03-14T23:00:00Z') });
  assert.deepEqual((await w.s.invoices.list()).data, [], 'nothing before the first imported date');
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc('2026-04-02') });
  // 3 × 249.00; 1 × 1 250.50 + 2 × 249.00; the trial ends into 1 × 12 990.00 a year
  assert.deepEqual(await renewals(w, subs['OLD-SUB-1']),
    [['subscription_cycle', 74700, utc('2026-03-15'), utc('2026-04-15'), utc('2026-03-15')]]);
  assert.deepEqual(await renewals(w, subs['OLD-SUB-2']),
    [['subscription_cycle', 174850, utc('2026-04-01'), utc('2026-05-01'), utc('2026-04-01')]]);
  assert.deepEqual(await renewals(w, subs['OLD-SUB-3']),
    [['subscription_cycle', 1299000, utc('2026-03-31'), utc('2027-03-31'), utc('2026-03-31')]]);
  assert.deepEqual(await renewals(w, subs['OLD-SUB-4']), []);
  const inv2 = (await w.s.invoices.list({ subscription: subs['OLD-SUB-2'].id })).data[0];
  assert.deepEqual(inv2.lines.data.map((l) => [l.amount, l.quantity]).sort((a, b) => a[0] - b[0]),
    [[49800, 2], [125050, 1]]);
  assert.equal(inv2.collection_method, 'send_invoice');
  assert.equal(inv2.due_date, utc('2026-04-15'));
  // the quarterly one was set to cancel at its period end: it ends on its date, billing nothing
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: utc('2026-05-21') });
  const s4 = await w.s.subscriptions.retrieve(subs['OLD-SUB-4'].id);
  assert.equal(s4.status, 'canceled');
  assert.equal(s4.ended_at, utc('2026-05-20'));
  assert.deepEqual(await renewals(w, subs['OLD-SUB-4']), []);
  assert.deepEqual((await renewals(w, subs['OLD-SUB-1'])).map((x) => [x[1], x[2]]),
    [[74700, utc('2026-03-15')], [74700, utc('2026-04-15')], [74700, utc('2026-05-15')]]);
  assert.deepEqual((await renewals(w, subs['OLD-SUB-2'])).map((x) => [x[1], x[2]]),
    [[174850, utc('2026-04-01')], [174850, utc('2026-05-01')]]);
  assert.equal((await renewals(w, subs['OLD-SUB-3'])).length, 1);
});

test('a re-import correcting 10 subscriptions\' next billing dates: 10 updated, the renewal on the new dates', async () => {
  const w = world('Datoretting AS');
  await importCsv(w, 'prices', fixture('prices.csv'));
  const { clock } = await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const first = await importCsv(w, 'subscriptions', fixture('subscriptions_twelve.csv'));
  assert.deepEqual(counts(first), { status: 'succeeded', rows: 12, created: 12, updated: 0, unchanged: 0, errors: 0 });
  const fix = await importForm(w, 'subscriptions', fixture('subscriptions_twelve_dates.csv'), 'dates.csv');
  assert.deepEqual(counts(fix), { status: 'succeeded', rows: 12, created: 0, updated: 10, unchanged: 2, errors: 0 });
  const subs = {};
  for (const x of await all(w.s.subscriptions.list({ limit: 100 }))) subs[x.external_id] = x;
  for (let i = 1; i <= 12; i++) {
    const x = subs[`TEN-${String(i).padStart(2, '0')}`];
    const moved = i <= 10;
    // no current_period_start column: the period is the month before the corrected date
    assert.deepEqual([x.items.data[0].quantity, x.items.data[0].current_period_start, x.items.data[0].current_period_end,
      x.billing_cycle_anchor], moved
      ? [i, utc('2026-02-25'), utc('2026-03-25'), utc('2026-03-25')]
      : [i, utc('2026-02-15'), utc('2026-03-15'), utc('2026-03-15')], x.external_id);
  }
  // the old date bills only the two left on it; the new date the ten, each i × 249.00
  await w.s.testHelpers.testClocks.advance(clock.id, { frozen_time: utc('2026-03-20') });
  const billed = async () => (await all(w.s.invoices.list({ limit: 100 }))).map((inv) => {
    const sub = Object.values(subs).find((x) => x.id === inv.subscription);
    return [sub.external_id, inv.amount_due, inv.lines.data[0].period.start, inv.lines.data[0].period.end];
  }).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.deepEqual(await billed(), [
    ['TEN-11', 11 * 24900, utc('2026-03-15'), utc('2026-04-15')],
    ['TEN-12', 12 * 24900, utc('2026-03-15'), utc('2026-04-15')],
  ]);
  await w.s.testHelpers.testClocks.advance(clock.id, { frozen_time: utc('2026-03-26') });
  const after = await billed();
  assert.equal(after.length, 12);
  for (let i = 1; i <= 10; i++) {
    assert.deepEqual(after[i - 1], [`TEN-${String(i).padStart(2, '0')}`, i * 24900, utc('2026-03-25'), utc('2026-04-25')]);
  }
});

// A customers file of n generated rows (about 100 bytes each).
function bigCustomers(n, tag) {
  const lines = ['external_id,name,email,currency,address_line1,address_city,address_country,metadata.batch'];
  for (let i = 0; i < n; i++) {
    lines.push(`${tag}-${String(i).padStart(6, '0')},Kunde ${tag} nummer ${i} AS,kunde${i}@${tag.toLowerCase()}.example.no,nok,Gate ${i % 500},Bergen,NO,${tag}`);
  }
  return `${lines.join('\n')}\n`;
}

const customerCount = (w) => JSON.parse(server.sql(
  `SELECT count(*) AS n FROM customers WHERE tenant_id = '${w.t.id}' AND livemode = 0`))[0].n;

// On PostgreSQL every statement is a round trip to another process: a
// 12,000-row import takes ~25 s there on this 2-core machine (~2 s on SQLite).
async function waitImport(w, id, ms = server.pg ? 120000 : 30000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await w.get(`/v1/imports/${id}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.status === 'succeeded' || r.json.status === 'failed') return r.json;
    if (Date.now() > until) throw new Error(`import ${id} still ${r.json.status}`);
    await sleep(100);
  }
}

test('dry_run writes nothing and says what would happen; emit_events=false writes no events; a file over 1 MiB runs in the background', async () => {
  const w = world('Prøvekjøring AS');
  await importCsv(w, 'prices', fixture('prices.csv'));
  await clockCustomers(w, FIXTURE_CLOCK_CUSTOMERS);
  const before = server.dump();
  const dry = await importCsv(w, 'subscriptions', fixture('subscriptions.csv'), { mode: 'dry_run' });
  assert.equal(dry.mode, 'dry_run');
  assert.deepEqual(counts(dry), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  assert.equal(dry.failure_message, null);
  assert.deepEqual(changedTables(before, server.dump()), ['audit_log', 'import_chunks', 'imports']);
  assert.deepEqual((await w.s.subscriptions.list({ status: 'all' })).data, []);
  // a dry run of a file with errors: failed, the report, still nothing written
  const dryBad = await importCsv(w, 'subscriptions', fixture('subscriptions_errors.csv'), { mode: 'dry_run', partial: 'true' });
  assert.deepEqual(counts(dryBad), { status: 'failed', rows: 29, created: 5, updated: 0, unchanged: 0, errors: 25 });
  assert.match(dryBad.failure_message, /dry run/);
  assert.deepEqual((await w.s.subscriptions.list({ status: 'all' })).data, []);
  // the imports list and its filters
  const listed = await w.get('/v1/imports?type=subscriptions&status=failed');
  assert.deepEqual(listed.json.data.map((x) => x.id), [dryBad.id]);

  // emit_events=false: the customers are there, their events are not
  const eventsBefore = (await all(w.s.events.list({ limit: 100 }))).length;
  const quiet = await importCsv(w, 'customers', fixture('customers.csv'), { emit_events: 'false' });
  assert.equal(quiet.emit_events, false);
  assert.deepEqual(counts(quiet), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  assert.equal(customerCount(w), 3 + 4);
  assert.equal((await all(w.s.events.list({ limit: 100 }))).length, eventsBefore);
  // and with events (the default) an update has its event
  const loud = await importCsv(w, 'customers', 'external_id,name\nCRM-20004,Hansen Rør og Varme AS\n');
  assert.deepEqual(counts(loud), { status: 'succeeded', rows: 1, created: 0, updated: 1, unchanged: 0, errors: 0 });
  assert.deepEqual((await eventsOf(w, 'customer.updated')).map((x) => x.data.object.name), ['Hansen Rør og Varme AS']);

  // over 1 MiB: answered pending, run by the import worker
  const big = bigCustomers(12000, 'BIG');
  assert.ok(Buffer.byteLength(big) > 1024 * 1024);
  const pending = await importForm(w, 'customers', big, 'big.csv');
  assert.equal(pending.status, 'pending');
  assert.equal(pending.size, Buffer.byteLength(big));
  assert.deepEqual([pending.rows, pending.created_count, pending.started_at, pending.finished_at], [0, 0, null, null]);
  const done = await waitImport(w, pending.id);
  assert.deepEqual(counts(done), { status: 'succeeded', rows: 12000, created: 12000, updated: 0, unchanged: 0, errors: 0 });
  assert.equal(done.progress, null);
  assert.equal(customerCount(w), 7 + 12000);
});

test('running the same balances file twice changes nothing the second time, and the ledger stays balanced', async () => {
  const w = world('Saldo AS');
  await importCsv(w, 'customers', fixture('customers.csv'));
  const first = await importCsv(w, 'balances', fixture('balances.csv'));
  assert.deepEqual(counts(first), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  const dumpAfterFirst = server.dump();
  const again = await importCsv(w, 'balances', fixture('balances.csv'));
  assert.deepEqual(counts(again), { status: 'succeeded', rows: 4, created: 0, updated: 0, unchanged: 4, errors: 0 });
  assert.deepEqual(changedTables(dumpAfterFirst, server.dump()), ['audit_log', 'import_chunks', 'imports']);
  // the same reference with another amount is an error, not a second balance
  const changed = await importCsv(w, 'balances', fixture('balances.csv').replace('1250.00', '1300.00'));
  assert.deepEqual(changed.errors.map((x) => [x.row, x.column, x.value]), [[2, 'amount', '1300.00']]);
  assert.match(changed.errors[0].message, /another amount/);

  const byExt = {};
  for (const c of await all(w.s.customers.list({ limit: 100 }))) byExt[c.external_id] = c;
  const ledger = async (ext) => {
    const r = await w.get(`/v1/customers/${byExt[ext].id}/ledger`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const l1 = await ledger('CRM-20001');
  // a debt of 1 250.00 and a credit of 50.00: 1 200.00 owed, as the customer's balance says
  assert.equal(l1.balance, 120000);
  assert.equal((await w.s.customers.retrieve(byExt['CRM-20001'].id)).balance, 120000);
  const l2 = await ledger('CRM-20002');
  assert.equal(l2.balance, -30000);
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.t.id], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /FAIL/);
});

// A `recur serve` of this test's own on dbUrl and port, its output appended to logPath.
async function serve(dbUrl, port, logPath) {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(BIN, ['serve', '--db', dbUrl, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((res) => child.once('exit', (code, sig) => res(sig || code)));
  await waitForPort(port, child);
  return { child, exited };
}

test('kill-safety: a background import SIGKILLed while processing runs again after restart, exactly once', async () => {
  // A server of its own (SQLite), killed and started again on the same file and port.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-imp-kill-'));
  const dbPath = path.join(dir, 'recur.db');
  const dbUrl = `sqlite:${dbPath}`;
  const logPath = path.join(dir, 'serve.log');
  const port = await freePort();
  let srv = null;
  try {
    srv = await serve(dbUrl, port, logPath);
    const t = JSON.parse(execFileSync(BIN, ['tenant', 'create', '--name', 'Avbrutt AS', '--db', dbUrl]).toString());
    const call = async (method, p, body) => {
      const res = await fetch(`http://127.0.0.1:${port}${p}`, { method, body,
        headers: { Authorization: `Bearer ${t.secret_key}`, ...(body ? { 'Content-Type': 'text/csv' } : {}) } });
      const json = await res.json();
      assert.equal(res.status, 200, JSON.stringify(json));
      return json;
    };
    const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', dbPath, sql]).toString() || '[]');
    const N = 30000;
    const file = bigCustomers(N, 'KILL');
    assert.ok(Buffer.byteLength(file) > 2.5 * 1024 * 1024);
    const created = await call('POST', '/v1/imports?type=customers&filename=kill.csv', file);
    assert.equal(created.status, 'pending');
    const id = created.id;
    // wait until the worker is well into the file
    let seen = null;
    const until = Date.now() + 20000;
    while (Date.now() < until) {
      seen = await call('GET', `/v1/imports/${id}`);
      if (seen.status === 'processing' && seen.progress && seen.progress.rows >= 3000) break;
      assert.notEqual(seen.status, 'succeeded', 'the import finished before it could be killed');
      await sleep(10);
    }
    assert.equal(seen.status, 'processing');
    assert.ok(seen.progress.rows >= 3000 && seen.progress.rows < N, JSON.stringify(seen.progress));
    assert.equal(seen.progress.size, Buffer.byteLength(file));
    srv.child.kill('SIGKILL');
    assert.equal(await srv.exited, 'SIGKILL');
    srv = null;

    // nothing of it was written: the import is still waiting, no customer exists
    assert.deepEqual(q(`SELECT status, rows, created_count FROM imports WHERE id = '${id}'`),
      [{ status: 'pending', rows: 0, created_count: 0 }]);
    assert.deepEqual(q(`SELECT count(*) AS n FROM customers WHERE tenant_id = '${t.id}'`), [{ n: 0 }]);

    // restarted on the same database, the worker takes the import up again and finishes it
    srv = await serve(dbUrl, port, logPath);
    const until2 = Date.now() + 30000;
    let done;
    for (;;) {
      done = await call('GET', `/v1/imports/${id}`);
      if (done.status === 'succeeded' || done.status === 'failed') break;
      assert.ok(Date.now() < until2, `import still ${done.status}`);
      await sleep(100);
    }
    assert.deepEqual(counts(done), { status: 'succeeded', rows: N, created: N, updated: 0, unchanged: 0, errors: 0 });
    // exactly once: every row one customer, no duplicate, one event each, one run in the audit log
    assert.deepEqual(q(`SELECT count(*) AS n, count(DISTINCT external_id) AS ext FROM customers WHERE tenant_id = '${t.id}'`),
      [{ n: N, ext: N }]);
    assert.deepEqual(q(`SELECT count(*) AS n FROM events WHERE tenant_id = '${t.id}' AND type = 'customer.created'`),
      [{ n: N }]);
    assert.deepEqual(q(`SELECT count(*) AS n FROM audit_log WHERE tenant_id = '${t.id}' AND actor = 'system' AND action = 'import'`),
      [{ n: 1 }]);
  } finally {
    if (srv) {
      srv.child.kill('SIGTERM');
      await srv.exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
