/*
 * payment_reference.c - see payment_reference.h.
 */
#include "billing/payment_reference.h"

#include "core/err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int fail(struct recur_err *e, int rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rc == RECUR_ECONFLICT)
		return err_set(e, rc, 409, "invalid_request_error",
			       "payment_reference_unusable", NULL, "%s", msg);
	return err_set(e, rc, 400, "invalid_request_error", "parameter_invalid",
		       NULL, "%s", msg);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The shortest reference a format allows: one base digit plus its suffix. */
static unsigned suffix_len(const struct billing_payref_format *f)
{
	return f->kind == BILLING_PAYREF_OCR && f->length_digit ? 2 : 1;
}

int billing_payref_format_check(const struct billing_payref_format *f,
				struct recur_err *e)
{
	unsigned min;

	if (!f)
		return fail(e, RECUR_EINVAL, "No payment reference format given.");
	if (f->kind != BILLING_PAYREF_KID_MOD10 &&
	    f->kind != BILLING_PAYREF_KID_MOD11 && f->kind != BILLING_PAYREF_OCR)
		return fail(e, RECUR_EINVAL, "Unknown payment reference kind %d.",
			    (int)f->kind);
	if (f->length_digit && f->kind != BILLING_PAYREF_OCR)
		return fail(e, RECUR_EINVAL,
			    "A length digit is only defined for OCR references.");
	if (f->mod11_no_dash && f->kind != BILLING_PAYREF_KID_MOD11)
		return fail(e, RECUR_EINVAL,
			    "mod11_no_dash only applies to MOD11 KID references.");
	min = suffix_len(f) + 1;
	if (min < BILLING_PAYREF_MIN_LEN)
		min = BILLING_PAYREF_MIN_LEN;
	if (f->length != 0 && (f->length < min || f->length > BILLING_PAYREF_MAX_LEN))
		return fail(e, RECUR_EINVAL,
			    "A %s reference must be %u to %d characters long, not %u.",
			    billing_payref_kind_name(f->kind), min,
			    BILLING_PAYREF_MAX_LEN, f->length);
	return 0;
}

static const char *const kind_names[] = {
	[BILLING_PAYREF_KID_MOD10] = "kid_mod10",
	[BILLING_PAYREF_KID_MOD11] = "kid_mod11",
	[BILLING_PAYREF_OCR] = "ocr",
};

int billing_payref_kind_parse(enum billing_payref_kind *out, const char *s)
{
	size_t i;

	if (!s)
		return RECUR_EINVAL;
	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum billing_payref_kind)i;
			return 0;
		}
	}
	return RECUR_EINVAL;
}

const char *billing_payref_kind_name(enum billing_payref_kind k)
{
	if ((unsigned)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "";
	return kind_names[k];
}

/*
 * Luhn (ISO/IEC 7812-1 Annex B; Nets "MOD10"; Bankgirot "10-modulen"):
 * from the rightmost digit leftwards, weights 2,1,2,1,...; a product of two
 * digits contributes the sum of its digits; the check digit brings the total
 * up to a multiple of ten.
 */
int billing_payref_mod10(const char *digits, size_t n)
{
	unsigned sum = 0;
	size_t i;

	if (!digits || n == 0)
		return RECUR_EINVAL;
	for (i = 0; i < n; i++) {
		char c = digits[n - 1 - i];
		unsigned d;

		if (!is_digit(c))
			return RECUR_EINVAL;
		d = (unsigned)(c - '0');
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9; /* 1 + (d - 10): the sum of its two digits */
		}
		sum += d;
	}
	return '0' + (int)((10 - sum % 10) % 10);
}

/*
 * Nets MOD11: weights 2,3,4,5,6,7 repeating from the rightmost digit
 * leftwards; check = 11 - (sum mod 11); 11 is written 0 and 10 is written '-'.
 */
