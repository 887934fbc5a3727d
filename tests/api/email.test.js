'use strict';
// email.test.js - e-mail notifications per locale over SMTP (docs/email.md):
// a small SMTP sink on loopback (smtp_sink.js) receives the mails of a
// scenario on a test clock with customers in nb, sv, da and en, and the
// tests assert their recipients, subjects, locale and the amounts and dates
// as each locale writes them; a sink that refuses the first attempt gets the
// mail on the retry; without a mail server nothing is queued.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./harness');
const { startSink } = require('./smtp_sink');

const DAY = 86400;
const T0 = 1777593600; // 2026-05-01T00:00:00Z
const NB = '\u00a0';   // the no-break space of core/locale.h
const FROM = 'billing@recur.test';

let server;
let sink;

async function withMail(fn, env = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, { RECUR_SMTP_URL: sink.url, RECUR_MAIL_FROM: FROM, ...env });
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

before(async () => {
  sink = await startSink();
  server = await withMail(() => startServer(), { RECUR_MAIL_BACKOFF_MS: '300' });
});
after(async () => {
  await server.stop();
  await sink.close();
});

const form = (o) => new URLSearchParams(o).toString();
const post = (t, path, body) => server.raw('POST', path, { key: t.secret_key, body: form(body) });
const get = (t, path) => server.raw('GET', path, { key: t.secret_key });
const mailsTo = (addr) => sink.messages.filter((m) => m.to.includes(addr));

