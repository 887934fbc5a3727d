// invoices.test.js - manual invoices through the stripe SDK: tax, discounts,
// the lifecycle, gapless numbers, the customer's credit balance, /lines, lists.
// Every amount is asserted exactly, in minor units.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Invoices AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

// Asserts that p fails with a 400 and that the database did not change.
async function rejects400Unchanged(fn, { param, code, message } = {}) {
  const before = server.dump();
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, 400, err.message);
    assert.equal(err.raw.type, 'invalid_request_error');
    if (param !== undefined) assert.equal(err.param, param);
    if (code) assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
  assert.equal(server.dump(), before, 'a failed request must change nothing');
}

async function customer(s = stripe, extra = {}) {
  return s.customers.create({ name: 'Kari Nordmann', email: 'kari@example.no', currency: 'nok', ...extra });
}

async function rate(s, percentage, inclusive) {
  return s.taxRates.create({ display_name: 'MVA', percentage, inclusive });
}

// A draft with one pending item of amount, taken onto a new manual invoice.
async function draftWith(s, cus, amount, extra = {}, itemExtra = {}) {
  await s.invoiceItems.create({ customer: cus.id, amount, currency: 'nok', description: 'Work', ...itemExtra });
  return s.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include', ...extra });
}

test('a manual invoice taxes exclusive and inclusive 25 % exactly', async () => {
  const cus = await customer();
  const excl = await rate(stripe, 25, false);
  const incl = await rate(stripe, 25, true);
  const a = await stripe.invoiceItems.create({ customer: cus.id, amount: 10000, currency: 'nok',
    description: 'Consulting', tax_rates: [excl.id] });
  const b = await stripe.invoiceItems.create({ customer: cus.id, amount: 12500, currency: 'nok',
    description: 'Licence, VAT included', tax_rates: [incl.id] });
  const inv = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include',
    description: 'March', footer: 'Takk!', metadata: { order: '42' } });

  assert.match(inv.id, /^in_[0-9A-Za-z]{24}$/);
  assert.equal(inv.object, 'invoice');
  assert.equal(inv.status, 'draft');
  assert.equal(inv.number, null);
  assert.equal(inv.billing_reason, 'manual');
  assert.equal(inv.collection_method, 'charge_automatically');
  assert.equal(inv.auto_advance, false);
  assert.equal(inv.currency, 'nok');
  assert.equal(inv.customer, cus.id);
  assert.equal(inv.customer_email, 'kari@example.no');
  assert.equal(inv.customer_name, 'Kari Nordmann');
  assert.equal(inv.description, 'March');
  assert.equal(inv.footer, 'Takk!');
  assert.deepEqual(inv.metadata, { order: '42' });
  assert.equal(inv.subtotal, 22500);
  assert.equal(inv.subtotal_excluding_tax, 20000);
  assert.equal(inv.total, 25000);
  assert.equal(inv.total_excluding_tax, 20000);
  assert.equal(inv.amount_due, 25000);
  assert.equal(inv.amount_paid, 0);
  assert.equal(inv.amount_remaining, 25000);
  assert.equal(inv.starting_balance, 0);
  assert.equal(inv.ending_balance, null);
  assert.deepEqual(inv.total_discount_amounts, []);
  // One entry per rate, in the order the rates first appear on the lines.
  assert.deepEqual(inv.total_taxes.map((t) => [t.tax_rate_details.tax_rate, t.tax_behavior, t.taxable_amount, t.amount]),
    [[incl.id, 'inclusive', 10000, 2500], [excl.id, 'exclusive', 10000, 2500]]);
  assert.deepEqual(inv.status_transitions, { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null });
  // Bookkeeping never leaks into the object.
  for (const hidden of ['dedupe_key', 'days_until_due', 'deleted']) assert.equal(hidden in inv, false, hidden);

  assert.equal(inv.lines.object, 'list');
  assert.equal(inv.lines.url, `/v1/invoices/${inv.id}/lines`);
  assert.equal(inv.lines.has_more, false);
  // The newest item is listed first.
  const [lb, la] = inv.lines.data;
  assert.equal(la.object, 'line_item');
  assert.match(la.id, /^il_/);
  assert.equal(la.invoice, inv.id);
  assert.equal(la.amount, 10000);
  assert.equal(la.subtotal, 10000);
  assert.equal(la.description, 'Consulting');
  assert.equal(la.quantity, 1);
  assert.deepEqual(la.parent, {
    type: 'invoice_item_details',
    invoice_item_details: { invoice_item: a.id, proration: false, proration_details: { credited_items: null }, subscription: null },
    subscription_item_details: null,
  });
  assert.deepEqual(la.taxes, [{ amount: 2500, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: excl.id },
    taxability_reason: 'standard_rated', taxable_amount: 10000, type: 'tax_rate_details' }]);
  assert.equal(lb.amount, 12500);
  assert.equal(lb.parent.invoice_item_details.invoice_item, b.id);
  assert.deepEqual(lb.taxes, [{ amount: 2500, tax_behavior: 'inclusive', tax_rate_details: { tax_rate: incl.id },
    taxability_reason: 'standard_rated', taxable_amount: 10000, type: 'tax_rate_details' }]);
  for (const l of inv.lines.data) assert.equal('tax_rates' in l || 'invoice_item' in l, false);

  // The items now sit on the invoice.
  assert.equal((await stripe.invoiceItems.retrieve(a.id)).invoice, inv.id);
  assert.deepEqual(await stripe.invoices.retrieve(inv.id), inv);

  const fin = await stripe.invoices.finalizeInvoice(inv.id);
  assert.equal(fin.status, 'open');
  assert.match(fin.number, /^RCR-\d{4}$/);
  assert.equal(fin.amount_due, 25000);
  assert.equal(fin.ending_balance, 0);
  assert.ok(fin.status_transitions.finalized_at > 0);
  assert.equal(fin.effective_at, fin.status_transitions.finalized_at);
  assert.equal(fin.due_date, null);
  const types = (await stripe.events.list({ limit: 2 })).data.map((e) => e.type);
  assert.deepEqual(types, ['invoice.finalized', 'invoice.created']);
});

