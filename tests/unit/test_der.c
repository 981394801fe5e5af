/* der: one element at a time, strictly, over bytes in memory. */
#include <string.h>

#include "der.h"
#include "test.h"

/* Whether bytes read as exactly one element of this tag and body length. */
static bool one(const char *what, const unsigned char *p, size_t len, unsigned tag,
		size_t body_len)
{
	struct der in = { p, len };
	struct der_elem e;
	bool ok = der_next(&in, &e);

	if (ok)
		CHECK(e.tag == tag && e.body.len == body_len && e.whole.p == p &&
			      e.whole.len == len && in.len == 0,
		      "%s: tag %#x, body %zu, whole %zu, left %zu", what, e.tag, e.body.len,
		      e.whole.len, in.len);
	return ok;
}

static bool oid(const unsigned char *p, size_t len)
{
	return der_oid_valid((struct der){ p, len });
}

int main(void)
{
	static const unsigned char empty_seq[] = { 0x30, 0x00 };
	static const unsigned char short_form[] = { 0x04, 0x02, 'a', 'b' };
	static unsigned char long_form[3 + 200] = { 0x04, 0x81, 200 };
	static unsigned char two_bytes[4 + 300] = { 0x04, 0x82, 0x01, 0x2c };
	static const unsigned char long_too_small[] = { 0x04, 0x81, 0x02, 'a', 'b' };
	static const unsigned char leading_zero[] = { 0x04, 0x82, 0x00, 0x02, 'a', 'b' };
	static const unsigned char indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
	static const unsigned char five_bytes[] = { 0x04, 0x85, 1, 0, 0, 0, 0 };
	static const unsigned char high_tag[] = { 0x1f, 0x22, 0x00 };
	static const unsigned char beyond[] = { 0x04, 0x03, 'a', 'b' };
	static const unsigned char cut_header[] = { 0x04, 0x82, 0x01 };
	static const unsigned char two[] = { 0x02, 0x01, 0x05, 0x05, 0x00 };

	CHECK(one("empty SEQUENCE", empty_seq, sizeof empty_seq, 0x30, 0), "empty SEQUENCE");
	CHECK(one("short form", short_form, sizeof short_form, 0x04, 2), "short form");
	CHECK(one("long form", long_form, sizeof long_form, 0x04, 200), "long form");
	CHECK(one("two length bytes", two_bytes, sizeof two_bytes, 0x04, 300), "two bytes");
	CHECK(!one("", long_too_small, sizeof long_too_small, 0, 0), "long form below 0x80");
	CHECK(!one("", leading_zero, sizeof leading_zero, 0, 0), "length with a leading 0");
	CHECK(!one("", indefinite, sizeof indefinite, 0, 0), "indefinite length");
	CHECK(!one("", five_bytes, sizeof five_bytes, 0, 0), "5-byte length");
	CHECK(!one("", high_tag, sizeof high_tag, 0, 0), "high tag number");
	CHECK(!one("", beyond, sizeof beyond, 0, 0), "contents beyond the input");
	CHECK(!one("", cut_header, sizeof cut_header, 0, 0), "header cut");
	CHECK(!one("", two, 0, 0, 0), "nothing");

	struct der in = { two, sizeof two };
	struct der_elem e;
	CHECK(der_next(&in, &e) && e.tag == 0x02 && e.body.p[0] == 5 && in.len == 2,
	      "first of two");
	CHECK(der_next(&in, &e) && e.tag == 0x05 && e.body.len == 0 && in.len == 0,
	      "second of two");
	CHECK(!der_next(&in, &e), "then none");

	static const unsigned char client_auth[] = { 0x2b, 6, 1, 5, 5, 7, 3, 2 };
	static const unsigned char arc_0x80[] = { 0x2b, 0x80, 0x01 };
	static const unsigned char cut_arc[] = { 0x2b, 0x86 };
	static const unsigned char arc_31_bits[] = { 0x2b, 0x87, 0xff, 0xff, 0xff, 0x7f };
	static const unsigned char arc_32_bits[] = { 0x2b, 0x8f, 0xff, 0xff, 0xff, 0x7f };
	CHECK(oid(client_auth, sizeof client_auth), "clientAuth");
	CHECK(der_equals((struct der){ client_auth, 8 }, client_auth, 8), "equals");
	CHECK(!der_equals((struct der){ client_auth, 7 }, client_auth, 8), "shorter");
	CHECK(!oid(client_auth, 0), "empty OID");
	CHECK(!oid(arc_0x80, sizeof arc_0x80), "subidentifier starting 0x80");
	CHECK(!oid(cut_arc, sizeof cut_arc), "cut subidentifier");
	CHECK(oid(arc_31_bits, sizeof arc_31_bits), "31-bit subidentifier");
	CHECK(!oid(arc_32_bits, sizeof arc_32_bits), "32-bit subidentifier");
	TEST_DONE();
}
