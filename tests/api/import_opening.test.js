// import_opening.test.js - opening invoices end to end (docs/import.md,
// "balances"): a balances file's `invoice` rows become open send_invoice
// invoices with the old system's due date and payment reference (KID), marked
// opening_balance and posted Dr receivables / Cr adjustments (no revenue, no
// VAT); its `debt` and `credit` rows stay balance transactions. Then: a
// camt.054 payment with the old KID pays its invoice exactly and `recur
// verify` is clean; the same file again changes nothing, another amount for a
// reference and a KID another invoice has are row errors naming their column;
// a credit note on an opening invoice is refused naming `invoice`, its void
// posts the mirror; and the balances export imports back unchanged.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

const utc = (s) => Date.parse(`${s}T00:00:00Z`) / 1000;

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const { world, importCsv, counts, all, changedTables } = require('./import_lib')(() => server);

const CUSTOMERS = `external_id,name,email,currency
OPEN-1,Fjellheim Regnskap AS,faktura@fjellheim.no,nok
OPEN-2,Bryggen Kaffebar AS,post@bryggen.no,nok
`;

// Two old invoices of OPEN-1 (one with its KID, one without: recur gives it one),
// a debt and a credit of OPEN-2. Due dates in the future: no reminder runs.
const HEADER = 'customer,reference,type,amount,currency,description,invoice_number,due_date,payment_reference';
const BALANCES = `${HEADER}
OPEN-1,INV-20391,invoice,1250.00,nok,Subscription October 2026,20391,2027-01-15,0000203915
OPEN-1,INV-20392,invoice,399.50,nok,,20392,2027-02-01,
OPEN-2,OB-2026-7,debt,120.00,nok,Unpaid usage,,,
OPEN-2,OB-2026-8,credit,20.00,nok,Goodwill,,,
`;





function assertVerified(w) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.t.id], { encoding: 'utf8' });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  assert.doesNotMatch(out, /FAIL/);
}

// The tenant's ledger rows (every account), as [source, account, debit, credit], in posting order.
function ledgerRows(w, where = '1 = 1') {
  const rows = JSON.parse(server.sql(`SELECT source, account, debit, credit FROM ledger_entries
    WHERE tenant_id = '${w.t.id}' AND ${where} ORDER BY seq`) || '[]');
  return rows.map((x) => [x.source, x.account, x.debit, x.credit]);
}

