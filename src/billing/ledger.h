/*
 * ledger.h - the posting rules of the receivables ledger (reskontra): which
 * balanced entries every business event makes, the check that a set of
 * entries balances, and a customer's balances computed from their entries.
 *
 * Pure: no I/O, no clock, no allocation. The caller owns the event and
 * provides the output storage; entries point into the event's strings
 * (customer), so they live as long as the event does. Same input, same output.
 *
 * Bookkeeping with a debit and a credit side (dobbelt bokføring / dubbel
 * bokföring): every event posts entries whose debits and credits are equal,
 * in the event's one currency. billing_ledger_post verifies that before it
 * returns, for every template, and the tests assert it for every example.
 *
 * THE CHART OF ACCOUNTS
 *
 * recur's accounts are few and named; the default account numbers are what an
 * SIE 4 export (#KONTO) can use, and a tenant can map them elsewhere later.
 * NS 4102 is Norsk Standard kontoplan, BAS the Swedish BAS-kontoplan (2026).
 * "Per customer" accounts carry the customer id on every entry: they are the
 * customer ledger (kundereskontro / kundreskontra); the others are the
 * general ledger.
 *
 *   account            per customer  side    NS 4102  BAS   what it holds
 *   receivables        yes           debit   1500     1510  open invoices, fees and
 *                                                           interest the customer owes
 *                                                           (kundefordringer /
 *                                                           kundfordringar)
 *   customer_credit    yes           credit  2900     2420  Stripe's customer balance:
 *                                                           its debit minus credit IS
 *                                                           customer.balance (negative =
 *                                                           credit the customer has)
 *                                                           (forskudd fra kunder /
 *                                                           förskott från kunder)
 *   refunds_payable    yes           credit  2900     2420  credit notes to be refunded,
 *                                                           not yet paid out
 *   unapplied_cash     no            credit  2900     2420  bank payments no customer or
 *                                                           invoice matched yet
 *   revenue            no            credit  3000     3001  sales net of tax and of
 *                                                           discounts (salgsinntekt /
 *                                                           försäljning); BAS by rate:
 *                                                           25 % 3001, 12 % 3002,
 *                                                           6 % 3003, 0 % 3004
 *   tax_payable        no            credit  2700     2611  output VAT (utgående mva /
 *                                                           utgående moms); BAS by rate:
 *                                                           25 % 2611, 12 % 2621,
 *                                                           6 % 2631
 *   bank               no            debit   1920     1930  bank transfers received
 *                                                           (bankinnskudd / företagskonto)
 *   payment_clearing   no            debit   1579     1580  card payments held by the
 *                                                           payment provider until its
 *                                                           payout (BAS: fordringar för
 *                                                           kontokort; NS: charts differ,
 *                                                           1579 andre kortsiktige
 *                                                           fordringer is a common choice)
 *   out_of_band        no            debit   1790     2999  money settled outside recur
 *                                                           (paid_out_of_band, credit
 *                                                           notes refunded by hand): a
 *                                                           suspense account the
 *                                                           bookkeeper clears (NS
 *                                                           interimskonto, BAS OBS-konto)
 *   fees               no            credit  3970     3590  reminder fees (purregebyr /
 *                                                           påminnelseavgift), outside
 *                                                           the scope of VAT
 *   interest           no            credit  8050     8313  late-payment interest
 *                                                           (forsinkelsesrente /
 *                                                           dröjsmålsränta)
 *   write_offs         no            debit   7830     6351  receivables written off as
 *                                                           lost (tap på fordringer /
 *                                                           konstaterade förluster på
 *                                                           kundfordringar)
 *   adjustments        no            debit   3180     3790  manual customer balance
 *                                                           adjustments (revenue
 *                                                           corrections without VAT)
 *
 * Numbers other than 1500/1920/2700/3000 (NS 4102) and 1510/1930/2611/3001
 * (BAS) are defaults chosen by recur from published charts, not a rule of
 * either standard; the SIE export must let a tenant override every one.
 * "side" is the account's normal balance.
 *
 * SOURCE KEYS
 *
 * Every posting has a source key naming the one business fact it records; the
 * store keeps a posting unique on (tenant, mode, source), so running a job
 * twice cannot post twice. billing_ledger_source writes it:
 *
 *   invoice finalized        invoice:<in_id>:finalized
 *   invoice voided           invoice:<in_id>:voided
 *   invoice uncollectible    invoice:<in_id>:uncollectible
 *   reminder fee n           invoice:<in_id>:reminder:<n>
 *   late interest n          invoice:<in_id>:interest:<n>
 *   fees voided              invoice:<in_id>:reminder:voided:1
 *   interest voided          invoice:<in_id>:interest:voided:1
 *   payment                  payment:<pi_or_bank_id>
 *   write-off recovered      payment:<pi_or_bank_id>:recovery
 *   unmatched payment        unmatched_payment:<id>:received
 *   ... assigned             unmatched_payment:<id>:assigned
 *   refund                   refund:<re_id>
 *   credit note              credit_note:<cn_id>:issued
 *   credit note voided       credit_note:<cn_id>:voided
 *   balance adjustment       balance_transaction:<cbtxn_id>
 *
 * Ids are the object's id (letters, digits, '_' and '-', at most
 * BILLING_LEDGER_ID_MAX characters), so a key has exactly one reading. The
 * entries of a posting are numbered 0..n-1 in the order posted; the store
 * makes (source, line) unique.
 *
 * SIGNS
 *
 * An entry has a debit or a credit, never both, never negative, never zero:
 * a template amount that comes out negative (the revenue of a negative
 * invoice) is posted on the other side, and a zero amount is not posted.
 */
