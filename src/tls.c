/*
 * tls: the per-connection engine.  Each connection is one allocation: the
 * BearSSL server engine, the client certificate validator (x509.h) and the
 * record buffer, configured from the read-only tls_server (tls_load.c).
 */
#if SOCKWALL_TLS

#include "tls.h"

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tls_load.h"
#include "x509.h"

struct tls_conn {
	br_ssl_server_context sc;
	struct peer_x509 px;
	bool hs_done;
	bool closing; /* tls_close was called */
	/* The connection's first byte, to tell "not TLS at all" in the logs. */
	bool first_seen;
	unsigned char first;
	/*
	 * The client's record framing, followed as its bytes go in, so that a
	 * record header can be looked at before the engine gets it (see
	 * tls_recvrec_buf): in_to says where tls_recvrec_buf last pointed the
	 * caller (rec_in, the engine's buffer, or stage); trk_* is the header
	 * being passed through, body_left what the current record still has
	 * to come.
	 */
	enum { IN_NONE, IN_ENGINE, IN_STAGE } in_to;
	unsigned char *rec_in;
	unsigned char trk[5];
	size_t trk_have;
	size_t body_left;
	unsigned char stage[5];
	size_t stage_have;
	bool held; /* stage holds an alert header, kept from the engine */
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* TLS 1.2 ECDHE with AEAD only; the client's order of preference decides. */
static const uint16_t suites_rsa[] = {
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t suites_ec[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};

struct tls_conn *tls_conn_new(const struct tls_server *srv)
{
	struct tls_conn *tc = malloc(sizeof *tc);
	br_ssl_engine_context *eng;
	unsigned char seed[32];

	if (!tc)
		return NULL;
	/* Everything but the record buffer, which the engine fills itself. */
	memset(tc, 0, offsetof(struct tls_conn, iobuf));
	eng = &tc->sc.eng;

	/* What br_ssl_server_init_full_rsa/ec set up, narrowed. */
	br_ssl_server_zero(&tc->sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	if (srv->key_type == BR_KEYTYPE_RSA)
		br_ssl_engine_set_suites(eng, suites_rsa, sizeof suites_rsa / sizeof suites_rsa[0]);
	else
		br_ssl_engine_set_suites(eng, suites_ec, sizeof suites_ec / sizeof suites_ec[0]);
	br_ssl_engine_set_default_ec(eng);
	for (size_t i = 0; i < X509_HASHES; i++)
		br_ssl_engine_set_hash(eng, x509_hash_id(x509_hashes[i]), x509_hashes[i]);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	/* The key signs the ECDHE parameters; it never decrypts (no TLS_RSA_*). */
	if (srv->key_type == BR_KEYTYPE_RSA)
		br_ssl_server_set_single_rsa(&tc->sc, srv->chain, srv->chain_len,
					     br_skey_decoder_get_rsa(&srv->key), BR_KEYTYPE_SIGN,
					     br_rsa_private_get_default(),
					     br_rsa_pkcs1_sign_get_default());
	else
		br_ssl_server_set_single_ec(&tc->sc, srv->chain, srv->chain_len,
					    br_skey_decoder_get_ec(&srv->key), BR_KEYTYPE_SIGN,
					    BR_KEYTYPE_EC /* issuer type: static ECDH only */,
					    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());

	/*
	 * Client authentication.  Non-empty trust anchor names make the
	 * engine send a CertificateRequest and, since we do not set
	 * BR_OPT_TOLERATE_NO_CLIENT_AUTH, fail with BR_ERR_NO_CLIENT_AUTH when
	 * the client answers with an empty chain.
	 */
	if (srv->clients.tas_len > 0) {
		x509_peer_init(&tc->px, &srv->clients);
		br_ssl_engine_set_x509(eng, &tc->px.vtable);
		br_ssl_engine_set_default_rsavrfy(eng);
		br_ssl_engine_set_default_ecdsa(eng);
		br_ssl_server_set_trust_anchor_names_alt(&tc->sc, srv->clients.tas,
							 srv->clients.tas_len);
	}
	/* A renegotiation could swap the client certificate under us. */
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffer(eng, tc->iobuf, sizeof tc->iobuf, 1);

	/*
	 * Seed from getrandom(2), which needs no /dev in a scratch image;
	 * BearSSL still adds its own system source when it finds one.
	 */
	if (getrandom(seed, sizeof seed, 0) == (ssize_t)sizeof seed)
		br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (!br_ssl_server_reset(&tc->sc)) {
		tls_conn_free(tc);
		return NULL;
	}
	return tc;
}

void tls_conn_free(struct tls_conn *tc)
{
	if (!tc)
		return;
	x509_peer_release(&tc->px);
	/* Session keys and plaintext live in here. */
	explicit_bzero(tc, sizeof *tc);
	free(tc);
}

/*
 * The engine offers application-data buffers only once the handshake is
 * over; remember that, since a full output buffer hides them again.
 */
static void observe(struct tls_conn *tc)
{
	if (!tc->hs_done &&
	    (br_ssl_engine_current_state(&tc->sc.eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
		tc->hs_done = true;
}

static size_t record_len(const unsigned char *hdr)
{
	return (size_t)hdr[3] << 8 | hdr[4];
}

/* Follows the record framing over n bytes given to the engine. */
static void track(struct tls_conn *tc, const unsigned char *p, size_t n)
{
	while (n > 0) {
		if (tc->body_left > 0) {
			size_t k = n < tc->body_left ? n : tc->body_left;

			tc->body_left -= k;
			p += k;
			n -= k;
			continue;
		}
		tc->trk[tc->trk_have++] = *p++;
		n--;
		if (tc->trk_have == 5) {
			tc->body_left = record_len(tc->trk);
			tc->trk_have = 0;
		}
	}
}

/* Gives the engine the staged record header; false if it cannot take it now. */
static bool push_stage(struct tls_conn *tc)
{
	size_t len;
	unsigned char *p = br_ssl_engine_recvrec_buf(&tc->sc.eng, &len);

	/* Between records the engine asks for exactly a 5-byte header. */
	if (!p || len < 5)
		return false;
	memcpy(p, tc->stage, 5);
	tc->body_left = record_len(tc->stage);
	tc->stage_have = 0;
	tc->held = false;
	br_ssl_engine_recvrec_ack(&tc->sc.eng, 5);
	observe(tc);
	return true;
}

/*
 * Half-close.  A client that is done sending sends close_notify (Go's
 * tls.Conn.CloseWrite, which the docker CLI calls at stdin EOF on attach
 * and exec) and keeps reading.  BearSSL answers close_notify by closing
 * both ways at once, which would cut the output still to come.  So after
 * the handshake, record headers are staged here first: an alert's header
 * (its content is encrypted: close_notify, or a fatal alert that ends the
 * connection anyway) is held back, tls_peer_closed() reports it, and the
 * engine gets it only after tls_close(), to finish the closure cleanly.
 */
unsigned char *tls_recvrec_buf(struct tls_conn *tc, size_t *len)
{
	unsigned char *p;

	tc->in_to = IN_NONE;
	if (tc->held && (!tc->closing || !push_stage(tc))) {
		*len = 0;
		return NULL;
	}
	p = br_ssl_engine_recvrec_buf(&tc->sc.eng, len);
	if (!p)
		return NULL;
	if (tc->hs_done && !tc->closing && tc->body_left == 0 && tc->trk_have == 0) {
		tc->in_to = IN_STAGE;
		*len = 5 - tc->stage_have;
		return tc->stage + tc->stage_have;
	}
	tc->in_to = IN_ENGINE;
	tc->rec_in = p;
	return p;
}

void tls_recvrec_ack(struct tls_conn *tc, size_t n)
{
	int to = tc->in_to;

	tc->in_to = IN_NONE; /* one ack per tls_recvrec_buf */
	if (n == 0 || to == IN_NONE)
		return;
	if (to == IN_STAGE) {
		tc->stage_have += n < 5 - tc->stage_have ? n : 5 - tc->stage_have;
		if (tc->stage_have < 5)
			return;
		if (tc->stage[0] == 21) /* alert */
			tc->held = true;
		else
			push_stage(tc);
		return;
	}
	if (!tc->first_seen) {
		tc->first_seen = true;
		tc->first = tc->rec_in[0];
	}
	track(tc, tc->rec_in, n);
	br_ssl_engine_recvrec_ack(&tc->sc.eng, n);
	observe(tc);
}

bool tls_peer_closed(const struct tls_conn *tc)
{
	return tc->held;
}

/* BearSSL's *_buf set *len to 0 whenever they return NULL. */
unsigned char *tls_sendrec_buf(struct tls_conn *tc, size_t *len)
{
	return br_ssl_engine_sendrec_buf(&tc->sc.eng, len);
}

void tls_sendrec_ack(struct tls_conn *tc, size_t n)
{
	br_ssl_engine_sendrec_ack(&tc->sc.eng, n);
	observe(tc);
}

unsigned char *tls_recvapp_buf(struct tls_conn *tc, size_t *len)
{
	unsigned char *p = br_ssl_engine_recvapp_buf(&tc->sc.eng, len);

	if (p)
		tc->hs_done = true;
	return p;
}

void tls_recvapp_ack(struct tls_conn *tc, size_t n)
{
	br_ssl_engine_recvapp_ack(&tc->sc.eng, n);
	observe(tc);
}

unsigned char *tls_sendapp_buf(struct tls_conn *tc, size_t *len)
{
	unsigned char *p = br_ssl_engine_sendapp_buf(&tc->sc.eng, len);

	if (p)
		tc->hs_done = true;
	return p;
}

void tls_sendapp_ack(struct tls_conn *tc, size_t n)
{
	br_ssl_engine_sendapp_ack(&tc->sc.eng, n);
	observe(tc);
}

void tls_flush(struct tls_conn *tc)
{
	br_ssl_engine_flush(&tc->sc.eng, 0);
	observe(tc);
}

bool tls_handshake_done(const struct tls_conn *tc)
{
	return tc->hs_done ||
	       (br_ssl_engine_current_state(&tc->sc.eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP));
}

bool tls_closed(const struct tls_conn *tc, int *error)
{
	int e;

	if (br_ssl_engine_current_state(&tc->sc.eng) != BR_SSL_CLOSED)
		return false;
	e = br_ssl_engine_last_error(&tc->sc.eng);
	/*
	 * A TLS client starts with a handshake record (22), or an SSLv2-style
	 * hello (high bit set): anything else failing is not TLS, most often
	 * plain HTTP, whatever BearSSL made of its first bytes.
	 */
	if (e != 0 && !tc->hs_done && tc->first_seen && tc->first != 22 && !(tc->first & 0x80))
		e = TLS_ERR_NOT_TLS;
	if (error)
		*error = e;
	return true;
}

void tls_close(struct tls_conn *tc)
{
	tc->closing = true;
	br_ssl_engine_close(&tc->sc.eng);
	/* Now the engine may see the client's close_notify: it ends the closure. */
	if (tc->held)
		push_stage(tc);
}

size_t tls_refusal(const struct tls_conn *tc, int error, unsigned char *out, size_t cap)
{
	static const char http400[] = "HTTP/1.0 400 Bad Request\r\n"
				      "Content-Type: text/plain; charset=utf-8\r\n"
				      "Connection: close\r\n\r\n"
				      "Client sent an HTTP request to an HTTPS server.\n";
	int alert;

	if (tc->hs_done)
		return 0; /* records are encrypted now: the engine's business */
	if (error == TLS_ERR_NOT_TLS) {
		if (cap < sizeof(http400) - 1)
			return 0;
		memcpy(out, http400, sizeof(http400) - 1);
		return sizeof(http400) - 1;
	}
	if (error == BR_ERR_X509_EXPIRED)
		alert = 45; /* certificate_expired */
	else if (error == BR_ERR_X509_NOT_TRUSTED)
		alert = 48; /* unknown_ca */
	else if (error == TLS_ERR_CN_NOT_ALLOWED || error == TLS_ERR_PIN_NOT_ALLOWED)
		alert = 49; /* access_denied */
	else if ((error >= 32 && error < 64) || error == TLS_ERR_NOT_CLIENT_CERT ||
		 error == TLS_ERR_CERT_TOO_LARGE || error == BR_ERR_NO_CLIENT_AUTH)
		alert = 42; /* bad_certificate, as Go's servers say "no certificate" too */
	else
		return 0; /* BearSSL sent its own alert, or there is no one to tell */
	if (cap < 7)
		return 0;
	/* An alert record, TLS 1.2, fatal. */
	const unsigned char rec[7] = { 21, 3, 3, 0, 2, 2, (unsigned char)alert };
	memcpy(out, rec, sizeof(rec));
	return sizeof(rec);
}

const char *tls_peer_cn(const struct tls_conn *tc)
{
	return x509_peer_cn(&tc->px);
}

/* ---- error names ----------------------------------------------------- */

static const struct {
	int code;
	const char *name;
} error_names[] = {
	{ BR_ERR_OK, "closed" },
	{ BR_ERR_BAD_PARAM, "bad parameter" },
	{ BR_ERR_BAD_STATE, "bad state" },
	{ BR_ERR_UNSUPPORTED_VERSION, "unsupported TLS version" },
	{ BR_ERR_BAD_VERSION, "unsupported TLS version" },
	{ BR_ERR_BAD_LENGTH, "bad record length (not TLS?)" },
	{ BR_ERR_TOO_LARGE, "record too large" },
	{ BR_ERR_BAD_MAC, "bad record MAC" },
	{ BR_ERR_NO_RANDOM, "no randomness source" },
	{ BR_ERR_UNKNOWN_TYPE, "unknown record type (not TLS?)" },
	{ BR_ERR_UNEXPECTED, "unexpected handshake message" },
	{ BR_ERR_BAD_CCS, "bad ChangeCipherSpec" },
	{ BR_ERR_BAD_ALERT, "bad alert" },
	{ BR_ERR_BAD_HANDSHAKE, "malformed handshake message" },
	{ BR_ERR_OVERSIZED_ID, "oversized session ID" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no shared cipher suite" },
	{ BR_ERR_BAD_COMPRESSION, "no shared compression" },
	{ BR_ERR_BAD_FRAGLEN, "bad fragment length" },
	{ BR_ERR_BAD_SECRENEG, "bad secure renegotiation" },
	{ BR_ERR_EXTRA_EXTENSION, "unexpected extension" },
	{ BR_ERR_BAD_SNI, "bad server name" },
	{ BR_ERR_BAD_HELLO_DONE, "bad ServerHelloDone" },
	{ BR_ERR_LIMIT_EXCEEDED, "handshake limit exceeded" },
	{ BR_ERR_BAD_FINISHED, "bad Finished (key mismatch?)" },
	{ BR_ERR_RESUME_MISMATCH, "session resumption mismatch" },
	{ BR_ERR_INVALID_ALGORITHM, "unsupported signature algorithm" },
	{ BR_ERR_BAD_SIGNATURE, "bad handshake signature" },
	{ BR_ERR_WRONG_KEY_USAGE, "client key usage does not allow signing" },
	{ BR_ERR_NO_CLIENT_AUTH, "no client certificate" },
	{ BR_ERR_IO, "I/O error" },
	{ BR_ERR_X509_EMPTY_CHAIN, "no client certificate" },
	{ BR_ERR_X509_BAD_DN, "malformed certificate name" },
	{ BR_ERR_X509_BAD_TIME, "malformed certificate dates" },
	{ BR_ERR_X509_UNSUPPORTED, "unsupported certificate algorithm" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "certificate chain too long" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, "certificate key type mismatch" },
	{ BR_ERR_X509_BAD_SIGNATURE, "bad certificate signature" },
	{ BR_ERR_X509_TIME_UNKNOWN, "current time unknown" },
	{ BR_ERR_X509_EXPIRED, "certificate expired or not yet valid" },
	{ BR_ERR_X509_DN_MISMATCH, "certificate chain broken (issuer mismatch)" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "certificate name mismatch" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "unsupported critical certificate extension" },
	{ BR_ERR_X509_NOT_CA, "certificate issuer is not a CA" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids TLS" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate key too weak" },
	{ BR_ERR_X509_NOT_TRUSTED, "certificate not trusted" },
	{ TLS_ERR_CN_NOT_ALLOWED, "client not in SOCKWALL_TLS_ALLOW_CN" },
	{ TLS_ERR_PIN_NOT_ALLOWED, "client not in SOCKWALL_TLS_ALLOW_PINS" },
	{ TLS_ERR_NOT_TLS, "not TLS (plain HTTP?)" },
	{ TLS_ERR_NOT_CLIENT_CERT, "certificate not for client authentication" },
	{ TLS_ERR_CERT_TOO_LARGE, "client certificate too large (or out of memory)" },
	/* Alerts, as BearSSL reports them: 256 + received, 512 + sent. */
	{ BR_ERR_RECV_FATAL_ALERT + 10, "client sent alert: unexpected_message" },
	{ BR_ERR_RECV_FATAL_ALERT + 20, "client sent alert: bad_record_mac" },
	{ BR_ERR_RECV_FATAL_ALERT + 40, "client sent alert: handshake_failure" },
	{ BR_ERR_RECV_FATAL_ALERT + 42, "client sent alert: bad_certificate" },
	{ BR_ERR_RECV_FATAL_ALERT + 43, "client sent alert: unsupported_certificate" },
	{ BR_ERR_RECV_FATAL_ALERT + 45, "client sent alert: certificate_expired" },
	{ BR_ERR_RECV_FATAL_ALERT + 46, "client sent alert: certificate_unknown" },
	{ BR_ERR_RECV_FATAL_ALERT + 48, "client sent alert: unknown_ca" },
	{ BR_ERR_RECV_FATAL_ALERT + 50, "client sent alert: decode_error" },
	{ BR_ERR_RECV_FATAL_ALERT + 51, "client sent alert: decrypt_error" },
	{ BR_ERR_RECV_FATAL_ALERT + 70, "client sent alert: protocol_version" },
	{ BR_ERR_RECV_FATAL_ALERT + 71, "client sent alert: insufficient_security" },
	{ BR_ERR_RECV_FATAL_ALERT + 80, "client sent alert: internal_error" },
	{ BR_ERR_RECV_FATAL_ALERT + 90, "client sent alert: user_canceled" },
	/* What our engine refused with an alert (see ssl_hs_server.t0). */
	{ BR_ERR_SEND_FATAL_ALERT + 40, "no shared cipher suite" },
	{ BR_ERR_SEND_FATAL_ALERT + 70, "unsupported TLS version" },
	{ BR_ERR_SEND_FATAL_ALERT + 86, "inappropriate version fallback" },
};

const char *tls_error_name(int error)
{
	for (size_t i = 0; i < sizeof error_names / sizeof error_names[0]; i++)
		if (error_names[i].code == error)
			return error_names[i].name;
	/* BearSSL's DER decoding errors, from INVALID_VALUE to OVERFLOW. */
	if (error >= BR_ERR_X509_INVALID_VALUE && error <= BR_ERR_X509_OVERFLOW)
		return "malformed certificate";
	if (error >= BR_ERR_RECV_FATAL_ALERT && error < BR_ERR_SEND_FATAL_ALERT)
		return "client sent a fatal alert";
	if (error >= BR_ERR_SEND_FATAL_ALERT && error < BR_ERR_SEND_FATAL_ALERT + 256)
		return "fatal alert sent";
	if (error >= 32 && error < 64)
		return "invalid certificate";
	return "tls error";
}

#endif /* SOCKWALL_TLS */
