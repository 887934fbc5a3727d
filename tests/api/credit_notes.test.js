// credit_notes.test.js - /v1/credit_notes through the stripe SDK against a real
// server: a pre-payment credit note lowering an open invoice (and one that
// leaves it owing nothing, so it is paid), a post-payment credit to the
// customer's balance that the next renewal consumes, a refund to the card,
// an out-of-band credit, voids that restore, previews that save nothing, and
// bad input answered exactly and changing nothing. Every scenario ends with
// the real CLI `recur verify` clean. Amounts are NOK øre, VAT 25 % exclusive.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, BIN } = require('./harness');

const T = 1772323200; // 2026-03-01 00:00:00 UTC
const APR = 1775001600; // 2026-04-01

let server;

before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

function assertVerified(t) {
  const r = spawnSync(BIN, ['verify', '--db', server.db, '--tenant', t.id], { encoding: 'utf8' });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  assert.doesNotMatch(out, /FAIL/);
  assert.match(out, /ok    customer balances equal their entries/);
  assert.match(out, /ok    credit notes agree with invoices and ledger/);
}

// A tenant, a clock at T, a NOK customer on it, 25 % VAT and a monthly 299.00 price.
async function world(name, { card = null } = {}) {
  const t = server.tenant(`${name} ${Math.random()}`);
  const s = server.client(t.secret_key);
  const clock = await s.testHelpers.testClocks.create({ frozen_time: T });
  const cus = await s.customers.create({ name, currency: 'nok', test_clock: clock.id });
  const vat = await s.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false, country: 'NO' });
  const product = await s.products.create({ name: 'Pro' });
  const price = await s.prices.create({ product: product.id, currency: 'nok', unit_amount: 29900,
    recurring: { interval: 'month' } });
  if (card) {
    const pm = await s.paymentMethods.attach(card, { customer: cus.id });
    await s.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
  }
  return { t, s, clock, cus, vat, price };
}

// An open send_invoice invoice of 100.00 + 25 % VAT (total 125.00).
async function openInvoice(w, { finalize = true } = {}) {
  const inv = await w.s.invoices.create({ customer: w.cus.id, collection_method: 'send_invoice',
    days_until_due: 30, default_tax_rates: [w.vat.id] });
  await w.s.invoiceItems.create({ customer: w.cus.id, invoice: inv.id, amount: 10000, currency: 'nok',
    description: 'Consulting' });
  return finalize ? w.s.invoices.finalizeInvoice(inv.id) : w.s.invoices.retrieve(inv.id);
}

async function eventTypes(w) {
  const out = [];
  for await (const e of w.s.events.list({ limit: 100 })) out.push(e.type);
  return out;
}

