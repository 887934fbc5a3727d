// webhooks.test.js - webhook endpoints and their signed, retried deliveries
// (docs/webhooks.md), received by real HTTP servers on loopback and checked
// with the stripe SDK's own signature verification.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const Stripe = require('stripe');
const { startServer, BIN, freePort, waitForPort } = require('./harness');

// Retries 100 ms apart (whole seconds in the queue) instead of a minute.
process.env.RECUR_WEBHOOK_BACKOFF_MS = '100';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const verifier = new Stripe('sk_test_unused');

// A receiver on loopback: answer(n) gives the status of its n-th request
// (1-based). Every request is checked with constructEvent against secret()
// before it counts; a request that fails the check throws in the test.
async function receiver({ answer = () => 200, port } = {}) {
  const r = { events: [], requests: 0, bad: [], secret: null };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      r.requests++;
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        const ev = verifier.webhooks.constructEvent(raw, req.headers['stripe-signature'], r.secret);
        assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
        assert.match(req.headers['user-agent'], /^recur\//);
        const status = answer(r.requests);
        if (status >= 200 && status < 300) r.events.push(ev);
        res.writeHead(status).end();
      } catch (err) {
        r.bad.push(String(err));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((ok) => r.server.listen(port || 0, '127.0.0.1', ok));
  r.port = r.server.address().port;
  r.url = `http://127.0.0.1:${r.port}/hooks`;
  r.close = () => new Promise((ok) => r.server.close(ok));
  return r;
}

async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function all(list) {
  const out = [];
  for await (const x of list) out.push(x);
  return out;
}

async function rejects400(p, param) {
  await assert.rejects(p, (err) => {
    assert.equal(err.statusCode, 400, `${param}: ${err.message}`);
    assert.equal(err.raw.type, 'invalid_request_error');
    assert.equal(err.param, param);
    return true;
  });
}

const deliveryCounts = (events) => events.map((e) =>
  JSON.parse(server.sql(`SELECT count(*) AS n FROM webhook_deliveries WHERE event = '${e.id}'`))[0].n);

// The worker writes while it has work: a dump() compares only once it is idle.
const idle = () => until('no pending deliveries', () =>
  JSON.parse(server.sql("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'"))[0].n === 0);

async function world(name) {
  const tenant = server.tenant(`${name} ${Math.random()}`);
  return { tenant, stripe: server.client(tenant.secret_key) };
}

// A server of our own (restarts, other settings), on a db that may outlive it.
async function ownServer(dbPath, env) {
  const port = await freePort();
  const log = fs.openSync(`${dbPath}.log`, 'a');
  const child = spawn(BIN, ['serve', '--db', `sqlite:${dbPath}`, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', log, log], env: { ...env } });
  await waitForPort(port, child);
  return {
    port, child,
    client: (key) => new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 }),
    tenant: () => JSON.parse(execFileSync(BIN, ['tenant', 'create', '--name', 'Own',
      '--db', `sqlite:${dbPath}`]).toString()),
    sql: (q) => JSON.parse(execFileSync('sqlite3', ['-json', dbPath, q]).toString() || '[]'),
    kill: (sig = 'SIGTERM') => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', ok);
      child.kill(sig);
    }),
  };
}

const baseEnv = () => {
  const env = { ...process.env };
  delete env.RECUR_WEBHOOKS_ALLOW_PRIVATE;
  return env;
};

