// ledger_flow.test.js - the receivables ledger as the services post it, end to
// end: scenarios driven through the stripe SDK on test clocks (renewals with a
// percent coupon and 25 % VAT, a manual invoice paid out of band, a void that
// gives back the credit the invoice used, a write-off and its recovery, a
// credit balance consumed by invoices, card payments with a partial refund, a
// subscription renewing on a card, a declined charge), each followed by the
// customer's ledger asserted to the minor unit (receivable, credit_balance,
// balance, entries per account), the general ledger's accounts, and the real
// CLI `recur verify` exiting 0; then one corrupted ledger row making verify
// exit 1 and name it.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

const DAY = 86400;
const T = 1772323200; // 2026-03-01 00:00:00 UTC
const APR = 1775001600; // 2026-04-01
const MAY = 1777593600; // 2026-05-01

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

function verify(...args) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

// verify exits 0 for the tenant and says the books balance, per customer too.
function assertVerified(t) {
  const r = verify('--tenant', t.id);
  assert.equal(r.status, 0, r.out);
  assert.doesNotMatch(r.out, /FAIL/);
  assert.match(r.out, /ok    every posting balances: \d+ postings/);
  assert.match(r.out, /ok    customer balances equal their entries: \d+ customers/);
  assert.match(r.out, /ok    paid invoices have a payment/);
  return r.out;
}

// A tenant of its own, its client, a test clock at T, and a NOK customer on it.
async function world(name, customerParams = {}) {
  const t = server.tenant(name);
  const s = server.client(t.secret_key);
  const clock = await s.testHelpers.testClocks.create({ frozen_time: T });
  const cus = await s.customers.create({ name, currency: 'nok', test_clock: clock.id, ...customerParams });
  const vat = await s.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  return { t, s, clock, cus, vat };
}

// The customer's ledger, every entry (newest first), and its entries counted per account.
async function ledgerOf(w) {
  const r = await server.raw('GET', `/v1/customers/${w.cus.id}/ledger?limit=100`, { key: w.t.secret_key });
  assert.equal(r.status, 200, r.text);
  const perAccount = {};
  for (const x of r.json.data) perAccount[x.account] = (perAccount[x.account] || 0) + 1;
  return { ...r.json, perAccount };
}

// The customer's balances and entries per account, exactly.
async function assertLedger(w, { receivable, credit, perAccount }) {
  const l = await ledgerOf(w);
  assert.equal(l.currency, 'nok');
  assert.equal(l.receivable, receivable, 'receivable');
  assert.equal(l.credit_balance, credit, 'credit_balance');
  assert.equal(l.refunds_payable, 0);
  assert.equal(l.balance, receivable + credit, 'balance');
  assert.deepEqual(l.perAccount, perAccount);
  // The newest entry's running balance is the customer's balance.
  if (l.data.length) assert.equal(l.data[0].running_balance, l.balance);
  // customer.balance is Stripe's: the customer_credit account, to the minor unit.
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, credit);
  return l;
}

// The tenant's general ledger: { account: [debit, credit, entries] }, over every posting.
function accounts(t) {
  const rows = JSON.parse(server.sql(`SELECT account, SUM(debit) AS d, SUM(credit) AS c, count(*) AS n
    FROM ledger_entries WHERE tenant_id = '${t.id}' GROUP BY account ORDER BY account`) || '[]');
  return Object.fromEntries(rows.map((r) => [r.account, [r.d, r.c, r.n]]));
}

// The tenant's VAT by rate: { "250000": credit - debit }.
function vatByRate(t) {
  const rows = JSON.parse(server.sql(`SELECT vat_rate, SUM(credit) - SUM(debit) AS net FROM ledger_entries
    WHERE tenant_id = '${t.id}' AND account = 'tax_payable' GROUP BY vat_rate`) || '[]');
  return Object.fromEntries(rows.map((r) => [String(r.vat_rate), r.net]));
}

