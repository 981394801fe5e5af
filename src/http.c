#include "http.h"

#include <string.h>

#include "hexdigit.h"
#include "text.h"

/*
 * Byte classes, looked up once per byte: the parsers run on every request
 * and response head, so no per-byte calls into the C library.
 */
enum { C_TCHAR = 1, C_VALUE = 2 };

static const unsigned char char_class[256] = {
	['\t'] = C_VALUE, [' '] = C_VALUE,
	['!'] = 3, ['"'] = 2, ['#'] = 3, ['$'] = 3, ['%'] = 3, ['&'] = 3, ['\''] = 3,
	['('] = 2, [')'] = 2, ['*'] = 3, ['+'] = 3, [','] = 2, ['-'] = 3, ['.'] = 3, ['/'] = 2,
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3,
	['8'] = 3, ['9'] = 3, [':'] = 2, [';'] = 2, ['<'] = 2, ['='] = 2, ['>'] = 2, ['?'] = 2,
	['@'] = 2, ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3,
	['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3,
	['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3, ['W'] = 3,
	['X'] = 3, ['Y'] = 3, ['Z'] = 3, ['['] = 2, ['\\'] = 2, [']'] = 2, ['^'] = 3, ['_'] = 3,
	['`'] = 3, ['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3,
	['h'] = 3, ['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3, ['o'] = 3,
	['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3, ['u'] = 3, ['v'] = 3, ['w'] = 3,
	['x'] = 3, ['y'] = 3, ['z'] = 3, ['{'] = 2, ['|'] = 3, ['}'] = 2, ['~'] = 3,
};

/* Macros, not calls: at -Os a per-byte call would not be inlined.  Field
 * values are HTAB, visible ASCII, space and obs-text; never CR, LF, NUL. */
#define TCHAR(c) (char_class[(unsigned char)(c)] & C_TCHAR)
#define VALUE_CHAR(c) ((unsigned char)(c) >= 0x80 || (char_class[(unsigned char)(c)] & C_VALUE))

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool token_eq_n(const char *s, size_t len, const char *lit, size_t n)
{
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
			return false;
	return true;
}

/*
 * lit is lower case and starts with a letter or a digit (bit 0x20 set): the
 * first byte, or-ed with 0x20, turns most mismatches away without a call,
 * and never a match (token_eq_n then decides).
 */
#define TOKEN_IS(s, len, lit)                                                  \
	((len) == sizeof(lit) - 1 && ((unsigned char)(s)[0] | 0x20) == (unsigned char)(lit)[0] && \
	 token_eq_n(s, len, lit, sizeof(lit) - 1))

bool http_token_eq(const char *s, size_t len, const char *lit)
{
	return token_eq_n(s, len, lit, strlen(lit));
}

/*
 * Finds the CRLF ending the line that starts at pos.  A LF without CR, or a
 * CR not followed by LF, is malformed: peers that accept bare LF would split
 * lines where we do not.
 */
static int line_end(const char *buf, size_t len, size_t pos, size_t *end)
{
	const char *cr = memchr(buf + pos, '\r', len - pos);
	size_t limit = cr ? (size_t)(cr - buf) : len;

	if (memchr(buf + pos, '\n', limit - pos))
		return HTTP_MALFORMED;
	if (!cr || limit + 1 == len)
		return HTTP_INCOMPLETE;
	if (buf[limit + 1] != '\n')
		return HTTP_MALFORMED;
	*end = limit;
	return 0;
}

static bool parse_version(const char *s, size_t len, int *minor)
{
	if (len != 8 || memcmp(s, "HTTP/1.", 7) != 0)
		return false;
	if (s[7] != '0' && s[7] != '1')
		return false;
	*minor = s[7] - '0';
	return true;
}

static bool parse_content_length(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 18)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

struct head_fields {
	struct http_header *headers;
	size_t num_headers;
	const char *error;
	int error_status;
};

static int add_header(struct head_fields *h, const char *buf, size_t pos, size_t name_end,
		      size_t vstart, size_t vend)
{
	while (vend > vstart && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'))
		vend--;
	if (h->num_headers == HTTP_MAX_HEADERS) {
		h->error = "too many header fields";
		h->error_status = 431;
		return HTTP_MALFORMED;
	}
	struct http_header *f = &h->headers[h->num_headers++];
	f->name = buf + pos;
	f->name_len = name_end - pos;
	f->value = buf + vstart;
	f->value_len = vend - vstart;
	return 0;
}

/*
 * Header lines from pos up to and including the empty line.  Each line is
 * first read in one pass (name, colon, value, CRLF), which is what every
 * well-formed line takes; a line that does not fit that is read again by
 * the careful path, which decides what is wrong with it (or that it is
 * incomplete) exactly as before the fast path existed.
 */
static int parse_header_block(const char *buf, size_t len, size_t pos, struct head_fields *h)
{
	h->num_headers = 0;
	for (;;) {
		size_t end, i = pos;

		while (i < len && TCHAR(buf[i]))
			i++;
		if (i == pos && i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			return (int)(i + 2);
		if (i > pos && i < len && buf[i] == ':') {
			size_t name_end = i++;
			while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
				i++;
			size_t vstart = i;
			while (i < len && VALUE_CHAR(buf[i]))
				i++;
			if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n') {
				if (add_header(h, buf, pos, name_end, vstart, i) < 0)
					return HTTP_MALFORMED;
				pos = i + 2;
				continue;
			}
		}

		int rc = line_end(buf, len, pos, &end);

		if (rc == HTTP_MALFORMED) {
			h->error = "bare CR or LF in header";
			return rc;
		}
		if (rc == HTTP_INCOMPLETE)
			return rc;
		if (end == pos)
			return (int)(end + 2);
		if (buf[pos] == ' ' || buf[pos] == '\t') {
			h->error = "obsolete header line folding";
			return HTTP_MALFORMED;
		}
		i = pos;
		while (i < end && TCHAR(buf[i]))
			i++;
		if (i == pos || i == end || buf[i] != ':') {
			h->error = "invalid header name";
			return HTTP_MALFORMED;
		}
		size_t name_end = i++;
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		size_t vstart = i, vend = end;
		for (size_t j = vstart; j < end; j++) {
			if (!VALUE_CHAR(buf[j])) {
				h->error = "invalid byte in header value";
				return HTTP_MALFORMED;
			}
		}
		if (add_header(h, buf, pos, name_end, vstart, vend) < 0)
			return HTTP_MALFORMED;
		pos = end + 2;
	}
}

/* The framing and connection headers, shared by requests and responses. */
struct framing {
	int content_lengths, transfer_encodings, content_types, hosts, expects;
	uint64_t content_length;
	bool chunked, bad_length, bad_coding, has_upgrade, expect_continue;
	const char *content_type;
	size_t content_type_len;
	bool conn_close, conn_keep_alive, conn_upgrade; /* Connection's tokens */
};

static void read_framing(const struct http_header *hs, size_t n, struct framing *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		const struct http_header *h = &hs[i];
		const char *name = h->name;
		size_t len = h->name_len;

		/* The names read here have distinct lengths: one comparison at
		 * most per header, and most (Date, Server, Api-Version...) none. */
		switch (len) {
		case 14:
			if (TOKEN_IS(name, len, "content-length")) {
				f->content_lengths++;
				if (!parse_content_length(h->value, h->value_len, &f->content_length))
					f->bad_length = true;
			}
			break;
		case 17:
			if (TOKEN_IS(name, len, "transfer-encoding")) {
				f->transfer_encodings++;
				if (TOKEN_IS(h->value, h->value_len, "chunked"))
					f->chunked = true;
				else
					f->bad_coding = true;
			}
			break;
		case 10:
			if (TOKEN_IS(name, len, "connection")) {
				struct str rest = { h->value, h->value_len }, t;
				while (text_item(&rest, ',', true, &t)) {
					f->conn_close |= TOKEN_IS(t.p, t.len, "close");
					f->conn_keep_alive |= TOKEN_IS(t.p, t.len, "keep-alive");
					f->conn_upgrade |= TOKEN_IS(t.p, t.len, "upgrade");
				}
			}
			break;
		case 12:
			if (TOKEN_IS(name, len, "content-type")) {
				f->content_types++;
				f->content_type = h->value;
				f->content_type_len = h->value_len;
			}
			break;
		case 4:
			if (TOKEN_IS(name, len, "host"))
				f->hosts++;
			break;
		case 7:
			if (TOKEN_IS(name, len, "upgrade"))
				f->has_upgrade = true;
			break;
		case 6:
			if (TOKEN_IS(name, len, "expect")) {
				f->expects++;
				f->expect_continue = TOKEN_IS(h->value, h->value_len, "100-continue");
			}
			break;
		}
	}
}

static int malformed(struct http_request *req, const char *why, int status)
{
	req->error = why;
	req->error_status = status;
	return HTTP_MALFORMED;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	size_t end, i = 0;
	int rc;

	req->error = NULL;
	req->error_status = 400;
	req->num_headers = 0;
	rc = line_end(buf, len, 0, &end);
	if (rc == HTTP_MALFORMED)
		return malformed(req, "bare CR or LF in request line", 400);
	if (rc == HTTP_INCOMPLETE) {
		/* Refuse at once what can never become a request line (a TLS
		 * hello on the plain port, binary garbage) instead of waiting
		 * for the head timeout. */
		for (size_t j = 0; j < len; j++) {
			unsigned char c = (unsigned char)buf[j];
			if ((c < 0x20 && c != '\r') || c >= 0x7f)
				return malformed(req, "not an HTTP request", 400);
		}
		return HTTP_INCOMPLETE;
	}
	if (end == 0)
		return malformed(req, "empty line before request line", 400);

	while (i < end && TCHAR(buf[i]))
		i++;
	if (i == 0 || i == end || buf[i] != ' ')
		return malformed(req, "invalid method", 400);
	req->method = buf;
	req->method_len = i++;

	size_t tstart = i;
	while (i < end && buf[i] > 0x20 && buf[i] < 0x7f)
		i++;
	if (i == tstart || i == end || buf[i] != ' ')
		return malformed(req, "invalid request target", 400);
	req->target = buf + tstart;
	req->target_len = i - tstart;
	i++;
	if (!parse_version(buf + i, end - i, &req->minor_version)) {
		bool versionish = end - i == 8 && memcmp(buf + i, "HTTP/", 5) == 0;
		return versionish ? malformed(req, "unsupported HTTP version", 505)
				  : malformed(req, "invalid request line", 400);
	}

	struct head_fields h = { .headers = req->headers };
	rc = parse_header_block(buf, len, end + 2, &h);
	req->num_headers = h.num_headers;
	if (rc == HTTP_INCOMPLETE)
		return rc;
	if (rc == HTTP_MALFORMED)
		return malformed(req, h.error, h.error_status ? h.error_status : 400);

	struct framing f;
	read_framing(req->headers, req->num_headers, &f);
	if (f.content_lengths > 1)
		return malformed(req, "repeated Content-Length", 400);
	if (f.bad_length)
		return malformed(req, "invalid Content-Length", 400);
	if (f.transfer_encodings > 1 || f.bad_coding)
		return malformed(req, "unsupported Transfer-Encoding", 400);
	if (f.transfer_encodings && f.content_lengths)
		return malformed(req, "Content-Length with Transfer-Encoding", 400);
	if (f.transfer_encodings && req->minor_version == 0)
		return malformed(req, "Transfer-Encoding in HTTP/1.0", 400);
	if (f.content_types > 1)
		return malformed(req, "repeated Content-Type", 400);
	if (f.hosts > 1 || (f.hosts == 0 && req->minor_version == 1))
		return malformed(req, "exactly one Host header is required", 400);
	if (f.expects > 1 || (f.expects == 1 && !f.expect_continue))
		return malformed(req, "unsupported Expect", 417);

	/* 0 without a Content-Length, and so when chunked (both are refused) */
	req->content_length = f.content_length;
	req->body = f.chunked ? HTTP_BODY_CHUNKED : f.content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	req->content_type = f.content_type;
	req->content_type_len = f.content_type_len;
	req->expect_continue = f.expect_continue;
	req->upgrade = f.conn_upgrade && f.has_upgrade;
	req->keep_alive = !f.conn_close && (req->minor_version == 1 || f.conn_keep_alive);
	return rc;
}

int http_parse_response(const char *buf, size_t len, bool request_was_head,
			struct http_response *resp)
{
	size_t end;
	int rc;

	resp->error = NULL;
	resp->num_headers = 0;
	rc = line_end(buf, len, 0, &end);
	if (rc == HTTP_MALFORMED) {
		resp->error = "bare CR or LF in status line";
		return rc;
	}
	if (rc == HTTP_INCOMPLETE)
		return rc;
	/* "HTTP/1.1 200" followed by nothing or by " reason" */
	if (end < 12 || !parse_version(buf, 8, &resp->minor_version) || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' ||
	    buf[11] > '9' || (end > 12 && buf[12] != ' ')) {
		resp->error = "invalid status line";
		return HTTP_MALFORMED;
	}
	resp->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');

	struct head_fields h = { .headers = resp->headers };
	rc = parse_header_block(buf, len, end + 2, &h);
	resp->num_headers = h.num_headers;
	if (rc == HTTP_INCOMPLETE)
		return rc;
	if (rc == HTTP_MALFORMED) {
		resp->error = h.error;
		return rc;
	}

	struct framing f;
	read_framing(resp->headers, resp->num_headers, &f);
	if (f.content_lengths > 1 || f.bad_length || f.transfer_encodings > 1 || f.bad_coding ||
	    (f.transfer_encodings && f.content_lengths)) {
		resp->error = "ambiguous response framing";
		return HTTP_MALFORMED;
	}
	resp->content_type = f.content_type;
	resp->content_type_len = f.content_type_len;
	resp->content_length = 0;
	resp->keep_alive = !f.conn_close && (resp->minor_version == 1 || f.conn_keep_alive);
	if (request_was_head || resp->status < 200 || resp->status == 204 || resp->status == 304) {
		resp->body = HTTP_BODY_NONE;
	} else if (f.chunked) {
		resp->body = HTTP_BODY_CHUNKED;
	} else if (f.content_lengths) {
		resp->content_length = f.content_length;
		resp->body = f.content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	} else {
		resp->body = HTTP_BODY_CLOSE;
		resp->keep_alive = false;
	}
	return rc;
}

enum chunk_state {
	CH_SIZE = 0,   /* first hex digit of a chunk size */
	CH_SIZE_MORE,  /* more hex digits, or CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,    /* start of a trailer line, or CR of the final empty line */
	CH_TRAILER_NAME,
	CH_TRAILER_LINE, /* the value, after the colon */
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE
};

/* The states that take one given byte, and the state it leads to. */
static const struct {
	unsigned char byte;
	uint8_t next;
} fixed_byte[CH_DONE] = {
	[CH_DATA_CR] = { '\r', CH_DATA_LF },
	[CH_DATA_LF] = { '\n', CH_SIZE },
	[CH_TRAILER_LF] = { '\n', CH_TRAILER },
	[CH_END_LF] = { '\n', CH_DONE },
};

/* Chunk extensions are refused: no Docker client sends them, and their
 * parsing is where proxies and servers have disagreed before. */
ssize_t http_chunked_scan(struct http_chunked *c, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && c->state != CH_DONE) {
		unsigned char ch = (unsigned char)buf[i];

		switch (c->state) {
		case CH_SIZE:
		case CH_SIZE_MORE: {
			int v = hex_digit_value(ch);
			if (v >= 0) {
				if (++c->size_digits > 15)
					return -1;
				c->remaining = c->remaining * 16 + (uint64_t)v;
				c->state = CH_SIZE_MORE;
			} else if (ch == '\r' && c->state == CH_SIZE_MORE) {
				c->state = CH_SIZE_LF;
			} else {
				return -1;
			}
			break;
		}
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->size_digits = 0;
			c->state = c->remaining ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t take = len - i;
			if (take > c->remaining)
				take = (size_t)c->remaining;
			c->remaining -= take;
			i += take;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			continue; /* took its bytes already */
		}
		case CH_DATA_CR:
		case CH_DATA_LF:
		case CH_TRAILER_LF:
		case CH_END_LF:
			if (ch != fixed_byte[c->state].byte)
				return -1;
			c->state = fixed_byte[c->state].next;
			break;
		case CH_TRAILER:
			if (ch == '\r')
				c->state = CH_END_LF;
			else if (TCHAR(ch))
				c->state = CH_TRAILER_NAME;
			else
				return -1;
			break;
		case CH_TRAILER_NAME:
			/* A trailer is a header field: name, colon, value (Go refuses less). */
			if (ch == ':')
				c->state = CH_TRAILER_LINE;
			else if (!TCHAR(ch))
				return -1;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (ch == '\n' || !VALUE_CHAR(ch))
				return -1;
			break;
		default:
			return -1;
		}
		i++;
	}
	c->done = c->state == CH_DONE;
	return (ssize_t)i;
}

size_t http_chunked_decode(const char *raw, size_t len, char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		uint64_t size = 0;
		int v;
		while (i < len && (v = hex_digit_value((unsigned char)raw[i])) >= 0) {
			size = size * 16 + (uint64_t)v;
			i++;
		}
		i += 2; /* CRLF, validated by the scanner */
		if (size == 0 || i + size > len)
			break; /* the last chunk: trailers follow */
		if (out)
			memcpy(out + o, raw + i, (size_t)size);
		o += (size_t)size;
		i += (size_t)size + 2;
	}
	return o;
}