test('a subscription charged by pm_card_visa: every event reaches the endpoint, signed', async () => {
  const w = await world('Scenario');
  const rcv = await receiver();
  try {
    const ep = await w.stripe.webhookEndpoints.create({ url: rcv.url, enabled_events: ['*'] });
    rcv.secret = ep.secret;
    const customer = await w.stripe.customers.create({ email: 'kunde@example.no' });
    const product = await w.stripe.products.create({ name: 'Pro' });
    const price = await w.stripe.prices.create({ product: product.id, currency: 'nok',
      unit_amount: 29900, recurring: { interval: 'month' } });
    const pm = await w.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await w.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    const sub = await w.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    assert.equal(sub.status, 'active');
    const events = (await all(w.stripe.events.list({ limit: 100 }))).reverse();
    assert.deepEqual(events.map((e) => e.type), [
      'customer.created', 'product.created', 'price.created', 'payment_method.attached',
      'customer.updated', 'invoice.created', 'invoice.finalized', 'payment_intent.created',
      'charge.succeeded', 'payment_intent.succeeded', 'invoice.paid',
      'invoice.payment_succeeded', 'customer.subscription.created',
    ]);
    // one delivery each (pending_webhooks may already be back to 0: the worker is quick)
    assert.deepEqual(deliveryCounts(events), events.map(() => 1));
    await until('every event delivered', () => rcv.events.length >= events.length);
    await sleep(300);
    assert.deepEqual(rcv.bad, []);
    // Exactly the events, once each, each as GET /v1/events/:id has it.
    const byId = (a) => [...a].sort((x, y) => x.id.localeCompare(y.id));
    assert.deepEqual(byId(rcv.events).map((e) => [e.id, e.type]), byId(events).map((e) => [e.id, e.type]));
    const first = rcv.events.find((e) => e.id === events[0].id);
    assert.deepEqual(first.data, events[0].data);
    // every success recorded: nothing pending on any event
    await until('pending_webhooks 0', async () =>
      (await all(w.stripe.events.list({ limit: 100 }))).every((e) => e.pending_webhooks === 0));
    const d = await server.raw('GET', `/v1/events/${events[0].id}/deliveries`, { key: w.tenant.secret_key });
    assert.equal(d.status, 200);
    assert.equal(d.json.data.length, 1);
    assert.equal(d.json.data[0].endpoint, ep.id);
    assert.equal(d.json.data[0].status, 'succeeded');
    assert.deepEqual(d.json.data[0].attempts.map((a) => [a.status_code, a.error]), [[200, null]]);

    // recur webhooks replay sends the event again, with the same id.
    const out = execFileSync(BIN, ['webhooks', 'replay', events[0].id, '--db', server.db]).toString();
    assert.equal(out, `1 deliveries of ${events[0].id} queued\n`);
    await until('the replay', () => rcv.events.length === events.length + 1);
    assert.equal(rcv.events.at(-1).id, events[0].id);
    // the receiver answers before the worker records the attempt
    const d2 = await until('the replay recorded', async () => {
      const r = await server.raw('GET', `/v1/events/${events[0].id}/deliveries`, { key: w.tenant.secret_key });
      return r.json.data[0].attempts.length === 2 && r;
    });
    assert.deepEqual(d2.json.data[0].attempts.map((a) => a.status_code), [200, 200]);
    assert.equal(d2.json.data[0].attempt_count, 2);
  } finally {
    await rcv.close();
  }
});

test('a receiver that fails three times and then answers 200 gets the event; every attempt shows', async () => {
  const w = await world('Retry');
  const rcv = await receiver({ answer: (n) => (n <= 3 ? 500 : 200) });
  try {
    const ep = await w.stripe.webhookEndpoints.create({ url: rcv.url, enabled_events: ['customer.created'] });
    rcv.secret = ep.secret;
    const customer = await w.stripe.customers.create({ name: 'Retry' });
    const [ev] = (await w.stripe.events.list({ type: 'customer.created' })).data;
    assert.equal(ev.data.object.id, customer.id);
    await until('the fourth attempt', () => rcv.events.length === 1, 20000);
    assert.equal(rcv.requests, 4);
    assert.equal(rcv.events[0].id, ev.id);
    const d = await until('the delivery recorded', async () => {
      const r = await server.raw('GET', `/v1/events/${ev.id}/deliveries`, { key: w.tenant.secret_key });
      return r.json.data[0].status === 'succeeded' && r.json;
    });
    const [del] = d.data;
    assert.equal(del.attempt_count, 4);
    assert.equal(del.last_status_code, 200);
    assert.equal(del.next_attempt_at, null);
    assert.deepEqual(del.attempts.map((a) => a.status_code), [500, 500, 500, 200]);
    // one second apart at least: the queue keeps whole seconds
    for (let i = 1; i < 4; i++) assert.ok(del.attempts[i].attempted_at > del.attempts[i - 1].attempted_at);
    assert.equal((await w.stripe.events.retrieve(ev.id)).pending_webhooks, 0);
  } finally {
    await rcv.close();
  }
});

