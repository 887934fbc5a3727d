// bad_input_lib.js - the runner the bad-input tables share: each row is a
// request (the stripe SDK where it can say it, raw HTTP where it cannot) and
// its exact answer: HTTP status, error.type, error.param and error.code
// (undefined when Stripe's error names none), with Stripe's error shape and
// nothing else, and a database byte-for-byte unchanged afterwards
// (server.dump() covers every table, so neither an idempotency_keys row nor an
// event may appear).
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');

const FORM = 'application/x-www-form-urlencoded';
const JSON_CT = 'application/json';

// A raw request maker bound to the server and a default key (a function: the
// key is known only once the fixtures exist). key 'A' is the default key,
// null sends none, anything else is sent as the Authorization header.
function rawWith(getServer, defaultKey) {
  return (method, path, body, { key = 'A', ctype, headers = {} } = {}) => async () => {
    const h = { ...headers };
    const k = typeof key === 'function' ? key() : key;
    if (k === 'A') h.Authorization = `Bearer ${defaultKey()}`;
    else if (k !== null) h.Authorization = k;
    if (body !== undefined) h['Content-Type'] = ctype || FORM;
    const p = typeof path === 'function' ? path() : path;
    const b = typeof body === 'function' ? body() : body;
    return getServer().raw(method, p, { body: b, headers: h });
  };
}

// Stripe's error shape: {"error": {type, message, param?, code?}} and nothing else.
function assertErrorShape(json) {
  assert.ok(json && typeof json === 'object', 'error body is JSON');
  assert.deepEqual(Object.keys(json), ['error']);
  for (const k of Object.keys(json.error)) {
    assert.ok(['type', 'message', 'param', 'code'].includes(k), `unexpected error field ${k}`);
    assert.equal(typeof json.error[k], 'string');
  }
  assert.ok(json.error.message.length > 0);
}

// One test per row; getServer() is the started server.
function runCases(getServer, cases, prefix = 'bad input') {
  for (const c of cases) {
    test(`${prefix}: ${c.name}`, async () => {
      const server = getServer();
      const before = server.dump();
      let got;
      if (c.sdk) {
        let err;
        try {
          await c.sdk();
        } catch (e) {
          err = e;
        }
        assert.ok(err, 'the SDK call must fail');
        assert.ok(err.statusCode, `not an API error: ${err.message}`);
        got = { status: err.statusCode, type: err.rawType, param: err.param, code: err.code };
      } else {
        const r = await c.req();
        assertErrorShape(r.json);
        assert.equal(r.headers.get('content-type'), 'application/json');
        assert.match(r.headers.get('request-id') || '', /^req_[0-9A-Za-z]{14}$/);
        got = { status: r.status, type: r.json.error.type, param: r.json.error.param, code: r.json.error.code };
      }
      assert.deepEqual(got, { status: c.status, type: c.type, param: c.param, code: c.code });
      assert.equal(server.dump(), before, 'a failed request must change nothing');
    });
  }
}

module.exports = { FORM, JSON_CT, rawWith, runCases, assertErrorShape };
