'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Tax rates AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

const now = () => Math.floor(Date.now() / 1000);

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

test('create, retrieve, update a tax rate', async () => {
  const t = await stripe.taxRates.create({
    display_name: 'MVA', percentage: 25, inclusive: false, country: 'no', jurisdiction: 'Norge',
    description: 'Merverdiavgift, alminnelig sats', tax_type: 'vat', metadata: { ledger: '2700' },
  });
  assert.match(t.id, /^txr_[0-9A-Za-z]{24}$/);
  assert.equal(t.object, 'tax_rate');
  assert.equal(t.display_name, 'MVA');
  assert.equal(t.percentage, 25);
  assert.equal(t.effective_percentage, 25);
  assert.equal(t.inclusive, false);
  assert.equal(t.active, true);
  assert.equal(t.country, 'NO');
  assert.equal(t.state, null);
  assert.equal(t.jurisdiction, 'Norge');
  assert.equal(t.jurisdiction_level, null);
  assert.equal(t.description, 'Merverdiavgift, alminnelig sats');
  assert.equal(t.tax_type, 'vat');
  assert.equal(t.flat_amount, null);
  assert.equal(t.rate_type, null);
  assert.equal(t.livemode, false);
  assert.deepEqual(t.metadata, { ledger: '2700' });
  assert.ok(Math.abs(t.created - now()) <= 5);
  assert.deepEqual(await stripe.taxRates.retrieve(t.id), t);

  const up = await stripe.taxRates.update(t.id, {
    display_name: 'VAT', description: '', state: 'OS', tax_type: 'sales_tax', metadata: { ledger: '', vat_code: '3' },
  });
  assert.equal(up.display_name, 'VAT');
  assert.equal(up.description, null);
  assert.equal(up.state, 'OS');
  assert.equal(up.tax_type, 'sales_tax');
  assert.deepEqual(up.metadata, { vat_code: '3' });
  assert.equal(up.percentage, 25); // survives the rewrite of the row
  assert.equal(up.effective_percentage, 25);
  assert.equal(up.inclusive, false);
  const ev = await stripe.events.list({ type: 'tax_rate.updated', limit: 1 });
  assert.equal(ev.data[0].data.object.id, t.id);
  assert.deepEqual(ev.data[0].data.previous_attributes, {
    display_name: 'MVA', description: 'Merverdiavgift, alminnelig sats', state: null,
    tax_type: 'vat', metadata: { ledger: '2700', vat_code: null },
  });
  const created = await stripe.events.list({ type: 'tax_rate.created' });
  assert.equal(created.data.length, 1);
  assert.equal(created.data[0].data.object.id, t.id);
  assert.equal(created.data[0].data.object.percentage, 25);
  assert.equal(created.data[0].type, 'tax_rate.created');
});

test('decimal percentages are exact; inclusive rates', async () => {
  const t = await stripe.taxRates.create({ display_name: 'Odd', percentage: 12.3456, inclusive: true });
  assert.equal(t.percentage, 12.3456);
  assert.equal(t.effective_percentage, 12.3456);
  assert.equal(t.inclusive, true);
  assert.equal(t.country, null);
  assert.equal(t.tax_type, null);
  assert.deepEqual(t.metadata, {});
  const raw = await server.raw('GET', `/v1/tax_rates/${t.id}`, { key: tenant.secret_key });
  assert.match(raw.text, /"percentage":12\.3456[,}]/);
  const up = await stripe.taxRates.update(t.id, { display_name: 'Odd 2' });
  assert.equal(up.percentage, 12.3456);
  assert.deepEqual(JSON.parse(server.sql(`SELECT percentage, effective_percentage FROM tax_rates WHERE id = '${t.id}'`)),
    [{ percentage: 123456, effective_percentage: 123456 }]);
  const zero = await stripe.taxRates.create({ display_name: 'Zero', percentage: 0, inclusive: false });
  assert.equal(zero.percentage, 0);
  const full = await stripe.taxRates.create({ display_name: 'All', percentage: '100', inclusive: 'true' });
  assert.equal(full.percentage, 100);
  assert.equal(full.inclusive, true);
});

