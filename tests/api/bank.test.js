// bank.test.js - bank reconciliation end to end: send_invoice invoices get a
// KID (MOD10) payment reference at finalization; camt.054 (001.08) documents
// built here with those references are imported through POST
// /v1/bank_statements (raw XML body and form field alike): an exact payment
// pays its invoice, an under-payment leaves it open and partly paid, an
// over-payment pays it and credits the customer, an unknown reference becomes
// an unmatched payment that is then assigned, and the same file twice changes
// nothing. After each: invoice amounts, customer balance, the customer's
// ledger, and the real CLI `recur verify` exiting 0.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

function assertVerified(t) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', t.id], { encoding: 'utf8' });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  assert.doesNotMatch(out, /FAIL/);
  assert.match(out, /ok    paid invoices have a payment/);
  return out;
}

// Luhn (KID MOD10) check, as the Nets specification computes it.
function mod10ok(ref) {
  let sum = 0;
  for (let i = 0; i < ref.length; i++) {
    let d = Number(ref[ref.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

async function world(name) {
  const t = server.tenant(name);
  const s = server.client(t.secret_key);
  const cus = await s.customers.create({ name, currency: 'nok' });
  return { t, s, cus };
}

async function invoice(w, amount) {
  await w.s.invoiceItems.create({ customer: w.cus.id, amount, currency: 'nok', description: 'Konsulenttimer' });
  const draft = await w.s.invoices.create({ customer: w.cus.id, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include' });
  assert.equal(draft.payment_reference ?? null, null);
  return w.s.invoices.finalizeInvoice(draft.id);
}

// One TxDtls: { ref (structured) | text (unstructured), amount (minor units), id (bank ref), ccy }.
function txXml({ ref, text, amount, id, ccy = 'NOK' }) {
  const amt = (amount / 100).toFixed(2);
  const rmt = ref ? `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${ref}</Ref></CdtrRefInf></Strd></RmtInf>`
    : `<RmtInf><Ustrd>${text}</Ustrd></RmtInf>`;
  return `<TxDtls><Refs><AcctSvcrRef>${id}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <Amt Ccy="${ccy}">${amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Pty><Nm>Ola Nordmann</Nm></Pty></Dbtr></RltdPties>${rmt}</TxDtls>`;
}

function camt(msgId, txs) {
  const total = txs.reduce((a, x) => a + x.amount, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-03-02T09:15:30Z</CreDtTm></GrpHdr>
  <Ntfctn>
   <Id>${msgId}-N1</Id>
   <Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>
   <Ntry>
    <Amt Ccy="${txs[0].ccy || 'NOK'}">${(total / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>
    <AcctSvcrRef>${msgId}-E1</AcctSvcrRef>
    <NtryDtls>${txs.map(txXml).join('\n')}</NtryDtls>
   </Ntry>
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>
`;
}

async function importXml(w, xml) {
  const r = await server.raw('POST', '/v1/bank_statements', { key: w.t.secret_key, body: xml,
    headers: { 'Content-Type': 'application/xml' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.object, 'bank_statement');
  return r.json;
}

async function ledgerOf(w) {
  const r = await server.raw('GET', `/v1/customers/${w.cus.id}/ledger?limit=100`, { key: w.t.secret_key });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('send_invoice invoices get distinct KID MOD10 payment references', async () => {
  const w = await world('KID AS');
  const a = await invoice(w, 10000);
  const b = await invoice(w, 20000);
  for (const inv of [a, b]) {
    assert.match(inv.payment_reference, /^\d{2,25}$/);
    assert.ok(mod10ok(inv.payment_reference), inv.payment_reference);
  }
  assert.notEqual(a.payment_reference, b.payment_reference);
  // A charge_automatically invoice has none.
  await w.s.invoiceItems.create({ customer: w.cus.id, amount: 500, currency: 'nok' });
  const c = await w.s.invoices.create({ customer: w.cus.id, pending_invoice_items_behavior: 'include',
    auto_advance: false });
  assert.equal(c.payment_reference ?? null, null);
});

// KID MOD11 check character (Nets): weights 2..7 from the right; 11 -> '0', 10 -> '-'.
function mod11ok(ref) {
  let sum = 0;
  const body = ref.slice(0, -1);
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (2 + (i % 6));
  const c = 11 - (sum % 11);
  return ref.slice(-1) === (c === 11 ? '0' : c === 10 ? '-' : String(c));
}

test('settings/payment_references: MOD11 KID of a fixed length, then OCR with a length digit', async () => {
  const w = await world('Referanse AS');
  const get = () => server.raw('GET', '/v1/settings/payment_references', { key: w.t.secret_key });
  const set = (body) => server.raw('POST', '/v1/settings/payment_references', { key: w.t.secret_key,
    body: new URLSearchParams(body).toString() });
  const def = await get();
  assert.equal(def.status, 200, def.text);
  assert.deepEqual(def.json, { object: 'payment_reference_settings', livemode: false, kind: 'kid_mod10',
    length: 0, length_digit: false, mod11_no_dash: false });

  // Refused, each naming its parameter, and nothing changes.
  for (const [body, param] of [[{ kind: 'iban' }, 'kind'], [{ length: '1' }, 'length'],
    [{ length: '26' }, 'length'], [{ length_digit: 'true' }, 'length_digit'],
    [{ mod11_no_dash: 'true' }, 'mod11_no_dash'], [{ colour: 'red' }, 'colour']]) {
    const r = await set(body);
    assert.equal(r.status, 400, JSON.stringify(body) + r.text);
    assert.equal(r.json.error.param, param, JSON.stringify(body));
  }
  assert.deepEqual((await get()).json, def.json);

  const mod11 = await set({ kind: 'kid_mod11', length: '10' });
  assert.equal(mod11.status, 200, mod11.text);
  assert.deepEqual((await get()).json, mod11.json);
  const a = await invoice(w, 10000);
  const b = await invoice(w, 20000);
  // Numbers 1 and 2 of the tenant's sequence, zero-padded to 9 digits and the check digit:
  // 1 x 2 = 2 -> 11 - 2 = 9; 2 x 2 = 4 -> 7.
  assert.deepEqual([a.payment_reference, b.payment_reference], ['0000000019', '0000000027']);
  for (const inv of [a, b]) assert.ok(mod11ok(inv.payment_reference), inv.payment_reference);

  // OCR with Bankgirot's length digit: number 3 -> "3", length digit 3, Luhn over "33" -> 1.
  const ocr = await set({ kind: 'ocr', length: '0', length_digit: 'true' });
  assert.equal(ocr.status, 200, ocr.text);
  assert.equal(ocr.json.kind, 'ocr');
  const c = await invoice(w, 30000);
  assert.equal(c.payment_reference, '331');
  assert.ok(mod10ok(c.payment_reference));

  // References issued before the change still match bank payments.
  const st = await importXml(w, camt('REF-1', [{ ref: a.payment_reference, amount: 10000, id: 'REF-TX-1' },
    { ref: c.payment_reference, amount: 30000, id: 'REF-TX-2' }]));
  assert.equal(st.matched, 2, JSON.stringify(st));
  assert.equal((await w.s.invoices.retrieve(a.id)).status, 'paid');
  assert.equal((await w.s.invoices.retrieve(c.id)).status, 'paid');
  assertVerified(w.t);
});

test('exact, under and over payments reconcile; the same file twice changes nothing', async () => {
  const w = await world('Avstemming AS');
  const exact = await invoice(w, 100000);
  const under = await invoice(w, 50000);
  const over = await invoice(w, 30000);
  const xml = camt('MSG-A', [
    { ref: exact.payment_reference, amount: 100000, id: 'TX-A1' },
    { ref: under.payment_reference, amount: 20000, id: 'TX-A2' },
    { text: `Faktura KID ${over.payment_reference} takk`, amount: 35000, id: 'TX-A3' },
  ]);
  const st = await importXml(w, xml);
  assert.match(st.id, /^bstmt_/);
  assert.deepEqual([st.matched, st.partial, st.overpaid, st.unmatched, st.duplicates],
    [1, 1, 1, 0, 0]);
  assert.deepEqual(st.transactions.map((x) => x.result), ['matched', 'partial', 'overpaid']);
  assert.deepEqual(st.transactions.map((x) => x.invoice), [exact.id, under.id, over.id]);

  const e = await w.s.invoices.retrieve(exact.id);
  assert.equal(e.status, 'paid');
  assert.equal(e.amount_paid, 100000);
  assert.equal(e.amount_remaining, 0);
  const u = await w.s.invoices.retrieve(under.id);
  assert.equal(u.status, 'open');
  assert.equal(u.amount_paid, 20000);
  assert.equal(u.amount_remaining, 30000);
  const o = await w.s.invoices.retrieve(over.id);
  assert.equal(o.status, 'paid');
  assert.equal(o.amount_paid, 30000);
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, -5000);
  const bt = await w.s.customers.listBalanceTransactions(w.cus.id);
  assert.equal(bt.data[0].type, 'invoice_overpaid');
  assert.equal(bt.data[0].amount, -5000);

  let l = await ledgerOf(w);
  assert.equal(l.receivable, 30000);
  assert.equal(l.credit_balance, -5000);
  assert.equal(l.balance, 25000);
  assertVerified(w.t);
  const bank = JSON.parse(server.sql(`SELECT SUM(debit) AS d FROM ledger_entries
    WHERE tenant_id = '${w.t.id}' AND account = 'bank'`))[0].d;
  assert.equal(bank, 155000);

  // The same file again: all duplicates, nothing moves.
  const dump = server.dump();
  const again = await importXml(w, xml);
  assert.deepEqual([again.matched, again.partial, again.overpaid, again.unmatched, again.duplicates],
    [0, 0, 0, 0, 3]);
  assert.deepEqual(again.transactions.map((x) => x.result), ['duplicate', 'duplicate', 'duplicate']);
  assert.equal(server.dump(), dump);

  // The rest of the under-paid invoice, as a form upload: now paid.
  const rest = camt('MSG-B', [{ ref: under.payment_reference, amount: 30000, id: 'TX-B1' }]);
  const r = await server.raw('POST', '/v1/bank_statements', { key: w.t.secret_key,
    body: new URLSearchParams({ file: rest }).toString() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.matched, 1);
  const u2 = await w.s.invoices.retrieve(under.id);
  assert.equal(u2.status, 'paid');
  assert.equal(u2.amount_paid, 50000);
  l = await ledgerOf(w);
  assert.equal(l.receivable, 0);
  assertVerified(w.t);
});

test('an unmatched payment is kept, listed and assigned to an invoice', async () => {
  const w = await world('Uavklart AS');
  const inv = await invoice(w, 40000);
  const st = await importXml(w, camt('MSG-U', [
    { ref: '12345678903', amount: 40000, id: 'TX-U1' },
    { text: 'ingen referanse', amount: 1000, id: 'TX-U2' },
  ]));
  assert.deepEqual([st.matched, st.unmatched], [0, 2]);
  const list = await server.raw('GET', '/v1/unmatched_payments?status=unassigned', { key: w.t.secret_key });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data.length, 2);
  const um = list.json.data.find((x) => x.amount === 40000);
  assert.equal(um.object, 'unmatched_payment');
  assert.equal(um.currency, 'nok');
  assert.equal(um.creditor_reference, '12345678903');
  assert.equal((await w.s.invoices.retrieve(inv.id)).status, 'open');
  const cash = JSON.parse(server.sql(`SELECT SUM(credit) - SUM(debit) AS c FROM ledger_entries
    WHERE tenant_id = '${w.t.id}' AND account = 'unapplied_cash'`))[0].c;
  assert.equal(cash, 41000);
  assertVerified(w.t);

  const a = await server.raw('POST', `/v1/unmatched_payments/${um.id}/assign`, { key: w.t.secret_key,
    body: `invoice=${inv.id}` });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.status, 'assigned');
  assert.equal(a.json.invoice, inv.id);
  assert.equal(a.json.customer, w.cus.id);
  const paid = await w.s.invoices.retrieve(inv.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 40000);
  const l = await ledgerOf(w);
  assert.equal(l.receivable, 0);
  assert.equal(l.credit_balance, 0);
  assertVerified(w.t);

  // Twice is refused; so is an invoice that is not open.
  const again = await server.raw('POST', `/v1/unmatched_payments/${um.id}/assign`, { key: w.t.secret_key,
    body: `invoice=${inv.id}` });
  assert.equal(again.status, 400, again.text);
  const other = list.json.data.find((x) => x.amount === 1000);
  const bad = await server.raw('POST', `/v1/unmatched_payments/${other.id}/assign`, { key: w.t.secret_key,
    body: `invoice=${inv.id}` });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.error.param, 'invoice');
});

test('a currency mismatch is unmatched; a bad document is a 400 naming file', async () => {
  const w = await world('Valuta AS');
  const inv = await invoice(w, 10000);
  const st = await importXml(w, camt('MSG-C', [{ ref: inv.payment_reference, amount: 10000, id: 'TX-C1', ccy: 'SEK' }]));
  assert.equal(st.unmatched, 1);
  assert.equal((await w.s.invoices.retrieve(inv.id)).status, 'open');
  const r = await server.raw('POST', '/v1/bank_statements', { key: w.t.secret_key, body: '<nope/>',
    headers: { 'Content-Type': 'application/xml' } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.param, 'file');
  assertVerified(w.t);
});

test('recur bank import reads a file into the books; twice is all duplicates', async () => {
  const w = await world('CLI AS');
  const inv = await invoice(w, 25000);
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'recur-bank-')), 'camt.xml');
  fs.writeFileSync(file, camt('MSG-CLI', [{ ref: inv.payment_reference, amount: 25000, id: 'TX-CLI1' }]));
  const run = () => spawnSync(BIN, ['bank', 'import', file, '--db', server.db, '--tenant', w.t.id],
    { encoding: 'utf8' });
  let r = run();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).matched, 1);
  assert.equal((await w.s.invoices.retrieve(inv.id)).status, 'paid');
  r = run();
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).duplicates, 1);
  assertVerified(w.t);
  r = spawnSync(BIN, ['bank', 'import', file, '--db', server.db, '--tenant', 'nope'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  r = spawnSync(BIN, ['bank', 'import', file], { encoding: 'utf8' });
  assert.equal(r.status, 2);
});