// Luhn (KID MOD10), the tenant's default reference format: n and its check digit.
function kidMod10(n) {
  const body = String(n);
  for (let c = 0; c <= 9; c++) {
    const ref = body + c;
    let sum = 0;
    for (let i = 0; i < ref.length; i++) {
      let d = Number(ref[ref.length - 1 - i]);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    if (sum % 10 === 0) return ref;
  }
  throw new Error('no check digit');
}

// A camt.054 (001.08) statement of one booked credit with a structured reference (SCOR).
function camt(msgId, { ref, amount, id }) {
  const amt = (amount / 100).toFixed(2);
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-20T09:15:30Z</CreDtTm></GrpHdr>
  <Ntfctn>
   <Id>${msgId}-N1</Id>
   <Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>
   <Ntry>
    <Amt Ccy="NOK">${amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt>
    <AcctSvcrRef>${msgId}-E1</AcctSvcrRef>
    <NtryDtls><TxDtls><Refs><AcctSvcrRef>${id}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <Amt Ccy="NOK">${amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Pty><Nm>Fjellheim Regnskap AS</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${ref}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls>
   </Ntry>
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>
`;
}

// The fields of an opening invoice the import decides.
const view = (inv) => ({
  object: inv.object, customer: inv.customer, status: inv.status, collection_method: inv.collection_method,
  currency: inv.currency, subtotal: inv.subtotal, total: inv.total, amount_due: inv.amount_due,
  amount_paid: inv.amount_paid, amount_remaining: inv.amount_remaining, starting_balance: inv.starting_balance,
  ending_balance: inv.ending_balance, total_taxes: inv.total_taxes, due_date: inv.due_date,
  payment_reference: inv.payment_reference, opening_balance: inv.opening_balance,
  description: inv.description, metadata: inv.metadata, billing_reason: inv.billing_reason,
  lines: inv.lines.data.map((l) => [l.amount, l.description]),
});

// Customers and the balances file imported; { w, cus: {ext: customer}, inv: [first, second] }.
async function opened(name) {
  const w = world(name);
  const ci = await importCsv(w, 'customers', CUSTOMERS);
  assert.deepEqual(counts(ci), { status: 'succeeded', rows: 2, created: 2, updated: 0, unchanged: 0, errors: 0 });
  const cus = {};
  for (const c of await all(w.s.customers.list({ limit: 100 }))) cus[c.external_id] = c;
  const bi = await importCsv(w, 'balances', BALANCES);
  assert.deepEqual(bi.errors, []);
  assert.deepEqual(counts(bi), { status: 'succeeded', rows: 4, created: 4, updated: 0, unchanged: 0, errors: 0 });
  const inv = (await all(w.s.invoices.list({ limit: 100 }))).reverse();
  assert.equal(inv.length, 2);
  return { w, cus, inv };
}

test('invoice rows become open opening invoices with the old due date and KID; debt and credit rows stay balances', async () => {
  const { w, cus, inv } = await opened('Åpning AS');
  const [a, b] = inv;
  const common = {
    object: 'invoice', customer: cus['OPEN-1'].id, status: 'open', collection_method: 'send_invoice',
    currency: 'nok', amount_paid: 0, starting_balance: 0, ending_balance: 0, total_taxes: [],
    opening_balance: true, billing_reason: 'manual',
  };
  assert.deepEqual(view(a), { ...common, subtotal: 125000, total: 125000, amount_due: 125000,
    amount_remaining: 125000, due_date: utc('2027-01-15'), payment_reference: '0000203915',
    description: 'Subscription October 2026',
    metadata: { import_reference: 'INV-20391', opening_number: '20391' },
    lines: [[125000, 'Subscription October 2026: invoice 20391']] });
  // no KID in the file: the tenant's own format (KID MOD10), its first number
  assert.deepEqual(view(b), { ...common, subtotal: 39950, total: 39950, amount_due: 39950,
    amount_remaining: 39950, due_date: utc('2027-02-01'), payment_reference: kidMod10(1),
    description: null, metadata: { import_reference: 'INV-20392', opening_number: '20392' },
    lines: [[39950, 'Opening balance: invoice 20392']] });
  // recur's own numbers, one sequence
  assert.match(a.number, /^RCR-\d+$/);
  assert.match(b.number, /^RCR-\d+$/);
  assert.equal(Number(b.number.slice(4)), Number(a.number.slice(4)) + 1);
  // an ordinary invoice does not show the flag at all
  await w.s.invoiceItems.create({ customer: cus['OPEN-2'].id, amount: 1000, currency: 'nok' });
  const plain = await w.s.invoices.create({ customer: cus['OPEN-2'].id, collection_method: 'send_invoice',
    days_until_due: 10, pending_invoice_items_behavior: 'include' });
  assert.equal(Object.hasOwn(plain, 'opening_balance'), false);

  // debt and credit: balance transactions, the customer's balance 120.00 - 20.00
  const txns = (await all(w.s.customers.listBalanceTransactions(cus['OPEN-2'].id, { limit: 100 }))).reverse()
    .map((x) => [x.type, x.amount, x.description, x.metadata.import_reference]);
  assert.deepEqual(txns, [['adjustment', 12000, 'Unpaid usage', 'OB-2026-7'],
    ['adjustment', -2000, 'Goodwill', 'OB-2026-8']]);
  assert.equal((await w.s.customers.retrieve(cus['OPEN-2'].id)).balance, 10000);
  // the invoices did not touch OPEN-1's balance
  assert.equal((await w.s.customers.retrieve(cus['OPEN-1'].id)).balance, 0);
  assert.deepEqual(await all(w.s.customers.listBalanceTransactions(cus['OPEN-1'].id, { limit: 100 })), []);
  assertVerified(w);
});

test('the ledger: receivables against adjustments, nothing to revenue or VAT; a KID payment pays the invoice exactly', async () => {
  const { w, cus, inv } = await opened('Reskontro AS');
  const [a, b] = inv;
  assert.deepEqual(ledgerRows(w), [
    [`invoice:${a.id}:finalized`, 'receivables', 125000, 0],
    [`invoice:${a.id}:finalized`, 'adjustments', 0, 125000],
    [`invoice:${b.id}:finalized`, 'receivables', 39950, 0],
    [`invoice:${b.id}:finalized`, 'adjustments', 0, 39950],
    ...ledgerRows(w, "source LIKE 'balance_transaction:%'"),
  ]);
  assert.deepEqual(ledgerRows(w, "source LIKE 'balance_transaction:%'").map((x) => x.slice(1)), [
    ['customer_credit', 12000, 0], ['adjustments', 0, 12000],
    ['customer_credit', 0, 2000], ['adjustments', 2000, 0],
  ]);
  assert.deepEqual(ledgerRows(w, "account IN ('revenue', 'tax_payable')"), []);

  const ledger = async (c) => {
    const r = await w.get(`/v1/customers/${c.id}/ledger?limit=100`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  let l = await ledger(cus['OPEN-1']);
  assert.deepEqual(l.data.map((x) => [x.source, x.account, x.debit, x.credit, x.vat_rate, x.running_balance]), [
    [`invoice:${b.id}:finalized`, 'receivables', 39950, 0, null, 164950],
    [`invoice:${a.id}:finalized`, 'receivables', 125000, 0, null, 125000],
  ]);
  assert.deepEqual([l.receivable, l.credit_balance, l.balance], [164950, 0, 164950]);
  const l2 = await ledger(cus['OPEN-2']);
  assert.deepEqual([l2.receivable, l2.credit_balance, l2.balance], [0, 10000, 10000]);

  // the customer pays the first with the old system's KID: matched exactly, paid
  const r = await server.raw('POST', '/v1/bank_statements', { key: w.t.secret_key,
    body: camt('OPEN-MSG-1', { ref: '0000203915', amount: 125000, id: 'OPEN-TX-1' }),
    headers: { 'Content-Type': 'application/xml' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.matched, r.json.partial, r.json.overpaid, r.json.unmatched], [1, 0, 0, 0]);
  assert.deepEqual(r.json.transactions.map((x) => [x.result, x.invoice]), [['matched', a.id]]);
  const paid = await w.s.invoices.retrieve(a.id);
  assert.deepEqual([paid.status, paid.amount_paid, paid.amount_remaining], ['paid', 125000, 0]);
  assert.equal((await w.s.invoices.retrieve(b.id)).status, 'open');
  l = await ledger(cus['OPEN-1']);
  assert.deepEqual([l.receivable, l.credit_balance, l.balance], [39950, 0, 39950]);
  assert.deepEqual(ledgerRows(w, "account IN ('bank', 'revenue', 'tax_payable')").map((x) => x.slice(1)),
    [['bank', 125000, 0]]);
  assertVerified(w);
});

test('the same file again changes nothing; another amount, or a KID another invoice has, is a row error', async () => {
  const { w, inv } = await opened('Igjen AS');
  const [, b] = inv;
  const dump = server.dump();
  const again = await importCsv(w, 'balances', BALANCES);
  assert.deepEqual(counts(again), { status: 'succeeded', rows: 4, created: 0, updated: 0, unchanged: 4, errors: 0 });
  assert.deepEqual(changedTables(dump, server.dump()), ['audit_log', 'import_chunks', 'imports']);
  assert.equal((await all(w.s.invoices.list({ limit: 100 }))).length, 2);

  // the first invoice's reference with another amount
  const dump2 = server.dump();
  const changed = await importCsv(w, 'balances', BALANCES.replace('1250.00', '1300.00'));
  assert.deepEqual(changed.errors.map((x) => [x.row, x.column, x.value]), [[2, 'amount', '1300.00']]);
  assert.match(changed.errors[0].message, /another amount/);
  // a new old invoice with the KID recur gave the second, and one with a KID of letters
  const clash = await importCsv(w, 'balances', `${HEADER}
OPEN-1,INV-20393,invoice,10.00,nok,,20393,2027-03-01,${b.payment_reference}
OPEN-1,INV-20394,invoice,10.00,nok,,20394,2027-03-01,12AB34
`);
  assert.deepEqual(clash.errors.map((x) => [x.row, x.column, x.value]),
    [[2, 'payment_reference', b.payment_reference], [3, 'payment_reference', '12AB34']]);
  assert.match(clash.errors[0].message, new RegExp(b.id));
  // the failed imports keep their reports; nothing else is written
  assert.deepEqual(changedTables(dump2, server.dump()), ['audit_log', 'import_chunks', 'import_errors', 'imports']);
  assert.equal((await all(w.s.invoices.list({ limit: 100 }))).length, 2);
});

test('a credit note on an opening invoice is refused naming invoice; its void posts the mirror', async () => {
  const { w, inv } = await opened('Kreditt AS');
  const [, b] = inv;
  const dump = server.dump();
  const cn = await server.raw('POST', '/v1/credit_notes', { key: w.t.secret_key,
    body: new URLSearchParams({ invoice: b.id, amount: '10000' }).toString() });
  assert.equal(cn.status, 400, cn.text);
  assert.equal(cn.json.error.type, 'invalid_request_error');
  assert.equal(cn.json.error.param, 'invoice');
  assert.match(cn.json.error.message, /opening balance/);
  // the preview says the same
  const pv = await server.raw('GET', `/v1/credit_notes/preview?invoice=${b.id}&amount=10000`, { key: w.t.secret_key });
  assert.equal(pv.status, 400, pv.text);
  assert.equal(pv.json.error.param, 'invoice');
  assert.deepEqual(changedTables(dump, server.dump()), []);

  const voided = await w.s.invoices.voidInvoice(b.id);
  assert.equal(voided.status, 'void');
  assert.deepEqual(ledgerRows(w, `source LIKE 'invoice:${b.id}:%'`), [
    [`invoice:${b.id}:finalized`, 'receivables', 39950, 0],
    [`invoice:${b.id}:finalized`, 'adjustments', 0, 39950],
    [`invoice:${b.id}:voided`, 'receivables', 0, 39950],
    [`invoice:${b.id}:voided`, 'adjustments', 39950, 0],
  ]);
  const net = JSON.parse(server.sql(`SELECT account, SUM(debit) - SUM(credit) AS net FROM ledger_entries
    WHERE tenant_id = '${w.t.id}' AND source LIKE 'invoice:${b.id}:%' GROUP BY account ORDER BY account`));
  assert.deepEqual(net, [{ account: 'adjustments', net: 0 }, { account: 'receivables', net: 0 }]);
  assertVerified(w);
});

test('the balances export imports back unchanged', async () => {
  const { w, cus, inv } = await opened('Eksport AS');
  const [a, b] = inv;
  const ex = await w.get('/v1/exports/balances.csv');
  assert.equal(ex.status, 200, ex.text);
  const lines = ex.text.trim().split(/\r?\n/);
  assert.equal(lines[0], HEADER);
  assert.deepEqual(lines.slice(1).sort(), [
    `${cus['OPEN-1'].id},INV-20391,invoice,1250.00,nok,Subscription October 2026,20391,2027-01-15,0000203915`,
    `${cus['OPEN-1'].id},INV-20392,invoice,399.50,nok,,20392,2027-02-01,${b.payment_reference}`,
    `${cus['OPEN-2'].id},OB-2026-7,debt,120.00,nok,Unpaid usage,,,`,
    `${cus['OPEN-2'].id},OB-2026-8,credit,20.00,nok,Goodwill,,,`,
  ].sort());
  const dump = server.dump();
  const back = await importCsv(w, 'balances', ex.text);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(counts(back), { status: 'succeeded', rows: 4, created: 0, updated: 0, unchanged: 4, errors: 0 });
  assert.deepEqual(changedTables(dump, server.dump()), ['audit_log', 'import_chunks', 'imports']);
  assert.deepEqual((await all(w.s.invoices.list({ limit: 100 }))).map((x) => x.id).sort(), [a.id, b.id].sort());
});

test('an opening invoice is whole: it takes no balance, and recur never issues a KID an opening invoice has', async () => {
  const w = world('Hel AS');
  await importCsv(w, 'customers', CUSTOMERS);
  const cus = {};
  for (const c of await all(w.s.customers.list({ limit: 100 }))) cus[c.external_id] = c;
  // a credit first, then an old invoice whose KID is the one recur's counter gives first
  const bi = await importCsv(w, 'balances', `${HEADER}
OPEN-1,OB-1,credit,100.00,nok,Prepaid,,,
OPEN-1,INV-1,invoice,500.00,nok,,1,2027-01-15,${kidMod10(1)}
OPEN-1,INV-2,invoice,300.00,nok,,2,2027-01-15,
`);
  assert.deepEqual(bi.errors, []);
  assert.deepEqual(counts(bi), { status: 'succeeded', rows: 3, created: 3, updated: 0, unchanged: 0, errors: 0 });
  const [a, b] = (await all(w.s.invoices.list({ limit: 100 }))).reverse();
  assert.deepEqual([a.total, a.amount_due, a.starting_balance, a.ending_balance, a.payment_reference],
    [50000, 50000, 0, 0, kidMod10(1)]);
  // the counter skips the number the old KID holds
  assert.deepEqual([b.total, b.amount_due, b.payment_reference], [30000, 30000, kidMod10(2)]);
  // the credit waits for recur's own next invoice
  assert.equal((await w.s.customers.retrieve(cus['OPEN-1'].id)).balance, -10000);
  // and the old KID for the old amount pays it exactly
  const r = await server.raw('POST', '/v1/bank_statements', { key: w.t.secret_key,
    body: camt('HEL-MSG-1', { ref: kidMod10(1), amount: 50000, id: 'HEL-TX-1' }),
    headers: { 'Content-Type': 'application/xml' } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.transactions.map((x) => [x.result, x.invoice]), [['matched', a.id]]);
  // an ordinary bank-transfer invoice later gets the next free number, and uses the credit
  await w.s.invoiceItems.create({ customer: cus['OPEN-1'].id, amount: 25000, currency: 'nok' });
  const draft = await w.s.invoices.create({ customer: cus['OPEN-1'].id, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include' });
  const own = await w.s.invoices.finalizeInvoice(draft.id);
  assert.deepEqual([own.payment_reference, own.amount_due, own.starting_balance], [kidMod10(3), 15000, -10000]);
  assertVerified(w);
});