test('archive with active=false; active and inclusive filters; no DELETE', async () => {
  const other = server.tenant('Archive AS');
  const s = server.client(other.secret_key);
  const a = await s.taxRates.create({ display_name: 'A', percentage: 25, inclusive: false });
  const b = await s.taxRates.create({ display_name: 'B', percentage: 15, inclusive: true });
  const c = await s.taxRates.create({ display_name: 'C', percentage: 12, inclusive: false, active: false });
  assert.equal(c.active, false);

  const archived = await s.taxRates.update(a.id, { active: false });
  assert.equal(archived.active, false);
  assert.equal((await s.taxRates.retrieve(a.id)).active, false); // still readable
  const ev = await s.events.list({ type: 'tax_rate.updated', limit: 1 });
  assert.deepEqual(ev.data[0].data.previous_attributes, { active: true });

  const ids = async (params) => (await s.taxRates.list(params)).data.map((t) => t.id);
  assert.deepEqual(await ids({}), [c.id, b.id, a.id]);
  assert.deepEqual(await ids({ active: true }), [b.id]);
  assert.deepEqual(await ids({ active: false }), [c.id, a.id]);
  assert.deepEqual(await ids({ inclusive: true }), [b.id]);
  assert.deepEqual(await ids({ inclusive: false, active: false }), [c.id, a.id]);
  assert.deepEqual(await ids({ created: { lt: 1000 } }), []);

  // Reactivating works too.
  assert.equal((await s.taxRates.update(a.id, { active: true })).active, true);
  assert.deepEqual(await ids({ active: true }), [b.id, a.id]);

  // Stripe has no delete for tax rates: the route does not exist.
  assert.equal(typeof s.taxRates.del, 'undefined');
  const del = await server.raw('DELETE', `/v1/tax_rates/${a.id}`, { key: other.secret_key });
  assert.equal(del.status, 404);
  assert.equal(del.json.error.type, 'invalid_request_error');
  assert.equal((await s.taxRates.retrieve(a.id)).id, a.id);

  await assert.rejects(s.taxRates.retrieve('txr_nope'), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'id');
    return true;
  });
  // Tenants do not see each other's rates.
  await assert.rejects(stripe.taxRates.retrieve(a.id), (err) => err.statusCode === 404);
  await assert.rejects(stripe.taxRates.update(a.id, { active: false }), (err) => err.statusCode === 404);
});

test('percentage and inclusive are immutable', async () => {
  const t = await stripe.taxRates.create({ display_name: 'Fixed', percentage: 10, inclusive: false });
  await rejects400(stripe.taxRates.update(t.id, { percentage: 11 }), 'percentage', 'parameter_unknown');
  await rejects400(stripe.taxRates.update(t.id, { inclusive: true }), 'inclusive', 'parameter_unknown');
  await rejects400(stripe.taxRates.update(t.id, { effective_percentage: 11 }), 'effective_percentage', 'parameter_unknown');
  await rejects400(stripe.taxRates.update(t.id, { display_name: '' }), 'display_name');
  await rejects400(stripe.taxRates.update(t.id, { country: 'NOR' }), 'country');
  assert.deepEqual(await stripe.taxRates.retrieve(t.id), t);
});

test('bad input: 400 with the precise param, nothing written', async () => {
  const rates = count('tax_rates');
  const events = count('events');
  const ok = { display_name: 'VAT', percentage: 25, inclusive: false };
  const cases = [
    [{ percentage: 25, inclusive: false }, 'display_name', 'parameter_missing'],
    [{ display_name: 'VAT', inclusive: false }, 'percentage', 'parameter_missing'],
    [{ display_name: 'VAT', percentage: 25 }, 'inclusive', 'parameter_missing'],
    [{ ...ok, display_name: 'x'.repeat(51) }, 'display_name'],
    [{ ...ok, percentage: 100.5 }, 'percentage'],
    [{ ...ok, percentage: -1 }, 'percentage'],
    [{ ...ok, percentage: 1.23456 }, 'percentage'],
    [{ ...ok, percentage: 'lots' }, 'percentage'],
    [{ ...ok, inclusive: 'maybe' }, 'inclusive'],
    [{ ...ok, active: 'yes' }, 'active'],
    [{ ...ok, country: 'NOR' }, 'country'],
    [{ ...ok, country: 'N1' }, 'country'],
    [{ ...ok, tax_type: 'bogus' }, 'tax_type'],
    [{ ...ok, jurisdiction: 'j'.repeat(51) }, 'jurisdiction'],
    [{ ...ok, metadata: 'nope' }, 'metadata'],
    [{ ...ok, metadata: { note: 'v'.repeat(501) } }, 'metadata[note]'],
    [{ ...ok, jurisdiction_level: 'state' }, 'jurisdiction_level', 'parameter_unknown'],
    [{ ...ok, rate: 25 }, 'rate', 'parameter_unknown'],
  ];
  for (const [params, param, code] of cases) {
    await rejects400(stripe.taxRates.create(params), param, code);
  }
  await rejects400(stripe.taxRates.list({ active: 'perhaps' }), 'active');
  await rejects400(stripe.taxRates.list({ country: 'NO' }), 'country', 'parameter_unknown');
  assert.equal(count('tax_rates'), rates);
  assert.equal(count('events'), events);
});

test('auto-pagination over 250 tax rates: every id once, newest first', async () => {
  const other = server.tenant('Tax pages AS');
  const s = server.client(other.secret_key);
  const created = [];
  for (let i = 0; i < 250; i++) {
    created.push((await s.taxRates.create({ display_name: `Rate ${i}`, percentage: i % 101, inclusive: i % 2 === 0 })).id);
  }
  const seen = [];
  for await (const t of s.taxRates.list({ limit: 9 })) seen.push(t.id);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen).size, 250);
  assert.deepEqual(seen, created.slice().reverse());

  const inclusive = [];
  for await (const t of s.taxRates.list({ limit: 50, inclusive: true })) inclusive.push(t.id);
  assert.deepEqual(inclusive, created.filter((_, i) => i % 2 === 0).reverse());

  const page = await s.taxRates.list({ limit: 3, ending_before: created[10] });
  assert.deepEqual(page.data.map((t) => t.id), [created[13], created[12], created[11]]);
  assert.equal(page.has_more, true);
  assert.equal(page.url, '/v1/tax_rates');
});
