// audit_log.test.js - the append-only audit log (docs/audit.md) through the
// stripe SDK against a real server: a scenario of changes (customer created
// and updated, a subscription charged, an invoice voided, a credit note, a
// declined payment whose attempt is kept) answered by exactly one entry per
// change with the key's id (never the secret), the Request-Id, the
// Idempotency-Key and the before/after of exactly what changed; bad input,
// previews and replays write none; sqlite3 itself cannot change or delete an
// entry; tenants and modes see only their own entries.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

async function entries(key, params = '') {
  const out = [];
  let after = '';
  for (;;) {
    const r = await server.raw('GET', `/v1/audit_log?limit=100${params}${after}`, { key });
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data);
    if (!r.json.has_more) return out;
    after = `&starting_after=${r.json.data[r.json.data.length - 1].id}`;
  }
}

// Runs a change, remembering its Request-Id (and Idempotency-Key) in order.
function recorder() {
  const made = [];
  return {
    made,
    async run(fn) {
      const obj = await fn();
      made.push({ request: obj.lastResponse.requestId, ikey: obj.lastResponse.idempotencyKey ?? null });
      return obj;
    },
  };
}

test('one entry per change, with the key id, request id, idempotency key and the exact difference', async () => {
  const t = server.tenant(`Audit ${Math.random()}`);
  const s = server.client(t.secret_key);
  const rec = recorder();
  const base = await entries(t.secret_key);
  // The tenant's creation by the CLI is the log's first entry.
  assert.equal(base.length, 1);
  assert.deepEqual([base[0].actor, base[0].action, base[0].object_type, base[0].object_id, base[0].key_id,
    base[0].request_id], ['cli', 'create', 'tenant', t.id, null, null]);

  const cus = await rec.run(() => s.customers.create({ name: 'Old name', email: 'a@example.no',
    metadata: { tier: 'a', keep: 'x' } }, { idempotencyKey: 'audit-cus-1' }));
  const upd = await rec.run(() => s.customers.update(cus.id, { name: 'New name', metadata: { tier: 'b', added: 'y' } }));
  // Bad input changes nothing and has no entry.
  await assert.rejects(s.customers.update(cus.id, { email: 'x'.repeat(600) }), (err) => err.statusCode === 400);
  await assert.rejects(s.customers.create({ balance: 'nope' }), (err) => err.statusCode === 400);
  // A replay of a stored answer changes nothing: still one entry for the key.
  const replay = await s.customers.create({ name: 'Old name', email: 'a@example.no',
    metadata: { tier: 'a', keep: 'x' } }, { idempotencyKey: 'audit-cus-1' });
  assert.equal(replay.id, cus.id);

  const product = await rec.run(() => s.products.create({ name: 'Pro' }));
  const price = await rec.run(() => s.prices.create({ product: product.id, currency: 'nok', unit_amount: 29900,
    recurring: { interval: 'month' } }));
  const pm = await rec.run(() => s.paymentMethods.attach('pm_card_visa', { customer: cus.id }));
  await rec.run(() => s.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } }));
  // A preview runs the change and rolls it back: no entry.
  await s.invoices.createPreview({ customer: cus.id, subscription_details: { items: [{ price: price.id }] } });
  const sub = await rec.run(() => s.subscriptions.create({ customer: cus.id, items: [{ price: price.id }] }));
  assert.equal(sub.status, 'active');
  const paid = await s.invoices.retrieve(sub.latest_invoice);
  assert.equal(paid.status, 'paid');
  const cn = await rec.run(() => s.creditNotes.create({ invoice: paid.id, amount: 5000, credit_amount: 5000 }));
  const draft = await rec.run(() => s.invoices.create({ customer: cus.id, collection_method: 'send_invoice',
    days_until_due: 10 }));
  await rec.run(() => s.invoiceItems.create({ customer: cus.id, invoice: draft.id, amount: 10000, currency: 'nok' }));
  await rec.run(() => s.invoices.finalizeInvoice(draft.id));
  const voided = await rec.run(() => s.invoices.voidInvoice(draft.id));
  assert.equal(voided.status, 'void');
  const gone = await rec.run(() => s.products.create({ name: 'Gone' }));
  const deleted = await rec.run(() => s.products.del(gone.id));
  assert.equal(deleted.deleted, true);

  const log = (await entries(t.secret_key)).reverse().slice(1); // oldest first, the tenant's creation left out
  assert.deepEqual(log.map((x) => x.request_id), rec.made.map((m) => m.request));
  assert.deepEqual(log.map((x) => x.idempotency_key), rec.made.map((m) => m.ikey));
  assert.equal(log[0].idempotency_key, 'audit-cus-1');
  assert.deepEqual(log.map((x) => `${x.method} ${x.action} ${x.object_type} ${x.status}`), [
    'POST create customer 200',
    'POST update customer 200',
    'POST create product 200',
    'POST create price 200',
    'POST attach payment_method 200',
    'POST update customer 200',
    'POST create subscription 200',
    'POST create credit_note 200',
    'POST create invoice 200',
    'POST create invoiceitem 200',
    'POST finalize invoice 200',
    'POST void invoice 200',
    'POST create product 200',
    'DELETE delete product 200',
  ]);
  for (const x of log) {
    assert.equal(x.object, 'audit_log_entry');
    assert.equal(x.actor, 'api');
    assert.equal(x.key_id, t.secret_key_id);
    assert.equal(x.livemode, false);
    assert.match(x.id, /^aud_/);
  }
  assert.equal(log[0].path, '/v1/customers');
  assert.equal(log[1].path, `/v1/customers/${cus.id}`);
  assert.equal(log[11].path, `/v1/invoices/${draft.id}/void`);
  assert.equal(log[11].object_id, draft.id);

  // Created: no before, the whole object after.
  assert.deepEqual(log[0].diff[cus.id].before, null);
  assert.deepEqual(log[0].diff[cus.id].events, ['customer.created']);
  assert.equal(log[0].diff[cus.id].after.name, 'Old name');
  // Updated: exactly the changed fields, before and after (metadata field by field).
  assert.deepEqual(log[1].diff, {
    [cus.id]: {
      object: 'customer',
      events: ['customer.updated'],
      before: { name: 'Old name', metadata: { tier: 'a', added: null } },
      after: { name: 'New name', metadata: { tier: 'b', added: 'y' } },
    },
  });
  assert.equal(upd.name, 'New name');
  // The charged subscription: every object the change touched.
  const subDiff = log[6].diff;
  assert.equal(log[6].object_id, sub.id);
  assert.deepEqual(subDiff[sub.id].before, null);
  assert.equal(subDiff[sub.id].after.status, 'active');
  assert.deepEqual(subDiff[paid.id].before, null);
  assert.equal(subDiff[paid.id].after.status, 'paid');
  assert.ok(subDiff[paid.id].events.includes('invoice.paid'), JSON.stringify(subDiff[paid.id].events));
  assert.ok(Object.values(subDiff).some((d) => d.object === 'charge'));
  // Finalize and void: the event says no previous values; the difference is
  // taken against the invoice as it was before the request.
  assert.deepEqual(log[10].diff[draft.id].before, { status: 'draft', number: null, due_date: null,
    effective_at: null, ending_balance: null, status_transitions: { finalized_at: null } });
  assert.equal(log[10].diff[draft.id].after.status, 'open');
  // The void gives back the credit balance the finalized invoice had taken.
  assert.deepEqual(log[11].diff, {
    [cus.id]: {
      object: 'customer',
      events: ['customer.updated'],
      before: { balance: 0 },
      after: { balance: -5000 },
    },
    [draft.id]: {
      object: 'invoice',
      events: ['invoice.voided'],
      before: { status: 'open', status_transitions: { voided_at: null } },
      after: { status: 'void', status_transitions: { voided_at: voided.status_transitions.voided_at } },
    },
  });
  assert.equal(log[7].object_id, cn.id);
  // The delete.
  assert.equal(log[13].diff[deleted.id].deleted, true);
  assert.deepEqual(log[13].diff[deleted.id].before, gone); // the product as it was, whole
  assert.equal(log[13].diff[deleted.id].after, null);

  // The secret is nowhere in the log, the key's id is the key's.
  const all = server.sql('SELECT * FROM audit_log');
  assert.ok(!all.includes(t.secret_key) && !all.includes(t.secret_key.slice(8)));
  assert.equal(JSON.parse(server.sql(`SELECT id FROM api_keys WHERE tenant_id = '${t.id}' AND livemode = 0`))[0].id,
    t.secret_key_id);

  // Filters.
  const ofCustomer = await entries(t.secret_key, `&object=${cus.id}`);
  assert.deepEqual(ofCustomer.map((x) => x.action), ['update', 'update', 'create']);
  assert.deepEqual((await entries(t.secret_key, '&action=void')).map((x) => x.object_id), [draft.id]);
  assert.deepEqual((await entries(t.secret_key, `&request=${rec.made[1].request}`)).map((x) => x.id), [log[1].id]);
  assert.equal((await entries(t.secret_key, `&key=${t.secret_key_id}`)).length, log.length);
  assert.equal((await entries(t.secret_key, '&key=key_nope')).length, 0);
  assert.equal((await entries(t.secret_key, `&created[gte]=${base[0].created}`)).length, log.length + 1);
  assert.equal((await entries(t.secret_key, `&created[lt]=${base[0].created}`)).length, 0);
  assert.equal((await entries(t.secret_key, `&created[gt]=${log[13].created}`)).length, 0);
  const page = await server.raw('GET', '/v1/audit_log?limit=2', { key: t.secret_key });
  assert.equal(page.json.has_more, true);
  assert.deepEqual(page.json.data.map((x) => x.id), [log[13].id, log[12].id]);
  const one = await server.raw('GET', `/v1/audit_log/${log[1].id}`, { key: t.secret_key });
  assert.deepEqual(one.json, log[1]);
  const bad = await server.raw('GET', '/v1/audit_log?actor=api', { key: t.secret_key });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'actor');
});