test('default_tax_rates apply to lines without their own, and a percent coupon comes before tax', async () => {
  const cus = await customer();
  const excl = await rate(stripe, 25, false);
  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' });
  await stripe.invoiceItems.create({ customer: cus.id, amount: 6000, currency: 'nok' });
  await stripe.invoiceItems.create({ customer: cus.id, amount: 4000, currency: 'nok' });
  const inv = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include',
    default_tax_rates: [excl.id], discounts: [{ coupon: coupon.id }] });
  assert.equal(inv.subtotal, 10000);
  assert.equal(inv.discounts.length, 1);
  assert.match(inv.discounts[0], /^di_/);
  assert.deepEqual(inv.total_discount_amounts, [{ amount: 1000, discount: inv.discounts[0] }]);
  assert.deepEqual(inv.total_taxes.map((t) => [t.taxable_amount, t.amount]), [[9000, 2250]]);
  assert.equal(inv.total, 11250);
  assert.equal(inv.total_excluding_tax, 9000);
  assert.equal(inv.amount_due, 11250);
  assert.equal(inv.default_tax_rates.length, 1);
  assert.equal(inv.default_tax_rates[0].id, excl.id);
  assert.equal(inv.default_tax_rates[0].object, 'tax_rate');
  assert.equal(inv.default_tax_rates[0].percentage, 25);
  // Each line shows its share of the discount and of the tax.
  const shares = inv.lines.data.map((l) => [l.amount, l.discount_amounts[0].amount, l.taxes[0].taxable_amount, l.taxes[0].amount]);
  assert.deepEqual(shares, [[4000, 400, 3600, 900], [6000, 600, 5400, 1350]]);
  assert.deepEqual(inv.total_pretax_credit_amounts, [{ amount: 1000, discount: inv.discounts[0], type: 'discount' }]);
  assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);

  // Changing the draft's tax rates and discounts recomputes it.
  // '' empties a list (the SDK leaves out an empty array).
  const up = await stripe.invoices.update(inv.id, { default_tax_rates: '', discounts: '' });
  assert.equal(up.total, 10000);
  assert.deepEqual(up.total_taxes, []);
  assert.deepEqual(up.total_discount_amounts, []);
  assert.deepEqual(up.discounts, []);
  assert.deepEqual(up.lines.data.map((l) => l.discount_amounts), [[], []]);
  const ev = (await stripe.events.list({ type: 'invoice.updated', limit: 1 })).data[0];
  assert.equal(ev.data.object.id, inv.id);
  assert.equal(ev.data.previous_attributes.total, 11250);
  assert.equal('lines' in ev.data.previous_attributes, false);
});