// A manual send_invoice invoice of one item (net minor units), with the VAT rate if given, finalized.
async function invoice(w, net, { tax = true, finalize = true } = {}) {
  await w.s.invoiceItems.create({ customer: w.cus.id, amount: net, currency: 'nok', description: 'Konsulenttimer' });
  const draft = await w.s.invoices.create({ customer: w.cus.id, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include', ...(tax ? { default_tax_rates: [w.vat.id] } : {}) });
  return finalize ? w.s.invoices.finalizeInvoice(draft.id) : draft;
}

test('renewals with a 20 % coupon and 25 % VAT post each invoice; paying two out of band settles them', async () => {
  const w = await world('Renewals AS');
  const product = await w.s.products.create({ name: 'Pro' });
  const price = await w.s.prices.create({ product: product.id, currency: 'nok', unit_amount: 10000,
    recurring: { interval: 'month' } });
  const coupon = await w.s.coupons.create({ percent_off: 20, duration: 'forever' });
  const sub = await w.s.subscriptions.create({ customer: w.cus.id, items: [{ price: price.id }],
    collection_method: 'send_invoice', days_until_due: 14, default_tax_rates: [w.vat.id],
    discounts: [{ coupon: coupon.id }] });
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: APR });
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: MAY });

  const invs = (await w.s.invoices.list({ subscription: sub.id })).data.reverse();
  // 100.00 less 20 % is 80.00; 25 % VAT on it is 20.00: 100.00 each month.
  assert.deepEqual(invs.map((i) => [i.status, i.subtotal, i.total_excluding_tax, i.total, i.amount_due]),
    [['open', 10000, 8000, 10000, 10000], ['open', 10000, 8000, 10000, 10000], ['open', 10000, 8000, 10000, 10000]]);
  const l = await assertLedger(w, { receivable: 30000, credit: 0, perAccount: { receivables: 3 } });
  // Each posting is dated at the clock's time of its finalization.
  assert.deepEqual(l.data.map((x) => [x.source, x.created, x.debit]),
    invs.slice().reverse().map((i, k) => [`invoice:${i.id}:finalized`, [MAY, APR, T][k], 10000]));
  assert.deepEqual(accounts(w.t), {
    receivables: [30000, 0, 3], revenue: [0, 24000, 3], tax_payable: [0, 6000, 3],
  });
  assert.deepEqual(vatByRate(w.t), { 250000: 6000 });
  assertVerified(w.t);

  // Two of them paid outside recur: out_of_band takes what receivables give up.
  for (const inv of invs.slice(0, 2)) {
    const paid = await w.s.invoices.pay(inv.id, { paid_out_of_band: true });
    assert.equal(paid.status, 'paid');
    assert.equal(paid.amount_paid, 10000);
    assert.equal('paid_out_of_band' in paid, false); // bookkeeping stays inside
  }
  await assertLedger(w, { receivable: 10000, credit: 0, perAccount: { receivables: 5 } });
  assert.deepEqual(accounts(w.t), {
    out_of_band: [20000, 0, 2], receivables: [30000, 20000, 5], revenue: [0, 24000, 3],
    tax_payable: [0, 6000, 3],
  });
  const out = assertVerified(w.t);
  assert.match(out, /ok    paid invoices have a payment: 2 paid invoices/);
});

test('a manual invoice paid out of band: receivable, then settled; paying again changes nothing', async () => {
  const w = await world('Manual AS');
  const inv = await invoice(w, 50000);
  assert.equal(inv.total, 62500);
  await assertLedger(w, { receivable: 62500, credit: 0, perAccount: { receivables: 1 } });
  assertVerified(w.t);

  const paid = await w.s.invoices.pay(inv.id, { paid_out_of_band: true });
  assert.equal(paid.status, 'paid');
  const l = await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 2 } });
  assert.deepEqual(l.data.map((x) => [x.source, x.account, x.debit, x.credit, x.running_balance]), [
    [`payment:${inv.id}`, 'receivables', 0, 62500, 0],
    [`invoice:${inv.id}:finalized`, 'receivables', 62500, 0, 62500],
  ]);
  assert.deepEqual(accounts(w.t), {
    out_of_band: [62500, 0, 1], receivables: [62500, 62500, 2], revenue: [0, 50000, 1],
    tax_payable: [0, 12500, 1],
  });
  const before = server.dump();
  await assert.rejects(w.s.invoices.pay(inv.id, { paid_out_of_band: true }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'invoice_unexpected_state');
    return true;
  });
  assert.equal(server.dump(), before);
  assertVerified(w.t);
});

