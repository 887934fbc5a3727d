/*
 * payment_reference.h - payment references for bank transfers: the Norwegian
 * KID and the Swedish OCR reference (Bankgirot "OCR-referens").
 *
 * An invoice paid by bank transfer carries a short number the payer types
 * into the online bank; the bank returns it in the camt.054 notification
 * (RmtInf/Strd/CdtrRefInf/Ref), and recur matches the payment to the invoice
 * by it. The number ends in a check digit so that a mistyped reference is
 * refused by the payer's bank instead of arriving unmatched.
 *
 *   KID MOD10  (Nets/Mastercard Payment Services, "KID-spesifikasjon"): 2-25
 *              characters, the last one a Luhn check digit over the rest.
 *   KID MOD11  The same, but the check digit is computed with weights
 *              2,3,4,5,6,7,2,3,... from the rightmost digit leftwards;
 *              c = 11 - (sum mod 11), where c = 11 is written '0' and c = 10
 *              (remainder 1) is written '-'. The Nets specification allows
 *              '-' as a MOD11 KID check digit, so recur generates and accepts
 *              it by default. Some payers' online banks do not let a '-' be
 *              typed, so a tenant may set mod11_no_dash: generation then
 *              refuses a number whose check digit would be '-'
 *              (RECUR_ECONFLICT), and the caller takes the next number.
 *              Roughly one number in eleven is affected.
 *   OCR        (Bankgirot, "OCR-referenskontroll"): 2-25 digits, the last a
 *              Luhn check digit. With the "variabel längd med längdsiffra"
 *              control the second-to-last digit is the length digit: the
 *              total number of digits, check and length digit included, mod
 *              10. The Luhn digit is computed over everything before it, the
 *              length digit included.
 *
 * A format may fix the total length; the base number is then padded with
 * leading zeros ("42" as a 10-character MOD10 KID is "0000000422"). A base
 * number that does not fit is an error, never truncated.
 *
 * Pure functions: no I/O, no allocation. Every string written is
 * NUL-terminated and at most BILLING_PAYREF_MAX_LEN characters, so a buffer
 * of BILLING_PAYREF_SIZE bytes always suffices.
 */
#ifndef RECUR_BILLING_PAYMENT_REFERENCE_H
#define RECUR_BILLING_PAYMENT_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct recur_err;

#define BILLING_PAYREF_MIN_LEN 2  /* KID and OCR alike */
#define BILLING_PAYREF_MAX_LEN 25 /* KID and OCR alike */
#define BILLING_PAYREF_SIZE (BILLING_PAYREF_MAX_LEN + 1)

enum billing_payref_kind {
	BILLING_PAYREF_KID_MOD10,
	BILLING_PAYREF_KID_MOD11,
	BILLING_PAYREF_OCR
};

/* A tenant's payment reference setting. Zero-initialised is MOD10 KID, any length. */
struct billing_payref_format {
	enum billing_payref_kind kind;
	/*
	 * Total length, check (and length) digit included: 0 means as long as
	 * the base number needs; otherwise BILLING_PAYREF_MIN_LEN (3 with a
	 * length digit) .. BILLING_PAYREF_MAX_LEN, and validation then requires
	 * exactly this length.
	 */
	unsigned length;
	bool length_digit;  /* OCR only: the Bankgirot length digit */
	bool mod11_no_dash; /* KID MOD11 only: never generate a '-' check digit */
};

/*
 * Checks a format: a known kind, a length in range, length_digit only for
 * OCR, mod11_no_dash only for MOD11 KID. RECUR_EINVAL otherwise (e filled if
 * not NULL).
 */
int billing_payref_format_check(const struct billing_payref_format *f,
				struct recur_err *e);

/*
 * "kid_mod10", "kid_mod11", "ocr" (the tenant setting's spelling) to the
 * kind, and back. parse: RECUR_EINVAL and *out untouched for anything else;
 * name: "" for an unknown value. Static strings.
 */
int billing_payref_kind_parse(enum billing_payref_kind *out, const char *s);
const char *billing_payref_kind_name(enum billing_payref_kind k);

/*
 * The check character for the n digits at `digits` (which need not be
 * NUL-terminated): the Luhn digit '0'..'9' for mod10; '0'..'9' or '-' for
 * mod11. RECUR_EINVAL if n is 0 or any of the n characters is not an ASCII
 * digit.
 */
int billing_payref_mod10(const char *digits, size_t n);
int billing_payref_mod11(const char *digits, size_t n);

/*
 * Writes the reference for the base number `base` (ASCII digits, at least
 * one, NUL-terminated) into out (cap bytes): base padded to the format's
 * length, then the length digit (OCR with length_digit), then the check
 * digit. Leading zeros in base are kept.
 *
 * Returns 0; RECUR_EINVAL for a bad format, an empty or non-digit base, or a
 * base too long for the format; RECUR_ECONFLICT for a MOD11 KID with
 * mod11_no_dash whose check digit would be '-' (take the next number);
 * RECUR_ETOOBIG if cap is too small (BILLING_PAYREF_SIZE always suffices).
 * On error out holds "" if cap > 0, and e is filled if not NULL.
 */
int billing_payref_generate(char *out, size_t cap,
			    const struct billing_payref_format *f,
			    const char *base, struct recur_err *e);

/* billing_payref_generate with the decimal digits of n as the base. */
int billing_payref_from_number(char *out, size_t cap,
			       const struct billing_payref_format *f,
			       uint64_t n, struct recur_err *e);

/*
 * A reference that carries both a customer and an invoice number, as many
 * Norwegian and Swedish billers lay out their KID/OCR: the customer number
 * zero-padded to customer_width digits (1..24), then the invoice number,
 * zero-padded to fill the format's length when it has one, else in its
 * natural width; then the length and check digits. The customer number is
 * thereby readable from a reference even when its invoice is unknown.
 * RECUR_EINVAL if the customer number needs more than customer_width digits
 * or the whole does not fit; otherwise as billing_payref_generate.
 */
int billing_payref_compose(char *out, size_t cap,
			   const struct billing_payref_format *f,
			   uint64_t customer, unsigned customer_width,
			   uint64_t invoice, struct recur_err *e);

/*
 * Checks that ref (NUL-terminated) is a valid reference of the format: only
 * digits (and, for MOD11 KID, '-' as the check character), a length of 2-25
 * (exactly f->length if set), the right length digit and the right check
 * digit. A MOD11 '-' is accepted even when the format has mod11_no_dash,
 * so references issued before the setting changed stay valid. No
 * normalisation: the caller strips spaces a bank or payer added.
 * Returns 0 or RECUR_EINVAL with a message saying what is wrong (e filled if
 * not NULL; e->param left empty for the caller).
 */
int billing_payref_validate(const struct billing_payref_format *f,
			    const char *ref, struct recur_err *e);

#endif