test('invoice numbers are gapless: 100 finalizations, voids keep their numbers', async () => {
  const t = server.tenant('Numbers AS');
  const s = server.client(t.secret_key);
  const cus = await customer(s);
  const ids = [];
  for (let i = 0; i < 100; i++) {
    await s.invoiceItems.create({ customer: cus.id, amount: 1000 + i, currency: 'nok' });
    ids.push((await s.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' })).id);
  }
  // Finalize in parallel batches of ten, voiding every seventh as it comes.
  const numbers = new Map();
  for (let i = 0; i < 100; i += 10) {
    const batch = await Promise.all(ids.slice(i, i + 10).map((id) => s.invoices.finalizeInvoice(id)));
    for (const inv of batch) numbers.set(inv.id, inv.number);
    for (const inv of batch.filter((x, j) => (i + j) % 7 === 0)) {
      const v = await s.invoices.voidInvoice(inv.id);
      assert.equal(v.status, 'void');
      assert.equal(v.number, inv.number);
    }
  }
  const sorted = [...numbers.values()].sort();
  assert.deepEqual(sorted, Array.from({ length: 100 }, (_, i) => `RCR-${String(i + 1).padStart(4, '0')}`));
  // A refused finalization takes no number, even one refused after the number
  // was drawn: a credit in another currency than the customer's balance.
  await assert.rejects(s.invoices.finalizeInvoice(ids[0]), (e) => e.statusCode === 400);
  await s.invoiceItems.create({ customer: cus.id, amount: -100, currency: 'eur' });
  const eur = await s.invoices.create({ customer: cus.id, currency: 'eur', pending_invoice_items_behavior: 'include' });
  await rejects400Unchanged(() => s.invoices.finalizeInvoice(eur.id), { message: /balance, which is kept in nok/ });
  await s.invoiceItems.create({ customer: cus.id, amount: 500, currency: 'nok' });
  const next = await s.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' });
  assert.equal((await s.invoices.finalizeInvoice(next.id)).number, 'RCR-0101');
  // Every tenant has its own series.
  const other = server.client(server.tenant('Other AS').secret_key);
  const oc = await customer(other);
  const first = await other.invoices.create({ customer: oc.id });
  assert.equal((await other.invoices.finalizeInvoice(first.id)).number, 'RCR-0001');
  const voided = (await s.invoices.list({ customer: cus.id, status: 'void', limit: 100 })).data;
  assert.equal(voided.length, 15);
});

test('a credit balance of -150.00 is used across two invoices of 100.00', async () => {
  const cus = await customer();
  const credit = await stripe.customers.createBalanceTransaction(cus.id, {
    amount: -15000, currency: 'nok', description: 'Goodwill', metadata: { case: '17' },
  });
  assert.match(credit.id, /^cbtxn_/);
  assert.equal(credit.object, 'customer_balance_transaction');
  assert.equal(credit.type, 'adjustment');
  assert.equal(credit.amount, -15000);
  assert.equal(credit.ending_balance, -15000);
  assert.equal(credit.customer, cus.id);
  assert.equal(credit.description, 'Goodwill');
  assert.deepEqual(credit.metadata, { case: '17' });
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, -15000);
  const upd = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data[0];
  assert.deepEqual(upd.data.previous_attributes, { balance: 0 });

  const one = await draftWith(stripe, cus, 10000);
  assert.equal(one.starting_balance, -15000);
  assert.equal(one.amount_due, 0);
  const f1 = await stripe.invoices.finalizeInvoice(one.id);
  // Nothing left to pay: finalized and paid at once.
  assert.equal(f1.status, 'paid');
  assert.equal(f1.total, 10000);
  assert.equal(f1.amount_due, 0);
  assert.equal(f1.amount_paid, 0);
  assert.equal(f1.amount_remaining, 0);
  assert.equal(f1.starting_balance, -15000);
  assert.equal(f1.ending_balance, -5000);
  assert.ok(f1.status_transitions.paid_at > 0);
  const types = (await stripe.events.list({ limit: 4 })).data.map((e) => e.type);
  assert.deepEqual(types, ['invoice.payment_succeeded', 'invoice.paid', 'invoice.finalized', 'customer.updated']);
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, -5000);

  const two = await draftWith(stripe, cus, 10000);
  const f2 = await stripe.invoices.finalizeInvoice(two.id);
  assert.equal(f2.status, 'open');
  assert.equal(f2.amount_due, 5000);
  assert.equal(f2.amount_remaining, 5000);
  assert.equal(f2.starting_balance, -5000);
  assert.equal(f2.ending_balance, 0);
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, 0);

  const txns = await stripe.customers.listBalanceTransactions(cus.id);
  assert.equal(txns.url, `/v1/customers/${cus.id}/balance_transactions`);
  assert.deepEqual(txns.data.map((x) => [x.type, x.amount, x.ending_balance, x.invoice]), [
    ['applied_to_invoice', 5000, 0, two.id],
    ['applied_to_invoice', 10000, -5000, one.id],
    ['adjustment', -15000, -15000, null],
  ]);
  const got = await stripe.customers.retrieveBalanceTransaction(cus.id, credit.id);
  assert.deepEqual(got, credit);
  const ann = await stripe.customers.updateBalanceTransaction(cus.id, credit.id, { description: 'Goodwill, case 17' });
  assert.equal(ann.description, 'Goodwill, case 17');
  assert.equal(ann.amount, -15000);

  // Paying the rest out of band.
  const paid = await stripe.invoices.pay(f2.id, { paid_out_of_band: true });
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 5000);
  assert.equal(paid.amount_remaining, 0);
});

