// payments.test.js - payment methods with the sandbox's test cards, through the
// stripe SDK: create from a token, attach (a test token id makes a new pm_),
// list, update, detach, the customer's default, expand; the read endpoints of
// payment intents, charges and refunds; bad input with exact status, type,
// param and code, and an unchanged database after each refusal.
//
// Charges are made only by invoice collection (svc_payment_attempt): the
// refund tests below get theirs through POST /v1/invoices/:id/pay with a
// card; collection.test.js covers automatic collection and retries.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');

let server, stripe, tenant;

before(async () => {
  server = await startServer();
  tenant = server.tenant('Payments AS');
  stripe = server.client(tenant.secret_key);
});
after(async () => { await server.stop(); });

const CARDS = [
  { token: 'pm_card_visa', brand: 'visa', last4: '4242', attaches: true },
  { token: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', attaches: true },
  { token: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341', attaches: true },
  { token: 'pm_card_chargeDeclined', brand: 'visa', last4: '0002', code: 'card_declined' },
  { token: 'pm_card_chargeDeclinedInsufficientFunds', brand: 'visa', last4: '9995', code: 'card_declined' },
  { token: 'pm_card_chargeDeclinedExpiredCard', brand: 'visa', last4: '0069', code: 'expired_card' },
  { token: 'pm_card_chargeDeclinedLostCard', brand: 'visa', last4: '9987', code: 'card_declined' },
  { token: 'pm_card_chargeDeclinedStolenCard', brand: 'visa', last4: '9979', code: 'card_declined' },
  { token: 'pm_card_chargeDeclinedProcessingError', brand: 'visa', last4: '0119', code: 'processing_error' },
];

const PM_ID = /^pm_[0-9A-Za-z]{24}$/;

// The database, less the idempotency keys when a 402 is expected: api.md keeps
// 402 answers with their key (to replay them), and nothing else may change.
function dump(status) {
  const text = server.dump();
  if (status !== 402) return text;
  return text.replace(/== idempotency_keys\n[^]*?(?=== )/, '== idempotency_keys\n');
}

// Asserts a refusal exactly and that the database did not change.
async function refused(fn, { status = 400, type = 'invalid_request_error', param, code, message }) {
  const before = dump(status);
  await assert.rejects(fn(), (err) => {
    assert.equal(err.statusCode, status);
    assert.equal(err.rawType, type);
    assert.equal(err.param, param);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
  assert.equal(dump(status), before);
}

function checkCard(pm, { brand, last4 }) {
  assert.match(pm.id, PM_ID);
  assert.equal(pm.object, 'payment_method');
  assert.equal(pm.type, 'card');
  assert.equal(pm.livemode, false);
  assert.equal(pm.card.brand, brand);
  assert.equal(pm.card.display_brand, brand);
  assert.equal(pm.card.last4, last4);
  assert.equal(pm.card.exp_month, 12);
  assert.equal(pm.card.exp_year, 2034);
  assert.equal(pm.card.funding, 'credit');
  assert.equal(pm.card.country, 'US');
  assert.deepEqual(pm.card.networks, { available: [brand], preferred: null });
  assert.match(pm.card.fingerprint, /^[0-9A-Za-z]{16}$/);
  // The gateway's token and recur's bookkeeping never leave the server.
  for (const k of ['gateway', 'gateway_token', 'detached']) assert.equal(k in pm, false, k);
}

test('every test card can be created from its token, as pm_card_* or tok_*', async () => {
  for (const c of CARDS) {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: c.token } });
    checkCard(pm, c);
    assert.equal(pm.customer, null);
    assert.equal(pm.allow_redisplay, 'unspecified');
    assert.deepEqual(pm.billing_details, {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null, name: null, phone: null, tax_id: null,
    });
    assert.deepEqual(await stripe.paymentMethods.retrieve(pm.id), pm);
  }
  const tok = await stripe.paymentMethods.create({
    type: 'card', card: { token: 'tok_mastercard' },
    billing_details: { name: 'Kari Nordmann', email: 'kari@example.no', address: { city: 'Oslo', country: 'NO' } },
    metadata: { source: 'checkout' },
  });
  checkCard(tok, { brand: 'mastercard', last4: '4444' });
  assert.equal(tok.billing_details.name, 'Kari Nordmann');
  assert.equal(tok.billing_details.address.city, 'Oslo');
  assert.equal(tok.billing_details.address.line1, null);
  assert.deepEqual(tok.metadata, { source: 'checkout' });
  // The same card has the same fingerprint however it came in.
  const visa1 = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
  const visa2 = await stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' } });
  assert.equal(visa1.card.fingerprint, visa2.card.fingerprint);
  assert.notEqual(visa1.card.fingerprint, tok.card.fingerprint);
  // Creating a payment method sends no event (Stripe has no payment_method.created).
  const events = await stripe.events.list({ type: 'payment_method.*' });
  assert.equal(events.data.length, 0);
});

test('attaching a test token id makes a new pm_ bound to the customer', async () => {
  const cus = await stripe.customers.create({ name: 'Attach' });
  const attached = [];
  for (const c of CARDS.filter((x) => x.attaches)) {
    const pm = await stripe.paymentMethods.attach(c.token, { customer: cus.id });
    checkCard(pm, c);
    assert.equal(pm.customer, cus.id);
    attached.push(pm.id);
  }
  // Each attach is a new method, even for the same token.
  const again = await stripe.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  assert.notEqual(again.id, attached[0]);
  attached.push(again.id);
  assert.equal(new Set(attached).size, 4);

  const events = await stripe.events.list({ type: 'payment_method.attached' });
  assert.deepEqual(events.data.map((e) => e.data.object.id), attached.slice().reverse());
  assert.equal(events.data[0].data.object.customer, cus.id);

  // Listing: newest first, by customer, both ways the SDK spells it.
  const list = await stripe.paymentMethods.list({ customer: cus.id, type: 'card' });
  assert.equal(list.object, 'list');
  assert.equal(list.url, '/v1/payment_methods');
  assert.deepEqual(list.data.map((p) => p.id), attached.slice().reverse());
  const byCustomer = await stripe.customers.listPaymentMethods(cus.id, { type: 'card', limit: 2 });
  assert.equal(byCustomer.url, `/v1/customers/${cus.id}/payment_methods`);
  assert.deepEqual(byCustomer.data.map((p) => p.id), attached.slice(2).reverse());
  assert.equal(byCustomer.has_more, true);
  const all = [];
  for await (const pm of stripe.customers.listPaymentMethods(cus.id, { limit: 1 })) all.push(pm.id);
  assert.deepEqual(all, attached.slice().reverse());
  // Another customer's methods are not in the list; nor is another type.
  const other = await stripe.customers.create({ name: 'Other' });
  await stripe.paymentMethods.attach('pm_card_mastercard', { customer: other.id });
  assert.equal((await stripe.paymentMethods.list({ customer: cus.id })).data.length, 4);
  assert.equal((await stripe.paymentMethods.list({ customer: cus.id, type: 'sepa_debit' })).data.length, 0);
});

test('cards that decline are refused on attach with a 402, deterministically, and nothing is saved', async () => {
  const cus = await stripe.customers.create({ name: 'Declines' });
  for (const c of CARDS.filter((x) => !x.attaches)) {
    for (let i = 0; i < 2; i++) {
      await refused(() => stripe.paymentMethods.attach(c.token, { customer: cus.id }),
        { status: 402, type: 'card_error', param: undefined, code: c.code });
    }
    // A created method of that card is refused the same way.
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: c.token } });
    await refused(() => stripe.paymentMethods.attach(pm.id, { customer: cus.id }),
      { status: 402, type: 'card_error', param: undefined, code: c.code });
  }
  await assert.rejects(stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: cus.id }),
    (err) => { assert.equal(err.type, 'StripeCardError'); assert.equal(err.message, 'Your card has insufficient funds.'); return true; });
  await assert.rejects(stripe.paymentMethods.attach('pm_card_chargeDeclinedExpiredCard', { customer: cus.id }),
    (err) => { assert.equal(err.message, 'Your card has expired.'); return true; });
  assert.equal((await stripe.customers.listPaymentMethods(cus.id)).data.length, 0);
});