#ifndef RECUR_BILLING_LEDGER_H
#define RECUR_BILLING_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

enum billing_ledger_account {
	BILLING_LEDGER_RECEIVABLES,
	BILLING_LEDGER_CUSTOMER_CREDIT,
	BILLING_LEDGER_REFUNDS_PAYABLE,
	BILLING_LEDGER_UNAPPLIED_CASH,
	BILLING_LEDGER_REVENUE,
	BILLING_LEDGER_TAX_PAYABLE,
	BILLING_LEDGER_BANK,
	BILLING_LEDGER_PAYMENT_CLEARING,
	BILLING_LEDGER_OUT_OF_BAND,
	BILLING_LEDGER_FEES,
	BILLING_LEDGER_INTEREST,
	BILLING_LEDGER_WRITE_OFFS,
	BILLING_LEDGER_ADJUSTMENTS,
	BILLING_LEDGER_ACCOUNT_COUNT
};

enum billing_ledger_chart {
	BILLING_LEDGER_NS4102, /* Norsk Standard kontoplan */
	BILLING_LEDGER_BAS     /* BAS-kontoplan (Sweden) */
};

/* "receivables", "customer_credit", ... as in the table above; "" if unknown. Static. */
const char *billing_ledger_account_name(enum billing_ledger_account a);

/* The name back to the account (exact, lower case). RECUR_EINVAL if unknown. */
int billing_ledger_account_parse(enum billing_ledger_account *out, const char *name);

/* true for receivables, customer_credit and refunds_payable. */
bool billing_ledger_account_per_customer(enum billing_ledger_account a);

/*
 * The default account number in a chart, or 0 for an unknown account or
 * chart. rate (BILLING_TAX_SCALE units, tax.h; -1 for none) picks BAS's
 * rate-specific revenue and VAT accounts (25/12/6/0 %); every other rate and
 * every other account ignore it.
 */
int billing_ledger_account_number(enum billing_ledger_account a,
				  enum billing_ledger_chart chart, int64_t rate);

/* No VAT rate on the entry: BILLING_LEDGER_NO_RATE. */
#define BILLING_LEDGER_NO_RATE INT64_C(-1)

struct billing_ledger_entry {
	enum billing_ledger_account account;
	/* The customer (cus_...) on per-customer accounts; NULL on the others. */
	const char *customer;
	char currency[4]; /* ISO 4217, lower case */
	int64_t debit;    /* exactly one of debit and credit is > 0 */
	int64_t credit;
	/*
	 * revenue and tax_payable entries: the VAT rate they belong to, in
	 * BILLING_TAX_SCALE units (250000 is 25 %), so that an export can put
	 * them on the rate's account; BILLING_LEDGER_NO_RATE otherwise.
	 */
	int64_t rate;
};