int billing_payref_mod11(const char *digits, size_t n)
{
	unsigned sum = 0, r;
	size_t i;

	if (!digits || n == 0)
		return RECUR_EINVAL;
	for (i = 0; i < n; i++) {
		char c = digits[n - 1 - i];

		if (!is_digit(c))
			return RECUR_EINVAL;
		sum += (unsigned)(c - '0') * (unsigned)(2 + i % 6);
	}
	r = sum % 11;
	if (r == 0)
		return '0';
	if (r == 1)
		return '-';
	return '0' + (int)(11 - r);
}

static int check_char(enum billing_payref_kind k, const char *digits, size_t n)
{
	return k == BILLING_PAYREF_KID_MOD11 ? billing_payref_mod11(digits, n)
					     : billing_payref_mod10(digits, n);
}

int billing_payref_generate(char *out, size_t cap,
			    const struct billing_payref_format *f,
			    const char *base, struct recur_err *e)
{
	char tmp[BILLING_PAYREF_SIZE];
	size_t blen, total, width, pad, i;
	int rc, c;

	if (out && cap > 0)
		out[0] = '\0';
	rc = billing_payref_format_check(f, e);
	if (rc < 0)
		return rc;
	if (!base || !base[0])
		return fail(e, RECUR_EINVAL, "A payment reference needs a base number.");
	blen = strnlen(base, BILLING_PAYREF_MAX_LEN + 1);
	for (i = 0; i < blen; i++)
		if (!is_digit(base[i]))
			return fail(e, RECUR_EINVAL,
				    "A payment reference's base number must be digits only "
				    "(character %zu is not).", i + 1);
	/* Width of the base part: the fixed length less the suffix, or natural. */
	width = f->length ? f->length - suffix_len(f) : blen;
	total = width + suffix_len(f);
	if (blen > width || total > BILLING_PAYREF_MAX_LEN)
		return fail(e, RECUR_EINVAL,
			    "The base number %.*s%s does not fit a %s reference of %s %u characters.",
			    (int)(blen > 30 ? 30 : blen), base, blen > 30 ? "..." : "",
			    billing_payref_kind_name(f->kind),
			    f->length ? "exactly" : "at most",
			    f->length ? f->length : (unsigned)BILLING_PAYREF_MAX_LEN);
	if (total < BILLING_PAYREF_MIN_LEN) /* a one-digit base with a lone check digit */
		return fail(e, RECUR_EINVAL,
			    "A payment reference is at least %d characters long.",
			    BILLING_PAYREF_MIN_LEN);

	pad = width - blen;
	memset(tmp, '0', pad);
	memcpy(tmp + pad, base, blen);
	i = width;
	if (f->kind == BILLING_PAYREF_OCR && f->length_digit)
		tmp[i++] = (char)('0' + total % 10);
	c = check_char(f->kind, tmp, i);
	if (c < 0) /* cannot happen: tmp is all digits */
		return e ? err_internal(e, "Check digit computation failed.") : RECUR_EINTERNAL;
	if (c == '-' && f->mod11_no_dash)
		return fail(e, RECUR_ECONFLICT,
			    "The MOD11 check digit of %.*s would be '-', which this "
			    "tenant does not issue; use the next number.",
			    (int)i, tmp);
	tmp[i++] = (char)c;
	tmp[i] = '\0';
	if (!out || cap <= i)
		return fail(e, RECUR_ETOOBIG,
			    "The payment reference needs %zu bytes of buffer.", i + 1);
	memcpy(out, tmp, i + 1);
	return 0;
}

int billing_payref_from_number(char *out, size_t cap,
			       const struct billing_payref_format *f,
			       uint64_t n, struct recur_err *e)
{
	char base[24];

	snprintf(base, sizeof(base), "%" PRIu64, n);
	return billing_payref_generate(out, cap, f, base, e);
}