test('attach a created method, update it, detach it; the customer default follows', async () => {
  const cus = await stripe.customers.create({ name: 'Lifecycle', email: 'l@example.no' });
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });

  // Stripe: a method must be saved to a customer before it can be updated.
  await refused(() => stripe.paymentMethods.update(pm.id, { metadata: { a: '1' } }),
    { param: undefined, code: undefined, message: /must save this PaymentMethod to a customer/ });

  const att = await stripe.paymentMethods.attach(pm.id, { customer: cus.id });
  assert.equal(att.id, pm.id);
  assert.equal(att.customer, cus.id);
  // Attaching again to the same customer changes nothing.
  const same = await stripe.paymentMethods.attach(pm.id, { customer: cus.id });
  assert.deepEqual(same, att);
  assert.equal((await stripe.events.list({ type: 'payment_method.attached' })).data
    .filter((e) => e.data.object.id === pm.id).length, 1);
  // Someone else's method cannot be taken over.
  const other = await stripe.customers.create({ name: 'Thief' });
  await refused(() => stripe.paymentMethods.attach(pm.id, { customer: other.id }),
    { param: undefined, code: undefined, message: /already been attached to a customer/ });

  const up = await stripe.paymentMethods.update(pm.id, {
    billing_details: { name: 'Kari', address: { city: 'Bergen', postal_code: '5003' } },
    metadata: { plan: 'pro' },
    allow_redisplay: 'always',
  });
  assert.equal(up.billing_details.name, 'Kari');
  assert.equal(up.billing_details.address.city, 'Bergen');
  assert.equal(up.billing_details.address.postal_code, '5003');
  assert.equal(up.allow_redisplay, 'always');
  assert.deepEqual(up.metadata, { plan: 'pro' });
  assert.deepEqual(up.card, att.card);
  // Fields merge; "" unsets.
  const up2 = await stripe.paymentMethods.update(pm.id, {
    billing_details: { name: '', email: 'kari@example.no', address: { line1: 'Bryggen 1' } },
    metadata: { plan: '', seats: '3' },
  });
  assert.equal(up2.billing_details.name, null);
  assert.equal(up2.billing_details.email, 'kari@example.no');
  assert.equal(up2.billing_details.address.city, 'Bergen');
  assert.equal(up2.billing_details.address.line1, 'Bryggen 1');
  assert.deepEqual(up2.metadata, { seats: '3' });
  const upd = await stripe.events.list({ type: 'payment_method.updated', limit: 1 });
  assert.equal(upd.data[0].data.object.id, pm.id);
  assert.deepEqual(upd.data[0].data.previous_attributes.metadata, { plan: 'pro', seats: null });
  assert.equal(upd.data[0].data.previous_attributes.billing_details.name, 'Kari');

  // The customer's default may name it, and expand shows the method.
  await stripe.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
  const withPm = await stripe.customers.retrieve(cus.id, { expand: ['invoice_settings.default_payment_method'] });
  assert.equal(withPm.invoice_settings.default_payment_method.id, pm.id);
  assert.equal(withPm.invoice_settings.default_payment_method.card.last4, '4242');
  assert.equal('gateway_token' in withPm.invoice_settings.default_payment_method, false);

  const det = await stripe.paymentMethods.detach(pm.id);
  assert.equal(det.id, pm.id);
  assert.equal(det.customer, null);
  assert.deepEqual(det.card, att.card);
  const detEv = (await stripe.events.list({ type: 'payment_method.detached', limit: 1 })).data[0];
  assert.equal(detEv.data.object.id, pm.id);
  assert.deepEqual(detEv.data.previous_attributes, { customer: cus.id });
  // Detaching the default clears it from the customer, with customer.updated.
  const after = await stripe.customers.retrieve(cus.id);
  assert.equal(after.invoice_settings.default_payment_method, null);
  const cusEv = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data[0];
  assert.deepEqual(cusEv.data.previous_attributes, { invoice_settings: { default_payment_method: pm.id } });
  assert.equal((await stripe.customers.listPaymentMethods(cus.id)).data.length, 0);

  // A detached method is done: not detached again, not attached again, not updated.
  await refused(() => stripe.paymentMethods.detach(pm.id),
    { param: undefined, code: undefined, message: /not attached to a customer so detachment is impossible/ });
  await refused(() => stripe.paymentMethods.attach(pm.id, { customer: cus.id }),
    { param: undefined, code: undefined, message: /may not be used again/ });
  await refused(() => stripe.paymentMethods.update(pm.id, { metadata: { a: '1' } }),
    { param: undefined, code: undefined });
});