/* An amount for one VAT rate: a tax amount, or the revenue taxed at it. */
struct billing_ledger_split {
	int64_t rate; /* BILLING_TAX_SCALE units, 0..100 %, or BILLING_LEDGER_NO_RATE (revenue only) */
	int64_t amount;
};

enum billing_ledger_event_type {
	BILLING_LEDGER_INVOICE_FINALIZED,
	BILLING_LEDGER_INVOICE_VOIDED,
	BILLING_LEDGER_PAYMENT,
	BILLING_LEDGER_UNMATCHED_PAYMENT,
	BILLING_LEDGER_UNMATCHED_ASSIGNED,
	BILLING_LEDGER_REFUND,
	BILLING_LEDGER_CREDIT_NOTE,
	BILLING_LEDGER_CREDIT_NOTE_VOIDED,
	BILLING_LEDGER_REMINDER_FEE,
	BILLING_LEDGER_LATE_INTEREST,
	/* A voided invoice's fees and interest taken back (the void itself takes the sale). */
	BILLING_LEDGER_REMINDER_FEES_VOIDED,
	BILLING_LEDGER_LATE_INTEREST_VOIDED,
	BILLING_LEDGER_WRITE_OFF,
	BILLING_LEDGER_WRITE_OFF_RECOVERED,
	BILLING_LEDGER_BALANCE_ADJUSTMENT
};

/* Where money came in or went out. */
enum billing_ledger_method {
	BILLING_LEDGER_METHOD_BANK,        /* -> bank */
	BILLING_LEDGER_METHOD_CARD,        /* -> payment_clearing */
	BILLING_LEDGER_METHOD_OUT_OF_BAND  /* -> out_of_band */
};

/* What a refund pays out. */
enum billing_ledger_refund_from {
	BILLING_LEDGER_FROM_REFUNDS_PAYABLE, /* a credit note issued "to refund" */
	BILLING_LEDGER_FROM_CUSTOMER_CREDIT, /* the customer's credit balance */
	BILLING_LEDGER_FROM_UNAPPLIED_CASH   /* an unmatched payment sent back (no customer) */
};

/* INVOICE_FINALIZED and INVOICE_VOIDED: the amounts as billing/invoice.h computes them. */
struct billing_ledger_invoice {
	int64_t total;           /* after discounts, with all tax; may be negative */
	int64_t amount_due;      /* >= 0 */
	int64_t applied_balance; /* Stripe's: ending - starting balance; total = amount_due + applied_balance */
	const struct billing_ledger_split *tax; /* per rate; inclusive and exclusive alike */
	size_t n_tax;
	/*
	 * Optional: revenue per rate, adding up to total - tax. Without it
	 * (n_revenue 0) revenue is one entry of total - tax without a rate.
	 */
	const struct billing_ledger_split *revenue;
	size_t n_revenue;
	/*
	 * An opening balance brought from another system: earned there, so
	 * total is posted against adjustments, not revenue; it has no tax.
	 */
	bool opening;
};

/* PAYMENT, UNMATCHED_PAYMENT, UNMATCHED_ASSIGNED. */
struct billing_ledger_payment {
	int64_t amount;  /* > 0: what arrived */
	int64_t applied; /* 0..amount: what settles receivables; the rest is customer credit */
	enum billing_ledger_method method; /* PAYMENT and UNMATCHED_PAYMENT */
};

/* REFUND. */
struct billing_ledger_refund {
	int64_t amount; /* > 0 */
	enum billing_ledger_method method;
	enum billing_ledger_refund_from from;
};

/*
 * CREDIT_NOTE and CREDIT_NOTE_VOIDED, Stripe's split of a credit note:
 * pre_payment + refund + credit + out_of_band = total.
 */
struct billing_ledger_credit_note {
	int64_t total;       /* > 0, with tax */
	int64_t pre_payment; /* reduces what the invoice still owes (receivables) */
	int64_t refund;      /* to be paid back: refunds_payable, until a REFUND posts */
	int64_t credit;      /* to the customer's balance */
	int64_t out_of_band; /* paid back outside recur */
	const struct billing_ledger_split *tax;
	size_t n_tax;
	const struct billing_ledger_split *revenue; /* optional, as for invoices */
	size_t n_revenue;
};