test('enabled_events filters; a disabled endpoint gets nothing', async () => {
  const w = await world('Filter');
  const only = await receiver();
  const off = await receiver();
  try {
    const a = await w.stripe.webhookEndpoints.create({ url: only.url, enabled_events: ['customer.created', 'customer.subscription.trial_will_end'] });
    only.secret = a.secret;
    const b = await w.stripe.webhookEndpoints.create({ url: off.url, enabled_events: ['*'] });
    off.secret = b.secret;
    const disabled = await w.stripe.webhookEndpoints.update(b.id, { disabled: true });
    assert.equal(disabled.status, 'disabled');
    const cus = await w.stripe.customers.create({ name: 'Filtered' });
    await w.stripe.customers.update(cus.id, { name: 'Still filtered' });
    await w.stripe.products.create({ name: 'Not for a' });
    const events = (await w.stripe.events.list()).data.reverse();
    assert.deepEqual(events.map((e) => e.type), ['customer.created', 'customer.updated', 'product.created']);
    assert.deepEqual(deliveryCounts(events), [1, 0, 0]);
    assert.deepEqual(events.map((e) => e.pending_webhooks), [events[0].pending_webhooks, 0, 0]);
    await until('customer.created', () => only.events.length === 1);
    await sleep(1200);
    assert.deepEqual(only.events.map((e) => e.id), [events[0].id]);
    assert.equal(off.requests, 0);
    const none = await server.raw('GET', `/v1/events/${events[2].id}/deliveries`, { key: w.tenant.secret_key });
    assert.deepEqual(none.json, { object: 'list', url: `/v1/events/${events[2].id}/deliveries`, has_more: false, data: [] });
  } finally {
    await only.close();
    await off.close();
  }
});

test('endpoints: create shows the secret once; retrieve, update, list, delete', async () => {
  const w = await world('Crud');
  const ep = await w.stripe.webhookEndpoints.create({
    url: 'https://hooks.example.com/recur', enabled_events: ['invoice.paid', 'invoice.payment_failed'],
    description: 'Accounting', metadata: { team: 'finance' }, api_version: '2024-06-20',
  });
  assert.match(ep.id, /^we_[0-9A-Za-z]{24}$/);
  assert.match(ep.secret, /^whsec_[0-9A-Za-z]{32}$/);
  assert.deepEqual({ ...ep, id: 0, created: 0, secret: 0 }, {
    id: 0, object: 'webhook_endpoint', created: 0, url: 'https://hooks.example.com/recur',
    enabled_events: ['invoice.paid', 'invoice.payment_failed'], description: 'Accounting',
    metadata: { team: 'finance' }, api_version: '2024-06-20', application: null, status: 'enabled',
    livemode: false, secret: 0,
  });
  const got = await w.stripe.webhookEndpoints.retrieve(ep.id);
  assert.equal(got.secret, undefined);
  const { secret, ...rest } = ep;
  assert.deepEqual(got, rest);
  const up = await w.stripe.webhookEndpoints.update(ep.id, {
    url: 'https://hooks.example.com/v2', enabled_events: ['*'], description: '',
    metadata: { team: '', owner: 'ops' }, disabled: true,
  });
  assert.equal(up.url, 'https://hooks.example.com/v2');
  assert.deepEqual(up.enabled_events, ['*']);
  assert.equal(up.description, null);
  assert.deepEqual(up.metadata, { owner: 'ops' });
  assert.equal(up.status, 'disabled');
  assert.equal(up.secret, undefined);
  assert.equal((await w.stripe.webhookEndpoints.update(ep.id, { disabled: false })).status, 'enabled');
  const two = await w.stripe.webhookEndpoints.create({ url: 'http://hooks.example.com/b', enabled_events: ['*'] });
  const list = await w.stripe.webhookEndpoints.list();
  assert.deepEqual(list.data.map((x) => x.id), [two.id, ep.id]);
  assert.ok(list.data.every((x) => x.secret === undefined));
  assert.deepEqual(await w.stripe.webhookEndpoints.del(two.id), { id: two.id, object: 'webhook_endpoint', deleted: true });
  await assert.rejects(w.stripe.webhookEndpoints.retrieve(two.id), (err) => err.statusCode === 404);
  assert.deepEqual((await w.stripe.webhookEndpoints.list()).data.map((x) => x.id), [ep.id]);
});

