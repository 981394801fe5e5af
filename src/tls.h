/*
 * tls: a BearSSL server with client-certificate verification, driven by
 * the connection state machine the way BearSSL wants to be driven: the
 * engine does no I/O; conn moves bytes between the socket and the engine's
 * record buffers, and between the engine's application buffers and its own.
 *
 * TLS 1.2 only (BearSSL has no TLS 1.3), ECDHE key exchange, AEAD suites
 * (AES-GCM, ChaCha20-Poly1305).  With a client CA, a client certificate is
 * required and verified (chain, validity dates, Extended Key Usage as
 * dockerd checks it); SOCKWALL_TLS_ALLOW_CN and SOCKWALL_TLS_ALLOW_PINS
 * narrow the accepted leaves, checked during the handshake.
 *
 * Built only with TLS=1 (the default); `make TLS=0` leaves it out and a
 * tls:// listener is then a configuration error.  Inside: tls_load.c loads
 * the files, x509.c checks client certificates, tls.c drives the engine.
 */
#ifndef SOCKWALL_TLS_H
#define SOCKWALL_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct tls_server; /* loaded once at start-up, read-only afterwards */
struct tls_conn;   /* one per TLS client connection */

#define TLS_MAX_PINS 16
#define TLS_MAX_CNS 16

/*
 * NULL or blank allow lists do not narrow; with both set, a client must
 * match both.  Either needs ca_path.
 */
struct tls_settings {
	const char *cert_path;  /* PEM chain, leaf first */
	const char *key_path;   /* PEM RSA or EC private key */
	const char *ca_path;    /* PEM client CA bundle; NULL: no client certificates */
	const char *allow_cn;   /* comma-separated CNs; NULL: any verified client */
	const char *allow_pins; /* comma-separated SHA-256 of the client's SPKI, hex or
				   base64 (as `openssl ... | openssl dgst -sha256`); NULL: any */
};

/*
 * Loads and checks everything: a missing or unreadable file, a PEM without
 * the expected object, a key that does not match the certificate, an
 * unsupported key type, a bad pin or CN list.  Returns NULL with a message
 * naming the file (or setting) and the problem in err.
 */
struct tls_server *tls_server_load(const struct tls_settings *s, char *err, size_t err_len);
void tls_server_free(struct tls_server *srv);

/*
 * NULL when out of memory (or when the engine finds no randomness).  The
 * engine keeps its own record buffers.
 */
struct tls_conn *tls_conn_new(const struct tls_server *srv);
void tls_conn_free(struct tls_conn *tc);

/*
 * The four buffers of the engine.  Each *_buf returns a pointer and a
 * length (0 / NULL when the engine has nothing to give or take now);
 * each *_ack says how many bytes were used.
 *   recvrec: bytes read from the socket go in here;
 *   sendrec: bytes to write to the socket come out of here;
 *   recvapp: decrypted application data comes out of here;
 *   sendapp: application data to encrypt goes in here (then tls_flush).
 * After the handshake, recvrec asks for each record's 5-byte header on its
 * own (see tls_peer_closed), then for the record's body: a short read is
 * normal, just ask again.
 */
unsigned char *tls_recvrec_buf(struct tls_conn *tc, size_t *len);
void tls_recvrec_ack(struct tls_conn *tc, size_t n);
unsigned char *tls_sendrec_buf(struct tls_conn *tc, size_t *len);
void tls_sendrec_ack(struct tls_conn *tc, size_t n);
unsigned char *tls_recvapp_buf(struct tls_conn *tc, size_t *len);
void tls_recvapp_ack(struct tls_conn *tc, size_t n);
unsigned char *tls_sendapp_buf(struct tls_conn *tc, size_t *len);
void tls_sendapp_ack(struct tls_conn *tc, size_t n);
/* Pushes buffered application data into a record now. */
void tls_flush(struct tls_conn *tc);

/* The handshake is done: application data may flow. */
bool tls_handshake_done(const struct tls_conn *tc);
/*
 * The engine is closed: 0 after a clean close_notify, else BearSSL's error
 * code or one of the TLS_ERR_* below.
 */
bool tls_closed(const struct tls_conn *tc, int *error);
/*
 * The client is done sending: after the handshake it sent close_notify (Go's
 * tls.Conn.CloseWrite, as the docker CLI does at stdin EOF on attach and
 * exec; or, rarely, a fatal alert).  Treat it like EOF on a plain socket:
 * recvrec takes no more, but application data can still be sent; finish
 * with tls_close().  (BearSSL on its own would close both ways at once.)
 */
bool tls_peer_closed(const struct tls_conn *tc);
/*
 * Starts a clean close (close_notify); records to send follow in sendrec.
 * The engine is closed (tls_closed, error 0) once the client's close_notify
 * has come in too.
 */
void tls_close(struct tls_conn *tc);
/*
 * A short name for an error code, for logs ("certificate not trusted",
 * "no client certificate", ...); "tls error" for codes it does not know,
 * so log the number too.
 */
const char *tls_error_name(int error);

/* Errors of our own, beside BearSSL's (0..63, alerts 256..767). */
#define TLS_ERR_CN_NOT_ALLOWED 1025  /* "client not in SOCKWALL_TLS_ALLOW_CN" */
#define TLS_ERR_PIN_NOT_ALLOWED 1026 /* "client not in SOCKWALL_TLS_ALLOW_PINS" */
#define TLS_ERR_NOT_TLS 1027         /* the client's first byte was not TLS: plain HTTP? */
/*
 * A certificate of the client's chain (or its CA) has an Extended Key Usage
 * without clientAuth or anyExtendedKeyUsage: dockerd refuses those too.
 */
#define TLS_ERR_NOT_CLIENT_CERT 1028 /* "certificate not for client authentication" */
/* A client certificate over 64 KiB (as Go refuses them), or no memory to read it. */
#define TLS_ERR_CERT_TOO_LARGE 1029

/*
 * What to tell a client whose handshake failed with error, instead of a
 * bare close: a plaintext fatal alert while the handshake is still in
 * plaintext (the client's certificate is judged before the server's
 * ChangeCipherSpec), so the docker CLI says "remote error: tls: bad
 * certificate"; or, for a plain HTTP client, the 400 Go's servers send.
 * Writes at most cap bytes to out; 0 when there is nothing to say.
 */
size_t tls_refusal(const struct tls_conn *tc, int error, unsigned char *out, size_t cap);

/* The verified client leaf's CN ("" without client authentication). */
const char *tls_peer_cn(const struct tls_conn *tc);

#endif
