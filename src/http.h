/*
 * http: strict HTTP/1.x head parsers and a chunked-body scanner.
 *
 * Contract, after picohttpparser: each parser takes the bytes received so far
 * and returns the length of the head (> 0), HTTP_INCOMPLETE (call again with
 * more bytes) or HTTP_MALFORMED (with ->error and ->error_status set).
 * Results are pointers into the caller's buffer: no copy, no allocation, no I/O.
 *
 * "Strict" means we never repair a request into one dockerd would read
 * differently from us: bare LF or CR, obs-folding, leading empty lines,
 * whitespace before a colon or doubled in the request line, any version but
 * HTTP/1.0 and HTTP/1.1, Content-Length with Transfer-Encoding, a repeated or
 * non-numeric Content-Length, or a transfer coding other than "chunked" are
 * all refused.
 */
#ifndef SOCKWALL_HTTP_H
#define SOCKWALL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_INCOMPLETE (-2)
#define HTTP_MALFORMED (-1)
#define HTTP_MAX_HEADERS 64

struct http_header {
	const char *name;
	size_t name_len;
	const char *value; /* optional whitespace trimmed */
	size_t value_len;
};

enum http_body {
	HTTP_BODY_NONE,    /* no body follows the head */
	HTTP_BODY_LENGTH,  /* content_length bytes follow */
	HTTP_BODY_CHUNKED, /* chunked coding follows */
	HTTP_BODY_CLOSE    /* responses only: body ends when the peer closes */
};

struct http_request {
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor_version; /* HTTP/1.<minor>, 0 or 1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t num_headers;
	enum http_body body;
	uint64_t content_length;
	const char *content_type; /* NULL when absent */
	size_t content_type_len;
	bool keep_alive;
	bool expect_continue;
	bool upgrade; /* Connection: upgrade with an Upgrade header */
	const char *error;
	int error_status;
};

struct http_response {
	int minor_version;
	int status;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t num_headers;
	enum http_body body;
	uint64_t content_length;
	const char *content_type;
	size_t content_type_len;
	bool keep_alive;
	const char *error;
};

int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* request_was_head: a response to HEAD never has a body, whatever it says. */
int http_parse_response(const char *buf, size_t len, bool request_was_head,
			struct http_response *resp);

/*
 * Chunked coding: feed the bytes that follow the head, in pieces of any size.
 * Returns how many of them belong to the body (the rest belongs to whatever
 * follows it), or -1 when the coding is malformed.  ->done turns true once
 * the last chunk and the trailer section have been seen.  Zero-fill to start.
 */
struct http_chunked {
	uint8_t state;
	uint8_t size_digits;
	bool done;
	uint64_t remaining; /* data bytes left in the current chunk */
};

ssize_t http_chunked_scan(struct http_chunked *c, const char *buf, size_t len);

/*
 * Copies the data of a complete chunked body (one http_chunked_scan found
 * done over exactly these len bytes) into out, which needs len bytes at
 * most (NULL: only count); returns the data length.
 */
size_t http_chunked_decode(const char *raw, size_t len, char *out);

/* Case-insensitive comparison of a header name or token with a C string. */
bool http_token_eq(const char *s, size_t len, const char *lit);

#endif
