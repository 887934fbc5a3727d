/*
 * camt054.h - reads ISO 20022 camt.054 bank notifications
 * (BankToCustomerDebitCreditNotification), versions 001.02 and 001.08, into
 * plain structs: the incoming payments recur matches to open invoices.
 *
 * What comes out. One struct camt054_tx per credit transaction, in document
 * order: a TxDtls whose CdtDbtInd (its own in 001.08, else its entry's) is
 * CRDT, or an entry without TxDtls whose CdtDbtInd is CRDT (the entry is then
 * its own single transaction). Debit transactions are skipped and counted.
 * A credit TxDtls inside a DBIT entry is a credit: a bank may book a batch on
 * one side and report its transactions on the other.
 *
 * Amounts. Integer minor units of the amount's own currency (the Ccy
 * attribute), parsed with money_parse at the currency's ISO 4217 exponent;
 * no floating point anywhere. "3.1" CHF is 310. More decimals than the
 * currency has, a negative amount, a missing or unsupported Ccy, or an
 * amount beyond MONEY_MAX_ABS is an error, never rounded. A transaction's
 * amount is, in this order: TxDtls/Amt (001.08), TxDtls/AmtDtls/TxAmt/Amt,
 * or, when the entry has exactly one TxDtls, the entry's Amt. A credit
 * transaction in a batch that has none of these is an error.
 *
 * Times. Unix seconds, UTC (calendar.h). A Dt (ISODate) is midnight UTC of
 * that day; a DtTm with Z or an offset is that instant (13:15+01:00 is
 * 12:15Z). ISO 20022 also allows a DtTm without offset, in the bank's local
 * time; the file does not say which zone that is, so recur reads it as if it
 * were UTC, keeping the date and clock time the bank wrote.
 *
 * Dedupe. A bank's own reference for a transaction is TxDtls/Refs/AcctSvcrRef
 * (acct_svcr_ref) when present; many banks only give one per entry
 * (entry_acct_svcr_ref), shared by every TxDtls of a batch, so the key is then
 * (entry_acct_svcr_ref, tx_index). Equal EndToEndIds and amounts do NOT make
 * two transactions duplicates (payers reuse end-to-end ids). A file with
 * neither reference leaves the caller the UETR (001.08) or
 * (notification id, entry, tx_index).
 *
 * Safety. At most CAMT054_MAX_BYTES of input, CAMT054_MAX_NOTIFICATIONS
 * notifications, CAMT054_MAX_ENTRIES entries and CAMT054_MAX_TXDTLS TxDtls
 * (RECUR_ETOOBIG past any of them). The whole tree is held in memory while
 * parsing (libxml2's DOM: several times the file size at the 16 MiB cap).
 * The XML is parsed by libxml2 with no network access, no entity
 * substitution and no DTD loading; a document with a DOCTYPE is refused
 * outright (a camt.054 never has one, and refusing it closes XXE and entity
 * expansion attacks together). Elements are matched on local name and on the
 * document's namespace, which must be camt.054.001.02 or camt.054.001.08;
 * other documents (camt.053, pain.001, anything else) are refused by name.
 * Elements this reader does not use are ignored.
 *
 * Errors name where the problem is: "camt.054
 * Ntfctn[1]/Ntry[2]/NtryDtls[1]/TxDtls[3]/AmtDtls/TxAmt/Amt (line 57):
 * Invalid amount '3.105': ...". Indices in messages are 1-based, as an XML
 * editor counts; indices in the structs are 0-based.
 *
 * Threads: camt054_parse is re-entrant. libxml2 (2.9) wants xmlInitParser()
 * called once before threads start; a multi-threaded program calls
 * camt054_global_init() from main.
 */
#ifndef RECUR_FORMATS_CAMT054_H
#define RECUR_FORMATS_CAMT054_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct currency;
struct recur_err;

#define CAMT054_MAX_BYTES ((size_t)16 * 1024 * 1024)
#define CAMT054_MAX_NOTIFICATIONS 10000 /* Ntfctn elements in one document */
#define CAMT054_MAX_ENTRIES 100000   /* Ntry elements in one document */
#define CAMT054_MAX_TXDTLS 200000    /* TxDtls elements in one document, debits included */
#define CAMT054_MAX_REFS 64          /* structured references in one transaction */
#define CAMT054_MAX_USTRD 64         /* Ustrd elements in one transaction */
#define CAMT054_MAX_TEXT 1024        /* bytes in any one text value (ISO: at most 140 characters) */

#define CAMT054_NS_V02 "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
#define CAMT054_NS_V08 "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"