test('a pre-payment credit note lowers an open invoice; one that zeroes what is left pays it', async () => {
  const w = await world('pre-payment');
  const inv = await openInvoice(w);
  assert.equal(inv.total, 12500);
  assert.equal(inv.amount_due, 12500);
  const line = inv.lines.data[0];

  const cn = await w.s.creditNotes.create({ invoice: inv.id, reason: 'order_change', memo: 'Two hours less',
    lines: [{ type: 'invoice_line_item', invoice_line_item: line.id, amount: 4000 }] });
  assert.equal(cn.object, 'credit_note');
  assert.equal(cn.number, `${inv.number}-CN-01`);
  assert.equal(cn.status, 'issued');
  assert.equal(cn.type, 'pre_payment');
  assert.equal(cn.subtotal, 4000);
  assert.equal(cn.total_excluding_tax, 4000);
  assert.equal(cn.total, 5000); // 40.00 + 25 % of it
  assert.equal(cn.amount, 5000);
  assert.equal(cn.pre_payment_amount, 5000);
  assert.equal(cn.post_payment_amount, 0);
  assert.equal(cn.total_taxes[0].amount, 1000);
  assert.equal(cn.total_taxes[0].taxable_amount, 4000);
  assert.equal(cn.total_taxes[0].tax_rate_details.tax_rate, w.vat.id);
  assert.equal(cn.customer_balance_transaction, null);
  assert.equal(cn.out_of_band_amount, null);
  assert.deepEqual(cn.refunds, []);
  assert.equal(cn.reason, 'order_change');
  assert.equal(cn.memo, 'Two hours less');
  assert.equal(cn.created, T);
  assert.equal(cn.effective_at, T);
  assert.equal(cn.pdf, null);
  assert.equal(cn.lines.data.length, 1);
  assert.equal(cn.lines.data[0].invoice_line_item, line.id);
  assert.equal(cn.lines.data[0].amount, 4000);
  assert.equal(cn.lines.data[0].taxes[0].amount, 1000);
  assert.equal(cn.lines.data[0].tax_rates[0].id, w.vat.id);

  let after = await w.s.invoices.retrieve(inv.id);
  assert.equal(after.status, 'open');
  assert.equal(after.total, 12500); // the invoice itself does not change
  assert.equal(after.amount_due, 7500);
  assert.equal(after.amount_remaining, 7500);
  assert.equal(after.pre_payment_credit_notes_amount, 5000);
  assert.equal(after.post_payment_credit_notes_amount, 0);
  assertVerified(w.t);

  // The rest by amount alone: VAT in the invoice's proportion, 2500 x 7500 / 12500 = 1500.
  const rest = await w.s.creditNotes.create({ invoice: inv.id, amount: 7500 });
  assert.equal(rest.number, `${inv.number}-CN-02`);
  assert.equal(rest.total, 7500);
  assert.equal(rest.total_taxes[0].amount, 1500);
  assert.equal(rest.subtotal, 6000);
  assert.equal(rest.lines.data.length, 0);
  after = await w.s.invoices.retrieve(inv.id);
  assert.equal(after.status, 'paid');
  assert.equal(after.amount_due, 0);
  assert.equal(after.amount_remaining, 0);
  assert.equal(after.amount_paid, 0);
  assert.equal(after.pre_payment_credit_notes_amount, 12500);

  const types = await eventTypes(w);
  assert.equal(types.filter((x) => x === 'credit_note.created').length, 2);
  assert.ok(types.includes('invoice.paid'));
  const listed = await w.s.creditNotes.list({ invoice: inv.id });
  assert.deepEqual(listed.data.map((x) => x.id), [rest.id, cn.id]);
  assert.equal((await w.s.creditNotes.list({ customer: w.cus.id, limit: 1 })).has_more, true);
  assertVerified(w.t);

  // A third credit note: nothing is left to credit.
  const before = server.dump();
  await assert.rejects(w.s.creditNotes.create({ invoice: inv.id, amount: 1 }),
    (err) => err.statusCode === 400 && err.param === 'amount');
  assert.equal(server.dump(), before);
});

test('a post-payment credit to the balance is consumed by the next renewal', async () => {
  const w = await world('to the balance', { card: 'pm_card_visa' });
  const sub = await w.s.subscriptions.create({ customer: w.cus.id, items: [{ price: w.price.id }],
    default_tax_rates: [w.vat.id] });
  const first = await w.s.invoices.retrieve(sub.latest_invoice);
  assert.equal(first.status, 'paid');
  assert.equal(first.total, 37375); // 299.00 + 74.75 VAT

  const cn = await w.s.creditNotes.create({ invoice: first.id, credit_amount: 12500,
    lines: [{ type: 'invoice_line_item', invoice_line_item: first.lines.data[0].id, amount: 10000 }] });
  assert.equal(cn.type, 'post_payment');
  assert.equal(cn.total, 12500);
  assert.equal(cn.pre_payment_amount, 0);
  assert.equal(cn.post_payment_amount, 12500);
  assert.match(cn.customer_balance_transaction, /^cbtxn_/);
  const txn = await w.s.customers.retrieveBalanceTransaction(w.cus.id, cn.customer_balance_transaction);
  assert.equal(txn.type, 'credit_note');
  assert.equal(txn.credit_note, cn.id);
  assert.equal(txn.invoice, first.id);
  assert.equal(txn.amount, -12500);
  assert.equal(txn.ending_balance, -12500);
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, -12500);
  const paid = await w.s.invoices.retrieve(first.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 37375);
  assert.equal(paid.post_payment_credit_notes_amount, 12500);
  assertVerified(w.t);

  await w.s.testHelpers.testClocks.advance(w.clock.id, { frozen_time: APR });
  const renewals = (await w.s.invoices.list({ subscription: sub.id })).data;
  const renewal = renewals[0];
  assert.notEqual(renewal.id, first.id);
  assert.equal(renewal.billing_reason, 'subscription_cycle');
  assert.equal(renewal.total, 37375);
  assert.equal(renewal.starting_balance, -12500);
  assert.equal(renewal.ending_balance, 0);
  assert.equal(renewal.amount_due, 24875);
  assert.equal(renewal.amount_paid, 24875);
  assert.equal(renewal.status, 'paid');
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, 0);
  assertVerified(w.t);
});