test('payment methods of one tenant or mode are invisible to another; live mode has no gateway', async () => {
  const cus = await stripe.customers.create({ name: 'Iso' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  const t2 = server.tenant('Other AS');
  const s2 = server.client(t2.secret_key);
  await refused(() => s2.paymentMethods.retrieve(pm.id),
    { status: 404, param: 'id', code: 'resource_missing' });
  await refused(() => s2.paymentMethods.detach(pm.id),
    { status: 404, param: 'id', code: 'resource_missing' });
  const live = server.client(tenant.live_secret_key);
  await refused(() => live.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' } }),
    { param: undefined, code: undefined, message: /No payment gateway is configured for live mode/ });
  const liveCus = await live.customers.create({ name: 'Live' });
  await refused(() => live.paymentMethods.attach('pm_card_visa', { customer: liveCus.id }),
    { status: 404, param: 'id', code: 'resource_missing' });
});

test('bad input is refused with the exact param and changes nothing', async () => {
  const cus = await stripe.customers.create({ name: 'Bad' });
  const loose = await stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' } });
  const rows = [
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_bogus' } }),
      { param: 'card[token]', code: 'resource_missing', message: /No such test payment method: 'tok_bogus'/ }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_nope' } }),
      { param: 'card[token]', code: 'resource_missing' }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } }),
      { param: 'card[number]', code: 'parameter_invalid', message: /never takes card numbers/ }],
    [() => stripe.paymentMethods.create({ type: 'card' }),
      { param: 'card', code: 'parameter_missing' }],
    [() => stripe.paymentMethods.create({ card: { token: 'pm_card_visa' } }),
      { param: 'type', code: 'parameter_missing' }],
    [() => stripe.paymentMethods.create({ type: 'sepa_debit', card: { token: 'pm_card_visa' } }),
      { param: 'type', code: 'parameter_invalid' }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa', brand: 'x' } }),
      { param: 'card[brand]', code: 'parameter_unknown' }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' }, customer: cus.id }),
      { param: 'customer', code: 'parameter_unknown' }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' }, billing_details: { address: { town: 'Oslo' } } }),
      { param: 'billing_details[address][town]', code: 'parameter_unknown' }],
    [() => stripe.paymentMethods.create({ type: 'card', card: { token: 'pm_card_visa' }, allow_redisplay: 'sometimes' }),
      { param: 'allow_redisplay', code: 'parameter_invalid' }],
    [() => stripe.paymentMethods.attach('pm_card_visa', {}),
      { param: 'customer', code: 'parameter_missing' }],
    [() => stripe.paymentMethods.attach('pm_card_visa', { customer: 'cus_missing' }),
      { param: 'customer', code: 'resource_missing' }],
    [() => stripe.paymentMethods.attach('pm_card_bogus', { customer: cus.id }),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.paymentMethods.attach(loose.id, { customer: cus.id, extra: 1 }),
      { param: 'extra', code: 'parameter_unknown' }],
    [() => stripe.paymentMethods.detach(loose.id),
      { param: undefined, code: undefined, message: /not attached to a customer/ }],
    [() => stripe.paymentMethods.retrieve('pm_missing'),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.paymentMethods.list({ customer: cus.id, color: 'red' }),
      { param: 'color', code: 'parameter_unknown' }],
    [() => stripe.customers.listPaymentMethods('cus_missing'),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.customers.listPaymentMethods(cus.id, { customer: cus.id }),
      { param: 'customer', code: 'parameter_unknown' }],
    [() => stripe.paymentIntents.retrieve('pi_missing'),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.paymentIntents.list({ invoice: 'in_x' }),
      { param: 'invoice', code: 'parameter_unknown' }],
    [() => stripe.charges.retrieve('ch_missing'),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.charges.list({ limit: 101 }),
      { param: 'limit', code: 'parameter_invalid_integer' }],
    [() => stripe.refunds.retrieve('re_missing'),
      { status: 404, param: 'id', code: 'resource_missing' }],
    [() => stripe.refunds.create({}),
      { param: 'charge', code: 'parameter_missing', message: /payment_intent or charge/ }],
    [() => stripe.refunds.create({ charge: 'ch_missing' }),
      { param: 'charge', code: 'resource_missing' }],
    [() => stripe.refunds.create({ payment_intent: 'pi_missing', amount: 100 }),
      { param: 'payment_intent', code: 'resource_missing' }],
    [() => stripe.refunds.create({ charge: 'ch_missing', amount: 0 }),
      { param: 'amount', code: 'parameter_invalid_integer' }],
    [() => stripe.refunds.create({ charge: 'ch_missing', reason: 'because' }),
      { param: 'reason', code: 'parameter_invalid' }],
    [() => stripe.refunds.create({ charge: 'ch_missing', instructions_email: 'a@b.c' }),
      { param: 'instructions_email', code: 'parameter_unknown' }],
  ];
  for (const [fn, want] of rows) await refused(fn, want);
});