test('balance transactions: validation, currency, and other customers', async () => {
  const cus = await stripe.customers.create({ name: 'No currency yet' });
  await rejects400Unchanged(() => stripe.customers.createBalanceTransaction(cus.id, { amount: 0, currency: 'nok' }), { param: 'amount' });
  await rejects400Unchanged(() => stripe.customers.createBalanceTransaction(cus.id, { currency: 'nok' }), { param: 'amount', code: 'parameter_missing' });
  // A customer without a currency takes the first transaction's.
  const t = await stripe.customers.createBalanceTransaction(cus.id, { amount: 2500, currency: 'eur' });
  assert.equal(t.ending_balance, 2500);
  const c = await stripe.customers.retrieve(cus.id);
  assert.equal(c.currency, 'eur');
  assert.equal(c.balance, 2500);
  await rejects400Unchanged(() => stripe.customers.createBalanceTransaction(cus.id, { amount: 100, currency: 'nok' }), { param: 'currency' });
  const other = await customer();
  await assert.rejects(stripe.customers.retrieveBalanceTransaction(other.id, t.id), (e) => e.statusCode === 404);
  await assert.rejects(stripe.customers.listBalanceTransactions('cus_missing'), (e) => e.statusCode === 404);
});

test('a debit balance is added to the next invoice', async () => {
  const cus = await customer();
  await stripe.customers.createBalanceTransaction(cus.id, { amount: 3000, currency: 'nok' });
  const inv = await draftWith(stripe, cus, 10000);
  const f = await stripe.invoices.finalizeInvoice(inv.id);
  assert.equal(f.amount_due, 13000);
  assert.equal(f.starting_balance, 3000);
  assert.equal(f.ending_balance, 0);
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, 0);
});