test('voiding an invoice that used credit gives the credit back on the books too', async () => {
  const w = await world('Void AS');
  const credit = await w.s.customers.createBalanceTransaction(w.cus.id, { amount: -3000, currency: 'nok',
    description: 'Goodwill' });
  await assertLedger(w, { receivable: 0, credit: -3000, perAccount: { customer_credit: 1 } });
  assertVerified(w.t);

  // 80.00 + 20.00 VAT = 100.00, of which the 30.00 credit pays part: 70.00 due.
  const inv = await invoice(w, 8000);
  assert.deepEqual([inv.total, inv.starting_balance, inv.ending_balance, inv.amount_due], [10000, -3000, 0, 7000]);
  let l = await assertLedger(w, { receivable: 7000, credit: 0, perAccount: { customer_credit: 2, receivables: 1 } });
  assert.deepEqual(l.data.filter((x) => x.source === `invoice:${inv.id}:finalized`)
    .map((x) => [x.account, x.debit, x.credit]).sort(), [['customer_credit', 3000, 0], ['receivables', 7000, 0]]);
  assertVerified(w.t);

  const voided = await w.s.invoices.voidInvoice(inv.id);
  assert.equal(voided.status, 'void');
  l = await assertLedger(w, { receivable: 0, credit: -3000,
    perAccount: { customer_credit: 3, receivables: 2 } });
  assert.deepEqual(l.data.filter((x) => x.source === `invoice:${inv.id}:voided`)
    .map((x) => [x.account, x.debit, x.credit]).sort(), [['customer_credit', 0, 3000], ['receivables', 0, 7000]]);
  // The void is the finalization's mirror: revenue and VAT are back to nothing.
  assert.deepEqual(accounts(w.t), {
    adjustments: [3000, 0, 1], customer_credit: [3000, 6000, 3], receivables: [7000, 7000, 2],
    revenue: [8000, 8000, 2], tax_payable: [2000, 2000, 2],
  });
  assert.equal(credit.type, 'adjustment');
  assertVerified(w.t);
});

test('mark_uncollectible writes the claim off; a written-off invoice can be recovered or voided', async () => {
  const w = await world('Tap AS');
  const lost = await invoice(w, 10000);
  const found = await invoice(w, 4000);
  const gone = await invoice(w, 2000);
  await assertLedger(w, { receivable: 20000, credit: 0, perAccount: { receivables: 3 } });

  for (const inv of [lost, found, gone]) {
    assert.equal((await w.s.invoices.markUncollectible(inv.id)).status, 'uncollectible');
  }
  // Nothing is owed any more: the claims are losses now.
  await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 6 } });
  assert.deepEqual(accounts(w.t), {
    receivables: [20000, 20000, 6], revenue: [0, 16000, 3], tax_payable: [0, 4000, 3],
    write_offs: [20000, 0, 3],
  });
  assertVerified(w.t);

  // Paid after all (out of band): the write-off is taken back, then the payment settles the claim.
  assert.equal((await w.s.invoices.pay(found.id, { paid_out_of_band: true })).status, 'paid');
  // Voided: the write-off is taken back, and the void undoes the sale.
  assert.equal((await w.s.invoices.voidInvoice(gone.id)).status, 'void');
  const l = await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 10 } });
  assert.deepEqual(l.data.slice(0, 4).map((x) => [x.source, x.debit, x.credit]), [
    [`invoice:${gone.id}:voided`, 0, 2500],
    [`payment:${gone.id}:recovery`, 2500, 0],
    [`payment:${found.id}`, 0, 5000],
    [`payment:${found.id}:recovery`, 5000, 0],
  ]);
  assert.equal(l.data[1].description, 'Write-off reversed: invoice voided');
  assert.deepEqual(accounts(w.t), {
    out_of_band: [5000, 0, 1], receivables: [27500, 27500, 10], revenue: [2000, 16000, 4],
    tax_payable: [500, 4000, 4], write_offs: [20000, 7500, 5],
  });
  assertVerified(w.t);
});

