// bad_input_billing.test.js - the bad-input table for the billing side:
// subscriptions, invoices, invoice items, payment methods, refunds, credit
// notes, test clocks, recur's settings and bank statements. Boundary and
// overflowing amounts, wrong types, huge arrays, other tenants' ids and
// invalid state transitions, one row each, through the runner of
// bad_input_lib.js: exact status, type, param and code, and the database
// byte-for-byte unchanged. With bad_input.test.js the corpus is over 200
// requests.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');
const { JSON_CT, rawWith, runCases } = require('./bad_input_lib');

let server;
const f = {}; // fixtures the rows refer to
const DAY = 86400;
const T0 = 1780272000; // 2026-06-01, the test clock's start
const E15 = 10 ** 15;

const IRE = 'invalid_request_error';

before(async () => {
  server = await startServer();
  f.A = server.tenant('Billing bad input A AS');
  f.B = server.tenant('Billing bad input B AS');
  const a = f.a = server.client(f.A.secret_key);
  const b = server.client(f.B.secret_key);
  f.clock = (await a.testHelpers.testClocks.create({ frozen_time: T0 })).id;
  f.cus = (await a.customers.create({ name: 'Kari', email: 'kari@example.no', test_clock: f.clock })).id;
  f.pm = (await a.paymentMethods.attach('pm_card_visa', { customer: f.cus })).id;
  await a.customers.update(f.cus, { invoice_settings: { default_payment_method: f.pm } });
  const prod = (await a.products.create({ name: 'Pro' })).id;
  f.price = (await a.prices.create({ product: prod, currency: 'nok', unit_amount: 9900, recurring: { interval: 'month' } })).id;
  f.priceSek = (await a.prices.create({ product: prod, currency: 'sek', unit_amount: 9900, recurring: { interval: 'month' } })).id;
  f.oneTime = (await a.prices.create({ product: prod, currency: 'nok', unit_amount: 500 })).id;
  f.tax = (await a.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false })).id;

  const sub = await a.subscriptions.create({ customer: f.cus, items: [{ price: f.price }] });
  f.sub = sub.id;
  f.paid = sub.latest_invoice;
  f.charge = (await a.charges.list({ customer: f.cus, limit: 1 })).data[0].id;
  const gone = await a.subscriptions.create({ customer: f.cus, items: [{ price: f.price }] });
  await a.subscriptions.cancel(gone.id);
  f.canceled = gone.id;

  await a.invoiceItems.create({ customer: f.cus, amount: 20000, currency: 'nok' });
  f.open = (await a.invoices.finalizeInvoice((await a.invoices.create({ customer: f.cus,
    collection_method: 'send_invoice', days_until_due: 14, pending_invoice_items_behavior: 'include' })).id)).id;
  await a.invoiceItems.create({ customer: f.cus, amount: 3000, currency: 'nok' });
  f.draft = (await a.invoices.create({ customer: f.cus, auto_advance: false,
    pending_invoice_items_behavior: 'include' })).id;
  await a.invoiceItems.create({ customer: f.cus, amount: 4000, currency: 'nok' });
  const toVoid = await a.invoices.create({ customer: f.cus, collection_method: 'send_invoice',
    days_until_due: 14, pending_invoice_items_behavior: 'include' });
  await a.invoices.finalizeInvoice(toVoid.id);
  f.void = (await a.invoices.voidInvoice(toVoid.id)).id;
  f.cn = (await a.creditNotes.create({ invoice: f.paid, amount: 1000, credit_amount: 1000 })).id;
  f.cnVoid = (await a.creditNotes.create({ invoice: f.paid, amount: 500, credit_amount: 500 })).id;
  await a.creditNotes.voidCreditNote(f.cnVoid);

  const cusB = (await b.customers.create({ name: 'B' })).id;
  const prodB = (await b.products.create({ name: 'B' })).id;
  f.priceB = (await b.prices.create({ product: prodB, currency: 'nok', unit_amount: 100, recurring: { interval: 'month' } })).id;
  f.taxB = (await b.taxRates.create({ display_name: 'MVA', percentage: 25, inclusive: false })).id;
  f.subB = (await b.subscriptions.create({ customer: cusB, collection_method: 'send_invoice', days_until_due: 7,
    items: [{ price: f.priceB }] })).id;
  f.invB = (await b.subscriptions.retrieve(f.subB)).latest_invoice;
  f.clockB = (await b.testHelpers.testClocks.create({ frozen_time: T0 })).id;
});
after(async () => { await server.stop(); });