test('refund_amount refunds the invoice\'s charge once, and such a credit note cannot be voided', async () => {
  const w = await world('refund', { card: 'pm_card_visa' });
  const sub = await w.s.subscriptions.create({ customer: w.cus.id, items: [{ price: w.price.id }],
    default_tax_rates: [w.vat.id] });
  const inv = await w.s.invoices.retrieve(sub.latest_invoice);
  const cn = await w.s.creditNotes.create({ invoice: inv.id, amount: 12500, refund_amount: 12500,
    reason: 'product_unsatisfactory' });
  assert.equal(cn.refunds.length, 1);
  assert.equal(cn.refunds[0].amount_refunded, 12500);
  const re = await w.s.refunds.retrieve(cn.refunds[0].refund);
  assert.equal(re.amount, 12500);
  assert.equal(re.status, 'succeeded');
  assert.equal(re.reason, 'requested_by_customer');
  const ch = await w.s.charges.retrieve(re.charge);
  assert.equal(ch.amount_refunded, 12500);
  assert.equal(ch.invoice, inv.id);
  // VAT 7475 x 12500 / 37375 = 2500 exactly; revenue reversed once, under the credit note only.
  assert.equal(cn.total_taxes[0].amount, 2500);
  const sources = JSON.parse(server.sql(`SELECT source, SUM(debit) AS d, SUM(credit) AS c FROM ledger_entries
    WHERE tenant_id = '${w.t.id}' AND (source LIKE 'credit_note:%' OR source LIKE 'refund:%')
    GROUP BY source ORDER BY source`));
  assert.deepEqual(sources, [
    { source: `credit_note:${cn.id}:issued`, d: 12500, c: 12500 },
    { source: `refund:${re.id}`, d: 12500, c: 12500 },
  ]);
  const before = server.dump();
  await assert.rejects(w.s.creditNotes.voidCreditNote(cn.id),
    (err) => err.statusCode === 400 && /has a refund/.test(err.message));
  // More than is left of the charge.
  await assert.rejects(w.s.creditNotes.create({ invoice: inv.id, amount: 24875, refund_amount: 24875 + 1 }),
    (err) => err.statusCode === 400 && err.param === 'refund_amount');
  assert.equal(server.dump(), before);
  assertVerified(w.t);
});

test('out of band on a paid invoice; a paid invoice without the split is refused', async () => {
  const w = await world('out of band');
  const inv = await openInvoice(w);
  await w.s.invoices.pay(inv.id, { paid_out_of_band: true });
  const before = server.dump();
  await assert.rejects(w.s.creditNotes.create({ invoice: inv.id, amount: 2000 }),
    (err) => err.statusCode === 400 && err.param === 'out_of_band_amount');
  await assert.rejects(w.s.creditNotes.create({ invoice: inv.id, amount: 2000, out_of_band_amount: 1000,
    credit_amount: 1500 }), (err) => err.statusCode === 400 && err.param === 'out_of_band_amount');
  assert.equal(server.dump(), before);
  const cn = await w.s.creditNotes.create({ invoice: inv.id, amount: 2000, out_of_band_amount: 2000 });
  assert.equal(cn.type, 'post_payment');
  assert.equal(cn.out_of_band_amount, 2000);
  assert.equal(cn.total_taxes[0].amount, 400);
  const oob = JSON.parse(server.sql(`SELECT SUM(credit) AS c FROM ledger_entries WHERE tenant_id = '${w.t.id}'
    AND account = 'out_of_band' AND source = 'credit_note:${cn.id}:issued'`));
  assert.equal(oob[0].c, 2000);
  assertVerified(w.t);
});

