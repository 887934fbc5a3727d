/*
 * camt054.c - see camt054.h.
 *
 * The document is parsed into libxml2's tree and walked by element local
 * names in the document's namespace. Nothing is validated against the XSD:
 * banks' files stray from it in ways that do not matter (the README in
 * shared/reference/camt054 lists some), so this reader is strict only about
 * what it returns: amounts, currencies, credit/debit indicators, dates and
 * the sizes of things.
 */
#include "formats/camt054.h"

#include "core/calendar.h"
#include "core/err.h"
#include "core/money.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A where-path such as "Ntfctn[12]/Ntry[100000]/NtryDtls[3]/TxDtls[200000]". */
#define WHERE_SIZE 128

struct ctx {
	struct camt054 *doc;
	const xmlChar *ns;
	struct recur_err *e;
	size_t tx_alloc;
	size_t n_txdtls; /* TxDtls seen so far, debits included */
};

/* Printable ASCII of untrusted text, at most 32 characters, for messages. */
static void echo(char *dst, size_t cap, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 4 < cap && i < 32; s++)
		dst[i++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
	if (s && *s && i + 4 <= cap) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/*
 * Fills the error with the element's path and line: where is the path of
 * the enclosing Ntfctn/Ntry/TxDtls (may be ""), elem the element below it
 * (may be NULL).
 */
__attribute__((format(printf, 6, 7)))
static int bad(struct ctx *c, int rc, const char *where, const char *elem,
	       xmlNode *node, const char *fmt, ...)
{
	char msg[384], at[2 * WHERE_SIZE + 128], line[32] = "";
	va_list ap;

	if (!c->e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* "camt.054 Ntfctn[1]/Ntry[2]/Amt (line 7): ..." or "camt.054: ..." */
	snprintf(at, sizeof(at), "%s%s%s%s", where[0] || elem ? " " : "", where,
		 where[0] && elem ? "/" : "", elem ? elem : "");
	if (node && xmlGetLineNo(node) > 0)
		snprintf(line, sizeof(line), " (line %ld)", xmlGetLineNo(node));
	if (rc == RECUR_ETOOBIG)
		return err_set(c->e, rc, 413, "invalid_request_error", "file_too_large",
			       "file", "camt.054%s%s: %s", at, line, msg);
	return err_invalid(c->e, "file", "camt.054%s%s: %s", at, line, msg);
}

static int oom(struct ctx *c)
{
	if (c->e)
		err_internal(c->e, "Out of memory reading a camt.054 file.");
	return RECUR_EINTERNAL;
}

static bool is_el(const xmlNode *n, const xmlChar *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       xmlStrEqual(n->ns->href, ns) &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNode *next_el(xmlNode *n, const xmlChar *ns, const char *name)
{
	for (; n; n = n->next)
		if (is_el(n, ns, name))
			return n;
	return NULL;
}

static xmlNode *child(xmlNode *parent, const xmlChar *ns, const char *name)
{
	return parent ? next_el(parent->children, ns, name) : NULL;
}

/* The first element along a '/'-separated path of local names, or NULL. */
static xmlNode *find(xmlNode *n, const xmlChar *ns, const char *path)
{
	char name[32];
	const char *p = path;

	while (n && *p) {
		size_t k = strcspn(p, "/");
		if (k == 0 || k >= sizeof(name))
			return NULL;
		memcpy(name, p, k);
		name[k] = '\0';
		n = child(n, ns, name);
		p += k;
		if (*p == '/')
			p++;
	}
	return n;
}

static size_t count_el(xmlNode *parent, const xmlChar *ns, const char *name)
{
	size_t n = 0;
	xmlNode *x;

	for (x = child(parent, ns, name); x; x = next_el(x->next, ns, name))
		n++;
	return n;
}

static bool xml_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * *out = the text of node, trimmed of XML white space, copied into the
 * document's arena; NULL if node is NULL or the text is empty. Longer than
 * CAMT054_MAX_TEXT is an error rather than a truncation.
 */
static int text(struct ctx *c, const char **out, xmlNode *node,
		const char *where, const char *elem)
{
	xmlChar *s;
	const char *p;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!node)
		return 0;
	s = xmlNodeGetContent(node);
	if (!s)
		return oom(c);
	p = (const char *)s;
	n = strlen(p);
	while (n > 0 && xml_space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && xml_space(p[n - 1]))
		n--;
	if (n > CAMT054_MAX_TEXT) {
		rc = bad(c, RECUR_EINVAL, where, elem, node,
			 "text of %zu bytes; at most %d are accepted", n,
			 CAMT054_MAX_TEXT);
		goto done;
	}
	if (n == 0)
		goto done;
	*out = arena_strndup(&c->doc->arena, p, n);
	if (!*out)
		rc = oom(c);
done:
	xmlFree(s);
	return rc;
}

/* text() of the element at path below parent; where/elem name it in errors. */
static int text_at(struct ctx *c, const char **out, xmlNode *parent,
		   const char *path, const char *where)
{
	return text(c, out, find(parent, c->ns, path), where, path);
}

/*
 * An ActiveOrHistoricCurrencyAndAmount: decimal text and a Ccy attribute.
 * ISO 20022 amounts are unsigned (the direction is CdtDbtInd's), so a sign
 * is an error, as is any decimal the currency does not have.
 */
static int amount(struct ctx *c, int64_t *amt, const struct currency **cur,
		  xmlNode *node, const char *where, const char *elem)
{
	struct recur_err pe;
	xmlChar *ccy;
	const struct currency *cu;
	const char *s;
	char shown[40];
	int64_t v = 0;
	int rc;

	ccy = xmlGetNoNsProp(node, BAD_CAST "Ccy");
	if (!ccy)
		return bad(c, RECUR_EINVAL, where, elem, node,
			   "the amount has no Ccy attribute (its currency)");
	cu = money_currency_find((const char *)ccy);
	echo(shown, sizeof(shown), (const char *)ccy);
	xmlFree(ccy);
	if (!cu)
		return bad(c, RECUR_EINVAL, where, elem, node,
			   "currency '%s' is not an ISO 4217 code recur supports", shown);
	rc = text(c, &s, node, where, elem);
	if (rc < 0)
		return rc;
	if (!s)
		return bad(c, RECUR_EINVAL, where, elem, node, "the amount is empty");
	if (s[0] == '-' || s[0] == '+')
		return bad(c, RECUR_EINVAL, where, elem, node,
			   "amount '%c...' has a sign; camt.054 amounts are unsigned and "
			   "CdtDbtInd gives the direction", s[0]);
	err_clear(&pe);
	if (money_parse(&v, s, cu->exponent, MONEY_LOCALE_C, &pe) < 0)
		return bad(c, RECUR_EINVAL, where, elem, node, "%s %s has %d decimals.",
			   pe.message, cu->code, cu->exponent);
	if (!money_in_range(v))
		return bad(c, RECUR_EINVAL, where, elem, node,
			   "amount %s %s is beyond what recur accepts", s, cu->code);
	*amt = v;
	*cur = cu;
	return 0;
}

static bool has_zone(const char *s)
{
	size_t n = strlen(s);

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
		return true;
	/* +hh:mm / -hh:mm at the end */
	return n >= 6 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':';
}

/*
 * A Dt (ISODate, "2007-10-18"; xs:date also allows a zone suffix, which a
 * date does not need and is dropped) or a DtTm (ISODateTime; without a zone
 * read as UTC, see camt054.h).
 */
static int parse_time(struct ctx *c, int64_t *t, const char *s, bool date_only,
		      xmlNode *node, const char *where, const char *elem)
{
	struct recur_err pe;
	char tmp[64];
	size_t n = strlen(s);

	err_clear(&pe);
	if (date_only) {
		if (n < 10 || (n > 10 && !(n == 11 && (s[10] == 'Z' || s[10] == 'z')) &&
			       !(n == 16 && (s[10] == '+' || s[10] == '-') && s[13] == ':')))
			return bad(c, RECUR_EINVAL, where, elem, node,
				   "expected a date YYYY-MM-DD, not '%.40s'", s);
		memcpy(tmp, s, 10);
		tmp[10] = '\0';
		if (calendar_parse_iso8601(t, tmp, &pe) < 0)
			return bad(c, RECUR_EINVAL, where, elem, node, "%s", pe.message);
		return 0;
	}
	if (n < 19 || (s[10] != 'T' && s[10] != 't'))
		return bad(c, RECUR_EINVAL, where, elem, node,
			   "expected a date-time YYYY-MM-DDThh:mm:ss, not '%.40s'", s);
	if (!has_zone(s)) {
		if (n + 2 > sizeof(tmp))
			return bad(c, RECUR_EINVAL, where, elem, node,
				   "date-time '%.40s...' is too long", s);
		memcpy(tmp, s, n);
		tmp[n] = 'Z';
		tmp[n + 1] = '\0';
		s = tmp;
	}
	if (calendar_parse_iso8601(t, s, &pe) < 0)
		return bad(c, RECUR_EINVAL, where, elem, node, "%s", pe.message);
	return 0;
}

/* CreDtTm-style element: a date-time, optional. */
static int datetime_at(struct ctx *c, int64_t *t, bool *has, xmlNode *parent,
		       const char *path, const char *where)
{
	xmlNode *n = find(parent, c->ns, path);
	const char *s;
	int rc;

	*has = false;
	rc = text(c, &s, n, where, path);
	if (rc < 0 || !n)
		return rc;
	if (!s)
		return bad(c, RECUR_EINVAL, where, path, n, "empty date-time");
	rc = parse_time(c, t, s, false, n, where, path);
	if (rc == 0)
		*has = true;
	return rc;
}

/* BookgDt / ValDt: a DateAndDateTimeChoice, optional. */
static int date_choice(struct ctx *c, int64_t *t, bool *has, xmlNode *entry,
		       const char *name, const char *where)
{
	xmlNode *p = child(entry, c->ns, name), *n;
	char elem[32];
	const char *s;
	bool date_only;
	int rc;

	*has = false;
	if (!p)
		return 0;
	n = child(p, c->ns, "Dt");
	date_only = n != NULL;
	if (!n)
		n = child(p, c->ns, "DtTm");
	if (!n)
		return bad(c, RECUR_EINVAL, where, name, p, "has neither Dt nor DtTm");
	snprintf(elem, sizeof(elem), "%s/%s", name, date_only ? "Dt" : "DtTm");
	rc = text(c, &s, n, where, elem);
	if (rc < 0)
		return rc;
	if (!s)
		return bad(c, RECUR_EINVAL, where, elem, n, "empty date");
	rc = parse_time(c, t, s, date_only, n, where, elem);
	if (rc == 0)
		*has = true;
	return rc;
}

/* CdtDbtInd: *credit = CRDT, or DBIT; missing is *present = false. */
static int direction(struct ctx *c, bool *credit, bool *present, xmlNode *parent,
		     const char *where)
{
	xmlNode *n = child(parent, c->ns, "CdtDbtInd");
	const char *s;
	char shown[40];
	int rc;

	*present = false;
	rc = text(c, &s, n, where, "CdtDbtInd");
	if (rc < 0 || !n)
		return rc;
	if (s && strcmp(s, "CRDT") == 0)
		*credit = true;
	else if (s && strcmp(s, "DBIT") == 0)
		*credit = false;
	else {
		echo(shown, sizeof(shown), s ? s : "");
		return bad(c, RECUR_EINVAL, where, "CdtDbtInd", n,
			   "expected CRDT or DBIT, not '%s'", shown);
	}
	*present = true;
	return 0;
}

/* What a transaction inherits from its entry. */
struct entry {
	size_t notification, index, tx_count;
	int64_t amount;
	const struct currency *currency;
	bool credit, reversal;
	const char *status, *acct_svcr_ref;
	int64_t booking_date, value_date;
	bool has_booking_date, has_value_date;
};

static int push_tx(struct ctx *c, struct camt054_tx **out, const struct entry *en)
{
	struct camt054 *d = c->doc;
	struct camt054_tx *t;

	if (d->n_tx == c->tx_alloc) {
		size_t na = c->tx_alloc ? c->tx_alloc * 2 : 16;
		void *p = realloc(d->tx, na * sizeof(*d->tx));
		if (!p)
			return oom(c);
		d->tx = p;
		c->tx_alloc = na;
	}
	t = &d->tx[d->n_tx++];
	memset(t, 0, sizeof(*t));
	t->notification = en->notification;
	t->entry = en->index;
	t->entry_tx_count = en->tx_count;
	t->amount = en->amount;
	t->currency = en->currency;
	t->reversal = en->reversal;
	t->status = en->status;
	t->booking_date = en->booking_date;
	t->has_booking_date = en->has_booking_date;
	t->value_date = en->value_date;
	t->has_value_date = en->has_value_date;
	t->entry_acct_svcr_ref = en->acct_svcr_ref;
	*out = t;
	return 0;
}

/* RmtInf: every Strd/CdtrRefInf and the Ustrd lines. */
static int remittance(struct ctx *c, struct camt054_tx *t, xmlNode *tx,
		      const char *where)
{
	xmlNode *rmt = child(tx, c->ns, "RmtInf"), *x;
	struct camt054_creditor_ref *refs;
	size_t n = 0, nu, len = 0, i;
	const char *ustrd[CAMT054_MAX_USTRD];
	char *joined;
	int rc;

	if (!rmt)
		return 0;

	nu = count_el(rmt, c->ns, "Ustrd");
	if (nu > CAMT054_MAX_USTRD)
		return bad(c, RECUR_EINVAL, where, "RmtInf/Ustrd", rmt,
			   "%zu Ustrd elements; at most %d are accepted", nu,
			   CAMT054_MAX_USTRD);
	for (i = 0, x = child(rmt, c->ns, "Ustrd"); x; x = next_el(x->next, c->ns, "Ustrd")) {
		rc = text(c, &ustrd[i], x, where, "RmtInf/Ustrd");
		if (rc < 0)
			return rc;
		if (ustrd[i])
			len += strlen(ustrd[i++]) + 1;
	}
	if (i > 0) {
		size_t k, off = 0;
		joined = arena_alloc(&c->doc->arena, len);
		if (!joined)
			return oom(c);
		for (k = 0; k < i; k++) {
			size_t l = strlen(ustrd[k]);
			memcpy(joined + off, ustrd[k], l);
			off += l;
			joined[off++] = k + 1 < i ? '\n' : '\0';
		}
		t->unstructured = joined;
	}

	for (x = child(rmt, c->ns, "Strd"); x; x = next_el(x->next, c->ns, "Strd"))
		if (child(x, c->ns, "CdtrRefInf"))
			n++;
	if (n == 0)
		return 0;
	if (n > CAMT054_MAX_REFS)
		return bad(c, RECUR_EINVAL, where, "RmtInf/Strd", rmt,
			   "%zu structured references; at most %d are accepted", n,
			   CAMT054_MAX_REFS);
	refs = arena_alloc(&c->doc->arena, n * sizeof(*refs));
	if (!refs)
		return oom(c);
	i = 0;
	for (x = child(rmt, c->ns, "Strd"); x; x = next_el(x->next, c->ns, "Strd")) {
		xmlNode *cri = child(x, c->ns, "CdtrRefInf"), *tp;
		if (!cri)
			continue;
		rc = text(c, &refs[i].ref, child(cri, c->ns, "Ref"), where,
			  "RmtInf/Strd/CdtrRefInf/Ref");
		if (rc < 0)
			return rc;
		tp = find(cri, c->ns, "Tp/CdOrPrtry");
		rc = text(c, &refs[i].type, child(tp, c->ns, "Cd"), where,
			  "RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd");
		if (rc < 0)
			return rc;
		if (!refs[i].type) {
			rc = text(c, &refs[i].type, child(tp, c->ns, "Prtry"), where,
				  "RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Prtry");
			if (rc < 0)
				return rc;
			refs[i].proprietary = refs[i].type != NULL;
		}
		if (!refs[i].ref) /* a CdtrRefInf with only a type carries nothing */
			continue;
		i++;
	}
	t->refs = refs;
	t->n_refs = i;
	/* SCOR ("structured communication reference") is where KID/OCR go. */
	for (i = 0; i < t->n_refs && !t->creditor_ref; i++)
		if (!refs[i].proprietary && refs[i].type && strcmp(refs[i].type, "SCOR") == 0)
			t->creditor_ref = refs[i].ref;
	if (!t->creditor_ref && t->n_refs > 0)
		t->creditor_ref = refs[0].ref;
	return 0;
}

/* One TxDtls that is a credit: its amount, references and parties. */
static int credit_tx(struct ctx *c, const struct entry *en, xmlNode *tx,
		     size_t tx_index, const char *where)
{
	struct camt054_tx *t;
	xmlNode *amt;
	const char *elem = "Amt";
	int rc;

	rc = push_tx(c, &t, en);
	if (rc < 0)
		return rc;
	t->tx_index = tx_index;

	/* 001.08 TxDtls/Amt, then AmtDtls/TxAmt/Amt, then the entry's. */
	amt = child(tx, c->ns, "Amt");
	if (!amt) {
		elem = "AmtDtls/TxAmt/Amt";
		amt = find(tx, c->ns, elem);
	}
	if (amt) {
		rc = amount(c, &t->amount, &t->currency, amt, where, elem);
		if (rc < 0)
			return rc;
	} else if (en->tx_count != 1) {
		return bad(c, RECUR_EINVAL, where, NULL, tx,
			   "a credit transaction without an amount (neither Amt nor "
			   "AmtDtls/TxAmt/Amt) in an entry of %zu transactions",
			   en->tx_count);
	}

	if ((rc = text_at(c, &t->end_to_end_id, tx, "Refs/EndToEndId", where)) < 0 ||
	    (rc = text_at(c, &t->acct_svcr_ref, tx, "Refs/AcctSvcrRef", where)) < 0 ||
	    (rc = text_at(c, &t->uetr, tx, "Refs/UETR", where)) < 0)
		return rc;
	/* 001.02: Dbtr is a PartyIdentification; 001.08: a Party40Choice. */
	if ((rc = text_at(c, &t->debtor_name, tx, "RltdPties/Dbtr/Nm", where)) < 0)
		return rc;
	if (!t->debtor_name &&
	    (rc = text_at(c, &t->debtor_name, tx, "RltdPties/Dbtr/Pty/Nm", where)) < 0)
		return rc;
	return remittance(c, t, tx, where);
}

static int parse_entry(struct ctx *c, xmlNode *ntry, size_t ni, size_t ei,
		       struct camt054_notification *nt)
{
	char where[WHERE_SIZE], txwhere[WHERE_SIZE + 64];
	struct entry en;
	xmlNode *amt, *sts, *rv, *dtls, *tx;
	const char *s;
	bool present;
	size_t di, ti, k;
	int rc;

	memset(&en, 0, sizeof(en));
	en.notification = ni;
	en.index = ei;
	snprintf(where, sizeof(where), "Ntfctn[%zu]/Ntry[%zu]", ni + 1, ei + 1);

	amt = child(ntry, c->ns, "Amt");
	if (!amt)
		return bad(c, RECUR_EINVAL, where, NULL, ntry, "the entry has no Amt");
	rc = amount(c, &en.amount, &en.currency, amt, where, "Amt");
	if (rc < 0)
		return rc;
	rc = direction(c, &en.credit, &present, ntry, where);
	if (rc < 0)
		return rc;
	if (!present)
		return bad(c, RECUR_EINVAL, where, NULL, ntry, "the entry has no CdtDbtInd");

	rv = child(ntry, c->ns, "RvslInd");
	rc = text(c, &s, rv, where, "RvslInd");
	if (rc < 0)
		return rc;
	if (rv) {
		if (s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0))
			en.reversal = true;
		else if (!s || (strcmp(s, "false") != 0 && strcmp(s, "0") != 0))
			return bad(c, RECUR_EINVAL, where, "RvslInd", rv,
				   "expected true or false");
	}

	/* 001.02: <Sts>BOOK</Sts>; 001.08: <Sts><Cd>BOOK</Cd></Sts> or Prtry. */
	sts = child(ntry, c->ns, "Sts");
	if (child(sts, c->ns, "Cd"))
		rc = text(c, &en.status, child(sts, c->ns, "Cd"), where, "Sts/Cd");
	else if (child(sts, c->ns, "Prtry"))
		rc = text(c, &en.status, child(sts, c->ns, "Prtry"), where, "Sts/Prtry");
	else
		rc = text(c, &en.status, sts, where, "Sts");
	if (rc < 0)
		return rc;

	if ((rc = date_choice(c, &en.booking_date, &en.has_booking_date, ntry,
			      "BookgDt", where)) < 0 ||
	    (rc = date_choice(c, &en.value_date, &en.has_value_date, ntry, "ValDt",
			      where)) < 0 ||
	    (rc = text_at(c, &en.acct_svcr_ref, ntry, "AcctSvcrRef", where)) < 0)
		return rc;

	for (dtls = child(ntry, c->ns, "NtryDtls"); dtls;
	     dtls = next_el(dtls->next, c->ns, "NtryDtls"))
		en.tx_count += count_el(dtls, c->ns, "TxDtls");
	if (en.tx_count > CAMT054_MAX_TXDTLS - c->n_txdtls)
		return bad(c, RECUR_ETOOBIG, where, NULL, ntry,
			   "more than %d TxDtls in the file", CAMT054_MAX_TXDTLS);
	c->n_txdtls += en.tx_count;

	if (en.tx_count == 0) { /* the entry is its own, single transaction */
		struct camt054_tx *t;
		if (!en.credit) {
			nt->n_debits++;
			c->doc->n_debits++;
			return 0;
		}
		nt->n_credits++;
		return push_tx(c, &t, &en);
	}

	ti = 0;
	for (di = 0, dtls = child(ntry, c->ns, "NtryDtls"); dtls;
	     di++, dtls = next_el(dtls->next, c->ns, "NtryDtls")) {
		for (k = 0, tx = child(dtls, c->ns, "TxDtls"); tx;
		     k++, ti++, tx = next_el(tx->next, c->ns, "TxDtls")) {
			bool credit = en.credit;

			snprintf(txwhere, sizeof(txwhere), "%s/NtryDtls[%zu]/TxDtls[%zu]",
				 where, di + 1, k + 1);
			/* 001.08 gives each transaction its own direction. */
			rc = direction(c, &credit, &present, tx, txwhere);
			if (rc < 0)
				return rc;
			if (!credit) {
				nt->n_debits++;
				c->doc->n_debits++;
				continue;
			}
			rc = credit_tx(c, &en, tx, ti, txwhere);
			if (rc < 0)
				return rc;
			nt->n_credits++;
		}
	}
	return 0;
}

static int parse_notification(struct ctx *c, xmlNode *ntf, size_t ni)
{
	struct camt054_notification *nt = &c->doc->notifications[ni];
	char where[WHERE_SIZE];
	xmlNode *ntry;
	size_t ei;
	int rc;

	snprintf(where, sizeof(where), "Ntfctn[%zu]", ni + 1);
	if ((rc = text_at(c, &nt->id, ntf, "Id", where)) < 0 ||
	    (rc = datetime_at(c, &nt->created, &nt->has_created, ntf, "CreDtTm",
			      where)) < 0 ||
	    (rc = text_at(c, &nt->iban, ntf, "Acct/Id/IBAN", where)) < 0 ||
	    (rc = text_at(c, &nt->account_other_id, ntf, "Acct/Id/Othr/Id", where)) < 0 ||
	    (rc = text_at(c, &nt->account_currency, ntf, "Acct/Ccy", where)) < 0)
		return rc;

	for (ei = 0, ntry = child(ntf, c->ns, "Ntry"); ntry;
	     ei++, ntry = next_el(ntry->next, c->ns, "Ntry")) {
		if (c->doc->n_entries >= CAMT054_MAX_ENTRIES)
			return bad(c, RECUR_ETOOBIG, where, "Ntry", ntry,
				   "more than %d entries in the file", CAMT054_MAX_ENTRIES);
		c->doc->n_entries++;
		nt->n_entries++;
		rc = parse_entry(c, ntry, ni, ei, nt);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * SAX callback for "<!DOCTYPE": stop right there, before the internal
 * subset (entity declarations) or an external one is read.
 */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
			   const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	xmlStopParser((xmlParserCtxtPtr)ctx);
}

static void ignore_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			  const xmlChar *system_id)
{
	(void)ctx;
	(void)name;
	(void)external_id;
	(void)system_id;
}

/* libxml2 would print errors to stderr; they are reported through e instead. */
static void quiet(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* Root element: Document in one of the two namespaces, else a clear refusal. */
static int check_root(struct ctx *c, xmlNode *root)
{
	static const char camt054_prefix[] = "urn:iso:std:iso:20022:tech:xsd:camt.054.";
	const char *href;
	char shown[40], nsshown[80];

	if (!root)
		return bad(c, RECUR_EINVAL, "", NULL, NULL, "the document is empty");
	href = root->ns && root->ns->href ? (const char *)root->ns->href : "";
	echo(shown, sizeof(shown), (const char *)root->name);
	snprintf(nsshown, sizeof(nsshown), "%.70s", href);
	if (strcmp(href, CAMT054_NS_V02) == 0)
		c->doc->version = CAMT054_V02;
	else if (strcmp(href, CAMT054_NS_V08) == 0)
		c->doc->version = CAMT054_V08;
	else if (strncmp(href, camt054_prefix, sizeof(camt054_prefix) - 1) == 0)
		return bad(c, RECUR_EINVAL, "", NULL, root,
			   "version %s is not supported; recur reads camt.054.001.02 "
			   "and camt.054.001.08",
			   nsshown + sizeof(camt054_prefix) - 1);
	else
		return bad(c, RECUR_EINVAL, "", NULL, root,
			   "not a camt.054 bank notification: root element '%s' in "
			   "namespace '%s'; expected Document in %s or %s",
			   shown, href[0] ? nsshown : "(none)", CAMT054_NS_V02,
			   CAMT054_NS_V08);
	c->ns = root->ns->href;
	if (!is_el(root, c->ns, "Document"))
		return bad(c, RECUR_EINVAL, "", NULL, root,
			   "the root element is '%s', not Document", shown);
	return 0;
}

void camt054_global_init(void)
{
	xmlInitParser();
}

int camt054_parse(struct camt054 **out, const void *buf, size_t len,
		  struct recur_err *e)
{
	struct ctx c;
	struct camt054 *d = NULL;
	xmlParserCtxtPtr px = NULL;
	xmlDocPtr xd = NULL;
	xmlNode *root, *msg, *ntf;
	size_t n, ni;
	int rc;

	memset(&c, 0, sizeof(c));
	c.e = e;
	if (!buf || len == 0) {
		rc = bad(&c, RECUR_EINVAL, "", NULL, NULL, "the file is empty");
		goto done;
	}
	if (len > CAMT054_MAX_BYTES) {
		rc = bad(&c, RECUR_ETOOBIG, "", NULL, NULL,
			 "the file is %zu bytes; at most %zu are accepted", len,
			 (size_t)CAMT054_MAX_BYTES);
		goto done;
	}

	d = calloc(1, sizeof(*d));
	if (!d) {
		rc = oom(&c);
		goto done;
	}
	arena_init(&d->arena);
	c.doc = d;

	xmlInitParser();
	px = xmlNewParserCtxt();
	if (!px) {
		rc = oom(&c);
		goto done;
	}
	px->sax->internalSubset = refuse_doctype;
	px->sax->externalSubset = ignore_subset;
	px->sax->serror = quiet;
	/*
	 * XML_PARSE_NONET: nothing is fetched. Deliberately absent: NOENT
	 * (entity substitution), DTDLOAD / DTDATTR / DTDVALID (reading DTDs),
	 * XINCLUDE, HUGE (which lifts libxml2's depth and size limits).
	 */
	xd = xmlCtxtReadMemory(px, buf, (int)len, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	if (px->errNo == XML_ERR_USER_STOP || (xd && (xd->intSubset || xd->extSubset))) {
		rc = bad(&c, RECUR_EINVAL, "", NULL, NULL,
			 "the file has a DOCTYPE declaration, which camt.054 never has; "
			 "it is refused unread (no DTDs or entities are loaded)");
		goto done;
	}
	if (!xd || !px->wellFormed) {
		const xmlError *xe = xmlCtxtGetLastError(px);
		char msg1[160] = "";
		size_t k;

		if (xe && xe->message) {
			snprintf(msg1, sizeof(msg1), "%s", xe->message);
			k = strlen(msg1);
			while (k > 0 && xml_space(msg1[k - 1]))
				msg1[--k] = '\0';
		}
		if (e)
			err_invalid(e, "file", "camt.054: not well-formed XML (line %d): %s",
				    xe ? xe->line : 0, msg1[0] ? msg1 : "parse error");
		rc = RECUR_EINVAL;
		goto done;
	}

	root = xmlDocGetRootElement(xd);
	rc = check_root(&c, root);
	if (rc < 0)
		goto done;
	msg = child(root, c.ns, "BkToCstmrDbtCdtNtfctn");
	if (!msg) {
		rc = bad(&c, RECUR_EINVAL, "Document", NULL, root,
			 "no BkToCstmrDbtCdtNtfctn element");
		goto done;
	}
	if ((rc = text_at(&c, &d->msg_id, msg, "GrpHdr/MsgId", "")) < 0 ||
	    (rc = datetime_at(&c, &d->created, &d->has_created, msg, "GrpHdr/CreDtTm",
			      "")) < 0)
		goto done;

	n = count_el(msg, c.ns, "Ntfctn");
	if (n > CAMT054_MAX_NOTIFICATIONS) {
		rc = bad(&c, RECUR_ETOOBIG, "", "Ntfctn", msg,
			 "%zu notifications; at most %d are accepted", n,
			 CAMT054_MAX_NOTIFICATIONS);
		goto done;
	}
	if (n > 0) {
		d->notifications = arena_alloc(&d->arena, n * sizeof(*d->notifications));
		if (!d->notifications) {
			rc = oom(&c);
			goto done;
		}
	}
	d->n_notifications = n;
	for (ni = 0, ntf = child(msg, c.ns, "Ntfctn"); ntf;
	     ni++, ntf = next_el(ntf->next, c.ns, "Ntfctn")) {
		rc = parse_notification(&c, ntf, ni);
		if (rc < 0)
			goto done;
	}

	*out = d;
	d = NULL;
	rc = 0;
done:
	camt054_free(d);
	xmlFreeDoc(xd);
	xmlFreeParserCtxt(px);
	return rc;
}

void camt054_free(struct camt054 *doc)
{
	if (!doc)
		return;
	free(doc->tx);
	arena_free(&doc->arena);
	free(doc);
}
