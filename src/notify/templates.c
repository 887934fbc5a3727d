#include "notify/templates.h"
#include "core/err.h"

#include <string.h>

struct template {
	const char *subject;
	const char *body;
};

/*
 * [kind][locale]. Values: name (the customer's name, else its e-mail), number
 * (the invoice number), amount, due_date, date, reference (KID/OCR), account
 * (the tenant's bank account), link (where to update the payment method),
 * fee, interest, reminder (the reminder's number).
 */
static const struct template templates[NOTIFY_KIND_COUNT][4] = {
	[NOTIFY_INVOICE_FINALIZED] = {
		[LOCALE_EN] = { "Invoice {number}: {amount} due {due_date}",
			"Hello {name},\n\nInvoice {number} of {amount} is due on {due_date}.\n"
			"{?reference}Pay by bank transfer to account {account} with the payment reference {reference}.\n"
			"\nThank you.\n" },
		[LOCALE_NB] = { "Faktura {number}: {amount} forfaller {due_date}",
			"Hei {name},\n\nFaktura {number} på {amount} forfaller {due_date}.\n"
			"{?reference}Betal til konto {account} med KID {reference}.\n"
			"\nTakk.\n" },
		[LOCALE_SV] = { "Faktura {number}: {amount} förfaller {due_date}",
			"Hej {name},\n\nFaktura {number} på {amount} förfaller {due_date}.\n"
			"{?reference}Betala till konto {account} med OCR-nummer {reference}.\n"
			"\nTack.\n" },
		[LOCALE_DA] = { "Faktura {number}: {amount} forfalder {due_date}",
			"Hej {name},\n\nFaktura {number} på {amount} forfalder {due_date}.\n"
			"{?reference}Betal til konto {account} med betalingsreference {reference}.\n"
			"\nTak.\n" },
	},
	[NOTIFY_PAYMENT_RECEIPT] = {
		[LOCALE_EN] = { "Receipt for invoice {number}",
			"Hello {name},\n\nWe received your payment of {amount} for invoice {number} on {date}.\n"
			"\nThank you.\n" },
		[LOCALE_NB] = { "Kvittering for faktura {number}",
			"Hei {name},\n\nVi mottok betalingen din på {amount} for faktura {number} {date}.\n"
			"\nTakk.\n" },
		[LOCALE_SV] = { "Kvitto för faktura {number}",
			"Hej {name},\n\nVi tog emot din betalning på {amount} för faktura {number} den {date}.\n"
			"\nTack.\n" },
		[LOCALE_DA] = { "Kvittering for faktura {number}",
			"Hej {name},\n\nVi modtog din betaling på {amount} for faktura {number} den {date}.\n"
			"\nTak.\n" },
	},
	[NOTIFY_PAYMENT_FAILED] = {
		[LOCALE_EN] = { "Payment of {amount} failed",
			"Hello {name},\n\nWe could not collect {amount} for invoice {number}.\n"
			"{?link}Please update your payment method: {link}\n" },
		[LOCALE_NB] = { "Betalingen på {amount} feilet",
			"Hei {name},\n\nVi kunne ikke trekke {amount} for faktura {number}.\n"
			"{?link}Oppdater betalingsmåten din her: {link}\n" },
		[LOCALE_SV] = { "Betalningen på {amount} misslyckades",
			"Hej {name},\n\nVi kunde inte dra {amount} för faktura {number}.\n"
			"{?link}Uppdatera ditt betalningssätt här: {link}\n" },
		[LOCALE_DA] = { "Betalingen på {amount} mislykkedes",
			"Hej {name},\n\nVi kunne ikke trække {amount} for faktura {number}.\n"
			"{?link}Opdater din betalingsmetode her: {link}\n" },
	},
	[NOTIFY_REMINDER] = {
		[LOCALE_EN] = { "Reminder: invoice {number}, {amount} overdue",
			"Hello {name},\n\nInvoice {number} was due on {due_date} and {amount} is still unpaid.\n"
			"{?fee}A reminder fee of {fee} has been added.\n"
			"{?interest}Late-payment interest of {interest} has been added.\n"
			"{?reference}Pay to account {account} with the payment reference {reference}.\n" },
		[LOCALE_NB] = { "Purring: faktura {number}, {amount} forfalt",
			"Hei {name},\n\nFaktura {number} forfalt {due_date}, og {amount} er fortsatt ubetalt.\n"
			"{?fee}Et purregebyr på {fee} er lagt til.\n"
			"{?interest}Forsinkelsesrente på {interest} er lagt til.\n"
			"{?reference}Betal til konto {account} med KID {reference}.\n" },
		[LOCALE_SV] = { "Påminnelse: faktura {number}, {amount} förfallen",
			"Hej {name},\n\nFaktura {number} förföll {due_date} och {amount} är fortfarande obetalt.\n"
			"{?fee}En påminnelseavgift på {fee} har lagts till.\n"
			"{?interest}Dröjsmålsränta på {interest} har lagts till.\n"
			"{?reference}Betala till konto {account} med OCR-nummer {reference}.\n" },
		[LOCALE_DA] = { "Rykker: faktura {number}, {amount} forfalden",
			"Hej {name},\n\nFaktura {number} forfaldt {due_date}, og {amount} er stadig ubetalt.\n"
			"{?fee}Et rykkergebyr på {fee} er lagt til.\n"
			"{?interest}Morarenter på {interest} er lagt til.\n"
			"{?reference}Betal til konto {account} med betalingsreference {reference}.\n" },
	},
	[NOTIFY_TRIAL_ENDING] = {
		[LOCALE_EN] = { "Your trial ends on {date}",
			"Hello {name},\n\nYour trial ends on {date}.\n"
			"{?amount}After that your subscription costs {amount} a {interval}.\n" },
		[LOCALE_NB] = { "Prøveperioden din slutter {date}",
			"Hei {name},\n\nPrøveperioden din slutter {date}.\n"
			"{?amount}Deretter koster abonnementet {amount} per {interval}.\n" },
		[LOCALE_SV] = { "Din provperiod slutar {date}",
			"Hej {name},\n\nDin provperiod slutar {date}.\n"
			"{?amount}Därefter kostar abonnemanget {amount} per {interval}.\n" },
		[LOCALE_DA] = { "Din prøveperiode slutter {date}",
			"Hej {name},\n\nDin prøveperiode slutter {date}.\n"
			"{?amount}Derefter koster abonnementet {amount} pr. {interval}.\n" },
	},
	[NOTIFY_RENEWAL_UPCOMING] = {
		[LOCALE_EN] = { "Your subscription renews on {date}",
			"Hello {name},\n\nYour subscription renews on {date} for {amount}.\n" },
		[LOCALE_NB] = { "Abonnementet ditt fornyes {date}",
			"Hei {name},\n\nAbonnementet ditt fornyes {date} for {amount}.\n" },
		[LOCALE_SV] = { "Ditt abonnemang förnyas {date}",
			"Hej {name},\n\nDitt abonnemang förnyas {date} för {amount}.\n" },
		[LOCALE_DA] = { "Dit abonnement fornyes {date}",
			/* "1.250,00 kr." ends in a period of its own: the amount does not end the sentence. */
			"Hej {name},\n\nDit abonnement fornyes {date}, og der opkræves {amount} for den"
			" næste periode.\n" },
	},
	[NOTIFY_SUBSCRIPTION_CANCELED] = {
		[LOCALE_EN] = { "Your subscription has been canceled",
			"Hello {name},\n\nYour subscription was canceled on {date}.\n" },
		[LOCALE_NB] = { "Abonnementet ditt er avsluttet",
			"Hei {name},\n\nAbonnementet ditt ble avsluttet {date}.\n" },
		[LOCALE_SV] = { "Ditt abonnemang har avslutats",
			"Hej {name},\n\nDitt abonnemang avslutades den {date}.\n" },
		[LOCALE_DA] = { "Dit abonnement er opsagt",
			"Hej {name},\n\nDit abonnement blev opsagt den {date}.\n" },
	},
};