test('the lifecycle: pay out of band, void, mark uncollectible, send, delete', async () => {
  const cus = await customer();

  // Without paid_out_of_band, pay charges a method; this customer has none (collection.test.js charges).
  const a = await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 20000)).id);
  await rejects400Unchanged(() => stripe.invoices.pay(a.id), { param: 'payment_method', message: /no attached payment source or default payment method/ });
  const paid = await stripe.invoices.pay(a.id, { paid_out_of_band: true });
  assert.equal(paid.status, 'paid');
  assert.equal(paid.amount_paid, 20000);
  assert.equal(paid.amount_remaining, 0);
  assert.ok(paid.status_transitions.paid_at >= paid.status_transitions.finalized_at);
  let types = (await stripe.events.list({ limit: 2 })).data.map((e) => e.type);
  assert.deepEqual(types, ['invoice.payment_succeeded', 'invoice.paid']);

  // A draft is finalized on the way to being paid, as Stripe does.
  const d = await draftWith(stripe, cus, 700);
  const dp = await stripe.invoices.pay(d.id, { paid_out_of_band: true });
  assert.equal(dp.status, 'paid');
  assert.match(dp.number, /^RCR-/);
  assert.equal(dp.amount_paid, 700);

  const b = await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 5000)).id);
  const v = await stripe.invoices.voidInvoice(b.id);
  assert.equal(v.status, 'void');
  assert.ok(v.status_transitions.voided_at > 0);
  assert.equal((await stripe.events.list({ limit: 1 })).data[0].type, 'invoice.voided');

  const c = await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 6000)).id);
  const u = await stripe.invoices.markUncollectible(c.id);
  assert.equal(u.status, 'uncollectible');
  assert.ok(u.status_transitions.marked_uncollectible_at > 0);
  assert.equal((await stripe.events.list({ limit: 1 })).data[0].type, 'invoice.marked_uncollectible');
  // An uncollectible invoice can still be paid.
  assert.equal((await stripe.invoices.pay(c.id, { paid_out_of_band: true })).status, 'paid');

  // send_invoice: due days_until_due after finalization; send records an event.
  const si = await draftWith(stripe, cus, 9900, { collection_method: 'send_invoice', days_until_due: 14 });
  assert.equal(si.collection_method, 'send_invoice');
  assert.equal(si.due_date, null);
  await rejects400Unchanged(() => stripe.invoices.sendInvoice(si.id), { message: /open/ });
  const sf = await stripe.invoices.finalizeInvoice(si.id);
  assert.equal(sf.due_date, sf.status_transitions.finalized_at + 14 * 86400);
  const sent = await stripe.invoices.sendInvoice(si.id);
  assert.equal(sent.status, 'open');
  assert.equal((await stripe.events.list({ limit: 1 })).data[0].type, 'invoice.sent');
  await rejects400Unchanged(() => stripe.invoices.sendInvoice(a.id), { message: /send_invoice/ });

  // Deleting a draft sends its items back to pending.
  await stripe.invoiceItems.create({ customer: cus.id, amount: 1234, currency: 'nok' });
  const dr = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' });
  const itemId = dr.lines.data[0].parent.invoice_item_details.invoice_item;
  const del = await stripe.invoices.del(dr.id);
  assert.deepEqual(del, { id: dr.id, object: 'invoice', deleted: true });
  await assert.rejects(stripe.invoices.retrieve(dr.id), (e) => e.statusCode === 404 && e.code === 'resource_missing');
  assert.equal((await stripe.invoiceItems.retrieve(itemId)).invoice, null);
  types = (await stripe.events.list({ limit: 1 })).data.map((e) => e.type);
  assert.deepEqual(types, ['invoice.deleted']);
  // The item goes on the next invoice.
  const again = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' });
  assert.equal(again.total, 1234);
});

