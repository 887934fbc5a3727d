/*
 * Tests for formats/camt054: the four bank-written files in
 * shared/reference/camt054 (genkgo/camt's test data), read at test time,
 * with every value asserted as it stands in the XML; synthetic 001.02 and
 * 001.08 documents for what those files do not contain (credit entries,
 * KID references, several notifications and NtryDtls, reversals, JPY); and
 * hostile or broken input: malformed XML, other documents, DOCTYPE/XXE,
 * bad amounts and currencies, and the size limits.
 *
 * The fixtures are found through $RECUR_SHARED (the shared directory) or,
 * failing that, relative to this source file: tests/formats/../../../shared.
 *
 * Unix times were computed independently (Python's datetime):
 *   2007-10-18T12:30:00+01:00  1192707000
 *   2007-10-18                 1192665600
 *   2024-03-01                 1709251200
 *   2024-03-01T09:15:30        1709284530 (no offset: read as UTC)
 *   2024-03-01T00:30:00+01:00  1709249400
 *   2024-03-04T00:00:00Z       1709510400
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "core/err.h"
#include "core/money.h"
#include "formats/camt054.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T_2007_10_18_1130Z INT64_C(1192707000)
#define T_2007_10_18 INT64_C(1192665600)

/* ---- fixtures ---------------------------------------------------------- */

static void fixture_path(char *buf, size_t cap, const char *name)
{
	const char *shared = getenv("RECUR_SHARED");
	if (shared && shared[0]) {
		snprintf(buf, cap, "%s/reference/camt054/%s", shared, name);
		return;
	}
	{
		const char *file = __FILE__;
		const char *slash = strrchr(file, '/');
		int dirlen = slash ? (int)(slash - file) : 1;
		snprintf(buf, cap, "%.*s/../../../shared/reference/camt054/%s",
			 dirlen, slash ? file : ".", name);
	}
}

/* The whole file, NUL-terminated (not counted in *len); caller frees. */
static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	fixture_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s (set RECUR_SHARED)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0 && n < 1000000);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Replaces every occurrence of from by to (same length) in s. */
static size_t replace_all(char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from);
	char *p = s;
	assert_int_equal(fl, strlen(to));
	while ((p = strstr(p, from)) != NULL) {
		memcpy(p, to, fl);
		p += fl;
		n++;
	}
	return n;
}

static struct camt054 *parse_ok(const char *xml, size_t len)
{
	struct camt054 *d = NULL;
	struct recur_err e;
	err_clear(&e);
	if (camt054_parse(&d, xml, len, &e) != 0)
		fail_msg("parse failed: %s", e.message);
	assert_non_null(d);
	return d;
}

static void expect_error(const char *xml, int want_rc, const char *const *parts)
{
	struct camt054 *d = (struct camt054 *)(uintptr_t)0x1; /* must stay untouched */
	struct recur_err e;
	int rc;
	err_clear(&e);
	rc = camt054_parse(&d, xml, strlen(xml), &e);
	if (rc != want_rc)
		fail_msg("rc %d, want %d (%s)", rc, want_rc, e.message);
	assert_ptr_equal(d, (struct camt054 *)(uintptr_t)0x1);
	assert_string_equal(e.param, "file");
	for (; *parts; parts++)
		if (!strstr(e.message, *parts))
			fail_msg("message '%s' lacks '%s'", e.message, *parts);
}

#define EXPECT_ERROR(xml, rc, ...)                                          \
	do {                                                                \
		static const char *const parts_[] = {__VA_ARGS__, NULL};   \
		expect_error((xml), (rc), parts_);                          \
	} while (0)

/* ---- the four bank files ----------------------------------------------- */

/*
 * camt054.v2.xml: one notification, one DBIT entry of SEK 200000 with three
 * TxDtls (no credits: all three are counted as debits), account identified
 * by Othr/Id rather than IBAN, BookgDt as DtTm.
 */
static void test_fixture_v2(void **state)
{
	size_t len;
	char *xml = slurp("camt054.v2.xml", &len);
	struct camt054 *d = parse_ok(xml, len);
	const struct camt054_notification *nt;
	(void)state;

	assert_int_equal(d->version, CAMT054_V02);
	assert_string_equal(d->msg_id, "AAAASESS-FP-ACCR001");
	assert_true(d->has_created);
	assert_int_equal(d->created, T_2007_10_18_1130Z);
	assert_int_equal(d->n_notifications, 1);
	assert_int_equal(d->n_entries, 1);
	assert_int_equal(d->n_tx, 0);
	assert_int_equal(d->n_debits, 3);
	nt = &d->notifications[0];
	assert_string_equal(nt->id, "AAAASESS-FP-ACCR001");
	assert_true(nt->has_created);
	assert_int_equal(nt->created, T_2007_10_18_1130Z);
	assert_null(nt->iban);
	assert_string_equal(nt->account_other_id, "CH2801234000123456789");
	assert_null(nt->account_currency);
	assert_int_equal(nt->n_entries, 1);
	assert_int_equal(nt->n_credits, 0);
	assert_int_equal(nt->n_debits, 3);
	camt054_free(d);

	/*
	 * Turned into a credit entry, its three TxDtls carry no amount of their
	 * own (001.02 TxDtls without AmtDtls), so the entry's SEK 200000 cannot
	 * be split among them: an error that names the first one.
	 */
	assert_int_equal(replace_all(xml, "<CdtDbtInd>DBIT</CdtDbtInd>",
				     "<CdtDbtInd>CRDT</CdtDbtInd>"), 1);
	EXPECT_ERROR(xml, RECUR_EINVAL,
		     "camt.054 Ntfctn[1]/Ntry[1]/NtryDtls[1]/TxDtls[1] (line 79)",
		     "without an amount", "entry of 3 transactions");
	free(xml);
}