test('payment intents, charges and refunds lists are served and empty before any charge', async () => {
  const pis = await stripe.paymentIntents.list({ limit: 3 });
  assert.deepEqual(pis, { object: 'list', url: '/v1/payment_intents', has_more: false, data: [] });
  const chs = await stripe.charges.list({ customer: 'cus_x', payment_intent: 'pi_x' });
  assert.deepEqual(chs, { object: 'list', url: '/v1/charges', has_more: false, data: [] });
  const res = await stripe.refunds.list({ charge: 'ch_x' });
  assert.deepEqual(res, { object: 'list', url: '/v1/refunds', has_more: false, data: [] });
});

// A customer whose invoice is charged to pm_card_visa: a manual invoice
// (auto_advance false) is not charged on finalization, so pay charges it.
async function paidCharge(amount) {
  const cus = await stripe.customers.create({ name: 'Refund me' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: cus.id });
  await stripe.customers.update(cus.id, { invoice_settings: { default_payment_method: pm.id } });
  await stripe.invoiceItems.create({ customer: cus.id, amount, currency: 'nok', description: 'Work' });
  const inv = await stripe.invoices.create({ customer: cus.id, pending_invoice_items_behavior: 'include' });
  // Finalizing charges the default method; pay is for an invoice still open.
  const fin = await stripe.invoices.finalizeInvoice(inv.id);
  const paid = fin.status === 'paid' ? fin : await stripe.invoices.pay(inv.id, { payment_method: pm.id });
  assert.equal(paid.status, 'paid');
  const charges = await stripe.charges.list({ customer: cus.id });
  assert.equal(charges.data.length, 1);
  return { cus, pm, charge: charges.data[0] };
}