/*
 * REMINDER_FEE and LATE_INTEREST, and their reversals when the invoice is
 * voided (REMINDER_FEES_VOIDED, LATE_INTEREST_VOIDED: amount is everything
 * the invoice had charged of the kind; seq must be 1, since an invoice is
 * voided once).
 */
struct billing_ledger_charge {
	int64_t amount; /* > 0 */
	int64_t seq;    /* >= 1: the reminder's number, or the interest posting's */
};

/*
 * WRITE_OFF and WRITE_OFF_RECOVERED. tax is the VAT the write-off takes back
 * (a konstatert tap / konstaterad kundförlust lets the seller reduce output
 * VAT: Norwegian merverdiavgiftsloven § 4-7, Swedish mervärdesskattelagen
 * (2023:200) 8 kap. 16 § and 7 kap. 43 §; give none to write the gross
 * amount off without it).
 */
struct billing_ledger_write_off {
	int64_t amount; /* > 0, gross */
	const struct billing_ledger_split *tax;
	size_t n_tax;
};

/* BALANCE_ADJUSTMENT: a customer balance transaction of type adjustment. */
struct billing_ledger_adjustment {
	int64_t amount; /* != 0, Stripe's sign: negative gives credit, positive records a debt */
};

struct billing_ledger_event {
	enum billing_ledger_event_type type;
	char currency[4]; /* ISO 4217, any letter case */
	/*
	 * The source object's id (see SOURCE KEYS): the invoice for invoice
	 * events, fees, interest and write-offs; the payment for payments and
	 * recoveries; the unmatched payment, refund, credit note or balance
	 * transaction otherwise.
	 */
	const char *id;
	/* The customer; NULL exactly for UNMATCHED_PAYMENT and refunds of unapplied cash. */
	const char *customer;
	union {
		struct billing_ledger_invoice invoice;
		struct billing_ledger_payment payment;
		struct billing_ledger_refund refund;
		struct billing_ledger_credit_note credit_note;
		struct billing_ledger_charge charge;
		struct billing_ledger_write_off write_off;
		struct billing_ledger_adjustment adjustment;
	};
};

/* Longest id a source key takes, and room for any key with its NUL. */
#define BILLING_LEDGER_ID_MAX 64
#define BILLING_LEDGER_SOURCE_SIZE 112

/* The most tax or revenue splits one event may carry (tax.h's rate table). */
#define BILLING_LEDGER_SPLITS_MAX 32

/*
 * Entries any event needs at most, for caller storage:
 * billing_ledger_post never writes more than 5 + n_tax + n_revenue.
 */
#define BILLING_LEDGER_ENTRIES_MAX (5 + 2 * BILLING_LEDGER_SPLITS_MAX)

/*
 * Writes ev's source key into buf (cap bytes, NUL-terminated). Returns its
 * length, RECUR_EINVAL for a missing or malformed id, an unknown type, or a
 * fee or interest seq below 1, RECUR_ETOOBIG if buf is NULL or too small
 * (BILLING_LEDGER_SOURCE_SIZE always suffices). e is filled if not NULL.
 */
int billing_ledger_source(char *buf, size_t cap, const struct billing_ledger_event *ev,
			  struct recur_err *e);