test('voiding an invoice that used credit gives the credit back', async () => {
  const cus = await customer();
  await stripe.customers.createBalanceTransaction(cus.id, { amount: -4000, currency: 'nok' });
  const f = await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 10000)).id);
  assert.equal(f.amount_due, 6000);
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, 0);
  await stripe.invoices.voidInvoice(f.id);
  assert.equal((await stripe.customers.retrieve(cus.id)).balance, -4000);
  const last = (await stripe.customers.listBalanceTransactions(cus.id, { limit: 1 })).data[0];
  assert.deepEqual([last.type, last.amount, last.ending_balance, last.invoice], ['unapplied_from_invoice', -4000, -4000, f.id]);
});

test('invalid transitions are 400s that change nothing', async () => {
  const cus = await customer();
  const paid = await stripe.invoices.pay((await draftWith(stripe, cus, 1000)).id, { paid_out_of_band: true });
  const draft = await draftWith(stripe, cus, 2000);
  const open = await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 3000)).id);
  const voided = await stripe.invoices.voidInvoice((await stripe.invoices.finalizeInvoice((await draftWith(stripe, cus, 4000)).id)).id);

  await rejects400Unchanged(() => stripe.invoices.finalizeInvoice(paid.id), { code: 'invoice_unexpected_state', message: /draft/ });
  await rejects400Unchanged(() => stripe.invoices.finalizeInvoice(open.id), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoices.voidInvoice(draft.id), { code: 'invoice_unexpected_state', message: /delete/ });
  await rejects400Unchanged(() => stripe.invoices.voidInvoice(paid.id), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoices.pay(voided.id, { paid_out_of_band: true }), { code: 'invoice_unexpected_state', message: /void/ });
  await rejects400Unchanged(() => stripe.invoices.pay(paid.id, { paid_out_of_band: true }), { message: /already paid/ });
  await rejects400Unchanged(() => stripe.invoices.del(open.id), { code: 'invoice_unexpected_state', message: /draft/ });
  await rejects400Unchanged(() => stripe.invoices.markUncollectible(draft.id), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoices.markUncollectible(voided.id), { code: 'invoice_unexpected_state' });
  await rejects400Unchanged(() => stripe.invoices.update(open.id, { default_tax_rates: '' }), { param: 'default_tax_rates' });
  await rejects400Unchanged(() => stripe.invoices.update(open.id, { collection_method: 'send_invoice' }), { param: 'collection_method' });
  // Bad input on create changes nothing either.
  await rejects400Unchanged(() => stripe.invoices.create({ customer: 'cus_nope' }), { param: 'customer', code: 'resource_missing' });
  await rejects400Unchanged(() => stripe.invoices.create({ customer: cus.id, days_until_due: 10 }), { param: 'days_until_due' });
  await rejects400Unchanged(() => stripe.invoices.create({ customer: cus.id, default_tax_rates: ['txr_nope'] }), { param: 'default_tax_rates[0]' });
  await rejects400Unchanged(() => stripe.invoices.create({ customer: cus.id, discounts: [{ coupon: 'nope' }] }), { param: 'discounts[0][coupon]' });
  await rejects400Unchanged(() => stripe.invoices.create({ customer: cus.id, colour: 'red' }), { param: 'colour', code: 'parameter_unknown' });
  await assert.rejects(stripe.invoices.finalizeInvoice('in_missing'), (e) => e.statusCode === 404);

  // What may change after finalization does.
  const up = await stripe.invoices.update(open.id, { description: 'Late', metadata: { po: '9' }, footer: 'Thanks' });
  assert.equal(up.description, 'Late');
  assert.deepEqual(up.metadata, { po: '9' });
  assert.equal(up.total, 3000);
});

