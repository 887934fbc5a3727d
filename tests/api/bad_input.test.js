// bad_input.test.js - every way a request can be wrong, one table row each.
//
// Each row asserts the HTTP status, error.type, error.param and error.code
// exactly, that the body has Stripe's error shape and nothing else, and that
// the database is byte-for-byte unchanged afterwards (server.dump() covers
// every table, so neither an idempotency_keys row nor an event may appear).
// Rows use the stripe SDK where it can say the request and raw HTTP where it
// cannot (malformed bodies, headers, auth).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');
const { FORM, JSON_CT, rawWith, runCases } = require('./bad_input_lib');

let server;
const f = {}; // fixtures: keys, clients and ids the rows refer to

const E15 = 10 ** 15;

before(async () => {
  server = await startServer();
  f.A = server.tenant('Bad input A AS');
  f.B = server.tenant('Bad input B AS');
  f.a = server.client(f.A.secret_key);
  f.b = server.client(f.B.secret_key);
  f.live = server.client(f.A.live_secret_key);
  f.cusA = (await f.a.customers.create({ name: 'A', email: 'a@example.no', metadata: { k: 'v' } })).id;
  f.cusB = (await f.b.customers.create({ name: 'B' })).id;
  f.cusLive = (await f.live.customers.create({ name: 'Live' })).id;
  f.cusGone = (await f.a.customers.create({ name: 'Gone' })).id;
  await f.a.customers.del(f.cusGone);
  f.evtA = (await f.a.events.list({ limit: 1 })).data[0].id;
  f.evtB = (await f.b.events.list({ limit: 1 })).data[0].id;
  f.prodA = (await f.a.products.create({ name: 'Pro' })).id;
  f.prodB = (await f.b.products.create({ name: 'B Pro' })).id;
  f.priceA = (await f.a.prices.create({ product: f.prodA, currency: 'nok', unit_amount: 9900, recurring: { interval: 'month' } })).id;
  f.priceB = (await f.b.prices.create({ product: f.prodB, currency: 'nok', unit_amount: 100 })).id;
  f.couponA = (await f.a.coupons.create({ id: 'SAVE10', percent_off: 10, duration: 'once' })).id;
  f.couponB = (await f.b.coupons.create({ id: 'BONLY', percent_off: 5, duration: 'forever' })).id;
  f.txrB = (await f.b.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false })).id;
});
after(async () => { await server.stop(); });

const raw = rawWith(() => server, () => f.A.secret_key);

const repeat = (s, n) => s.repeat(n);
const fields = (n, fn) => Array.from({ length: n }, (_, i) => fn(i)).join('&');
const manyMetadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));

