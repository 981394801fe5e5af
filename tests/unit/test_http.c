/* Request/response head parsers and the chunked scanner: tables of cases. */
#include "../../src/http.h"
#include "test.h"

#define H "Host: d\r\n"

struct req_case {
	const char *raw;
	int expect;            /* > 0: head length must equal strlen(raw) - trailing */
	int status;            /* for HTTP_MALFORMED: the status to answer with */
	enum http_body body;
	unsigned long long length;
	int keep_alive;        /* -1: don't check */
};

static const struct req_case req_cases[] = {
	/* accepted */
	{ "GET /_ping HTTP/1.1\r\n" H "\r\n", 1, 0, HTTP_BODY_NONE, 0, 1 },
	{ "GET /_ping HTTP/1.0\r\n\r\n", 1, 0, HTTP_BODY_NONE, 0, 0 },
	{ "GET /_ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1, 0, HTTP_BODY_NONE, 0, 1 },
	{ "GET /_ping HTTP/1.1\r\n" H "Connection: close\r\n\r\n", 1, 0, HTTP_BODY_NONE, 0, 0 },
	{ "POST /containers/create HTTP/1.1\r\n" H "Content-Length: 12\r\n\r\n", 1, 0,
	  HTTP_BODY_LENGTH, 12, 1 },
	{ "POST /containers/create HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 1, 0,
	  HTTP_BODY_NONE, 0, 1 },
	{ "POST /build HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n", 1, 0,
	  HTTP_BODY_CHUNKED, 0, 1 },
	{ "POST /build HTTP/1.1\r\n" H "transfer-encoding: Chunked\r\n\r\n", 1, 0,
	  HTTP_BODY_CHUNKED, 0, 1 },
	{ "GET /x HTTP/1.1\r\n" H "X-Empty:\r\nX-Tab:\tv\t\r\n\r\n", 1, 0, HTTP_BODY_NONE, 0, 1 },
	{ "GET /x HTTP/1.1\r\n" H "Expect: 100-continue\r\n\r\n", 1, 0, HTTP_BODY_NONE, 0, 1 },
	/* incomplete */
	{ "GET /_ping HTTP/1.1\r\n" H, HTTP_INCOMPLETE, 0, 0, 0, -1 },
	{ "GET /_ping HTTP/1.1\r", HTTP_INCOMPLETE, 0, 0, 0, -1 },
	{ "GET /_pi", HTTP_INCOMPLETE, 0, 0, 0, -1 },
	{ "", HTTP_INCOMPLETE, 0, 0, 0, -1 },
	/* request line shapes HAProxy would repair */
	{ "\r\nGET /_ping HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET  /_ping HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping  HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET\t/_ping HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping HTTP/2.0\r\n" H "\r\n", HTTP_MALFORMED, 505, 0, 0, -1 },
	{ "GET /_ping HTTP/1.2\r\n" H "\r\n", HTTP_MALFORMED, 505, 0, 0, -1 },
	{ "GET /_ping http/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /a b HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ " GET /_ping HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "G(T /_ping HTTP/1.1\r\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	/* line endings */
	{ "GET /_ping HTTP/1.1\n" H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping HTTP/1.1\r\nHost: d\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping HTTP/1.1\r\nHost: d\r\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping HTTP/1.1\r\nHost: d\rX: y\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /_ping HTTP/1.1\r\n" H "\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	/* header shapes */
	{ "GET /x HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H "X : a\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H ": a\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H "X a\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H "X: a\x01\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H H "\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /x HTTP/1.1\r\n" H "Expect: 200-ok\r\n\r\n", HTTP_MALFORMED, 417, 0, 0, -1 },
	/* framing: smuggling shapes */
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\n",
	  HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: 99999999999999999999\r\n\r\n",
	  HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	  HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	  HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", HTTP_MALFORMED,
	  400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	  HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", HTTP_MALFORMED, 400,
	  0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n", HTTP_MALFORMED, 400,
	  0, 0, -1 },
	{ "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "POST /x HTTP/1.1\r\n" H "Content-Type: a\r\nContent-Type: b\r\n\r\n", HTTP_MALFORMED,
	  400, 0, 0, -1 },
	/* garbage and TLS on the plain port are refused before a line ends */
	{ "\x16\x03\x01\x02\x00\x01", HTTP_MALFORMED, 400, 0, 0, -1 },
	{ "GET /\x01", HTTP_MALFORMED, 400, 0, 0, -1 },
};

static void test_requests(void)
{
	for (size_t i = 0; i < sizeof(req_cases) / sizeof(*req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		struct http_request req;
		size_t len = strlen(c->raw);
		/* The TLS case holds a NUL-free prefix; feed it whole. */
		int rc = http_parse_request(c->raw, len, &req);

		if (c->expect > 0) {
			CHECK(rc == (int)len, "case %zu: rc %d, want %zu (%s)", i, rc, len,
			      req.error ? req.error : "");
			if (rc <= 0)
				continue;
			CHECK(req.body == c->body, "case %zu: body kind %d", i, req.body);
			CHECK(req.content_length == c->length, "case %zu: length %llu", i,
			      (unsigned long long)req.content_length);
			if (c->keep_alive >= 0)
				CHECK(req.keep_alive == (c->keep_alive == 1), "case %zu: keep-alive",
				      i);
		} else {
			CHECK(rc == c->expect, "case %zu: rc %d, want %d", i, rc, c->expect);
			if (rc == HTTP_MALFORMED && c->expect == HTTP_MALFORMED)
				CHECK(req.error_status == c->status, "case %zu: status %d, want %d",
				      i, req.error_status, c->status);
		}
	}
}

static void test_request_fields(void)
{
	const char raw[] = "POST /v1.41/containers/create?name=a HTTP/1.1\r\n"
			   "Host: docker\r\nContent-Type:  application/json  \r\n"
			   "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\n{}"
			   "GET /next";
	struct http_request req;
	int rc = http_parse_request(raw, sizeof(raw) - 1, &req);
	size_t head = strlen(raw) - strlen("{}GET /next");

	CHECK(rc == (int)head, "head length %d, want %zu", rc, head);
	CHECK(req.method_len == 4 && memcmp(req.method, "POST", 4) == 0, "method");
	CHECK(req.target_len == strlen("/v1.41/containers/create?name=a") &&
		      memcmp(req.target, "/v1.41/containers/create?name=a", req.target_len) == 0,
	      "target");
	CHECK(req.minor_version == 1, "version");
	CHECK(req.num_headers == 5, "headers %zu", req.num_headers);
	CHECK(req.content_type_len == 16 && memcmp(req.content_type, "application/json", 16) == 0,
	      "content type trimmed");
	CHECK(req.upgrade, "upgrade");
	CHECK(req.body == HTTP_BODY_LENGTH && req.content_length == 2, "body");

	/* Pipelined: a second head right after the first is parsed on its own. */
	const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	rc = http_parse_request(two, sizeof(two) - 1, &req);
	CHECK(rc == 28, "first of two: %d", rc);
	rc = http_parse_request(two + 28, sizeof(two) - 1 - 28, &req);
	CHECK(rc == 28 && req.target[1] == 'b', "second of two: %d", rc);

	/* Too many headers is 431, not 400. */
	char many[8192] = "GET / HTTP/1.1\r\nHost: x\r\n";
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		strcat(many, "X-A: b\r\n");
	strcat(many, "\r\n");
	rc = http_parse_request(many, strlen(many), &req);
	CHECK(rc == HTTP_MALFORMED && req.error_status == 431, "too many headers: %d %d", rc,
	      req.error_status);
}

struct resp_case {
	const char *raw;
	int head_request;
	int expect_ok;
	int status;
	enum http_body body;
	int keep_alive;
};

static const struct resp_case resp_cases[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 0, 1, 200, HTTP_BODY_LENGTH, 1 },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", 1, 1, 200, HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 1, 200, HTTP_BODY_CHUNKED, 1 },
	{ "HTTP/1.1 200 OK\r\n\r\n", 0, 1, 200, HTTP_BODY_CLOSE, 0 },
	{ "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", 0, 1, 200, HTTP_BODY_LENGTH, 0 },
	{ "HTTP/1.1 204 No Content\r\n\r\n", 0, 1, 204, HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 0, 1, 304, HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 100 Continue\r\n\r\n", 0, 1, 100, HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", 0, 1, 101,
	  HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, 1, 200, HTTP_BODY_NONE, 1 },
	{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", 0, 1, 200,
	  HTTP_BODY_LENGTH, 0 },
	{ "HTTP/1.1 20 OK\r\n\r\n", 0, 0, 0, 0, 0 },
	{ "HTTP/1.1 200OK\r\n\r\n", 0, 0, 0, 0, 0 },
	{ "HTTP/2 200 OK\r\n\r\n", 0, 0, 0, 0, 0 },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0, 0, 0, 0, 0 },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0, 0,
	  0, 0 },
};

static void test_responses(void)
{
	for (size_t i = 0; i < sizeof(resp_cases) / sizeof(*resp_cases); i++) {
		const struct resp_case *c = &resp_cases[i];
		struct http_response r;
		size_t len = strlen(c->raw);
		int rc = http_parse_response(c->raw, len, c->head_request, &r);

		if (!c->expect_ok) {
			CHECK(rc == HTTP_MALFORMED, "response %zu: rc %d", i, rc);
			continue;
		}
		CHECK(rc == (int)len, "response %zu: rc %d (%s)", i, rc, r.error ? r.error : "");
		if (rc <= 0)
			continue;
		CHECK(r.status == c->status, "response %zu: status %d", i, r.status);
		CHECK(r.body == c->body, "response %zu: body %d", i, r.body);
		CHECK(r.keep_alive == (c->keep_alive == 1), "response %zu: keep-alive", i);
	}
}

/* Feeds s to a fresh scanner in pieces of `step` bytes; returns bytes consumed or -1. */
static long scan_in_steps(const char *s, size_t len, size_t step, int *done)
{
	struct http_chunked c = { 0 };
	size_t off = 0;

	while (off < len && !c.done) {
		size_t n = len - off < step ? len - off : step;
		ssize_t used = http_chunked_scan(&c, s + off, n);
		if (used < 0)
			return -1;
		off += (size_t)used;
		if ((size_t)used < n && !c.done)
			return -1; /* the scanner must take all it is given until done */
	}
	*done = c.done;
	return (long)off;
}

static void test_chunked(void)
{
	static const struct {
		const char *body;
		long consumed; /* -1: malformed; otherwise bytes belonging to the body */
		int done;
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", 15, 1 },
		{ "5\r\nhello\r\n0\r\n\r\nGET /", 15, 1 },
		{ "A\r\n0123456789\r\n0\r\n\r\n", 20, 1 },
		{ "a\r\n0123456789\r\n00\r\n\r\n", 21, 1 },
		{ "0\r\nX-Trailer: v\r\n\r\n", 19, 1 },
		{ "5\r\nhel", 6, 0 },
		{ "5\r\nhello\r\n", 10, 0 },
		{ "5;ext=1\r\nhello\r\n0\r\n\r\n", -1, 0 },
		{ "5 \r\nhello\r\n0\r\n\r\n", -1, 0 },
		{ "5\nhello\r\n0\r\n\r\n", -1, 0 },
		{ "5\r\nhelloX\r\n0\r\n\r\n", -1, 0 },
		{ "5\r\nhello\n0\r\n\r\n", -1, 0 },
		{ "\r\nhello\r\n0\r\n\r\n", -1, 0 },
		{ "-5\r\nhello\r\n", -1, 0 },
		{ "0x5\r\nhello\r\n", -1, 0 },
		{ "1000000000000000\r\n", -1, 0 },
		{ "0\r\n\n", -1, 0 },
		{ "0\r\nX: v\n\r\n", -1, 0 },
		{ "0\r\nX-A\r\n\r\n", -1, 0 }, /* a trailer without a colon (fuzz_chunked) */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t len = strlen(cases[i].body);
		for (size_t step = 1; step <= len; step = step * 2 + 1) {
			int done = 0;
			long got = scan_in_steps(cases[i].body, len, step, &done);
			CHECK(got == cases[i].consumed, "chunked %zu step %zu: got %ld want %ld", i,
			      step, got, cases[i].consumed);
			if (got >= 0)
				CHECK(done == cases[i].done, "chunked %zu step %zu: done %d", i,
				      step, done);
		}
	}
}

static void test_chunked_decode(void)
{
	static const struct {
		const char *raw, *data;
	} cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", "hello" },
		{ "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\nX-T: 1\r\n\r\n", "{\"a\":1}" },
		{ "0\r\n\r\n", "" },
		{ "A\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n", "0123456789!" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[64];
		size_t len = strlen(cases[i].raw);
		struct http_chunked c = { 0 };
		CHECK(http_chunked_scan(&c, cases[i].raw, len) == (ssize_t)len && c.done,
		      "decode %zu: scans whole", i);
		size_t n = http_chunked_decode(cases[i].raw, len, out);
		CHECK(n == strlen(cases[i].data) && memcmp(out, cases[i].data, n) == 0,
		      "decode %zu: %.*s", i, (int)n, out);
	}
}

int main(void)
{
	test_chunked_decode();
	test_requests();
	test_request_fields();
	test_responses();
	test_chunked();
	TEST_DONE();
}