test('void gives the pre-payment part and the balance credit back; voiding twice is refused', async () => {
  const w = await world('void');
  const inv = await openInvoice(w);
  const cn = await w.s.creditNotes.create({ invoice: inv.id, amount: 5000 });
  assert.equal((await w.s.invoices.retrieve(inv.id)).amount_due, 7500);
  // An invoice with credit notes cannot be voided until they are.
  let before = server.dump();
  await assert.rejects(w.s.invoices.voidInvoice(inv.id),
    (err) => err.statusCode === 400 && err.code === 'invoice_unexpected_state');
  assert.equal(server.dump(), before);

  const voided = await w.s.creditNotes.voidCreditNote(cn.id);
  assert.equal(voided.status, 'void');
  assert.equal(voided.voided_at, T);
  const back = await w.s.invoices.retrieve(inv.id);
  assert.equal(back.amount_due, 12500);
  assert.equal(back.amount_remaining, 12500);
  assert.equal(back.pre_payment_credit_notes_amount, 0);
  before = server.dump();
  await assert.rejects(w.s.creditNotes.voidCreditNote(cn.id),
    (err) => err.statusCode === 400 && /already void/.test(err.message));
  assert.equal(server.dump(), before);
  assert.ok((await eventTypes(w)).includes('credit_note.voided'));
  assertVerified(w.t);

  // A credit to the balance, voided: the balance goes back, by a transaction of its own.
  await w.s.invoices.pay(inv.id, { paid_out_of_band: true });
  const credit = await w.s.creditNotes.create({ invoice: inv.id, amount: 2500, credit_amount: 2500 });
  assert.equal(credit.number, `${inv.number}-CN-02`); // void ones keep their numbers
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, -2500);
  await w.s.creditNotes.voidCreditNote(credit.id);
  assert.equal((await w.s.customers.retrieve(w.cus.id)).balance, 0);
  const txns = (await w.s.customers.listBalanceTransactions(w.cus.id)).data;
  assert.deepEqual(txns.map((x) => [x.type, x.amount, x.credit_note]),
    [['credit_note', 2500, credit.id], ['credit_note', -2500, credit.id]]);
  assert.equal((await w.s.invoices.retrieve(inv.id)).post_payment_credit_notes_amount, 0);
  assertVerified(w.t);
});

test('update changes memo and metadata only; lines page', async () => {
  const w = await world('update');
  const inv = await openInvoice(w);
  const cn = await w.s.creditNotes.create({ invoice: inv.id, lines: [
    { type: 'invoice_line_item', invoice_line_item: inv.lines.data[0].id, quantity: 1 },
  ] });
  assert.equal(cn.total, 12500);
  const u = await w.s.creditNotes.update(cn.id, { memo: 'Sorry', metadata: { case: '42' } });
  assert.equal(u.memo, 'Sorry');
  assert.deepEqual(u.metadata, { case: '42' });
  assert.ok((await eventTypes(w)).includes('credit_note.updated'));
  const lines = await w.s.creditNotes.listLineItems(cn.id);
  assert.equal(lines.object, 'list');
  assert.equal(lines.data.length, 1);
  assert.equal(lines.data[0].amount, 10000);
  const got = await w.s.creditNotes.retrieve(cn.id, { expand: ['invoice'] });
  assert.equal(got.invoice.id, inv.id);
  assertVerified(w.t);
});