test('bad input names its param and changes nothing', async () => {
  const w = await world('Bad');
  const ep = await w.stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/x', enabled_events: ['*'] });
  await idle();
  const before = server.dump();
  const cases = [
    [{ url: 'ftp://hooks.example.com/x', enabled_events: ['*'] }, 'url'],
    [{ url: 'hooks.example.com/x', enabled_events: ['*'] }, 'url'],
    [{ url: 'http:///x', enabled_events: ['*'] }, 'url'],
    [{ url: 'https://hooks.example.com/a b', enabled_events: ['*'] }, 'url'],
    [{ enabled_events: ['*'] }, 'url'],
    [{ url: 'https://hooks.example.com/x' }, 'enabled_events'],
    [{ url: 'https://hooks.example.com/x', enabled_events: ['Customer Created'] }, 'enabled_events'],
    [{ url: 'https://hooks.example.com/x', enabled_events: ['customer.*'] }, 'enabled_events'],
    [{ url: 'https://hooks.example.com/x', enabled_events: ['*'], secret: 'whsec_mine' }, 'secret'],
    [{ url: 'https://hooks.example.com/x', enabled_events: ['*'], disabled: 'maybe' }, 'disabled'],
  ];
  for (const [params, param] of cases) await rejects400(w.stripe.webhookEndpoints.create(params), param);
  await rejects400(w.stripe.webhookEndpoints.update(ep.id, { url: 'javascript:alert(1)' }), 'url');
  await rejects400(w.stripe.webhookEndpoints.update(ep.id, { enabled_events: [''] }), 'enabled_events');
  await rejects400(w.stripe.webhookEndpoints.update(ep.id, { api_version: '2020-08-27' }), 'api_version');
  assert.equal(server.dump(), before);
});