static const char *const kind_names[NOTIFY_KIND_COUNT] = {
	"invoice_finalized", "payment_receipt", "payment_failed", "reminder",
	"trial_ending", "renewal_upcoming", "subscription_canceled",
};

const char *notify_interval_word(enum locale_id l, const char *interval)
{
	static const char *const units[] = { "day", "week", "month", "year" };
	static const char *const words[4][4] = {
		[LOCALE_EN] = { "day", "week", "month", "year" },
		[LOCALE_NB] = { "dag", "uke", "måned", "år" },
		[LOCALE_SV] = { "dag", "vecka", "månad", "år" },
		[LOCALE_DA] = { "dag", "uge", "måned", "år" },
	};
	for (int i = 0; interval && (unsigned)l <= LOCALE_DA && i < 4; i++)
		if (strcmp(interval, units[i]) == 0)
			return words[l][i];
	return NULL;
}

const char *notify_kind_name(enum notify_kind k)
{
	return (unsigned)k < NOTIFY_KIND_COUNT ? kind_names[k] : "unknown";
}

/* The value of the name n bytes long at p; NULL if it has none. */
static const char *lookup(const struct notify_var *vars, size_t nvars, const char *p, size_t n)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == n && memcmp(vars[i].name, p, n) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

/* Appends text[0..len) with its placeholders filled. */
static int fill(struct buf *out, const char *text, size_t len, const struct notify_var *vars,
		size_t nvars)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *open = memchr(p, '{', (size_t)(end - p));
		if (!open)
			return buf_append(out, p, (size_t)(end - p)) < 0 ? RECUR_EINTERNAL : 0;
		const char *close = memchr(open, '}', (size_t)(end - open));
		if (!close)
			return RECUR_EINTERNAL;
		const char *v = lookup(vars, nvars, open + 1, (size_t)(close - open - 1));
		if (!v || buf_append(out, p, (size_t)(open - p)) < 0 || buf_puts(out, v) < 0)
			return RECUR_EINTERNAL;
		p = close + 1;
	}
	return 0;
}

int notify_render(struct buf *subject, struct buf *body, enum notify_kind k, enum locale_id l,
		  const struct notify_var *vars, size_t nvars)
{
	if ((unsigned)k >= NOTIFY_KIND_COUNT || (unsigned)l > LOCALE_DA)
		return RECUR_EINTERNAL;
	const struct template *t = &templates[k][l];
	int rc = fill(subject, t->subject, strlen(t->subject), vars, nvars);
	for (const char *line = t->body; rc == 0 && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "{?", 2) == 0) {
			/* A conditional line: kept only when its value is not empty. */
			const char *close = memchr(line, '}', len);
			const char *v = close ? lookup(vars, nvars, line + 2, (size_t)(close - line - 2))
					      : NULL;
			if (!close || !v)
				return RECUR_EINTERNAL;
			if (*v)
				rc = fill(body, close + 1, len - (size_t)(close + 1 - line), vars, nvars);
		} else {
			rc = fill(body, line, len, vars, nvars);
		}
		line += len;
	}
	return rc;
}