test('/lines paginates, and an invoice embeds its first ten lines', async () => {
  const cus = await customer();
  const items = [];
  for (let i = 1; i <= 25; i++) {
    items.push((await stripe.invoiceItems.create({ customer: cus.id, amount: i * 100, currency: 'nok', description: `Item ${i}` })).id);
  }
  const inv = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' });
  assert.equal(inv.total, 32500); // 100 * (1 + ... + 25)
  assert.equal(inv.lines.data.length, 10);
  assert.equal(inv.lines.has_more, true);
  const page = await stripe.invoices.listLineItems(inv.id, { limit: 7 });
  assert.equal(page.object, 'list');
  assert.equal(page.url, `/v1/invoices/${inv.id}/lines`);
  assert.equal(page.data.length, 7);
  assert.equal(page.has_more, true);
  const all = [];
  for await (const l of stripe.invoices.listLineItems(inv.id, { limit: 4 })) all.push(l);
  assert.equal(all.length, 25);
  assert.deepEqual(all.map((l) => l.parent.invoice_item_details.invoice_item), items.slice().reverse());
  assert.equal(all.reduce((s, l) => s + l.amount, 0), 32500);
  assert.deepEqual(all.slice(0, 10).map((l) => l.id), inv.lines.data.map((l) => l.id));
  const back = await stripe.invoices.listLineItems(inv.id, { limit: 3, ending_before: all[5].id });
  assert.deepEqual(back.data.map((l) => l.id), [all[2].id, all[3].id, all[4].id]);
  await assert.rejects(stripe.invoices.listLineItems('in_missing'), (e) => e.statusCode === 404);
});

test('list filters: customer, status, collection_method, created; expand', async () => {
  const t = server.tenant('Lists AS');
  const s = server.client(t.secret_key);
  const c1 = await customer(s);
  const c2 = await customer(s);
  const a = await s.invoices.create({ customer: c1.id });
  const b = await s.invoices.finalizeInvoice((await draftWith(s, c1, 1000)).id);
  const c = await draftWith(s, c2, 500, { collection_method: 'send_invoice', days_until_due: 30 });
  const ids = (l) => l.data.map((x) => x.id);
  assert.deepEqual(ids(await s.invoices.list()), [c.id, b.id, a.id]);
  assert.deepEqual(ids(await s.invoices.list({ customer: c1.id })), [b.id, a.id]);
  assert.deepEqual(ids(await s.invoices.list({ status: 'draft' })), [c.id, a.id]);
  assert.deepEqual(ids(await s.invoices.list({ status: 'open' })), [b.id]);
  assert.deepEqual(ids(await s.invoices.list({ collection_method: 'send_invoice' })), [c.id]);
  assert.deepEqual(ids(await s.invoices.list({ created: { gte: a.created } })).length, 3);
  assert.deepEqual(ids(await s.invoices.list({ subscription: 'sub_none' })), []);
  const page = await s.invoices.list({ limit: 2 });
  assert.equal(page.has_more, true);
  assert.equal(page.data[1].lines.data.length, 1);
  assert.equal(page.data[0].lines.data[0].amount, 500);
  const listed = [];
  for await (const x of s.invoices.list({ limit: 1 })) listed.push(x.id);
  assert.deepEqual(listed, [c.id, b.id, a.id]);
  await assert.rejects(s.invoices.list({ status: 'lost' }), (e) => e.statusCode === 400 && e.param === 'status');

  const exp = await s.invoices.retrieve(b.id, { expand: ['customer'] });
  assert.equal(exp.customer.id, c1.id);
  const item = (await s.invoiceItems.list({ invoice: b.id })).data[0];
  const ie = await s.invoiceItems.retrieve(item.id, { expand: ['invoice'] });
  assert.equal(ie.invoice.id, b.id);
  assert.equal(ie.invoice.object, 'invoice');
  assert.equal(ie.invoice.number, b.number);
  assert.equal('dedupe_key' in ie.invoice, false);
  // Another tenant sees none of it.
  const o = server.client(server.tenant('Stranger AS').secret_key);
  await assert.rejects(o.invoices.retrieve(b.id), (e) => e.statusCode === 404);
  assert.deepEqual((await o.invoices.list()).data, []);
});