// GET /v1/email_messages once the mailer has recorded every outcome (the
// sink has a message a moment before the mailer writes "sent").
async function settled(t, query = 'limit=100') {
  for (let i = 0; ; i++) {
    const list = await get(t, `/v1/email_messages?${query}`);
    assert.equal(list.status, 200, list.text);
    if (list.json.data.every((x) => x.status !== 'pending') || i === 100) return list.json;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function world() {
  const tenant = server.tenant(`Mail ${Math.random()}`);
  const stripe = server.client(tenant.secret_key);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  let r = await post(tenant, '/v1/settings/email', {
    bank_account: '1234.56.78903', payment_method_update_url: 'https://billing.example.com/card',
  });
  assert.equal(r.status, 200, r.text);
  r = await post(tenant, '/v1/settings/dunning', {
    'reminders[count]': '1', 'reminders[first_days]': '14', 'reminders[interval_days]': '14',
    'reminders[fee][nok]': '3500', 'late_interest[annual_rate_bps]': '0',
  });
  assert.equal(r.status, 200, r.text);
  return { tenant, stripe, clock };
}

const customer = (w, email, name, locale, extra = {}) => w.stripe.customers.create({
  email, name, preferred_locales: [locale], test_clock: w.clock.id, ...extra });

async function cardCustomer(w, email, name, locale, card) {
  const c = await customer(w, email, name, locale);
  const pm = await w.stripe.paymentMethods.attach(card, { customer: c.id });
  await w.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
  return c;
}

async function invoice(w, c, currency, extra = {}) {
  await w.stripe.invoiceItems.create({ customer: c.id, amount: 125000, currency, description: 'Abonnement' });
  const draft = await w.stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include', ...extra });
  return w.stripe.invoices.finalizeInvoice(draft.id);
}

test('a scenario in nb, sv, da and en: each mail to its customer, in its language and formats', async () => {
  const w = await world();
  const base = sink.messages.length;
  let sent = 0;

  // nb: a send_invoice invoice with its KID, then a reminder with the fee.
  const kari = await customer(w, 'kari@example.no', 'Kari Nordmann', 'nb');
  const inv = await invoice(w, kari, 'nok', { collection_method: 'send_invoice', days_until_due: 14 });
  assert.match(inv.payment_reference, /^\d+$/);
  await sink.waitFor(base + ++sent);
  let [m] = mailsTo('kari@example.no');
  assert.deepEqual(m.to, ['kari@example.no']);
  assert.equal(m.from, FROM);
  assert.equal(m.headers['content-language'], 'nb');
  assert.equal(m.subject, `Faktura ${inv.number}: kr${NB}1${NB}250,00 forfaller 15. mai 2026`);
  assert.equal(m.body, `Hei Kari Nordmann,\n\nFaktura ${inv.number} på kr${NB}1${NB}250,00 forfaller 15. mai 2026.\n`
    + `Betal til konto 1234.56.78903 med KID ${inv.payment_reference}.\n\nTakk.\n`);

  // sv: a card payment's receipt.
  const sven = await cardCustomer(w, 'sven@example.se', 'Sven Svensson', 'sv-SE', 'pm_card_visa');
  const paid = await w.stripe.invoices.pay((await invoice(w, sven, 'sek')).id);
  assert.equal(paid.status, 'paid');
  await sink.waitFor(base + ++sent);
  [m] = mailsTo('sven@example.se');
  assert.equal(m.headers['content-language'], 'sv');
  assert.equal(m.subject, `Kvitto för faktura ${paid.number}`);
  assert.match(m.body, new RegExp(`^Hej Sven Svensson,\n\nVi tog emot din betalning på 1${NB}250,00${NB}kr för faktura ${paid.number} den 1 maj 2026\\.\n`));

  // da: a failed card payment, with the link to update the payment method.
  const dorthe = await cardCustomer(w, 'dorthe@example.dk', 'Dorthe Hansen', 'da', 'pm_card_chargeCustomerFail');
  const open = await invoice(w, dorthe, 'dkk');
  await assert.rejects(w.stripe.invoices.pay(open.id), (err) => err.statusCode === 402);
  await sink.waitFor(base + ++sent);
  [m] = mailsTo('dorthe@example.dk');
  assert.equal(m.headers['content-language'], 'da');
  assert.equal(m.subject, `Betalingen på 1.250,00${NB}kr. mislykkedes`);
  assert.equal(m.body, `Hej Dorthe Hansen,\n\nVi kunne ikke trække 1.250,00${NB}kr. for faktura ${open.number}.\n`
    + `Opdater din betalingsmetode her: https://billing.example.com/card?customer=${dorthe.id}\n`);

  // en: a subscription (its first invoice's receipt), then canceled.
  const ed = await cardCustomer(w, 'ed@example.com', 'Ed Smith', 'en-GB', 'pm_card_visa');
  const price = await w.stripe.prices.create({ currency: 'usd', unit_amount: 125000,
    recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
  const sub = await w.stripe.subscriptions.create({ customer: ed.id, items: [{ price: price.id }] });
  await sink.waitFor(base + ++sent);
  await w.stripe.subscriptions.cancel(sub.id);
  await sink.waitFor(base + ++sent);
  const eds = mailsTo('ed@example.com');
  assert.equal(eds.length, 2);
  assert.equal(eds[0].headers['content-language'], 'en');
  assert.match(eds[0].subject, /^Receipt for invoice /);
  assert.match(eds[0].body, /We received your payment of \$1,250\.00 for invoice .* on 1 May 2026\./);
  assert.equal(eds[1].subject, 'Your subscription has been canceled');
  assert.equal(eds[1].body, 'Hello Ed Smith,\n\nYour subscription was canceled on 1 May 2026.\n');

  // nb again: the reminder 14 days after the due date, with the 35 kr fee.
  await w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: T0 + 28 * DAY });
  await sink.waitFor(base + ++sent);
  const karis = mailsTo('kari@example.no');
  assert.equal(karis.length, 2);
  m = karis[1];
  assert.equal(m.subject, `Purring: faktura ${inv.number}, kr${NB}1${NB}285,00 forfalt`);
  assert.equal(m.body, `Hei Kari Nordmann,\n\nFaktura ${inv.number} forfalt 15. mai 2026, og kr${NB}1${NB}285,00 er fortsatt ubetalt.\n`
    + `Et purregebyr på kr${NB}35,00 er lagt til.\n`
    + `Betal til konto 1234.56.78903 med KID ${inv.payment_reference}.\n`);

  // The queue as GET /v1/email_messages shows it: all sent, newest first.
  const list = await settled(w.tenant);
  assert.deepEqual(list.data.map((x) => [x.kind, x.locale, x.recipient, x.status, x.attempts]).reverse(), [
    ['invoice_finalized', 'nb', 'kari@example.no', 'sent', 1],
    ['payment_receipt', 'sv', 'sven@example.se', 'sent', 1],
    ['payment_failed', 'da', 'dorthe@example.dk', 'sent', 1],
    ['payment_receipt', 'en', 'ed@example.com', 'sent', 1],
    ['subscription_canceled', 'en', 'ed@example.com', 'sent', 1],
    ['reminder', 'nb', 'kari@example.no', 'sent', 1],
  ]);
  assert.equal(list.data[0].object, 'email_message');
  assert.equal(sink.messages.length, base + sent, 'no mail twice');
});

test('trial_will_end three days before a trial ends: the trial_ending mail, once', async () => {
  const w = await world();
  const base = sink.messages.length;
  const c = await customer(w, 'prove@example.no', 'Per Prøve', 'nb');
  const price = await w.stripe.prices.create({ currency: 'nok', unit_amount: 125000,
    recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
  const trialEnd = T0 + 14 * DAY; // 15 May 2026
  const sub = await w.stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id, quantity: 1 }],
    trial_end: trialEnd, collection_method: 'send_invoice', days_until_due: 14 });
  assert.equal(sub.status, 'trialing');
  const advance = (t) => w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: t });
  await advance(trialEnd - 3 * DAY - 1);
  let ev = await w.stripe.events.list({ type: 'customer.subscription.trial_will_end' });
  assert.equal(ev.data.length, 0);
  await advance(trialEnd - 3 * DAY);
  ev = await w.stripe.events.list({ type: 'customer.subscription.trial_will_end' });
  assert.equal(ev.data.length, 1);
  assert.equal(ev.data[0].data.object.id, sub.id);
  assert.equal(ev.data[0].data.object.trial_will_end_sent, undefined, 'bookkeeping is not rendered');
  await sink.waitFor(base + 1);
  const [m] = mailsTo('prove@example.no');
  assert.equal(m.headers['content-language'], 'nb');
  assert.equal(m.subject, 'Prøveperioden din slutter 15. mai 2026');
  assert.equal(m.body, `Hei Per Prøve,\n\nPrøveperioden din slutter 15. mai 2026.\n`
    + `Deretter koster abonnementet kr${NB}1${NB}250,00 per måned.\n`);
  // Past the trial's end: no second notice; the next is the invoice of the first period.
  await advance(trialEnd + 1);
  ev = await w.stripe.events.list({ type: 'customer.subscription.trial_will_end' });
  assert.equal(ev.data.length, 1);
  assert.equal((await w.stripe.subscriptions.retrieve(sub.id)).status, 'active');
  const list = await settled(w.tenant, `customer=${c.id}`);
  assert.deepEqual(list.data.map((x) => x.kind), ['invoice_finalized', 'trial_ending']);
});