test('a declined payment kept as an attempt has its 402 entry; one that keeps nothing has none', async () => {
  const t = server.tenant(`Audit 402 ${Math.random()}`);
  const s = server.client(t.secret_key);
  const cus = await s.customers.create({ name: 'Declines', currency: 'nok' });
  const pm = await s.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: cus.id });
  const inv = await s.invoices.create({ customer: cus.id, auto_advance: false });
  await s.invoiceItems.create({ customer: cus.id, invoice: inv.id, amount: 10000, currency: 'nok' });
  await s.invoices.finalizeInvoice(inv.id);
  const before = (await entries(t.secret_key)).length;
  let requestId;
  await assert.rejects(s.invoices.pay(inv.id, { payment_method: pm.id }), (err) => {
    requestId = err.requestId;
    return err.statusCode === 402;
  });
  // An attach of a card that declines keeps nothing.
  await assert.rejects(s.paymentMethods.attach('pm_card_chargeDeclined', { customer: cus.id }),
    (err) => err.statusCode === 402);
  const log = await entries(t.secret_key);
  assert.equal(log.length, before + 1);
  const e = log[0];
  assert.deepEqual([e.request_id, e.method, e.action, e.status, e.object_id, e.object_type],
    [requestId, 'POST', 'pay', 402, inv.id, 'invoice']);
  assert.ok(Object.values(e.diff).some((d) => d.events.includes('charge.failed')), JSON.stringify(e.diff));
});