test('a credit balance given on the customer is an adjustment the invoices then consume', async () => {
  // The balance given at creation is a balance transaction and a posting of its own.
  const w = await world('Kreditt AS', { balance: -15000 });
  assert.equal(w.cus.balance, -15000);
  let txns = (await w.s.customers.listBalanceTransactions(w.cus.id)).data;
  assert.deepEqual(txns.map((x) => [x.type, x.amount, x.ending_balance, x.created]), [['adjustment', -15000, -15000, T]]);
  await assertLedger(w, { receivable: 0, credit: -15000, perAccount: { customer_credit: 1 } });
  assertVerified(w.t);

  // 100.00 without VAT is paid from the credit at finalization; the next takes the 50.00 left.
  const one = await invoice(w, 10000, { tax: false });
  assert.deepEqual([one.status, one.amount_due, one.ending_balance], ['paid', 0, -5000]);
  const two = await invoice(w, 10000, { tax: false });
  assert.deepEqual([two.status, two.amount_due, two.ending_balance], ['open', 5000, 0]);
  await assertLedger(w, { receivable: 5000, credit: 0, perAccount: { customer_credit: 3, receivables: 1 } });
  assertVerified(w.t);

  // Raised on the customer later: the difference is the adjustment, in her currency.
  const up = await w.s.customers.update(w.cus.id, { balance: -2000 });
  assert.equal(up.balance, -2000);
  txns = (await w.s.customers.listBalanceTransactions(w.cus.id)).data;
  assert.deepEqual(txns.map((x) => [x.type, x.amount, x.ending_balance]), [
    ['adjustment', -2000, -2000], ['applied_to_invoice', 5000, 0], ['applied_to_invoice', 10000, -5000],
    ['adjustment', -15000, -15000],
  ]);
  await assertLedger(w, { receivable: 5000, credit: -2000, perAccount: { customer_credit: 4, receivables: 1 } });
  assert.deepEqual(accounts(w.t), {
    adjustments: [17000, 0, 2], customer_credit: [15000, 17000, 4], receivables: [5000, 0, 1],
    revenue: [0, 20000, 2],
  });
  // A customer holding a balance keeps its currency: the books hold it in NOK.
  const before = server.dump();
  await assert.rejects(w.s.customers.update(w.cus.id, { currency: 'sek' }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'currency');
    assert.match(err.message, /kept in nok/);
    return true;
  });
  assert.equal(server.dump(), before);
  assertVerified(w.t);
});

test('an invoice paid by card posts to payment clearing; a partial refund takes the sale back', async () => {
  const w = await world('Kort AS');
  const pm = await w.s.paymentMethods.attach('pm_card_visa', { customer: w.cus.id });
  const inv = await invoice(w, 20000);
  const paid = await w.s.invoices.pay(inv.id, { payment_method: pm.id });
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 25000);
  const pi = (await w.s.paymentIntents.list({ customer: w.cus.id })).data[0];
  assert.equal(pi.status, 'succeeded');
  let l = await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 2 } });
  assert.deepEqual(l.data.map((x) => [x.source, x.debit, x.credit]), [
    [`payment:${pi.id}`, 0, 25000], [`invoice:${inv.id}:finalized`, 25000, 0],
  ]);
  assert.deepEqual(accounts(w.t), {
    payment_clearing: [25000, 0, 1], receivables: [25000, 25000, 2], revenue: [0, 20000, 1],
    tax_payable: [0, 5000, 1],
  });
  assertVerified(w.t);

  // 50.00 back: a fifth of the sale, so 40.00 of revenue and 10.00 of VAT.
  const re = await w.s.refunds.create({ payment_intent: pi.id, amount: 5000 });
  l = await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 2, refunds_payable: 2 } });
  assert.deepEqual(l.data.slice(0, 2).map((x) => [x.source, x.account, x.debit, x.credit]), [
    [`refund:${re.id}`, 'refunds_payable', 5000, 0],
    [`credit_note:${re.id}:issued`, 'refunds_payable', 0, 5000],
  ]);
  assert.deepEqual(accounts(w.t), {
    payment_clearing: [25000, 5000, 2], receivables: [25000, 25000, 2], refunds_payable: [5000, 5000, 2],
    revenue: [4000, 20000, 2], tax_payable: [1000, 5000, 2],
  });
  assert.deepEqual(vatByRate(w.t), { 250000: 4000 });
  assertVerified(w.t);
});