test('invoice.upcoming 7 days before a renewal: the renewal_upcoming mail in each locale, once', async () => {
  const w = await world();
  const base = sink.messages.length;
  const renewal = T0 + 31 * DAY; // 1 June 2026
  const people = [
    ['fornyes@example.no', 'Nora Fornyes', 'nb', 'nok'],
    ['fornyas@example.se', 'Sara Förnyas', 'sv', 'sek'],
    ['fornyes@example.dk', 'Dan Fornyes', 'da', 'dkk'],
    ['renews@example.com', 'Rita Renews', 'en', 'usd'],
  ];
  for (const [email, name, locale, currency] of people) {
    const c = await cardCustomer(w, email, name, locale, 'pm_card_visa');
    const price = await w.stripe.prices.create({ currency, unit_amount: 125000,
      recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
    await w.stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] });
  }
  await sink.waitFor(base + 4); // the first invoices' receipts
  await w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: renewal - 7 * DAY });
  await sink.waitFor(base + 8);
  const last = (addr) => mailsTo(addr).at(-1);
  const want = {
    'fornyes@example.no': ['nb', 'Abonnementet ditt fornyes 1. juni 2026',
      `Hei Nora Fornyes,\n\nAbonnementet ditt fornyes 1. juni 2026 for kr${NB}1${NB}250,00.\n`],
    'fornyas@example.se': ['sv', 'Ditt abonnemang förnyas 1 juni 2026',
      `Hej Sara Förnyas,\n\nDitt abonnemang förnyas 1 juni 2026 för 1${NB}250,00${NB}kr.\n`],
    'fornyes@example.dk': ['da', 'Dit abonnement fornyes 1. juni 2026',
      `Hej Dan Fornyes,\n\nDit abonnement fornyes 1. juni 2026, og der opkræves 1.250,00${NB}kr. for den næste periode.\n`],
    'renews@example.com': ['en', 'Your subscription renews on 1 June 2026',
      'Hello Rita Renews,\n\nYour subscription renews on 1 June 2026 for $1,250.00.\n'],
  };
  for (const [addr, [locale, subject, body]] of Object.entries(want)) {
    const m = last(addr);
    assert.deepEqual(m.to, [addr]);
    assert.equal(m.headers['content-language'], locale);
    assert.equal(m.subject, subject);
    assert.equal(m.body, body);
  }
  // An hour on: nothing more; the queue holds one renewal_upcoming per customer.
  await w.stripe.testHelpers.testClocks.advance(w.clock.id, { frozen_time: renewal - 7 * DAY + 3600 });
  const list = await settled(w.tenant, 'kind=renewal_upcoming');
  assert.deepEqual(list.data.map((x) => [x.recipient, x.status]).sort(),
    Object.keys(want).map((a) => [a, 'sent']).sort());
  assert.equal(sink.messages.length, base + 8, 'no mail twice');
});