test('a charge and its payment intent, as the API shows them', async () => {
  const { cus, pm, charge } = await paidCharge(10000);
  assert.match(charge.id, /^ch_[0-9A-Za-z]{24}$/);
  assert.equal(charge.status, 'succeeded');
  assert.equal(charge.paid, true);
  assert.equal(charge.amount, 10000);
  assert.equal(charge.amount_refunded, 0);
  assert.equal(charge.payment_method, pm.id);
  assert.equal(charge.payment_method_details.card.last4, '4242');
  assert.equal(charge.outcome.type, 'authorized');
  const pi = await stripe.paymentIntents.retrieve(charge.payment_intent, { expand: ['latest_charge'] });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.amount_received, 10000);
  assert.equal(pi.customer, cus.id);
  assert.equal(pi.latest_charge.id, charge.id);
  const list = await stripe.paymentIntents.list({ customer: cus.id });
  assert.deepEqual(list.data.map((p) => p.id), [pi.id]);
  const types = (await stripe.events.list({ limit: 20 })).data.map((e) => e.type);
  for (const t of ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']) {
    assert.ok(types.includes(t), t);
  }
});

test('partial and full refunds on a charge, and refusals beyond it', async () => {
  const { charge } = await paidCharge(10000);
  const re1 = await stripe.refunds.create({ charge: charge.id, amount: 2500, reason: 'requested_by_customer', metadata: { ticket: '42' } });
  assert.match(re1.id, /^re_[0-9A-Za-z]{24}$/);
  assert.equal(re1.object, 'refund');
  assert.equal(re1.amount, 2500);
  assert.equal(re1.status, 'succeeded');
  assert.equal(re1.reason, 'requested_by_customer');
  assert.equal(re1.charge, charge.id);
  assert.equal(re1.payment_intent, charge.payment_intent);
  assert.deepEqual(re1.metadata, { ticket: '42' });
  let ch = await stripe.charges.retrieve(charge.id);
  assert.equal(ch.amount_refunded, 2500);
  assert.equal(ch.refunded, false);
  const evs = (await stripe.events.list({ limit: 2 })).data.map((e) => e.type).sort();
  assert.deepEqual(evs, ['charge.refunded', 'refund.created']);

  await refused(() => stripe.refunds.create({ charge: charge.id, amount: 7501 }),
    { param: 'amount', code: 'parameter_invalid',
      message: /Refund amount \(75\.01 NOK\) is greater than unrefunded amount on charge \(75\.00 NOK\)/ });

  // The same Idempotency-Key replays the first answer; no second refund.
  const key = 'refund-rest-1';
  const rest = await stripe.refunds.create({ payment_intent: charge.payment_intent }, { idempotencyKey: key });
  const replay = await stripe.refunds.create({ payment_intent: charge.payment_intent }, { idempotencyKey: key });
  assert.deepEqual(replay, rest);
  assert.equal(rest.amount, 7500);
  ch = await stripe.charges.retrieve(charge.id);
  assert.equal(ch.amount_refunded, 10000);
  assert.equal(ch.refunded, true);
  await refused(() => stripe.refunds.create({ charge: charge.id, amount: 1 }),
    { param: undefined, code: 'charge_already_refunded' });

  const list = await stripe.refunds.list({ charge: charge.id });
  assert.deepEqual(list.data.map((r) => r.id), [rest.id, re1.id]);
  const upd = await stripe.refunds.update(re1.id, { metadata: { ticket: '43' } });
  assert.deepEqual(upd.metadata, { ticket: '43' });
});