/*
 * The posting rules. Writes ev's entries into out (cap entries, caller
 * storage) and their number into *n_out. Every posting balances: sum of
 * debits = sum of credits, in ev's currency.
 *
 * The templates, with a worked example each (SEK, amounts in kronor; Dr is
 * debit, Cr credit; "cus" is the customer's id on the entry):
 *
 * INVOICE_FINALIZED
 *   Dr receivables(cus)      amount_due
 *   Dr customer_credit(cus)  applied_balance   (credit used; a Cr when negative:
 *                                               a debt collected or a negative
 *                                               total credited)
 *   Cr revenue               total - tax       (per revenue split if given)
 *   Cr tax_payable           tax, per rate
 *   1 000.00 at 25 % and 100.00 at 6 %, total 1 356.00, the customer had
 *   56.00 of credit: due 1 300.00, applied_balance 56.00.
 *     Dr 1510 receivables 1 300.00 / Dr 2420 customer_credit 56.00
 *     Cr 3000 revenue 1 100.00 (or 3001 1 000.00 + 3003 100.00 when split)
 *     Cr 2611 VAT 25 % 250.00 / Cr 2631 VAT 6 % 6.00
 *   A negative total (-62.50, a downgrade credited) with no balance:
 *   due 0, applied_balance -62.50:
 *     Dr revenue 50.00 / Dr VAT 12.50 / Cr customer_credit 62.50
 *
 * INVOICE_VOIDED: the mirror image of the finalization (same amounts, sides
 *   swapped): Stripe returns the applied balance when an invoice is voided.
 *   Only for an invoice nothing was paid on.
 *
 * PAYMENT (customer known)
 *   Dr bank | payment_clearing | out_of_band   amount
 *   Cr receivables(cus)                        applied
 *   Cr customer_credit(cus)                    amount - applied (over-payment)
 *   A card pays 800.00 of a 1 300.00 invoice, then a bank transfer of
 *   600.00 pays the remaining 500.00 and 100.00 more:
 *     Dr 1580 clearing 800.00 / Cr 1510 receivables 800.00
 *     Dr 1930 bank 600.00 / Cr 1510 receivables 500.00 / Cr 2420 credit 100.00
 *
 * UNMATCHED_PAYMENT (no customer): Dr bank (method) amount / Cr unapplied_cash amount.
 * UNMATCHED_ASSIGNED (to a customer later):
 *   Dr unapplied_cash amount / Cr receivables(cus) applied /
 *   Cr customer_credit(cus) amount - applied
 *
 * REFUND
 *   Dr refunds_payable(cus) | customer_credit(cus) | unapplied_cash   amount
 *   Cr bank | payment_clearing | out_of_band                         amount
 *   A credit note of 125.00 to refund, paid back to the card:
 *     Dr 2420 refunds_payable 125.00 / Cr 1580 clearing 125.00
 *   A refund of a paid invoice has no template of its own on purpose: the
 *   service issues a credit note "to refund" first (as Stripe's dashboard
 *   does), which takes the revenue and VAT back, then posts the REFUND.
 *   Failed charges post nothing. Payouts (clearing to bank, less the
 *   provider's fees) are not covered here yet.
 *
 * CREDIT_NOTE
 *   Dr revenue                 total - tax   (per revenue split if given)
 *   Dr tax_payable             tax, per rate
 *   Cr receivables(cus)        pre_payment   (before payment: less to pay)
 *   Cr refunds_payable(cus)    refund        (after payment, to refund)
 *   Cr customer_credit(cus)    credit        (after payment, to the balance)
 *   Cr out_of_band             out_of_band   (after payment, paid back by hand)
 *   125.00 with 25.00 VAT on a paid invoice, to the balance:
 *     Dr 3001 revenue 100.00 / Dr 2611 VAT 25.00 / Cr 2420 customer_credit 125.00
 * CREDIT_NOTE_VOIDED: its mirror image.
 *
 * REMINDER_FEE: Dr receivables(cus) / Cr fees. 60.00 påminnelseavgift:
 *   Dr 1510 60.00 / Cr 3590 60.00. (For a fee charged as its own claim; a fee
 *   billed as an invoice line is revenue of that invoice instead.)
 * LATE_INTEREST: Dr receivables(cus) / Cr interest.
 *
 * WRITE_OFF (Stripe's mark_uncollectible)
 *   Dr write_offs          amount - tax
 *   Dr tax_payable         tax, per rate (VAT taken back, if any)
 *   Cr receivables(cus)    amount
 *   1 250.00 with 250.00 VAT written off:
 *     Dr 6351 write_offs 1 000.00 / Dr 2611 VAT 250.00 / Cr 1510 1 250.00
 * WRITE_OFF_RECOVERED (a written-off invoice is paid after all): its
 *   mirror image for the amount recovered, reopening the receivable that the
 *   PAYMENT posted next settles.
 *
 * BALANCE_ADJUSTMENT (amount a, Stripe's sign)
 *   Dr customer_credit(cus) a / Cr adjustments a   (sides swap when a < 0)
 *   A goodwill credit of -50.00: Dr 3790 adjustments 50.00 / Cr 2420 50.00.
 *   No VAT: a credit that corrects a taxed sale must be a credit note.
 *
 * Returns 0; RECUR_EINVAL for bad input (unknown type, method or currency, a
 * missing or malformed id or customer, a customer where none belongs, an
 * amount outside money_in_range or of the wrong sign, parts that do not add
 * up, a bad rate, more than BILLING_LEDGER_SPLITS_MAX splits) with a message
 * in e if e is not NULL; RECUR_ETOOBIG if cap is too small (5 + n_tax +
 * n_revenue always suffices). On error *n_out is 0 and out is unspecified.
 * (RECUR_EINTERNAL would mean a template that does not balance: a bug.)
 * A posting may have no entries: a 0.00 invoice posts nothing.
 */