/*
 * camt054.v2.with-account-name.xml: one DBIT entry of SEK 200000 with one
 * TxDtls, account by IBAN, no dates, no references.
 */
static void test_fixture_v2_account_name(void **state)
{
	size_t len;
	char *xml = slurp("camt054.v2.with-account-name.xml", &len);
	struct camt054 *d = parse_ok(xml, len);
	const struct camt054_tx *t;
	(void)state;

	assert_int_equal(d->version, CAMT054_V02);
	assert_string_equal(d->msg_id, "AAAASESS-FP-ACCR001");
	assert_int_equal(d->created, T_2007_10_18_1130Z);
	assert_int_equal(d->n_notifications, 1);
	assert_string_equal(d->notifications[0].id, "AAAASESS-FP-ACCR001");
	assert_int_equal(d->notifications[0].created, T_2007_10_18_1130Z);
	assert_string_equal(d->notifications[0].iban, "CH2801234000123456789");
	assert_null(d->notifications[0].account_other_id);
	assert_int_equal(d->n_entries, 1);
	assert_int_equal(d->n_tx, 0);
	assert_int_equal(d->n_debits, 1);
	assert_int_equal(d->notifications[0].n_debits, 1);
	camt054_free(d);

	/* As a credit: the single TxDtls takes the entry's amount. */
	assert_int_equal(replace_all(xml, "<CdtDbtInd>DBIT</CdtDbtInd>",
				     "<CdtDbtInd>CRDT</CdtDbtInd>"), 1);
	d = parse_ok(xml, len);
	assert_int_equal(d->n_tx, 1);
	assert_int_equal(d->n_debits, 0);
	t = &d->tx[0];
	assert_int_equal(t->amount, 20000000);
	assert_string_equal(t->currency->code, "SEK");
	assert_int_equal(t->entry_tx_count, 1);
	assert_int_equal(t->tx_index, 0);
	assert_string_equal(t->status, "BOOK");
	assert_false(t->has_booking_date);
	assert_false(t->has_value_date);
	assert_string_equal(t->debtor_name, "MUELLER");
	assert_null(t->creditor_ref);
	assert_int_equal(t->n_refs, 0);
	assert_null(t->unstructured);
	assert_null(t->end_to_end_id);
	assert_null(t->entry_acct_svcr_ref);
	assert_null(t->uetr);
	assert_false(t->reversal);
	camt054_free(d);
	free(xml);
}

/*
 * camt054.v8.xml: a DBIT entry of SEK 200000 (Sts/Cd BOOK, booked and
 * valued 2007-10-18, AcctSvcrRef ACSR160617103200001) holding a batch of
 * three CRDT TxDtls in CHF: 3.1, 3.2, 3.2; the last two share EndToEndId
 * ...EE00002 and are two payments, not a duplicate; the third has two SCOR
 * references and two Ustrd lines.
 */
static void test_fixture_v8(void **state)
{
	size_t len, i;
	char *xml = slurp("camt054.v8.xml", &len);
	struct camt054 *d = parse_ok(xml, len);
	const struct camt054_notification *nt;
	const struct camt054_tx *t;
	static const int64_t amounts[] = {310, 320, 320};
	static const char *const e2e[] = {"UXC06170000006PI00001EE00001",
					  "UXC06170000006PI00001EE00002",
					  "UXC06170000006PI00001EE00002"};
	(void)state;

	assert_int_equal(d->version, CAMT054_V08);
	assert_string_equal(d->msg_id, "AAAASESS-FP-ACCR001");
	assert_int_equal(d->created, T_2007_10_18_1130Z);
	assert_int_equal(d->n_notifications, 1);
	nt = &d->notifications[0];
	assert_string_equal(nt->id, "AAAASESS-FP-ACCR001");
	assert_int_equal(nt->created, T_2007_10_18_1130Z);
	assert_string_equal(nt->iban, "CH2801234000123456789");
	assert_null(nt->account_other_id);
	assert_int_equal(nt->n_entries, 1);
	assert_int_equal(nt->n_credits, 3);
	assert_int_equal(nt->n_debits, 0);
	assert_int_equal(d->n_entries, 1);
	assert_int_equal(d->n_debits, 0);
	assert_int_equal(d->n_tx, 3);

	for (i = 0; i < 3; i++) {
		t = &d->tx[i];
		assert_int_equal(t->notification, 0);
		assert_int_equal(t->entry, 0);
		assert_int_equal(t->tx_index, i);
		assert_int_equal(t->entry_tx_count, 3);
		assert_int_equal(t->amount, amounts[i]);
		assert_string_equal(t->currency->code, "CHF");
		assert_false(t->reversal);
		assert_string_equal(t->status, "BOOK");
		assert_true(t->has_booking_date);
		assert_int_equal(t->booking_date, T_2007_10_18);
		assert_true(t->has_value_date);
		assert_int_equal(t->value_date, T_2007_10_18);
		assert_string_equal(t->end_to_end_id, e2e[i]);
		assert_null(t->acct_svcr_ref);
		assert_string_equal(t->entry_acct_svcr_ref, "ACSR160617103200001");
		assert_null(t->uetr);
		assert_string_equal(t->debtor_name, "UNIFITS GmbH");
	}

	t = &d->tx[0];
	assert_int_equal(t->n_refs, 1);
	assert_string_equal(t->refs[0].ref, "ISR ref number V1");
	assert_string_equal(t->refs[0].type, "ISR Reference");
	assert_true(t->refs[0].proprietary);
	assert_string_equal(t->creditor_ref, "ISR ref number V1");
	assert_string_equal(t->unstructured, "Unstructured Remittance Information V1");

	t = &d->tx[1];
	assert_int_equal(t->n_refs, 1);
	assert_string_equal(t->creditor_ref, "ISR ref number V2");
	assert_string_equal(t->refs[0].type, "ISR Reference");
	assert_true(t->refs[0].proprietary);
	assert_null(t->unstructured);

	t = &d->tx[2];
	assert_int_equal(t->n_refs, 2);
	assert_string_equal(t->refs[0].ref, "Ref number V3 block 1");
	assert_string_equal(t->refs[0].type, "SCOR");
	assert_false(t->refs[0].proprietary);
	assert_string_equal(t->refs[1].ref, "Ref number V3 block 2");
	assert_string_equal(t->refs[1].type, "SCOR");
	assert_false(t->refs[1].proprietary);
	assert_string_equal(t->creditor_ref, "Ref number V3 block 1");
	assert_string_equal(t->unstructured,
			    "Unstructured Remittance Information V3 block 1\n"
			    "Unstructured Remittance Information V3 block 2");

	camt054_free(d);
	free(xml);
}