const raw = rawWith(() => server, () => f.A.secret_key);
const form = (o) => new URLSearchParams(o).toString();
const bad = (name, sdk, status, param, code, type = IRE) => ({ name, sdk, status, type, param, code });
const badRaw = (name, req, status, param, code, type = IRE) => ({ name, req, status, type, param, code });

const cases = [
  // Subscriptions: missing, unknown and wrong values.
  bad('subscription without a customer', () => f.a.subscriptions.create({ items: [{ price: f.price }] }),
    400, 'customer', 'parameter_missing'),
  bad('subscription without items', () => f.a.subscriptions.create({ customer: f.cus }),
    400, 'items', 'parameter_missing'),
  bad('subscription with an unknown price', () => f.a.subscriptions.create({ customer: f.cus, items: [{ price: 'price_nope' }] }),
    400, 'items[0][price]', 'resource_missing'),
  bad("subscription with another tenant's price", () => f.a.subscriptions.create({ customer: f.cus, items: [{ price: f.priceB }] }),
    400, 'items[0][price]', 'resource_missing'),
  bad('subscription with a one-time price', () => f.a.subscriptions.create({ customer: f.cus, items: [{ price: f.oneTime }] }),
    400, 'items[0][price]', 'parameter_invalid'),
  bad('subscription with prices in two currencies', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }, { price: f.priceSek }] }), 400, 'items[1][price]', 'parameter_invalid'),
  bad('subscription item quantity -1', () => f.a.subscriptions.create({ customer: f.cus, items: [{ price: f.price, quantity: -1 }] }),
    400, 'items[0][quantity]', 'parameter_invalid_integer'),
  badRaw('subscription item quantity that overflows int64', raw('POST', '/v1/subscriptions',
    () => `customer=${f.cus}&items[0][price]=${f.price}&items[0][quantity]=99999999999999999999`),
  400, 'items[0][quantity]', 'parameter_invalid_integer'),
  badRaw('subscription with 21 items', raw('POST', '/v1/subscriptions',
    () => `customer=${f.cus}&${Array.from({ length: 21 }, (_, i) => `items[${i}][price]=${f.price}`).join('&')}`),
  400, 'items', 'parameter_invalid'),
  badRaw('subscription with 1 000 items', raw('POST', '/v1/subscriptions',
    () => `customer=${f.cus}&${Array.from({ length: 1000 }, (_, i) => `items[${i}][price]=${f.price}`).join('&')}`),
  400, 'items', 'parameter_invalid'),
  bad("subscription item with another tenant's tax rate", () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price, tax_rates: [f.taxB] }] }), 400, 'items[0][tax_rates][0]', 'resource_missing'),
  bad('subscription with trial_period_days -1', () => f.a.subscriptions.create({ customer: f.cus, items: [{ price: f.price }],
    trial_period_days: -1 }), 400, 'trial_period_days', 'parameter_invalid_integer'),
  bad('subscription with trial_end in the clock\'s past', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], trial_end: T0 - DAY }), 400, 'trial_end', 'parameter_invalid'),
  bad('subscription with an unknown collection_method', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], collection_method: 'cash' }), 400, 'collection_method', 'parameter_invalid'),
  bad('subscription with days_until_due -1', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], collection_method: 'send_invoice', days_until_due: -1 }),
  400, 'days_until_due', 'parameter_invalid_integer'),
  bad('subscription with billing_cycle_anchor in the past', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], billing_cycle_anchor: T0 - DAY }), 400, 'billing_cycle_anchor', 'parameter_invalid'),
  bad('subscription with cancel_at in the past', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], cancel_at: T0 - DAY }), 400, 'cancel_at', 'parameter_invalid'),
  bad('subscription with an unknown payment_behavior', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], payment_behavior: 'hope' }), 400, 'payment_behavior', 'parameter_invalid'),
  bad('subscription with an unknown default_payment_method', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], default_payment_method: 'pm_nope' }), 400, 'default_payment_method', 'resource_missing'),
  bad('subscription with an unknown coupon', () => f.a.subscriptions.create({ customer: f.cus,
    items: [{ price: f.price }], discounts: [{ coupon: 'NOPE' }] }), 400, 'discounts[0][coupon]', 'resource_missing'),
  badRaw('subscription metadata with 51 keys', raw('POST', () => `/v1/subscriptions/${f.sub}`,
    () => Array.from({ length: 51 }, (_, i) => `metadata[k${i}]=v`).join('&')), 400, 'metadata', 'parameter_invalid'),
  bad('subscription update with an unknown proration_behavior', () => f.a.subscriptions.update(f.sub,
    { proration_behavior: 'maybe' }), 400, 'proration_behavior', 'parameter_invalid'),
  bad('pause_collection with an unknown behavior', () => f.a.subscriptions.update(f.sub,
    { pause_collection: { behavior: 'sleep' } }), 400, 'pause_collection[behavior]', 'parameter_invalid'),
  bad('pause_collection resuming in the past', () => f.a.subscriptions.update(f.sub,
    { pause_collection: { behavior: 'void', resumes_at: T0 - DAY } }), 400, 'pause_collection[resumes_at]', 'parameter_invalid'),
  bad("retrieving another tenant's subscription", () => f.a.subscriptions.retrieve(f.subB),
    404, 'id', 'resource_missing'),
  bad("canceling another tenant's subscription", () => f.a.subscriptions.cancel(f.subB),
    404, 'id', 'resource_missing'),

  // The name is expandable, but this API version's invoice has no payment_intent:
  // found only once the subscription exists, and then nothing may be kept.
  bad('subscription asking to expand a field its invoice does not have', () => f.a.subscriptions.create({
    customer: f.cus, items: [{ price: f.price }], expand: ['latest_invoice.payment_intent'] }),
  400, 'expand[0]', 'parameter_invalid'),

  // Invoices and invoice items: state transitions and amounts.
  bad('invoice for an unknown customer', () => f.a.invoices.create({ customer: 'cus_nope' }),
    400, 'customer', 'resource_missing'),
  bad('finalizing a paid invoice', () => f.a.invoices.finalizeInvoice(f.paid),
    400, undefined, 'invoice_unexpected_state'),
  bad('voiding a draft invoice', () => f.a.invoices.voidInvoice(f.draft),
    400, undefined, 'invoice_unexpected_state'),
  bad('voiding a paid invoice', () => f.a.invoices.voidInvoice(f.paid),
    400, undefined, 'invoice_unexpected_state'),
  bad('paying a void invoice', () => f.a.invoices.pay(f.void),
    400, undefined, 'invoice_unexpected_state'),
  bad('marking a draft uncollectible', () => f.a.invoices.markUncollectible(f.draft),
    400, undefined, 'invoice_unexpected_state'),
  bad('deleting an open invoice', () => f.a.invoices.del(f.open),
    400, undefined, 'invoice_unexpected_state'),
  bad('sending a paid invoice', () => f.a.invoices.sendInvoice(f.paid),
    400, undefined, 'invoice_unexpected_state'),
  bad("finalizing another tenant's invoice", () => f.a.invoices.finalizeInvoice(f.invB),
    404, 'id', 'resource_missing'),
  bad('paying with an unknown payment method', () => f.a.invoices.pay(f.open, { payment_method: 'pm_nope' }),
    400, 'payment_method', 'resource_missing'),
  bad('invoice with days_until_due -1', () => f.a.invoices.create({ customer: f.cus, collection_method: 'send_invoice',
    days_until_due: -1 }), 400, 'days_until_due', 'parameter_invalid_integer'),
  bad('listing invoices by an unknown status', () => f.a.invoices.list({ status: 'lost' }),
    400, 'status', 'parameter_invalid'),
  bad('invoice item amount beyond 10^15', () => f.a.invoiceItems.create({ customer: f.cus, amount: E15 + 1, currency: 'nok' }),
    400, 'amount', 'parameter_invalid_integer'),
  badRaw('invoice item amount that overflows int64', raw('POST', '/v1/invoiceitems',
    () => `customer=${f.cus}&currency=nok&amount=-99999999999999999999`), 400, 'amount', 'parameter_invalid_integer'),
  bad('invoice item amount 12.5', () => f.a.invoiceItems.create({ customer: f.cus, amount: 12.5, currency: 'nok' }),
    400, 'amount', 'parameter_invalid_integer'),
  bad('invoice item on an open invoice', () => f.a.invoiceItems.create({ customer: f.cus, amount: 100, currency: 'nok',
    invoice: f.open }), 400, 'invoice', 'invoice_unexpected_state'),
  bad('invoice item on an unknown invoice', () => f.a.invoiceItems.create({ customer: f.cus, amount: 100, currency: 'nok',
    invoice: 'in_nope' }), 400, 'invoice', 'resource_missing'),
  bad('invoice item without a currency', () => f.a.invoiceItems.create({ customer: f.cus, amount: 100 }),
    400, 'currency', 'parameter_missing'),

  // Payment methods, payment intents, charges and refunds.
  // recur names a path id `id` everywhere.
  bad('attaching an unknown test token', () => f.a.paymentMethods.attach('pm_card_nope', { customer: f.cus }),
    404, 'id', 'resource_missing'),
  bad('a customer default method that is not attached', () => f.a.customers.update(f.cus,
    { invoice_settings: { default_payment_method: 'pm_nope' } }),
  400, 'invoice_settings[default_payment_method]', 'resource_missing'),
  bad('a new customer with a default method it cannot have yet', () => f.a.customers.create(
    { invoice_settings: { default_payment_method: f.pm } }),
  400, 'invoice_settings[default_payment_method]', 'resource_missing'),
  bad('a payment method of an unknown type', () => f.a.paymentMethods.create({ type: 'cash' }),
    400, 'type', 'parameter_invalid'),
  bad('retrieving an unknown payment intent', () => f.a.paymentIntents.retrieve('pi_nope'),
    404, 'id', 'resource_missing'),
  bad('refund beyond the charge', () => f.a.refunds.create({ charge: f.charge, amount: 9901 }),
    400, 'amount', 'parameter_invalid'),
  bad('refund of 0', () => f.a.refunds.create({ charge: f.charge, amount: 0 }),
    400, 'amount', 'parameter_invalid_integer'),
  bad('refund of an unknown charge', () => f.a.refunds.create({ charge: 'ch_nope' }),
    400, 'charge', 'resource_missing'),
  bad('refund with an unknown reason', () => f.a.refunds.create({ charge: f.charge, amount: 100, reason: 'whim' }),
    400, 'reason', 'parameter_invalid'),
  bad('refund naming neither charge nor payment intent', () => f.a.refunds.create({ amount: 100 }),
    400, 'charge', 'parameter_missing'),

  // Credit notes.
  bad('credit note without an invoice', () => f.a.creditNotes.create({ amount: 100 }),
    400, 'invoice', 'parameter_missing'),
  bad('credit note on a draft invoice', () => f.a.creditNotes.create({ invoice: f.draft, amount: 100 }),
    400, 'invoice', 'invoice_unexpected_state'),
  bad('credit note on a void invoice', () => f.a.creditNotes.create({ invoice: f.void, amount: 100 }),
    400, 'invoice', 'invoice_unexpected_state'),
  bad('credit note beyond the invoice', () => f.a.creditNotes.create({ invoice: f.open, amount: 20001 }),
    400, 'amount', undefined),
  bad('credit note with an unknown reason', () => f.a.creditNotes.create({ invoice: f.open, amount: 100, reason: 'whim' }),
    400, 'reason', 'parameter_invalid'),
  bad('credit note after payment without saying where it goes', () => f.a.creditNotes.create({ invoice: f.paid,
    amount: 100, credit_amount: 50 }), 400, 'out_of_band_amount', undefined),
  bad("credit note on another tenant's invoice", () => f.a.creditNotes.create({ invoice: f.invB, amount: 100 }),
    400, 'invoice', 'resource_missing'),
  bad('voiding a void credit note', () => f.a.creditNotes.voidCreditNote(f.cnVoid),
    400, undefined, undefined),

  // Test clocks.
  bad('advancing a clock backwards', () => f.a.testHelpers.testClocks.advance(f.clock, { frozen_time: T0 - 1 }),
    400, 'frozen_time', 'parameter_invalid'),
  bad('a clock without frozen_time', () => f.a.testHelpers.testClocks.create({ name: 'x' }),
    400, 'frozen_time', 'parameter_missing'),
  bad("advancing another tenant's clock", () => f.a.testHelpers.testClocks.advance(f.clockB, { frozen_time: T0 + DAY }),
    404, 'id', 'resource_missing'),

  // recur's settings.
  badRaw('dunning: a Danish fee over 100 DKK', raw('POST', '/v1/settings/dunning', 'reminders[fee][dkk]=10001'),
    400, 'reminders[fee][dkk]', 'parameter_invalid'),
  badRaw('dunning: retry days not increasing', raw('POST', '/v1/settings/dunning',
    'retries[days][0]=5&retries[days][1]=3'), 400, 'retries[days][1]', 'parameter_invalid'),
  badRaw('dunning: an interest rate that is not a number', raw('POST', '/v1/settings/dunning',
    'late_interest[annual_rate_bps]=high'), 400, 'late_interest[annual_rate_bps]', 'parameter_invalid_integer'),
  badRaw('payment references: an unknown kind', raw('POST', '/v1/settings/payment_references', 'kind=iban'),
    400, 'kind', 'parameter_invalid'),
  badRaw('payment references: a length digit on a KID', raw('POST', '/v1/settings/payment_references',
    form({ kind: 'kid_mod10', length_digit: 'true' })), 400, 'length_digit', 'parameter_invalid'),
  badRaw('payment stop on an unknown invoice', raw('POST', '/v1/invoices/in_nope/payment_stop', 'enabled=true'),
    404, 'id', 'resource_missing'),

  // Bank statements.
  badRaw('bank statement that is not XML', raw('POST', '/v1/bank_statements', 'not xml at all',
    { ctype: 'application/xml' }), 400, 'file', 'parameter_invalid'),
  badRaw('bank statement that is empty', raw('POST', '/v1/bank_statements', '', { ctype: 'application/xml' }),
    400, 'file', 'parameter_missing'),
  badRaw('bank statement with an external entity', raw('POST', '/v1/bank_statements',
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>',
    { ctype: 'application/xml' }), 400, 'file', 'parameter_invalid'),
  badRaw('assigning an unknown unmatched payment', raw('POST', '/v1/unmatched_payments/ump_nope/assign',
    () => `invoice=${f.open}`), 404, 'id', 'resource_missing'),

  // Imports and exports (docs/import.md): a request the import cannot even
  // start is a 4xx that leaves no import object behind.
  badRaw('import without a file', raw('POST', '/v1/imports', 'type=customers'),
    400, 'file', 'parameter_missing'),
  badRaw('import without a type', raw('POST', '/v1/imports', 'file=name%0Aa'),
    400, 'type', 'parameter_missing'),
  badRaw('import of an unknown type', raw('POST', '/v1/imports', 'type=invoices&file=name%0Aa'),
    400, 'type', 'parameter_invalid'),
  badRaw('import in an unknown mode', raw('POST', '/v1/imports', 'type=customers&mode=fast&file=name%0Aa'),
    400, 'mode', 'parameter_invalid'),
  badRaw('import with partial not a boolean', raw('POST', '/v1/imports',
    'type=customers&partial=maybe&file=name%0Aa'), 400, 'partial', 'parameter_invalid'),
  badRaw('import with an unknown delimiter', raw('POST', '/v1/imports',
    'type=customers&delimiter=pipe&file=name%0Aa'), 400, 'delimiter', 'parameter_invalid'),
  badRaw('import with an unknown parameter', raw('POST', '/v1/imports',
    'type=customers&colour=red&file=name%0Aa'), 400, 'colour', 'parameter_unknown'),
  badRaw('CSV body holding a NUL byte', raw('POST', '/v1/imports?type=customers', 'name\na\u0000b\n',
    { ctype: 'text/csv' }), 400, 'file', 'parameter_invalid'),
  badRaw('multipart body without parts', raw('POST', '/v1/imports', 'garbage',
    { ctype: 'multipart/form-data' }), 400, undefined, 'parameter_invalid'),
  badRaw('multipart file part holding a NUL byte', raw('POST', '/v1/imports',
    '--XB\r\nContent-Disposition: form-data; name="type"\r\n\r\ncustomers\r\n' +
    '--XB\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n' +
    'Content-Type: text/csv\r\n\r\nname\na\u0000b\r\n--XB--\r\n',
    { ctype: 'multipart/form-data; boundary=XB' }), 400, 'file', 'parameter_invalid'),
  badRaw('template of an unknown type', raw('GET', '/v1/imports/templates/invoices.csv'),
    404, 'type', 'resource_missing'),
  badRaw('export that is not a .csv', raw('GET', '/v1/exports/customers.txt'),
    404, undefined, 'resource_missing'),
  badRaw('export with decimal commas and comma delimiters', raw('GET', '/v1/exports/customers.csv?decimal=comma'),
    400, 'decimal', 'parameter_invalid'),
  badRaw('an unknown import', raw('GET', '/v1/imports/imp_nope'), 404, 'id', 'resource_missing'),
  badRaw('imports listed by an unknown status', raw('GET', '/v1/imports?status=done'),
    400, 'status', 'parameter_invalid'),

  // JSON bodies on the billing endpoints.
  badRaw('JSON subscription items as an object', raw('POST', '/v1/subscriptions',
    () => JSON.stringify({ customer: f.cus, items: { price: f.price } }), { ctype: JSON_CT }),
  400, 'items', 'parameter_invalid'),
  badRaw('JSON quantity as a string of letters', raw('POST', '/v1/subscriptions',
    () => JSON.stringify({ customer: f.cus, items: [{ price: f.price, quantity: 'two' }] }), { ctype: JSON_CT }),
  400, 'items[0][quantity]', 'parameter_invalid_integer'),
  badRaw('JSON invoice item amount 1e300', raw('POST', '/v1/invoiceitems',
    () => `{"customer":"${f.cus}","currency":"nok","amount":1e300}`, { ctype: JSON_CT }),
  400, 'amount', 'parameter_invalid_integer'),
];

test('the billing table has at least 60 distinct cases', () => {
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

runCases(() => server, cases, 'bad billing input');