int billing_ledger_post(struct billing_ledger_entry *out, size_t cap, size_t *n_out,
			const struct billing_ledger_event *ev, struct recur_err *e);

/* Debit and credit sums of one currency. */
struct billing_ledger_currency_total {
	char currency[4]; /* lower case */
	int64_t debit;
	int64_t credit;
};

/* The most currencies one set of totals tracks. */
#define BILLING_LEDGER_CURRENCIES_MAX 16

/*
 * Running totals over entries, for checking a set too large to hold at
 * once (recur verify streams the journal through it): init, add each batch,
 * then check.
 */
struct billing_ledger_totals {
	int64_t debit;  /* over all currencies: a sum of minor units, only for the overall test */
	int64_t credit;
	size_t n_entries;
	size_t n;       /* currencies seen, in order of first appearance */
	struct billing_ledger_currency_total per[BILLING_LEDGER_CURRENCIES_MAX];
};

void billing_ledger_totals_init(struct billing_ledger_totals *t);

/*
 * Adds n entries to t after checking each is well formed: a known account,
 * a supported currency, exactly one positive side within money_in_range, a
 * customer exactly on per-customer accounts. RECUR_EINVAL (naming the entry
 * index in the message) for a malformed entry, RECUR_ETOOBIG past
 * BILLING_LEDGER_CURRENCIES_MAX currencies, RECUR_EOVERFLOW; t is then
 * unspecified.
 */
int billing_ledger_totals_add(struct billing_ledger_totals *t,
			      const struct billing_ledger_entry *entries, size_t n,
			      struct recur_err *e);

/*
 * 0 if debits equal credits overall and in every currency; RECUR_ECONFLICT
 * otherwise (HTTP status 409, code ledger_unbalanced), with a message
 * naming what is off ("The ledger does not balance in nok: debits 10000,
 * credits 0 (minor units)"): the overall test first, then the first
 * currency that does not balance. A set that balances overall can still be off per
 * currency (100 NOK debited against 100 EUR credited).
 */
int billing_ledger_totals_check(const struct billing_ledger_totals *t, struct recur_err *e);

/* init + add + check over one array. */
int billing_ledger_check(const struct billing_ledger_entry *entries, size_t n,
			 struct recur_err *e);

/*
 * One customer's balances in one currency, from entries (any set: entries
 * of other customers, other currencies and general ledger accounts are
 * skipped).
 */
struct billing_ledger_customer_balance {
	int64_t receivable;      /* receivables debit - credit: what they owe */
	int64_t balance;         /* customer_credit debit - credit: Stripe's customer.balance */
	int64_t refunds_payable; /* refunds_payable credit - debit: refunds owed to them */
	size_t n_entries;        /* the entries that counted */
};

/*
 * Computes the balances. customer and currency are required; currency is
 * compared without regard to case. RECUR_EINVAL for a NULL or unsupported
 * argument, RECUR_EOVERFLOW.
 */
int billing_ledger_customer_balance(struct billing_ledger_customer_balance *out,
				    const struct billing_ledger_entry *entries, size_t n,
				    const char *customer, const char *currency,
				    struct recur_err *e);

/*
 * recur verify's per-customer test: the customer's balances from their
 * entries must equal what the customer object says (expected_balance,
 * Stripe's customer.balance) and what their open invoices still owe
 * (expected_receivable: the sum of amount_remaining, fees and interest
 * included). 0 if both match; RECUR_ECONFLICT with a message naming the
 * customer and both numbers otherwise; errors of
 * billing_ledger_customer_balance as they are.
 */
int billing_ledger_customer_verify(const struct billing_ledger_entry *entries, size_t n,
				   const char *customer, const char *currency,
				   int64_t expected_balance, int64_t expected_receivable,
				   struct recur_err *e);

#endif