/*
 * camt054.v8-with-UETR.xml: one DBIT entry of SEK 200000, Sts/Cd BOOK, one
 * TxDtls with only a UETR; no dates, no AcctSvcrRef.
 */
static void test_fixture_v8_uetr(void **state)
{
	size_t len;
	char *xml = slurp("camt054.v8-with-UETR.xml", &len);
	struct camt054 *d = parse_ok(xml, len);
	const struct camt054_tx *t;
	(void)state;

	assert_int_equal(d->version, CAMT054_V08);
	assert_string_equal(d->msg_id, "AAAASESS-FP-ACCR001");
	assert_int_equal(d->created, T_2007_10_18_1130Z);
	assert_int_equal(d->n_notifications, 1);
	assert_string_equal(d->notifications[0].id, "AAAASESS-FP-ACCR001");
	assert_int_equal(d->notifications[0].created, T_2007_10_18_1130Z);
	assert_string_equal(d->notifications[0].iban, "CH2801234000123456789");
	assert_int_equal(d->n_entries, 1);
	assert_int_equal(d->n_tx, 0);
	assert_int_equal(d->n_debits, 1);
	camt054_free(d);

	/* As a credit, the UETR comes through and the entry gives the amount. */
	assert_int_equal(replace_all(xml, "<CdtDbtInd>DBIT</CdtDbtInd>",
				     "<CdtDbtInd>CRDT</CdtDbtInd>"), 1);
	d = parse_ok(xml, len);
	assert_int_equal(d->n_tx, 1);
	t = &d->tx[0];
	assert_string_equal(t->uetr, "255ae394-9965-4438-ac86-f406feada396");
	assert_int_equal(t->amount, 20000000);
	assert_string_equal(t->currency->code, "SEK");
	assert_string_equal(t->status, "BOOK");
	assert_int_equal(t->entry_tx_count, 1);
	assert_null(t->end_to_end_id);
	assert_null(t->entry_acct_svcr_ref);
	assert_null(t->creditor_ref);
	assert_null(t->debtor_name);
	assert_false(t->has_booking_date);
	camt054_free(d);
	free(xml);
}

/* ---- synthetic documents ----------------------------------------------- */