test('a sink that refuses the first attempt: retried after the backoff and delivered', async () => {
  const w = await world();
  const base = sink.messages.length;
  sink.refuse(1);
  const c = await customer(w, 'retry@example.no', 'Ola', 'no');
  const inv = await invoice(w, c, 'nok', { collection_method: 'send_invoice', days_until_due: 14 });
  await sink.waitFor(base + 1);
  const [m] = mailsTo('retry@example.no');
  assert.equal(m.subject, `Faktura ${inv.number}: kr${NB}1${NB}250,00 forfaller 15. mai 2026`);
  const list = await settled(w.tenant, `customer=${c.id}`);
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].status, 'sent');
  assert.equal(list.data[0].attempts, 2);
  assert.equal(list.data[0].last_error, null);
});

test('settings/email: validated, and a customer without an e-mail gets nothing', async () => {
  const w = await world();
  const bad = await post(w.tenant, '/v1/settings/email', { payment_method_update_url: 'ftp://x' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'payment_method_update_url');
  const unknown = await post(w.tenant, '/v1/settings/email', { colour: 'red' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.param, 'colour');
  const s = await get(w.tenant, '/v1/settings/email');
  assert.deepEqual(s.json, { object: 'email_settings', livemode: false, bank_account: '1234.56.78903',
    payment_method_update_url: 'https://billing.example.com/card' });
  const c = await w.stripe.customers.create({ name: 'No mail', test_clock: w.clock.id });
  await invoice(w, c, 'nok', { collection_method: 'send_invoice', days_until_due: 14 });
  const list = await get(w.tenant, '/v1/email_messages?customer=' + c.id);
  assert.deepEqual(list.json.data, []);
});

test('without a mail server nothing is queued', async () => {
  const plain = await startServer();
  try {
    const t = plain.tenant('No mail');
    const stripe = plain.client(t.secret_key);
    const c = await stripe.customers.create({ email: 'x@example.no', preferred_locales: ['nb'] });
    await stripe.invoiceItems.create({ customer: c.id, amount: 100, currency: 'nok' });
    const d = await stripe.invoices.create({ customer: c.id, collection_method: 'send_invoice',
      days_until_due: 1, pending_invoice_items_behavior: 'include' });
    await stripe.invoices.finalizeInvoice(d.id);
    assert.equal(plain.sql('SELECT count(*) AS n FROM email_messages'), '[{"n":0}]');
  } finally {
    await plain.stop();
  }
});