int billing_payref_compose(char *out, size_t cap,
			   const struct billing_payref_format *f,
			   uint64_t customer, unsigned customer_width,
			   uint64_t invoice, struct recur_err *e)
{
	char base[64], inv[24];
	int n;
	size_t ilen, iwidth;

	if (out && cap > 0)
		out[0] = '\0';
	n = billing_payref_format_check(f, e);
	if (n < 0)
		return n;
	if (customer_width < 1 || customer_width > BILLING_PAYREF_MAX_LEN - 1)
		return fail(e, RECUR_EINVAL,
			    "The customer number's width must be 1 to %d digits, not %u.",
			    BILLING_PAYREF_MAX_LEN - 1, customer_width);
	n = snprintf(base, sizeof(base), "%0*" PRIu64, (int)customer_width, customer);
	if (n < 0 || (unsigned)n > customer_width)
		return fail(e, RECUR_EINVAL,
			    "Customer number %" PRIu64 " needs more than %u digits.",
			    customer, customer_width);
	snprintf(inv, sizeof(inv), "%" PRIu64, invoice);
	ilen = strlen(inv);
	iwidth = ilen;
	if (f->length) {
		size_t room = f->length - suffix_len(f);
		if (room < customer_width + ilen)
			return fail(e, RECUR_EINVAL,
				    "Customer number %" PRIu64 " (%u digits) and invoice number "
				    "%" PRIu64 " do not fit a %s reference of %u characters.",
				    customer, customer_width, invoice,
				    billing_payref_kind_name(f->kind), f->length);
		iwidth = room - customer_width;
	}
	if (customer_width + iwidth + 1 > sizeof(base))
		return fail(e, RECUR_EINVAL, "The reference would be too long.");
	memset(base + customer_width, '0', iwidth - ilen);
	memcpy(base + customer_width + (iwidth - ilen), inv, ilen + 1);
	return billing_payref_generate(out, cap, f, base, e);
}

/* Shows at most 30 characters of untrusted input, non-printables as '?'. */
static void echo(char *dst, size_t cap, const char *s)
{
	size_t i = 0;

	for (; *s && i + 4 < cap && i < 30; s++)
		dst[i++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
	if (*s && i + 4 <= cap) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

int billing_payref_validate(const struct billing_payref_format *f,
			    const char *ref, struct recur_err *e)
{
	char shown[40];
	const char *kind;
	size_t n, i;
	int rc, c;

	rc = billing_payref_format_check(f, e);
	if (rc < 0)
		return rc;
	kind = f->kind == BILLING_PAYREF_OCR ? "OCR reference" : "KID";
	if (!ref || !ref[0])
		return fail(e, RECUR_EINVAL, "No %s given.", kind);
	echo(shown, sizeof(shown), ref);
	n = strnlen(ref, BILLING_PAYREF_MAX_LEN + 1);
	if (n > BILLING_PAYREF_MAX_LEN)
		return fail(e, RECUR_EINVAL, "%s '%s' is too long: at most %d characters.",
			    kind, shown, BILLING_PAYREF_MAX_LEN);
	for (i = 0; i < n; i++) {
		if (is_digit(ref[i]))
			continue;
		if (ref[i] == '-' && i == n - 1 && f->kind == BILLING_PAYREF_KID_MOD11)
			continue;
		return fail(e, RECUR_EINVAL,
			    "%s '%s' has a character that is not a digit at position %zu.",
			    kind, shown, i + 1);
	}
	if (n < suffix_len(f) + 1 || n < BILLING_PAYREF_MIN_LEN)
		return fail(e, RECUR_EINVAL, "%s '%s' is too short.", kind, shown);
	if (f->length && n != f->length)
		return fail(e, RECUR_EINVAL, "%s '%s' has %zu characters; expected %u.",
			    kind, shown, n, f->length);
	if (f->kind == BILLING_PAYREF_OCR && f->length_digit &&
	    ref[n - 2] != (char)('0' + n % 10))
		return fail(e, RECUR_EINVAL,
			    "%s '%s' has the wrong length digit: %c, but it has %zu digits.",
			    kind, shown, ref[n - 2], n);
	c = check_char(f->kind, ref, n - 1);
	if (c < 0 || ref[n - 1] != (char)c)
		return fail(e, RECUR_EINVAL, "%s '%s' has the wrong check digit.", kind,
			    shown);
	return 0;
}