test('currency: the customer\'s, or the pending items\', or given', async () => {
  const bare = await stripe.customers.create({ name: 'Bare' });
  await rejects400Unchanged(() => stripe.invoices.create({ customer: bare.id }), { param: 'currency', code: 'parameter_missing' });
  await stripe.invoiceItems.create({ customer: bare.id, amount: 800, currency: 'sek' });
  const inv = await stripe.invoices.create({ customer: bare.id, pending_invoice_items_behavior: 'include' });
  assert.equal(inv.currency, 'sek');
  assert.equal(inv.total, 800);
  const eur = await stripe.invoices.create({ customer: bare.id, currency: 'eur' });
  assert.equal(eur.currency, 'eur');
  assert.equal(eur.total, 0);
  // exclude (the default) leaves pending items alone.
  await stripe.invoiceItems.create({ customer: bare.id, amount: 900, currency: 'sek' });
  const ex = await stripe.invoices.create({ customer: bare.id, currency: 'sek' });
  assert.equal(ex.total, 0);
  assert.equal((await stripe.invoiceItems.list({ customer: bare.id, pending: true })).data.length, 1);
  // An empty draft finalizes straight to paid.
  const z = await stripe.invoices.finalizeInvoice(ex.id);
  assert.equal(z.status, 'paid');
  assert.equal(z.amount_due, 0);
});

// Stripe finalizes a draft with auto_advance=true about an hour after it was
// made, and then collects it: a test clock shows both, to the second.
test('a draft with auto_advance is finalized an hour after creation and charged; one without stays a draft', async () => {
  const T0 = 1785542400; // 2026-08-01 00:00:00 UTC
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const cus = await customer(stripe, { test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  await stripe.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
  await stripe.invoiceItems.create({ customer: cus.id, amount: 12500, currency: 'nok' });
  const auto = await stripe.invoices.create({ customer: cus.id, auto_advance: true,
    pending_invoice_items_behavior: 'include' });
  const held = await stripe.invoices.create({ customer: cus.id, auto_advance: false });
  assert.equal(auto.status, 'draft');
  assert.equal(auto.auto_advance, true);

  // 59 minutes 59 seconds later: still a draft.
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 3599 });
  assert.equal((await stripe.invoices.retrieve(auto.id)).status, 'draft');

  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 3600 });
  const done = await stripe.invoices.retrieve(auto.id);
  assert.equal(done.status, 'paid');
  assert.equal(done.status_transitions.finalized_at, T0 + 3600);
  assert.equal(done.amount_paid, 12500);
  assert.match(done.number, /^RCR-\d{4}$/);
  assert.equal((await stripe.invoices.retrieve(held.id)).status, 'draft');

  // Turning auto_advance on after its hour is due at once: at the clock's time
  // of the update, which the next advance runs.
  await stripe.invoices.update(held.id, { auto_advance: true });
  assert.equal((await stripe.invoices.retrieve(held.id)).status, 'draft');
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 7200 });
  const later = await stripe.invoices.retrieve(held.id);
  assert.equal(later.status, 'paid'); // nothing to pay: paid at finalization
  assert.equal(later.status_transitions.finalized_at, T0 + 3600);
  const types = (await stripe.events.list({ limit: 100 })).data
    .filter((ev) => ev.data.object.id === auto.id).map((ev) => ev.type).sort();
  assert.deepEqual(types, ['invoice.created', 'invoice.finalized', 'invoice.paid',
    'invoice.payment_succeeded']);
});
