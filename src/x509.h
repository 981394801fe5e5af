/*
 * x509: what sockwall reads in certificates itself, and the client
 * certificate validator.
 *
 * br_x509_minimal does the validation (chain to a client CA, signatures,
 * validity dates); struct peer_x509 wraps it in a br_x509_class of our own
 * so that Extended Key Usage (which br_x509_minimal ignores) and the allow
 * lists (CN, SPKI pins) are enforced inside the handshake: a client that is
 * not allowed never gets past its Certificate message.
 *
 * Built only with TLS=1.
 */
#ifndef SOCKWALL_X509_H
#define SOCKWALL_X509_H

#include <bearssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "der.h"
#include "tls.h"

#define X509_CA_MAX 64   /* client CAs: each CertificateRequest lists them */
#define X509_CN_LEN 256  /* BearSSL decodes name elements of < 256 bytes */
/*
 * A client certificate checked here is read whole, from a buffer of its
 * size taken for the time of its reading; larger than this, it is refused
 * (TLS_ERR_CERT_TOO_LARGE): it is Go's limit for the whole Certificate
 * message, so dockerd refuses such a client too.
 */
#define X509_CERT_MAX 65536

/* Hashes for certificate signatures, and for the handshake's own. */
#define X509_HASHES 4
extern const br_hash_class *const x509_hashes[X509_HASHES];
int x509_hash_id(const br_hash_class *h);

/*
 * One certificate as x509_read found it: views into its bytes.
 *   X509_OK          well-formed; an Extended Key Usage, if any, allows clients
 *   X509_NOT_CLIENT  well-formed, but its Extended Key Usage does not
 *   X509_BAD         malformed
 */
enum { X509_OK, X509_NOT_CLIENT, X509_BAD };

struct x509_cert {
	struct der issuer;  /* Name, header included, as BearSSL hashes it */
	struct der subject; /* likewise */
	struct der spki;    /* SubjectPublicKeyInfo, header included */
};

int x509_read(const unsigned char *p, size_t len, struct x509_cert *c);
void x509_sha256(struct der d, unsigned char out[32]);

/* Who may connect: loaded once (tls_load.c), read by every handshake. */
struct x509_clients {
	br_x509_trust_anchor *tas; /* client CAs; NULL: no client authentication */
	size_t tas_len;
	/*
	 * Per client CA: the SHA-256 of its subject DN, and whether its own
	 * Extended Key Usage lets it vouch for clients (Go checks the root's).
	 */
	unsigned char ta_dn_hash[X509_CA_MAX][32];
	bool ta_for_clients[X509_CA_MAX];
	char cns[TLS_MAX_CNS][X509_CN_LEN];
	size_t cns_len;
	unsigned char pins[TLS_MAX_PINS][32];
	size_t pins_len;
};

/* The validator of one connection; its fields are x509.c's. */
struct peer_x509 {
	const br_x509_class *vtable; /* first: BearSSL passes &vtable around */
	br_x509_minimal_context minimal;
	const struct x509_clients *clients;
	/* Two CN slots: a second CN in the subject makes the name ambiguous. */
	br_name_element names[2];
	char cn[2][X509_CN_LEN];
	uint32_t certs;  /* certificates started in this chain */
	bool verified;   /* the last chain passed every check */
	/*
	 * Extended Key Usage along the chain: each certificate is read until
	 * one is issued by a client CA (anchor: its number, 1 for the leaf);
	 * eku_err is the first refusal among them (0: none).
	 */
	bool reading;
	uint32_t anchor;
	bool anchor_for_clients;
	unsigned eku_err;
	unsigned char leaf_spki_hash[32];
	unsigned char *cert; /* the certificate being read, NULL between them */
	size_t cert_len, cert_have;
};

/* Sets a zeroed px up to verify clients against cl, which must outlive it. */
void x509_peer_init(struct peer_x509 *px, const struct x509_clients *cl);
/* Frees what a handshake cut short left behind. */
void x509_peer_release(struct peer_x509 *px);

/* The verified client leaf's CN ("" when none was verified). */
const char *x509_peer_cn(const struct peer_x509 *px);

#endif