enum camt054_version {
	CAMT054_V02 = 2,
	CAMT054_V08 = 8
};

/* One RmtInf/Strd/CdtrRefInf. */
struct camt054_creditor_ref {
	const char *ref;  /* CdtrRefInf/Ref: the KID or OCR number, or whatever the payer wrote */
	const char *type; /* Tp/CdOrPrtry/Cd ("SCOR") or Tp/CdOrPrtry/Prtry; NULL without Tp */
	bool proprietary; /* type came from Prtry */
};

/* One Ntfctn: an account's notification. */
struct camt054_notification {
	const char *id;               /* Ntfctn/Id, or NULL */
	int64_t created;              /* Ntfctn/CreDtTm; valid if has_created */
	bool has_created;
	const char *iban;             /* Acct/Id/IBAN, or NULL */
	const char *account_other_id; /* Acct/Id/Othr/Id (accounts without an IBAN), or NULL */
	const char *account_currency; /* Acct/Ccy, or NULL */
	size_t n_entries;             /* Ntry elements */
	size_t n_credits;             /* credit transactions it contributed to camt054.tx */
	size_t n_debits;              /* debit transactions skipped */
};

/* One credit transaction. */
struct camt054_tx {
	size_t notification;   /* index into camt054.notifications */
	size_t entry;          /* 0-based Ntry index within that notification */
	size_t tx_index;       /* 0-based TxDtls index within the entry, over all its NtryDtls */
	size_t entry_tx_count; /* TxDtls in the entry; 0 if the entry is its own transaction */

	int64_t amount;                  /* minor units of currency, >= 0 */
	const struct currency *currency; /* money.h's static table; never freed */
	bool reversal;                   /* Ntry/RvslInd: this credit reverses a debit */
	const char *status;              /* Ntry/Sts (001.02) or Ntry/Sts/Cd (001.08): BOOK, PDNG, INFO; or NULL */

	int64_t booking_date; /* Ntry/BookgDt/Dt or DtTm; valid if has_booking_date */
	bool has_booking_date;
	int64_t value_date;   /* Ntry/ValDt/Dt or DtTm; valid if has_value_date */
	bool has_value_date;

	/*
	 * The structured reference to match on: the first reference typed SCOR
	 * (ISO 11649 / KID / OCR: "structured communication reference"), else
	 * the first one; NULL if there is none. refs holds all of them in
	 * document order.
	 */
	const char *creditor_ref;
	size_t n_refs;
	const struct camt054_creditor_ref *refs;
	const char *unstructured;   /* RmtInf/Ustrd values joined by '\n', or NULL */

	const char *end_to_end_id;       /* Refs/EndToEndId as written ("NOTPROVIDED" too), or NULL */
	const char *acct_svcr_ref;       /* TxDtls/Refs/AcctSvcrRef, or NULL */
	const char *entry_acct_svcr_ref; /* Ntry/AcctSvcrRef, or NULL */
	const char *uetr;                /* Refs/UETR (001.08), or NULL */
	const char *debtor_name;         /* RltdPties/Dbtr/Nm (001.02) or Dbtr/Pty/Nm (001.08), or NULL */
};

/*
 * A parsed document. Every pointer in it, strings and arrays alike, is owned
 * by it and lives until camt054_free; only `currency` points into money.h's
 * static table.
 */
struct camt054 {
	enum camt054_version version;
	const char *msg_id;  /* GrpHdr/MsgId, or NULL */
	int64_t created;     /* GrpHdr/CreDtTm; valid if has_created */
	bool has_created;

	size_t n_notifications;
	struct camt054_notification *notifications;

	size_t n_tx;           /* credit transactions */
	struct camt054_tx *tx;
	size_t n_entries;      /* Ntry elements in all notifications */
	size_t n_debits;       /* debit transactions skipped, in all notifications */

	struct arena arena;    /* private: the strings and small arrays */
};

/*
 * Parses len bytes at buf. On success *out is a new struct camt054 the caller
 * frees with camt054_free. On error *out is untouched and e says what and
 * where (e->param is "file"): RECUR_EINVAL for a document that is not
 * well-formed XML, not camt.054 001.02/001.08, or has a bad value;
 * RECUR_ETOOBIG past a hard limit (HTTP 413); RECUR_EINTERNAL if memory ran
 * out.
 */
int camt054_parse(struct camt054 **out, const void *buf, size_t len,
		  struct recur_err *e);

/* Frees a parsed document; NULL is fine. */
void camt054_free(struct camt054 *doc);

/* libxml2's one-time initialisation; call from main before threads start. */
void camt054_global_init(void);

#endif