test('without the setting, loopback and private addresses are refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-wh-'));
  const own = await ownServer(path.join(dir, 'recur.db'), baseEnv());
  try {
    const t = own.tenant();
    const stripe = own.client(t.secret_key);
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'https://10.1.2.3/x',
      'http://172.20.0.1/x', 'http://192.168.1.1/x', 'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/x', 'http://[fd00::1]/x', 'http://[fe80::1]/x', 'http://0.0.0.0/x',
      'http://[::ffff:127.0.0.1]/x', 'http://user@127.0.0.1/x']) {
      await rejects400(stripe.webhookEndpoints.create({ url, enabled_events: ['*'] }), 'url');
    }
    const ok = await stripe.webhookEndpoints.create({ url: 'https://93.184.216.34/x', enabled_events: ['*'] });
    await rejects400(stripe.webhookEndpoints.update(ok.id, { url: 'http://10.0.0.1/' }), 'url');
    assert.deepEqual(own.sql('SELECT url FROM webhook_endpoints'), [{ url: 'https://93.184.216.34/x' }]);
  } finally {
    await own.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a server killed with deliveries pending delivers them after restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-wh-'));
  const dbPath = path.join(dir, 'recur.db');
  const env = { ...process.env, RECUR_WEBHOOKS_ALLOW_PRIVATE: '1' };
  let own = await ownServer(dbPath, env);
  const port = await freePort(); // nobody listens yet: every attempt is refused
  let rcv = null;
  try {
    const t = own.tenant();
    let stripe = own.client(t.secret_key);
    const ep = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/hooks`, enabled_events: ['*'] });
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await stripe.customers.create({ name: `C${i}` })).id);
    await until('every delivery tried once', () => {
      const [r] = own.sql("SELECT count(*) AS n FROM webhook_deliveries WHERE attempts > 0 AND status = 'pending'");
      return r.n === 20;
    });
    await own.kill('SIGKILL');
    rcv = await receiver({ port });
    rcv.secret = ep.secret;
    own = await ownServer(dbPath, env);
    stripe = own.client(t.secret_key);
    await until('all 20 after the restart', () => rcv.events.length >= 20);
    const events = await all(stripe.events.list({ limit: 100 }));
    assert.deepEqual(new Set(rcv.events.map((e) => e.id)), new Set(events.map((e) => e.id)));
    assert.deepEqual(new Set(rcv.events.map((e) => e.data.object.id)), new Set(ids));
    assert.deepEqual(rcv.bad, []);
    await until('recorded', () => own.sql("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'")[0].n === 20);
    const errors = own.sql('SELECT DISTINCT error FROM webhook_attempts WHERE status_code IS NULL');
    assert.ok(errors.length >= 1 && errors.every((r) => /connect/i.test(r.error)), JSON.stringify(errors));
  } finally {
    await own.kill();
    if (rcv) await rcv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an endpoint that fails for the whole retry window is disabled, and an event says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-wh-'));
  const env = { ...process.env, RECUR_WEBHOOKS_ALLOW_PRIVATE: '1', RECUR_WEBHOOK_RETRY_WINDOW: '2' };
  const own = await ownServer(path.join(dir, 'recur.db'), env);
  const rcv = await receiver({ answer: () => 503 });
  try {
    const t = own.tenant();
    const stripe = own.client(t.secret_key);
    const ep = await stripe.webhookEndpoints.create({ url: rcv.url, enabled_events: ['customer.created'] });
    rcv.secret = ep.secret;
    await stripe.customers.create({ name: 'Gone' });
    await until('the endpoint disabled', async () =>
      (await stripe.webhookEndpoints.retrieve(ep.id)).status === 'disabled', 20000);
    const [ev] = (await stripe.events.list({ type: 'webhook_endpoint.disabled' })).data;
    assert.equal(ev.data.object.id, ep.id);
    assert.equal(ev.data.object.status, 'disabled');
    const [d] = own.sql("SELECT status, last_status_code FROM webhook_deliveries");
    assert.deepEqual(d, { status: 'failed', last_status_code: 503 });
    assert.ok(rcv.requests >= 2);
  } finally {
    await own.kill();
    await rcv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deliveries a killed server had in flight are sent at once after restart, not after the lease', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-wh-'));
  const dbPath = path.join(dir, 'recur.db');
  const env = { ...process.env, RECUR_WEBHOOKS_ALLOW_PRIVATE: '1' };
  // A receiver that takes the requests and never answers: they stay claimed.
  const hung = http.createServer(() => {});
  await new Promise((ok) => hung.listen(0, '127.0.0.1', ok));
  const { port } = hung.address();
  let own = await ownServer(dbPath, env);
  let rcv = null;
  try {
    const t = own.tenant();
    const stripe = own.client(t.secret_key);
    const ep = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/hooks`, enabled_events: ['customer.created'] });
    for (let i = 0; i < 5; i++) await stripe.customers.create({ name: `H${i}` });
    await until('5 claimed', () =>
      own.sql("SELECT count(*) AS n FROM webhook_deliveries WHERE claimed_at IS NOT NULL")[0].n === 5);
    await own.kill('SIGKILL');
    hung.closeAllConnections();
    await new Promise((ok) => hung.close(ok));
    rcv = await receiver({ port });
    rcv.secret = ep.secret;
    const t0 = Date.now();
    own = await ownServer(dbPath, env);
    await until('the 5 after the restart', () => rcv.events.length === 5, 10000);
    assert.ok(Date.now() - t0 < 10000); // the lease is 60 s
    await until('recorded', () => own.sql(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND attempts = 1 AND claimed_at IS NULL")[0].n === 5);
  } finally {
    await own.kill();
    if (rcv) await rcv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