test('entries cannot be changed or deleted, even with sqlite3 on the database', async () => {
  const t = server.tenant(`Audit sql ${Math.random()}`);
  const s = server.client(t.secret_key);
  await s.customers.create({ name: 'Kept' });
  const dump = server.sql('SELECT * FROM audit_log ORDER BY seq');
  for (const q of ["UPDATE audit_log SET action = 'nothing'", 'DELETE FROM audit_log',
    `UPDATE audit_log SET key_id = NULL WHERE tenant_id = '${t.id}'`]) {
    // psql on PostgreSQL (the same refusal, from the migration's trigger function)
    assert.throws(() => (server.pg ? server.sql(q) : execFileSync('sqlite3', [server.dbPath, q], { stdio: 'pipe' })),
      (err) => /audit_log is append-only/.test(err.stderr.toString()));
  }
  if (server.pg) {
    assert.throws(() => server.sql('TRUNCATE audit_log'),
      (err) => /audit_log is append-only/.test(err.stderr.toString()));
  }
  assert.equal(server.sql('SELECT * FROM audit_log ORDER BY seq'), dump);
  // No route changes an entry.
  const id = (await entries(t.secret_key))[0].id;
  for (const method of ['POST', 'DELETE']) {
    const r = await server.raw(method, `/v1/audit_log/${id}`, { key: t.secret_key, body: method === 'POST' ? 'action=x' : undefined });
    assert.equal(r.status, 404);
  }
  assert.equal(server.sql('SELECT * FROM audit_log ORDER BY seq'), dump);
});