// status, type, param (undefined when the error names none), code (likewise).
const cases = [
  // Unknown parameters.
  { name: 'unknown top-level parameter (SDK)', sdk: () => f.a.customers.create({ foo: 'bar' }),
    status: 400, type: 'invalid_request_error', param: 'foo', code: 'parameter_unknown' },
  { name: 'unknown nested parameter address[foo] (SDK)',
    sdk: () => f.a.customers.create({ address: { city: 'Oslo', foo: '1' } }),
    status: 400, type: 'invalid_request_error', param: 'address[foo]', code: 'parameter_unknown' },
  { name: 'unknown parameter two levels down',
    req: raw('POST', '/v1/customers', 'shipping[name]=K&shipping[address][zip]=0155'),
    status: 400, type: 'invalid_request_error', param: 'shipping[address][zip]', code: 'parameter_unknown' },
  { name: 'unknown parameter on update',
    req: raw('POST', () => `/v1/customers/${f.cusA}`, 'bogus=1'),
    status: 400, type: 'invalid_request_error', param: 'bogus', code: 'parameter_unknown' },
  { name: 'create-only parameter on update (tax_id_data)',
    sdk: () => f.a.customers.update(f.cusA, { tax_id_data: [{ type: 'no_vat', value: 'NO1MVA' }] }),
    status: 400, type: 'invalid_request_error', param: 'tax_id_data', code: 'parameter_unknown' },
  { name: 'unknown list parameter in the query', req: raw('GET', '/v1/customers?foo=1'),
    status: 400, type: 'invalid_request_error', param: 'foo', code: 'parameter_unknown' },
  { name: 'unknown created[...] operator', req: raw('GET', '/v1/customers?created[foo]=1'),
    status: 400, type: 'invalid_request_error', param: 'created[foo]', code: 'parameter_unknown' },
  { name: 'unknown parameter on the events list', req: raw('GET', '/v1/events?customer=cus_x'),
    status: 400, type: 'invalid_request_error', param: 'customer', code: 'parameter_unknown' },

  // Wrong types.
  { name: 'metadata as a string', sdk: () => f.a.customers.create({ metadata: 'x' }),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'a hash where a string is expected', req: raw('POST', '/v1/customers', 'name[first]=Kari'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'a string where a hash is expected', req: raw('POST', '/v1/customers', 'address=Oslo'),
    status: 400, type: 'invalid_request_error', param: 'address', code: 'parameter_invalid' },
  { name: 'a hash where a list is expected', req: raw('POST', '/v1/customers', 'preferred_locales[a]=nb'),
    status: 400, type: 'invalid_request_error', param: 'preferred_locales', code: 'parameter_invalid' },
  { name: 'metadata value that is a hash', req: raw('POST', '/v1/customers', 'metadata[a][b]=1'),
    status: 400, type: 'invalid_request_error', param: 'metadata[a]', code: 'parameter_invalid' },
  { name: 'a value outside the enum', sdk: () => f.a.customers.create({ tax_exempt: 'maybe' }),
    status: 400, type: 'invalid_request_error', param: 'tax_exempt', code: 'parameter_invalid' },
  { name: 'an unknown tax id type inside a list',
    sdk: () => f.a.customers.create({ tax_id_data: [{ type: 'no_vat', value: 'NO1MVA' }, { type: 'xx_vat', value: '1' }] }),
    status: 400, type: 'invalid_request_error', param: 'tax_id_data[1][type]', code: 'parameter_invalid' },
  { name: 'a missing required nested field',
    sdk: () => f.a.customers.create({ invoice_settings: { custom_fields: [{ name: 'Ref' }] } }),
    status: 400, type: 'invalid_request_error', param: 'invoice_settings[custom_fields][0][value]',
    code: 'parameter_missing' },
  { name: 'shipping without a name', sdk: () => f.a.customers.create({ shipping: { address: { city: 'Oslo' } } }),
    status: 400, type: 'invalid_request_error', param: 'shipping[name]', code: 'parameter_missing' },
  { name: 'test_clock that is not a clock id', sdk: () => f.a.customers.create({ test_clock: 'foo' }),
    status: 400, type: 'invalid_request_error', param: 'test_clock', code: 'resource_missing' },
  { name: 'a NUL byte in a string', req: raw('POST', '/v1/customers', 'name=a%00b'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  // Was stored and read back as null metadata (found by fuzz/fuzz_form.c).
  { name: 'a NUL byte in a metadata value', req: raw('POST', '/v1/customers', 'metadata[a]=x%00y'),
    status: 400, type: 'invalid_request_error', param: 'metadata[a]', code: 'parameter_invalid' },

  // Integers and amounts.
  { name: 'balance beyond +10^15 (SDK)', sdk: () => f.a.customers.create({ balance: E15 + 1 }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'balance beyond -10^15', sdk: () => f.a.customers.update(f.cusA, { balance: -E15 - 1 }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'balance that overflows int64', req: raw('POST', '/v1/customers', 'balance=99999999999999999999'),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'balance "12.5"', sdk: () => f.a.customers.create({ balance: 12.5 }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'balance in exponent notation', req: raw('POST', '/v1/customers', 'balance=1e3'),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'balance with a plus sign and spaces', req: raw('POST', '/v1/customers', 'balance=%2B5%20'),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  { name: 'JSON balance 12.5', req: raw('POST', '/v1/customers', '{"balance":12.5}', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid_integer' },
  // A balance is money on the books, kept in a currency: none given, none had.
  { name: 'balance on create without a currency', sdk: () => f.a.customers.create({ balance: -500 }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid' },
  { name: 'balance on update of a customer without a currency', sdk: () => f.a.customers.update(f.cusA, { balance: 700 }),
    status: 400, type: 'invalid_request_error', param: 'balance', code: 'parameter_invalid' },
  { name: 'next_invoice_sequence 0', sdk: () => f.a.customers.create({ next_invoice_sequence: 0 }),
    status: 400, type: 'invalid_request_error', param: 'next_invoice_sequence', code: 'parameter_invalid_integer' },

  // Currencies.
  { name: 'unknown currency', sdk: () => f.a.customers.create({ currency: 'zzz' }),
    status: 400, type: 'invalid_request_error', param: 'currency', code: 'parameter_invalid' },
  { name: 'currency of four letters', sdk: () => f.a.customers.create({ currency: 'usdx' }),
    status: 400, type: 'invalid_request_error', param: 'currency', code: 'parameter_invalid' },

  // Malformed form bodies.
  { name: 'unbalanced bracket a[b=1', req: raw('POST', '/v1/customers', 'a[b=1'),
    status: 400, type: 'invalid_request_error', param: 'a[b', code: 'parameter_invalid' },
  { name: 'text after a bracket a[b]c=1', req: raw('POST', '/v1/customers', 'a[b]c=1'),
    status: 400, type: 'invalid_request_error', param: 'a[b]c', code: 'parameter_invalid' },
  { name: 'name starting with a bracket', req: raw('POST', '/v1/customers', '[a]=1'),
    status: 400, type: 'invalid_request_error', param: '[a]', code: 'parameter_invalid' },
  { name: 'a value then a hash: a=1&a[b]=2', req: raw('POST', '/v1/customers', 'metadata=1&metadata[b]=2'),
    status: 400, type: 'invalid_request_error', param: 'metadata[b]', code: 'parameter_invalid' },
  { name: 'a hash then a value: a[b]=2&a=1', req: raw('POST', '/v1/customers', 'metadata[b]=2&metadata=1'),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'malformed escape %ZZ in a value', req: raw('POST', '/v1/customers', 'name=%ZZ'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'truncated escape at the end of a value', req: raw('POST', '/v1/customers', 'name=abc%4'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'malformed escape in a name', req: raw('POST', '/v1/customers', 'na%ZZme=1'),
    status: 400, type: 'invalid_request_error', param: 'na%ZZme', code: 'parameter_invalid' },
  { name: 'malformed escape in the query string', req: raw('GET', '/v1/customers?email=%ZZ'),
    status: 400, type: 'invalid_request_error', param: 'email', code: 'parameter_invalid' },
  { name: 'invalid UTF-8 (%FF) in a form value', req: raw('POST', '/v1/customers', 'name=%FF'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'overlong UTF-8 encoding in a value', req: raw('POST', '/v1/customers', 'name=%C0%AF'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'invalid UTF-8 in a metadata key', req: raw('POST', '/v1/customers', 'metadata[%FF]=1'),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'invalid UTF-8 in a query name', req: raw('GET', '/v1/customers?%FF=1'),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'invalid UTF-8 in a query value', req: raw('GET', '/v1/customers?email=%FF'),
    status: 400, type: 'invalid_request_error', param: 'email', code: 'parameter_invalid' },
  { name: 'nesting beyond the limit',
    req: raw('POST', '/v1/customers', 'metadata[a][b][c][d][e][f][g][h][i]=1'),
    status: 400, type: 'invalid_request_error', param: 'metadata[a][b][c][d][e][f][g][h][i]', code: 'parameter_invalid' },
  { name: 'overlong parameter name', req: raw('POST', '/v1/customers', `metadata[${repeat('k', 300)}]=1`),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'more than 4000 parameters', req: raw('POST', '/v1/customers', fields(4001, (i) => `metadata[k${i}]=v`)),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },

  // JSON bodies.
  { name: 'malformed JSON', req: raw('POST', '/v1/customers', '{"name": "Kari"', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'a JSON array as the body', req: raw('POST', '/v1/customers', '[{"name":"Kari"}]', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'a JSON string as the body', req: raw('POST', '/v1/customers', '"Kari"', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'invalid UTF-8 in a JSON body',
    req: raw('POST', '/v1/customers', Buffer.from([...Buffer.from('{"name":"'), 0xff, 0xfe, ...Buffer.from('"}')]),
      { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'duplicate keys in a JSON object', req: raw('POST', '/v1/customers', '{"name":"a","name":"b"}', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'JSON nested beyond the limit',
    req: raw('POST', '/v1/customers', `{"metadata":${repeat('{"a":', 9)}1${repeat('}', 9)}}`, { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'a JSON object where a string is expected',
    req: raw('POST', '/v1/customers', '{"name":{"first":"Kari"}}', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'JSON metadata value that is an object',
    req: raw('POST', '/v1/customers', '{"metadata":{"a":{"b":"c"}}}', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: 'metadata[a]', code: 'parameter_invalid' },
  { name: 'unknown parameter in a JSON body', req: raw('POST', '/v1/customers', '{"nmae":"Kari"}', { ctype: JSON_CT }),
    status: 400, type: 'invalid_request_error', param: 'nmae', code: 'parameter_unknown' },

  // Size limits.
  { name: 'body over 1 MiB', req: raw('POST', '/v1/customers', () => 'description=' + repeat('a', 1 << 20)),
    status: 413, type: 'invalid_request_error', param: undefined, code: 'request_too_large' },
  { name: 'chunked body over 1 MiB (no Content-Length)',
    req: async () => {
      const chunk = new TextEncoder().encode(repeat('a', 64 * 1024));
      let sent = 0;
      const body = new ReadableStream({
        pull(ctrl) {
          if (sent === 0) ctrl.enqueue(new TextEncoder().encode('description='));
          if (sent++ < 17) ctrl.enqueue(chunk); else ctrl.close();
        },
      });
      const res = await fetch(`${server.url}/v1/customers`, {
        method: 'POST', body, duplex: 'half',
        headers: { Authorization: `Bearer ${f.A.secret_key}`, 'Content-Type': FORM },
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
    },
    status: 413, type: 'invalid_request_error', param: undefined, code: 'request_too_large' },
  { name: 'name over 256 characters', sdk: () => f.a.customers.create({ name: repeat('n', 257) }),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'description over 350 characters (multi-byte counts as one)',
    sdk: () => f.a.customers.create({ description: repeat('ø', 351) }),
    status: 400, type: 'invalid_request_error', param: 'description', code: 'parameter_invalid' },
  { name: 'email over 512 characters', sdk: () => f.a.customers.create({ email: repeat('a', 510) + '@x.no' }),
    status: 400, type: 'invalid_request_error', param: 'email', code: 'parameter_invalid' },
  { name: 'metadata with 51 keys', sdk: () => f.a.customers.create({ metadata: manyMetadata }),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'metadata going past 50 keys on update',
    sdk: () => f.a.customers.update(f.cusA, { metadata: Object.fromEntries(Object.entries(manyMetadata).slice(1)) }),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: 'metadata key over 40 characters', sdk: () => f.a.customers.create({ metadata: { [repeat('k', 41)]: 'v' } }),
    status: 400, type: 'invalid_request_error', param: `metadata[${repeat('k', 41)}]`, code: 'parameter_invalid' },
  { name: 'metadata key over 40 multi-byte characters',
    sdk: () => f.a.customers.create({ metadata: { [`a${repeat('ø', 40)}`]: 'v' } }),
    status: 400, type: 'invalid_request_error', param: `metadata[a${repeat('ø', 40)}]`, code: 'parameter_invalid' },
  { name: 'metadata value over 500 characters', sdk: () => f.a.customers.create({ metadata: { k: repeat('v', 501) } }),
    status: 400, type: 'invalid_request_error', param: 'metadata[k]', code: 'parameter_invalid' },

  // Field rules.
  { name: 'invalid email', sdk: () => f.a.customers.create({ email: 'not-an-email' }),
    status: 400, type: 'invalid_request_error', param: 'email', code: 'parameter_invalid' },
  { name: 'email with a space', sdk: () => f.a.customers.update(f.cusA, { email: 'a b@example.no' }),
    status: 400, type: 'invalid_request_error', param: 'email', code: 'parameter_invalid' },
  { name: 'invoice_prefix too short', sdk: () => f.a.customers.create({ invoice_prefix: 'AB' }),
    status: 400, type: 'invalid_request_error', param: 'invoice_prefix', code: 'parameter_invalid' },

  // Authentication.
  { name: 'missing API key', req: raw('GET', '/v1/customers', undefined, { key: null }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'missing API key on a POST', req: raw('POST', '/v1/customers', 'name=x', { key: null }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'wrong API key (SDK)', sdk: () => server.client('sk_test_' + repeat('x', 32)).customers.list(),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'wrong live key', req: raw('GET', '/v1/customers', undefined, { key: `Bearer sk_live_${repeat('0', 32)}` }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'publishable key instead of a secret key',
    req: raw('GET', '/v1/customers', undefined, { key: () => `Bearer pk_test_${f.A.secret_key.slice(8)}` }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'Authorization "Bearer" without a key', req: raw('GET', '/v1/customers', undefined, { key: 'Bearer' }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'Authorization with an unknown scheme',
    req: raw('GET', '/v1/customers', undefined, { key: 'Token sk_test_abc' }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'HTTP Basic with broken base64', req: raw('GET', '/v1/customers', undefined, { key: 'Basic !!!' }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'HTTP Basic with the key as the password, not the user',
    req: raw('GET', '/v1/customers', undefined,
      { key: () => `Basic ${Buffer.from(`:${f.A.secret_key}`).toString('base64')}` }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },

  // Other tenants, other modes, missing objects.
  { name: "another tenant's customer: retrieve (SDK)", sdk: () => f.a.customers.retrieve(f.cusB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: "another tenant's customer: update", sdk: () => f.a.customers.update(f.cusB, { name: 'mine' }),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: "another tenant's customer: delete", sdk: () => f.a.customers.del(f.cusB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: "another tenant's event", sdk: () => f.a.events.retrieve(f.evtB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'test key cannot see a live-mode customer', sdk: () => f.a.customers.retrieve(f.cusLive),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'live key cannot see a test-mode customer', sdk: () => f.live.customers.update(f.cusA, { name: 'x' }),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'unknown customer id', sdk: () => f.a.customers.retrieve('cus_doesnotexist'),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'deleting a deleted customer', sdk: () => f.a.customers.del(f.cusGone),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'updating a deleted customer', sdk: () => f.a.customers.update(f.cusGone, { name: 'back' }),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'an id that is not UTF-8', req: raw('GET', '/v1/customers/%FF'),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'unknown event id', req: raw('GET', '/v1/events/evt_nope'),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },

  // Lists.
  { name: 'limit=0 (SDK)', sdk: () => f.a.customers.list({ limit: 0 }),
    status: 400, type: 'invalid_request_error', param: 'limit', code: 'parameter_invalid_integer' },
  { name: 'limit=101', req: raw('GET', '/v1/customers?limit=101'),
    status: 400, type: 'invalid_request_error', param: 'limit', code: 'parameter_invalid_integer' },
  { name: 'limit=abc', req: raw('GET', '/v1/customers?limit=abc'),
    status: 400, type: 'invalid_request_error', param: 'limit', code: 'parameter_invalid_integer' },
  { name: 'limit=-1 on events', req: raw('GET', '/v1/events?limit=-1'),
    status: 400, type: 'invalid_request_error', param: 'limit', code: 'parameter_invalid_integer' },
  { name: 'starting_after an unknown id (SDK)', sdk: () => f.a.customers.list({ starting_after: 'cus_unknown' }),
    status: 400, type: 'invalid_request_error', param: 'starting_after', code: 'resource_missing' },
  { name: "starting_after another tenant's id", sdk: () => f.a.customers.list({ starting_after: f.cusB }),
    status: 400, type: 'invalid_request_error', param: 'starting_after', code: 'resource_missing' },
  { name: 'ending_before an unknown event', req: raw('GET', '/v1/events?ending_before=evt_unknown'),
    status: 400, type: 'invalid_request_error', param: 'ending_before', code: 'resource_missing' },
  { name: 'starting_after and ending_before together',
    req: raw('GET', () => `/v1/customers?starting_after=${f.cusA}&ending_before=${f.cusA}`),
    status: 400, type: 'invalid_request_error', param: 'ending_before', code: 'parameter_invalid' },
  { name: 'created[gte] that is not an integer', req: raw('GET', '/v1/customers?created[gte]=yesterday'),
    status: 400, type: 'invalid_request_error', param: 'created[gte]', code: 'parameter_invalid_integer' },
  { name: 'events types as a string', req: raw('GET', '/v1/events?types=customer.created'),
    status: 400, type: 'invalid_request_error', param: 'types', code: 'parameter_invalid' },

  // Expand.
  { name: 'expand of a non-expandable field (SDK)', sdk: () => f.a.customers.retrieve(f.cusA, { expand: ['name'] }),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },
  { name: 'expand of a non-expandable field that is null', sdk: () => f.a.customers.retrieve(f.cusA, { expand: ['phone'] }),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },
  { name: 'expand of an unknown field, second in the list',
    sdk: () => f.a.customers.retrieve(f.cusA, { expand: ['test_clock', 'nope'] }),
    status: 400, type: 'invalid_request_error', param: 'expand[1]', code: 'parameter_invalid' },
  { name: 'expand on create does not create', sdk: () => f.a.customers.create({ name: 'x', expand: ['address'] }),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },
  { name: 'expand given as a string', req: raw('GET', () => `/v1/customers/${f.cusA}?expand=test_clock`),
    status: 400, type: 'invalid_request_error', param: 'expand', code: 'parameter_invalid' },
  { name: 'expand of data without a field on a list', req: raw('GET', '/v1/customers?expand[]=data'),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },
  { name: 'expand deeper than four levels',
    req: raw('GET', () => `/v1/customers/${f.cusA}?expand[]=invoice_settings.a.b.c.d`),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },

  // Products.
  { name: 'product: unknown parameter', sdk: () => f.a.products.create({ name: 'X', colour: 'red' }),
    status: 400, type: 'invalid_request_error', param: 'colour', code: 'parameter_unknown' },
  { name: 'product: missing name', sdk: () => f.a.products.create({}),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_missing' },
  { name: 'product: name as a hash', req: raw('POST', '/v1/products', 'name[en]=Pro'),
    status: 400, type: 'invalid_request_error', param: 'name', code: 'parameter_invalid' },
  { name: 'product: metadata with 51 keys', sdk: () => f.a.products.update(f.prodA, { metadata: manyMetadata }),
    status: 400, type: 'invalid_request_error', param: 'metadata', code: 'parameter_invalid' },
  { name: "product: another tenant's product", sdk: () => f.a.products.retrieve(f.prodB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: "product: deleting another tenant's product", sdk: () => f.a.products.del(f.prodB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },

  // Prices.
  { name: 'price: unit_amount beyond 10^15', sdk: () => f.a.prices.create({ product: f.prodA, currency: 'nok', unit_amount: E15 + 1 }),
    status: 400, type: 'invalid_request_error', param: 'unit_amount', code: 'parameter_invalid_integer' },
  { name: 'price: negative unit_amount', sdk: () => f.a.prices.create({ product: f.prodA, currency: 'nok', unit_amount: -1 }),
    status: 400, type: 'invalid_request_error', param: 'unit_amount', code: 'parameter_invalid_integer' },
  { name: 'price: unit_amount "12.5"', sdk: () => f.a.prices.create({ product: f.prodA, currency: 'nok', unit_amount: 12.5 }),
    status: 400, type: 'invalid_request_error', param: 'unit_amount', code: 'parameter_invalid_integer' },
  { name: 'price: unit_amount that overflows int64',
    req: raw('POST', '/v1/prices', () => `product=${f.prodA}&currency=nok&unit_amount=99999999999999999999`),
    status: 400, type: 'invalid_request_error', param: 'unit_amount', code: 'parameter_invalid_integer' },
  { name: 'price: unknown currency', sdk: () => f.a.prices.create({ product: f.prodA, currency: 'xyz', unit_amount: 100 }),
    status: 400, type: 'invalid_request_error', param: 'currency', code: 'parameter_invalid' },
  { name: 'price: unknown product', sdk: () => f.a.prices.create({ product: 'prod_nope', currency: 'nok', unit_amount: 100 }),
    status: 400, type: 'invalid_request_error', param: 'product', code: 'resource_missing' },
  { name: "price: another tenant's product", sdk: () => f.a.prices.create({ product: f.prodB, currency: 'nok', unit_amount: 100 }),
    status: 400, type: 'invalid_request_error', param: 'product', code: 'resource_missing' },
  { name: 'price: unknown recurring interval',
    sdk: () => f.a.prices.create({ product: f.prodA, currency: 'nok', unit_amount: 100, recurring: { interval: 'fortnight' } }),
    status: 400, type: 'invalid_request_error', param: 'recurring[interval]', code: 'parameter_invalid' },
  { name: 'price: unknown nested parameter recurring[foo]',
    req: raw('POST', '/v1/prices', () => `product=${f.prodA}&currency=nok&unit_amount=100&recurring[interval]=month&recurring[foo]=1`),
    status: 400, type: 'invalid_request_error', param: 'recurring[foo]', code: 'parameter_unknown' },
  { name: "price: another tenant's price", sdk: () => f.a.prices.update(f.priceB, { nickname: 'mine' }),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'price: limit=101 on the list', sdk: () => f.a.prices.list({ limit: 101 }),
    status: 400, type: 'invalid_request_error', param: 'limit', code: 'parameter_invalid_integer' },
  { name: 'price: expand of a non-expandable field', sdk: () => f.a.prices.retrieve(f.priceA, { expand: ['currency'] }),
    status: 400, type: 'invalid_request_error', param: 'expand[0]', code: 'parameter_invalid' },

  // Coupons.
  { name: 'coupon: percent_off over 100', sdk: () => f.a.coupons.create({ percent_off: 101, duration: 'once' }),
    status: 400, type: 'invalid_request_error', param: 'percent_off', code: 'parameter_invalid' },
  { name: 'coupon: percent_off that is not a number', req: raw('POST', '/v1/coupons', 'percent_off=abc&duration=once'),
    status: 400, type: 'invalid_request_error', param: 'percent_off', code: 'parameter_invalid' },
  { name: 'coupon: unknown duration', sdk: () => f.a.coupons.create({ percent_off: 10, duration: 'sometimes' }),
    status: 400, type: 'invalid_request_error', param: 'duration', code: 'parameter_invalid' },
  { name: 'coupon: amount_off without a currency', sdk: () => f.a.coupons.create({ amount_off: 100, duration: 'once' }),
    status: 400, type: 'invalid_request_error', param: 'currency', code: 'parameter_missing' },
  { name: 'coupon: amount_off beyond 10^15',
    sdk: () => f.a.coupons.create({ amount_off: E15 + 1, currency: 'nok', duration: 'once' }),
    status: 400, type: 'invalid_request_error', param: 'amount_off', code: 'parameter_invalid_integer' },
  { name: 'coupon: an id that is taken', sdk: () => f.a.coupons.create({ id: 'SAVE10', percent_off: 20, duration: 'once' }),
    status: 400, type: 'invalid_request_error', param: 'id', code: 'resource_already_exists' },
  { name: "coupon: another tenant's coupon", sdk: () => f.a.coupons.retrieve(f.couponB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: "coupon: deleting another tenant's coupon", sdk: () => f.a.coupons.del(f.couponB),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },

  // Tax rates.
  { name: 'tax rate: inclusive that is not a boolean', req: raw('POST', '/v1/tax_rates', 'display_name=MVA&percentage=25&inclusive=maybe'),
    status: 400, type: 'invalid_request_error', param: 'inclusive', code: 'parameter_invalid' },
  { name: 'tax rate: percentage with five decimals',
    sdk: () => f.a.taxRates.create({ display_name: 'MVA', percentage: 25.12345, inclusive: false }),
    status: 400, type: 'invalid_request_error', param: 'percentage', code: 'parameter_invalid' },
  { name: 'tax rate: percentage over 100', sdk: () => f.a.taxRates.create({ display_name: 'MVA', percentage: 101, inclusive: false }),
    status: 400, type: 'invalid_request_error', param: 'percentage', code: 'parameter_invalid' },
  { name: 'tax rate: missing display_name', sdk: () => f.a.taxRates.create({ percentage: 25, inclusive: false }),
    status: 400, type: 'invalid_request_error', param: 'display_name', code: 'parameter_missing' },
  { name: "tax rate: another tenant's tax rate", sdk: () => f.a.taxRates.update(f.txrB, { active: false }),
    status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },

  // Routes and headers.
  { name: 'unknown route', req: raw('GET', '/v1/nothing'),
    status: 404, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'unknown route without a key', req: raw('GET', '/v1/nothing', undefined, { key: null }),
    status: 401, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'known path, wrong method', req: raw('PUT', '/v1/customers', 'name=x'),
    status: 404, type: 'invalid_request_error', param: undefined, code: undefined },
  { name: 'Idempotency-Key over 255 characters', req: raw('POST', '/v1/customers', 'name=x',
    { headers: { 'Idempotency-Key': repeat('i', 256) } }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'empty Idempotency-Key', req: raw('POST', '/v1/customers', 'name=x', { headers: { 'Idempotency-Key': '' } }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
  { name: 'Idempotency-Key that is not UTF-8', req: raw('POST', '/v1/customers', 'name=x',
    { headers: { 'Idempotency-Key': 'key-\xff\xfe' } }),
    status: 400, type: 'invalid_request_error', param: undefined, code: 'parameter_invalid' },
];

test('the table has at least 40 distinct cases', () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

runCases(() => server, cases);