static const char V8_DOC[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"\n"
	"          xmlns:x=\"urn:example:other\">\n"
	" <BkToCstmrDbtCdtNtfctn>\n"
	"  <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-03-01T09:15:30Z</CreDtTm></GrpHdr>\n"
	"  <Ntfctn>\n"
	"   <Id>NTF-1</Id>\n"
	"   <CreDtTm>2024-03-01T09:15:30</CreDtTm>\n"
	"   <Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>\n"
	"   <Ntry>\n"
	"    <Amt Ccy=\"NOK\">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
	"    <Sts><Cd>BOOK</Cd></Sts>\n"
	"    <BookgDt><Dt>2024-03-01</Dt></BookgDt>\n"
	"    <ValDt><DtTm>2024-03-01T00:30:00+01:00</DtTm></ValDt>\n"
	"    <AcctSvcrRef>BANKREF-1</AcctSvcrRef>\n"
	"    <NtryDtls>\n"
	"     <TxDtls>\n"
	"      <Refs><AcctSvcrRef>TX-1</AcctSvcrRef><EndToEndId>E2E-1</EndToEndId>\n"
	"       <UETR>8a562c67-ca16-48ba-b074-65581be6f001</UETR></Refs>\n"
	"      <Amt Ccy=\"NOK\">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
	"      <RltdPties><Dbtr><Pty><Nm>Ola Nordmann</Nm></Pty></Dbtr></RltdPties>\n"
	"      <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>\n"
	"       <Ref>0000000422</Ref></CdtrRefInf></Strd></RmtInf>\n"
	"     </TxDtls>\n"
	"     <TxDtls>\n"
	"      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>\n"
	"      <x:Amt Ccy=\"NOK\">999.00</x:Amt>\n"
	"      <AmtDtls><TxAmt><Amt Ccy=\"NOK\">500</Amt></TxAmt></AmtDtls>\n"
	"      <RmtInf>\n"
	"       <Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>OTHER</Prtry></CdOrPrtry></Tp>\n"
	"        <Ref>abc</Ref></CdtrRefInf></Strd>\n"
	"       <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>\n"
	"        <Ref>12345678903</Ref></CdtrRefInf></Strd>\n"
	"      </RmtInf>\n"
	"     </TxDtls>\n"
	"    </NtryDtls>\n"
	"    <NtryDtls>\n"
	"     <TxDtls><Amt Ccy=\"NOK\">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>\n"
	"     <TxDtls><Amt Ccy=\"NOK\">0.5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
	"      <RmtInf><Ustrd>  KID 1234574  </Ustrd></RmtInf></TxDtls>\n"
	"    </NtryDtls>\n"
	"   </Ntry>\n"
	"   <Ntry>\n"
	"    <Amt Ccy=\"JPY\">1500</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>\n"
	"    <Sts><Cd>PDNG</Cd></Sts><BookgDt><DtTm>2024-03-04T00:00:00Z</DtTm></BookgDt>\n"
	"   </Ntry>\n"
	"   <Ntry><Amt Ccy=\"NOK\">99.99</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>\n"
	"  </Ntfctn>\n"
	"  <Ntfctn>\n"
	"   <Id>NTF-2</Id>\n"
	"   <Acct><Id><Othr><Id>12345678903</Id></Othr></Id></Acct>\n"
	"   <Ntry><Amt Ccy=\"EUR\">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\n"
	"    <NtryDtls><TxDtls><Refs><EndToEndId>E2E-9</EndToEndId></Refs>\n"
	"     <RltdPties><Dbtr><Pty><Nm>K&amp;K AB</Nm></Pty></Dbtr></RltdPties>\n"
	"    </TxDtls></NtryDtls></Ntry>\n"
	"  </Ntfctn>\n"
	" </BkToCstmrDbtCdtNtfctn>\n"
	"</Document>\n";

static void test_v8_synthetic(void **state)
{
	struct camt054 *d = parse_ok(V8_DOC, strlen(V8_DOC));
	const struct camt054_tx *t;
	(void)state;

	assert_int_equal(d->version, CAMT054_V08);
	assert_string_equal(d->msg_id, "MSG-1");
	assert_int_equal(d->created, INT64_C(1709284530));
	assert_int_equal(d->n_notifications, 2);
	assert_int_equal(d->n_entries, 4);
	assert_int_equal(d->n_tx, 5);
	assert_int_equal(d->n_debits, 2);

	assert_string_equal(d->notifications[0].id, "NTF-1");
	assert_true(d->notifications[0].has_created);
	assert_int_equal(d->notifications[0].created, INT64_C(1709284530)); /* no offset: UTC */
	assert_string_equal(d->notifications[0].iban, "NO9386011117947");
	assert_string_equal(d->notifications[0].account_currency, "NOK");
	assert_int_equal(d->notifications[0].n_entries, 3);
	assert_int_equal(d->notifications[0].n_credits, 4);
	assert_int_equal(d->notifications[0].n_debits, 2);
	assert_string_equal(d->notifications[1].id, "NTF-2");
	assert_false(d->notifications[1].has_created);
	assert_null(d->notifications[1].iban);
	assert_string_equal(d->notifications[1].account_other_id, "12345678903");
	assert_int_equal(d->notifications[1].n_entries, 1);
	assert_int_equal(d->notifications[1].n_credits, 1);
	assert_int_equal(d->notifications[1].n_debits, 0);

	/* entry 1, TxDtls 1: everything at the transaction level */
	t = &d->tx[0];
	assert_int_equal(t->notification, 0);
	assert_int_equal(t->entry, 0);
	assert_int_equal(t->tx_index, 0);
	assert_int_equal(t->entry_tx_count, 4);
	assert_int_equal(t->amount, 100000);
	assert_string_equal(t->currency->code, "NOK");
	assert_string_equal(t->status, "BOOK");
	assert_int_equal(t->booking_date, INT64_C(1709251200));
	assert_int_equal(t->value_date, INT64_C(1709249400)); /* 00:30+01:00 */
	assert_string_equal(t->acct_svcr_ref, "TX-1");
	assert_string_equal(t->entry_acct_svcr_ref, "BANKREF-1");
	assert_string_equal(t->end_to_end_id, "E2E-1");
	assert_string_equal(t->uetr, "8a562c67-ca16-48ba-b074-65581be6f001");
	assert_string_equal(t->debtor_name, "Ola Nordmann");
	assert_string_equal(t->creditor_ref, "0000000422");
	assert_null(t->unstructured);

	/* TxDtls 2: AmtDtls amount (the foreign-namespace x:Amt is ignored);
	 * the SCOR reference wins over the proprietary one before it */
	t = &d->tx[1];
	assert_int_equal(t->tx_index, 1);
	assert_int_equal(t->amount, 50000);
	assert_string_equal(t->end_to_end_id, "NOTPROVIDED");
	assert_null(t->acct_svcr_ref);
	assert_string_equal(t->entry_acct_svcr_ref, "BANKREF-1");
	assert_int_equal(t->n_refs, 2);
	assert_string_equal(t->refs[0].ref, "abc");
	assert_string_equal(t->refs[0].type, "OTHER");
	assert_true(t->refs[0].proprietary);
	assert_string_equal(t->creditor_ref, "12345678903");
	assert_null(t->debtor_name);

	/* second NtryDtls: TxDtls 3 is a debit (counted), TxDtls 4 a credit */
	t = &d->tx[2];
	assert_int_equal(t->tx_index, 3);
	assert_int_equal(t->amount, 50);
	assert_null(t->creditor_ref);
	assert_string_equal(t->unstructured, "KID 1234574");

	/* entry 2: no details, the entry is the transaction; a reversal in JPY */
	t = &d->tx[3];
	assert_int_equal(t->entry, 1);
	assert_int_equal(t->entry_tx_count, 0);
	assert_int_equal(t->amount, 1500);
	assert_string_equal(t->currency->code, "JPY");
	assert_true(t->reversal);
	assert_string_equal(t->status, "PDNG");
	assert_int_equal(t->booking_date, INT64_C(1709510400));
	assert_false(t->has_value_date);
	assert_null(t->end_to_end_id);

	/* second notification: single TxDtls without amount takes the entry's */
	t = &d->tx[4];
	assert_int_equal(t->notification, 1);
	assert_int_equal(t->entry, 0);
	assert_int_equal(t->amount, 1234);
	assert_string_equal(t->currency->code, "EUR");
	assert_string_equal(t->end_to_end_id, "E2E-9");
	assert_string_equal(t->debtor_name, "K&K AB");
	camt054_free(d);
}

/* 001.02 with a namespace prefix, Sts as text, Dbtr/Nm, AmtDtls amounts. */
static const char V2_PREFIXED[] =
	"<?xml version=\"1.0\"?>\n"
	"<c:Document xmlns:c=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">\n"
	"<c:BkToCstmrDbtCdtNtfctn>\n"
	"<c:GrpHdr><c:MsgId>M2</c:MsgId><c:CreDtTm>2024-03-01T09:15:30.123+00:00</c:CreDtTm></c:GrpHdr>\n"
	"<c:Ntfctn><c:Id>N2</c:Id><c:Acct><c:Id><c:IBAN>SE4550000000058398257466</c:IBAN></c:Id></c:Acct>\n"
	"<c:Ntry><c:Amt Ccy=\"SEK\">300.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Sts>BOOK</c:Sts>\n"
	"<c:BookgDt><c:Dt>2024-03-01</c:Dt></c:BookgDt><c:ValDt><c:Dt>2024-03-01+01:00</c:Dt></c:ValDt>\n"
	"<c:AcctSvcrRef>SEB-77</c:AcctSvcrRef>\n"
	"<c:NtryDtls>\n"
	"<c:TxDtls><c:AmtDtls><c:TxAmt><c:Amt Ccy=\"SEK\">100</c:Amt></c:TxAmt></c:AmtDtls>\n"
	"<c:RltdPties><c:Dbtr><c:Nm>Sven Svensson</c:Nm></c:Dbtr></c:RltdPties>\n"
	"<c:RmtInf><c:Strd><c:CdtrRefInf><c:Ref>1234574</c:Ref></c:CdtrRefInf></c:Strd></c:RmtInf></c:TxDtls>\n"
	"<c:TxDtls><c:AmtDtls><c:TxAmt><c:Amt Ccy=\"SEK\">200.00</c:Amt></c:TxAmt></c:AmtDtls>\n"
	"<c:RmtInf><c:Ustrd><![CDATA[OCR 6408233234]]></c:Ustrd></c:RmtInf></c:TxDtls>\n"
	"</c:NtryDtls></c:Ntry></c:Ntfctn>\n"
	"</c:BkToCstmrDbtCdtNtfctn></c:Document>\n";

static void test_v2_prefixed(void **state)
{
	struct camt054 *d = parse_ok(V2_PREFIXED, strlen(V2_PREFIXED));
	(void)state;
	assert_int_equal(d->version, CAMT054_V02);
	assert_string_equal(d->msg_id, "M2");
	assert_int_equal(d->created, INT64_C(1709284530)); /* fraction truncated */
	assert_string_equal(d->notifications[0].iban, "SE4550000000058398257466");
	assert_int_equal(d->n_tx, 2);
	assert_int_equal(d->tx[0].amount, 10000);
	assert_string_equal(d->tx[0].currency->code, "SEK");
	assert_string_equal(d->tx[0].status, "BOOK");
	assert_int_equal(d->tx[0].booking_date, INT64_C(1709251200));
	assert_int_equal(d->tx[0].value_date, INT64_C(1709251200)); /* zone of a date dropped */
	assert_string_equal(d->tx[0].debtor_name, "Sven Svensson");
	assert_string_equal(d->tx[0].creditor_ref, "1234574"); /* untyped: the first */
	assert_null(d->tx[0].refs[0].type);
	assert_string_equal(d->tx[0].entry_acct_svcr_ref, "SEB-77");
	assert_int_equal(d->tx[1].amount, 20000);
	assert_int_equal(d->tx[1].tx_index, 1);
	assert_string_equal(d->tx[1].unstructured, "OCR 6408233234");
	assert_null(d->tx[1].creditor_ref);
	camt054_free(d);
}

/* ---- refusals ------------------------------------------------------------ */

/* Builds a 001.08 document around one entry's inner XML. */
static char *doc_with_entry(const char *entry)
{
	static const char head[] =
		"<?xml version=\"1.0\"?>\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">\n"
		"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr>\n"
		"<Ntfctn><Id>N</Id>\n"
		"<Ntry><Amt Ccy=\"NOK\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>\n"
		"<Ntry>\n";
	static const char tail[] = "\n</Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n";
	size_t n = strlen(head) + strlen(entry) + strlen(tail) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%s%s%s", head, entry, tail);
	return s;
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *entry;
		const char *where;
		const char *what;
	} cases[] = {
		/* too many decimals */
		{"<Amt Ccy=\"NOK\">1.234</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt (line 7)", "Invalid amount '1.234'"},
		{"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
		 "<NtryDtls><TxDtls><Amt Ccy=\"CHF\">3.105</Amt></TxDtls></NtryDtls>",
		 "Ntfctn[1]/Ntry[2]/NtryDtls[1]/TxDtls[1]/Amt (line 8)", "'3.105'"},
		{"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
		 "<NtryDtls><TxDtls><CdtDbtInd>DBIT</CdtDbtInd></TxDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy=\"JPY\">100.5</Amt>"
		 "</TxAmt></AmtDtls></TxDtls></NtryDtls>",
		 "Ntfctn[1]/Ntry[2]/NtryDtls[1]/TxDtls[2]/AmtDtls/TxAmt/Amt (line 8)",
		 "JPY has 0 decimals"},
		/* currency */
		{"<Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt (line 7)", "no Ccy attribute"},
		{"<Amt Ccy=\"\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "currency '' is not"},
		{"<Amt Ccy=\"XYZ\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "currency 'XYZ' is not"},
		{"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
		 "<NtryDtls><TxDtls><Amt>3.10</Amt></TxDtls></NtryDtls>",
		 "TxDtls[1]/Amt (line 8)", "no Ccy attribute"},
		/* other amount shapes */
		{"<Amt Ccy=\"NOK\">-1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "has a sign"},
		{"<Amt Ccy=\"NOK\">+1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "has a sign"},
		{"<Amt Ccy=\"NOK\">  </Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "the amount is empty"},
		{"<Amt Ccy=\"NOK\">1,00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "Invalid amount '1,00'"},
		{"<Amt Ccy=\"NOK\">1e3</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "Invalid amount '1e3'"},
		{"<Amt Ccy=\"NOK\">100000000000000000000</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "too large"},
		{"<Amt Ccy=\"NOK\">10000000000000.01</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/Amt", "beyond what recur accepts"},
		/* structure */
		{"<CdtDbtInd>CRDT</CdtDbtInd>", "Ntfctn[1]/Ntry[2] (line 6)", "no Amt"},
		{"<Amt Ccy=\"NOK\">1</Amt>", "Ntfctn[1]/Ntry[2] (line 6)", "no CdtDbtInd"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRED</CdtDbtInd>",
		 "Ntfctn[1]/Ntry[2]/CdtDbtInd (line 7)", "expected CRDT or DBIT, not 'CRED'"},
		{"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>DBIT</CdtDbtInd>\n"
		 "<NtryDtls><TxDtls><CdtDbtInd>X</CdtDbtInd></TxDtls></NtryDtls>",
		 "Ntfctn[1]/Ntry[2]/NtryDtls[1]/TxDtls[1]/CdtDbtInd (line 8)", "not 'X'"},
		{"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
		 "<NtryDtls><TxDtls/></NtryDtls><NtryDtls><TxDtls/></NtryDtls>",
		 "Ntfctn[1]/Ntry[2]/NtryDtls[1]/TxDtls[1] (line 8)", "entry of 2 transactions"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>yes</RvslInd>",
		 "Ntfctn[1]/Ntry[2]/RvslInd", "expected true or false"},
		/* dates */
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-02-30</Dt></BookgDt>",
		 "Ntfctn[1]/Ntry[2]/BookgDt/Dt (line 7)", "no such day"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2024-03-01T10:00:00Z</Dt></ValDt>",
		 "Ntfctn[1]/Ntry[2]/ValDt/Dt", "expected a date YYYY-MM-DD"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><DtTm>2024-03-01</DtTm></BookgDt>",
		 "Ntfctn[1]/Ntry[2]/BookgDt/DtTm", "expected a date-time"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><DtTm>2024-03-01T25:00:00Z</DtTm></BookgDt>",
		 "Ntfctn[1]/Ntry[2]/BookgDt/DtTm", "out of range"},
		{"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt></BookgDt>",
		 "Ntfctn[1]/Ntry[2]/BookgDt", "neither Dt nor DtTm"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < N(cases); i++) {
		char *xml = doc_with_entry(cases[i].entry);
		struct camt054 *d = NULL;
		struct recur_err e;
		int rc;
		err_clear(&e);
		rc = camt054_parse(&d, xml, strlen(xml), &e);
		if (rc != RECUR_EINVAL)
			fail_msg("case %zu: rc %d, want RECUR_EINVAL", i, rc);
		assert_null(d);
		assert_int_equal(e.status, 400);
		assert_string_equal(e.param, "file");
		if (!strstr(e.message, cases[i].where) || !strstr(e.message, cases[i].what))
			fail_msg("case %zu: message '%s' lacks '%s' or '%s'", i, e.message,
				 cases[i].where, cases[i].what);
		free(xml);
	}

	/* text caps: 1024 bytes pass (trimmed of white space), 1025 do not */
	{
		static const char pre[] =
			"<Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><AcctSvcrRef> ";
		char entry[sizeof(pre) + CAMT054_MAX_TEXT + 64];
		struct camt054 *d = NULL;
		struct recur_err e;
		char *xml;
		size_t n = sizeof(pre) - 1;

		memcpy(entry, pre, n);
		memset(entry + n, 'x', CAMT054_MAX_TEXT);
		snprintf(entry + n + CAMT054_MAX_TEXT, 64, " </AcctSvcrRef>");
		xml = doc_with_entry(entry);
		d = parse_ok(xml, strlen(xml));
		assert_int_equal(strlen(d->tx[0].entry_acct_svcr_ref), CAMT054_MAX_TEXT);
		camt054_free(d);
		free(xml);
		d = NULL;

		snprintf(entry + n + CAMT054_MAX_TEXT, 64, "x</AcctSvcrRef>");
		xml = doc_with_entry(entry);
		err_clear(&e);
		assert_int_equal(camt054_parse(&d, xml, strlen(xml), &e), RECUR_EINVAL);
		assert_null(d);
		assert_non_null(strstr(e.message, "Ntfctn[1]/Ntry[2]/AcctSvcrRef (line 7)"));
		assert_non_null(strstr(e.message, "text of 1025 bytes; at most 1024"));
		free(xml);
	}
}

/* A debit amount or a debit TxDtls is never looked into beyond its direction. */
static void test_debits_skipped(void **state)
{
	char *xml = doc_with_entry(
		"<Amt Ccy=\"NOK\">5</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
		"<NtryDtls><TxDtls><CdtDbtInd>DBIT</CdtDbtInd><Amt Ccy=\"NOK\">1.999</Amt></TxDtls>"
		"<TxDtls><Amt Ccy=\"NOK\">5</Amt></TxDtls></NtryDtls>");
	struct camt054 *d = parse_ok(xml, strlen(xml));
	(void)state;
	assert_int_equal(d->n_entries, 2);
	assert_int_equal(d->n_debits, 2); /* the first entry and the first TxDtls */
	assert_int_equal(d->n_tx, 1);
	assert_int_equal(d->tx[0].amount, 500);
	assert_int_equal(d->tx[0].tx_index, 1);
	assert_int_equal(d->tx[0].entry, 1);
	camt054_free(d);
	free(xml);
}

static void test_malformed(void **state)
{
	(void)state;
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">"
		     "<BkToCstmrDbtCdtNtfctn>",
		     RECUR_EINVAL, "not well-formed XML (line 1)");
	EXPECT_ERROR("<?xml version=\"1.0\"?>\n<Document>\n<a></b>\n</Document>",
		     RECUR_EINVAL, "not well-formed XML (line 3)", "mismatch");
	EXPECT_ERROR("not xml at all", RECUR_EINVAL, "not well-formed XML");
	EXPECT_ERROR("<?xml version=\"1.0\"?>", RECUR_EINVAL, "not well-formed XML");
	EXPECT_ERROR("<a>\x01</a>", RECUR_EINVAL, "not well-formed XML");
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">"
		     "&undefined;</Document>",
		     RECUR_EINVAL, "not well-formed XML");
	/* camt.054 without the message */
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\"/>",
		     RECUR_EINVAL, "no BkToCstmrDbtCdtNtfctn");
	{
		struct camt054 *d = NULL;
		struct recur_err e;
		err_clear(&e);
		assert_int_equal(camt054_parse(&d, "", 0, &e), RECUR_EINVAL);
		assert_non_null(strstr(e.message, "the file is empty"));
		assert_int_equal(camt054_parse(&d, NULL, 10, &e), RECUR_EINVAL);
		assert_null(d);
		/* without an error struct */
		assert_int_equal(camt054_parse(&d, "<x", 2, NULL), RECUR_EINVAL);
		assert_null(d);
	}
	camt054_free(NULL);
}

static void test_not_camt054(void **state)
{
	(void)state;
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		     "<BkToCstmrStmt/></Document>",
		     RECUR_EINVAL, "not a camt.054 bank notification",
		     "namespace 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'");
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"/>",
		     RECUR_EINVAL, "not a camt.054 bank notification");
	EXPECT_ERROR("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.04\">"
		     "<BkToCstmrDbtCdtNtfctn/></Document>",
		     RECUR_EINVAL, "version 001.04 is not supported");
	EXPECT_ERROR("<Document><BkToCstmrDbtCdtNtfctn/></Document>", RECUR_EINVAL,
		     "namespace '(none)'");
	EXPECT_ERROR("<html><body>camt.054</body></html>", RECUR_EINVAL,
		     "root element 'html'");
	EXPECT_ERROR("<Invoice xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"/>",
		     RECUR_EINVAL, "the root element is 'Invoice', not Document");
}

/* ---- XXE and entity expansion ------------------------------------------- */

static int loader_calls;
static xmlExternalEntityLoader default_loader;

static xmlParserInputPtr spy_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	loader_calls++;
	return default_loader(url, id, ctxt);
}

static void test_xxe(void **state)
{
	static const char *const docs[] = {
		/* classic XXE: an external entity naming a local file */
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">\n"
		"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr>\n"
		"</BkToCstmrDbtCdtNtfctn></Document>\n",
		/* an external DTD over the network */
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE Document SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"/>\n",
		/* a parameter entity pulling in a local file */
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE Document [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]>\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"/>\n",
		/* billion laughs */
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE Document [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">"
		"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&d;&d;&d;&d;</MsgId></GrpHdr>"
		"</BkToCstmrDbtCdtNtfctn></Document>\n",
		/* a DOCTYPE with nothing in it is refused too */
		"<!DOCTYPE Document>\n"
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">"
		"<BkToCstmrDbtCdtNtfctn/></Document>\n",
	};
	size_t i;
	(void)state;

	default_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(spy_loader);
	loader_calls = 0;
	for (i = 0; i < N(docs); i++) {
		struct camt054 *d = NULL;
		struct recur_err e;
		int rc;
		err_clear(&e);
		rc = camt054_parse(&d, docs[i], strlen(docs[i]), &e);
		if (rc != RECUR_EINVAL)
			fail_msg("doc %zu: rc %d (%s)", i, rc, e.message);
		assert_null(d);
		if (!strstr(e.message, "DOCTYPE"))
			fail_msg("doc %zu: message '%s'", i, e.message);
		assert_null(strstr(e.message, "root:"));
	}
	xmlSetExternalEntityLoader(default_loader);
	assert_int_equal(loader_calls, 0); /* nothing was even asked for */
}

/* ---- limits --------------------------------------------------------------- */

static void test_size_limits(void **state)
{
	struct camt054 *d = NULL;
	struct recur_err e;
	char *big;
	size_t i, n, off;
	static const char head[] =
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">"
		"<BkToCstmrDbtCdtNtfctn><Ntfctn>";
	static const char ntry[] =
		"<Ntry><Amt Ccy=\"NOK\">1</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>\n";
	static const char tail[] = "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";
	(void)state;

	/* over the byte cap: refused before parsing */
	big = calloc(1, CAMT054_MAX_BYTES + 1);
	assert_non_null(big);
	err_clear(&e);
	assert_int_equal(camt054_parse(&d, big, CAMT054_MAX_BYTES + 1, &e), RECUR_ETOOBIG);
	assert_int_equal(e.status, 413);
	assert_string_equal(e.param, "file");
	assert_non_null(strstr(e.message, "at most 16777216"));
	assert_null(d);
	free(big);

	/* one entry over the entry cap */
	n = CAMT054_MAX_ENTRIES + 1;
	big = malloc(sizeof(head) + n * (sizeof(ntry) - 1) + sizeof(tail));
	assert_non_null(big);
	off = 0;
	memcpy(big, head, sizeof(head) - 1);
	off += sizeof(head) - 1;
	for (i = 0; i < n; i++) {
		memcpy(big + off, ntry, sizeof(ntry) - 1);
		off += sizeof(ntry) - 1;
	}
	memcpy(big + off, tail, sizeof(tail));
	off += sizeof(tail) - 1;
	err_clear(&e);
	assert_int_equal(camt054_parse(&d, big, off, &e), RECUR_ETOOBIG);
	assert_int_equal(e.status, 413);
	assert_non_null(strstr(e.message, "Ntfctn[1]/Ntry (line 100001)"));
	assert_non_null(strstr(e.message, "more than 100000 entries"));
	assert_null(d);

	/* exactly at the cap is fine */
	memcpy(big + off - (sizeof(ntry) - 1) - (sizeof(tail) - 1), tail, sizeof(tail));
	off -= sizeof(ntry) - 1;
	d = parse_ok(big, off);
	assert_int_equal(d->n_entries, CAMT054_MAX_ENTRIES);
	assert_int_equal(d->n_debits, CAMT054_MAX_ENTRIES);
	camt054_free(d);
	free(big);
}

/* Many credit transactions: the array grows, every one is there in order. */
static void test_many_credits(void **state)
{
	static const char head[] =
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">"
		"<BkToCstmrDbtCdtNtfctn><Ntfctn>"
		"<Ntry><Amt Ccy=\"NOK\">0</Amt><CdtDbtInd>CRDT</CdtDbtInd><NtryDtls>";
	static const char tail[] = "</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";
	size_t n = 5000, i, off = 0, cap = 200 * 5000;
	char *xml = malloc(cap);
	struct camt054 *d;
	(void)state;
	assert_non_null(xml);
	off += (size_t)snprintf(xml + off, cap - off, "%s", head);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, cap - off,
					"<TxDtls><Amt Ccy=\"NOK\">%zu.%02zu</Amt>"
					"<RmtInf><Strd><CdtrRefInf><Ref>%zu</Ref></CdtrRefInf></Strd>"
					"</RmtInf></TxDtls>",
					i / 100, i % 100, i);
	off += (size_t)snprintf(xml + off, cap - off, "%s", tail);
	assert_true(off < cap);
	d = parse_ok(xml, off);
	assert_int_equal(d->n_tx, n);
	for (i = 0; i < n; i++) {
		char ref[24];
		snprintf(ref, sizeof(ref), "%zu", i);
		assert_int_equal(d->tx[i].amount, (int64_t)i);
		assert_int_equal(d->tx[i].tx_index, i);
		assert_string_equal(d->tx[i].creditor_ref, ref);
	}
	camt054_free(d);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_v2),
		cmocka_unit_test(test_fixture_v2_account_name),
		cmocka_unit_test(test_fixture_v8),
		cmocka_unit_test(test_fixture_v8_uetr),
		cmocka_unit_test(test_v8_synthetic),
		cmocka_unit_test(test_v2_prefixed),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_debits_skipped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_camt054),
		cmocka_unit_test(test_xxe),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_many_credits),
	};
	camt054_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