test('tenants and modes see only their own entries', async () => {
  const a = server.tenant(`Audit A ${Math.random()}`);
  const b = server.tenant(`Audit B ${Math.random()}`);
  const ca = await server.client(a.secret_key).customers.create({ name: 'A' });
  await server.client(a.live_secret_key).customers.create({ name: 'A live' });
  await server.client(b.secret_key).customers.create({ name: 'B' });
  const la = await entries(a.secret_key);
  const live = await entries(a.live_secret_key);
  const lb = await entries(b.secret_key);
  assert.deepEqual(la.map((x) => x.action), ['create', 'create']);
  assert.equal(la[0].object_id, ca.id);
  assert.deepEqual(live.map((x) => [x.livemode, x.key_id]), [[true, a.live_secret_key_id], [true, null]]);
  assert.ok(lb.every((x) => x.object_id !== ca.id));
  assert.equal((await entries(b.secret_key, `&object=${ca.id}`)).length, 0);
  const other = await server.raw('GET', `/v1/audit_log/${la[0].id}`, { key: b.secret_key });
  assert.equal(other.status, 404);
  const liveOther = await server.raw('GET', `/v1/audit_log/${la[0].id}`, { key: a.live_secret_key });
  assert.equal(liveOther.status, 404);
});

test('changes outside the API: the scheduler (actor system) and recur bank import (actor cli)', async () => {
  const t = server.tenant(`Audit system ${Math.random()}`);
  const s = server.client(t.secret_key);
  const cus = await s.customers.create({ name: 'Wall', currency: 'nok' });
  const pm = await s.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  await s.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await s.products.create({ name: 'Pro' });
  const price = await s.prices.create({ product: product.id, currency: 'nok', unit_amount: 9900,
    recurring: { interval: 'month' } });
  // A schedule that starts on the wall clock in a moment: the scheduler inside recur serve starts it.
  const sched = await s.subscriptionSchedules.create({ customer: cus.id,
    start_date: Math.floor(Date.now() / 1000) + 1, phases: [{ items: [{ price: price.id }] }] });
  let now = sched;
  for (let i = 0; i < 40 && now.status !== 'active'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    now = await s.subscriptionSchedules.retrieve(sched.id);
  }
  assert.equal(now.status, 'active');
  const system = await entries(t.secret_key, `&object=${sched.id}`);
  const started = system.filter((x) => x.actor === 'system');
  assert.equal(started.length, 1);
  assert.deepEqual([started[0].action, started[0].object_type, started[0].key_id, started[0].request_id,
    started[0].method], ['due_work', null, null, null, null]);
  // Due work names its events (which hold the objects and previous_attributes)
  // instead of copying them: exactly the events the start wrote.
  // Other due work of the same tick (the new subscription's own steps) may write
  // events in the same second: the start's are the contiguous run the entry
  // names, and none of that run may be missing from it.
  const ref = started[0].diff[sched.id];
  assert.deepEqual(Object.keys(started[0].diff), [sched.id]);
  const first = ref.event_ids[0], last = ref.event_ids[ref.event_ids.length - 1];
  const made = (await s.events.list({ limit: 100 })).data.filter((ev) => ev.request.id === null &&
    ev.id >= first && ev.id <= last);
  assert.deepEqual(ref.event_ids, made.map((ev) => ev.id).reverse());
  assert.deepEqual(ref.events, made.map((ev) => ev.type).reverse());
  assert.ok(ref.events.includes('customer.subscription.created'), JSON.stringify(ref.events));
  assert.ok(ref.events.includes('subscription_schedule.updated'), JSON.stringify(ref.events));

  // recur bank import: an unmatched credit is kept; the same file again changes nothing.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-audit-'));
  const file = path.join(dir, 'camt.xml');
  fs.writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
 <GrpHdr><MsgId>AUDIT-1</MsgId><CreDtTm>2026-03-02T09:15:30Z</CreDtTm></GrpHdr>
 <Ntfctn><Id>AUDIT-1-N1</Id><Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>
  <Ntry><Amt Ccy="NOK">12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>AUDIT-1-E1</AcctSvcrRef>
   <NtryDtls><TxDtls><Refs><AcctSvcrRef>TX-AUDIT-1</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
    <Amt Ccy="NOK">12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf><Ustrd>no reference</Ustrd></RmtInf></TxDtls></NtryDtls>
  </Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
`);
  const run = () => execFileSync(BIN, ['bank', 'import', file, '--db', server.db, '--tenant', t.id]).toString();
  const st = JSON.parse(run());
  assert.equal(st.unmatched, 1);
  assert.equal(JSON.parse(run()).duplicates, 1);
  fs.rmSync(dir, { recursive: true, force: true });
  const cli = (await entries(t.secret_key)).filter((x) => x.actor === 'cli');
  assert.deepEqual(cli.map((x) => [x.action, x.object_type, x.object_id, x.key_id]),
    [['import', 'bank_statement', st.id, null], ['create', 'tenant', t.id, null]]);
  assert.equal(cli[0].diff[st.id].after.unmatched, 1);
});