test('preview shows what create would issue and saves nothing', async () => {
  const w = await world('preview');
  const inv = await openInvoice(w);
  const params = { invoice: inv.id, lines: [
    { type: 'invoice_line_item', invoice_line_item: inv.lines.data[0].id, amount: 3333 },
    { type: 'custom_line_item', description: 'Goodwill', unit_amount: 500, quantity: 2 },
  ] };
  const before = server.dump();
  const p = await w.s.creditNotes.preview(params);
  const pl = await w.s.creditNotes.listPreviewLineItems(params);
  assert.equal(server.dump(), before);
  // 33.33 + 25 % (8.3325 -> 8.33) + 10.00 of goodwill without tax.
  assert.equal(p.subtotal, 4333);
  assert.equal(p.total_taxes[0].amount, 833);
  assert.equal(p.total, 5166);
  assert.equal(pl.data.length, 2);
  assert.equal(pl.data[1].type, 'custom_line_item');
  assert.equal(pl.data[1].amount, 1000);
  const cn = await w.s.creditNotes.create(params);
  for (const k of ['subtotal', 'total', 'total_excluding_tax', 'number', 'type', 'pre_payment_amount'])
    assert.equal(cn[k], p[k], k);
  assert.deepEqual(cn.total_taxes, p.total_taxes);
  assertVerified(w.t);
});

test('bad input is refused exactly and changes nothing', async () => {
  const w = await world('bad input');
  const draft = await openInvoice(w, { finalize: false });
  const inv = await openInvoice(w);
  const before = server.dump();
  const cases = [
    [{ invoice: 'in_nope', amount: 100 }, 'invoice', 'resource_missing'],
    [{ invoice: draft.id, amount: 100 }, 'invoice', 'invoice_unexpected_state'],
    [{ invoice: inv.id, amount: 12501 }, 'amount'],
    [{ invoice: inv.id }, 'amount', 'parameter_missing'],
    [{ invoice: inv.id, amount: 100, credit_amount: 100 }, 'credit_amount'],
    [{ invoice: inv.id, amount: 100, reason: 'nope' }, 'reason'],
    [{ invoice: inv.id, lines: [{ type: 'invoice_line_item', invoice_line_item: inv.lines.data[0].id,
      amount: 10001 }] }, 'lines[0][amount]'],
    [{ invoice: inv.id, lines: [{ type: 'invoice_line_item', invoice_line_item: 'il_nope', amount: 1 }] },
      'lines[0][invoice_line_item]'],
    [{ invoice: inv.id, lines: [{ type: 'invoice_line_item', invoice_line_item: inv.lines.data[0].id,
      quantity: 2 }] }, 'lines[0][quantity]'],
    [{ invoice: inv.id, amount: 100, refund_amount: 100 }, 'refund_amount'],
  ];
  for (const [params, param, code] of cases) {
    await assert.rejects(w.s.creditNotes.create(params), (err) => {
      assert.equal(err.statusCode, 400, JSON.stringify(params));
      assert.equal(err.param, param, `${JSON.stringify(params)}: ${err.message}`);
      if (code) assert.equal(err.code, code);
      return true;
    });
  }
  const r = await server.raw('POST', '/v1/credit_notes/cn_nope/void', { key: w.t.secret_key });
  assert.equal(r.status, 404);
  assert.equal(server.dump(), before);
  assertVerified(w.t);
});

test('recur verify names an invoice whose credit note sums disagree, and a credit note without its posting', async () => {
  const w = await world('verify');
  const inv = await openInvoice(w);
  const cn = await w.s.creditNotes.create({ invoice: inv.id, amount: 5000 });
  assertVerified(w.t);
  const run = () => spawnSync(BIN, ['verify', '--db', server.db, '--tenant', w.t.id], { encoding: 'utf8' });
  server.sql(`UPDATE invoices SET pre_payment_credit_notes_amount = 4999 WHERE id = '${inv.id}'`);
  let r = run();
  assert.equal(r.status, 1);
  assert.match(r.stdout + r.stderr, new RegExp(`invoice ${inv.id}: its credit note sums`));
  server.sql(`UPDATE invoices SET pre_payment_credit_notes_amount = 5000 WHERE id = '${inv.id}'`);
  server.sql(`UPDATE ledger_entries SET source = 'x' || source WHERE source = 'credit_note:${cn.id}:issued'`);
  r = run();
  assert.equal(r.status, 1);
  assert.match(r.stdout + r.stderr, new RegExp(`credit note ${cn.id} has no posting`));
  server.sql(`UPDATE ledger_entries SET source = substr(source, 2) WHERE source = 'xcredit_note:${cn.id}:issued'`);
  assertVerified(w.t);
});