test('a subscription charged automatically renews and pays by card; a decline posts nothing', async () => {
  const w = await world('Abonnement AS');
  const pm = await w.s.paymentMethods.attach('pm_card_visa', { customer: w.cus.id });
  await w.s.customers.update(w.cus.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await w.s.products.create({ name: 'Basis' });
  const price = await w.s.prices.create({ product: product.id, currency: 'nok', unit_amount: 29900,
    recurring: { interval: 'month' } });
  const sub = await w.s.subscriptions.create({ customer: w.cus.id, items: [{ price: price.id }],
    default_tax_rates: [w.vat.id] });
  assert.equal(sub.status, 'active');
  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: APR });
  const invs = (await w.s.invoices.list({ subscription: sub.id })).data;
  assert.deepEqual(invs.map((i) => [i.status, i.total, i.amount_paid]), [['paid', 37375, 37375], ['paid', 37375, 37375]]);
  await assertLedger(w, { receivable: 0, credit: 0, perAccount: { receivables: 4 } });
  assert.deepEqual(accounts(w.t), {
    payment_clearing: [74750, 0, 2], receivables: [74750, 74750, 4], revenue: [0, 59800, 2],
    tax_payable: [0, 14950, 2],
  });
  assertVerified(w.t);

  // A card that declines: the invoice stays open and owed, nothing reaches clearing.
  const bad = await w.s.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: w.cus.id });
  const inv = await invoice(w, 10000);
  await assert.rejects(w.s.invoices.pay(inv.id, { payment_method: bad.id }), (err) => {
    assert.equal(err.statusCode, 402);
    return true;
  });
  await assertLedger(w, { receivable: 12500, credit: 0, perAccount: { receivables: 5 } });
  assert.deepEqual(accounts(w.t).payment_clearing, [74750, 0, 2]);
  assertVerified(w.t);
});

test('one corrupted ledger row makes recur verify exit 1 and name it', async () => {
  const w = await world('Korrupt AS');
  const inv = await invoice(w, 40000);
  assertVerified(w.t);
  assert.equal(verify().status, 0, 'every tenant of every scenario is clean');

  server.sql(`UPDATE ledger_entries SET debit = debit + 1 WHERE source = 'invoice:${inv.id}:finalized'
    AND account = 'receivables'`);
  const r = verify('--tenant', w.t.id);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /FAIL  every posting balances: 1 of 1 postings do not balance/);
  assert.match(r.out, new RegExp(`posting invoice:${inv.id}:finalized: debits 50001, credits 50000`));
  assert.match(r.out, /FAIL  debits equal credits: debits 50001, credits 50000/);
  assert.match(r.out, /FAIL  debits equal credits per currency: nok: debits 50001 != credits 50000/);
  assert.match(r.out, /FAIL  customer balances equal their entries: 1 of 1 customers/);
  assert.match(r.out, new RegExp(`Customer ${w.cus.id} \\(nok\\)`));
  assert.match(r.out, /\nFAIL: \d+ checks, 4 failed/);
  // The other tenants' books are still whole; the run over all of them fails on this one.
  assert.equal(verify().status, 1);
});
