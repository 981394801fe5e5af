#if SOCKWALL_TLS

#include "x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from 0000-01-01 (BearSSL's epoch) to 1970-01-01. */
#define DAYS_TO_UNIX_EPOCH 719528u

/* No MD5 or SHA-1: the server offers only these in its CertificateRequest. */
const br_hash_class *const x509_hashes[X509_HASHES] = {
	&br_sha224_vtable,
	&br_sha256_vtable,
	&br_sha384_vtable,
	&br_sha512_vtable,
};

int x509_hash_id(const br_hash_class *h)
{
	return (int)((h->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);
}

/* ---- reading a certificate ------------------------------------------- */

/*
 * dockerd (Go's crypto/x509, asked for ExtKeyUsageClientAuth) accepts a
 * client chain only if every certificate in it, the CA at its end
 * included, either has no Extended Key Usage extension or lists
 * clientAuth or anyExtendedKeyUsage in it.  br_x509_minimal ignores the
 * extension (it refuses it only when critical), so certificates are read
 * here, strictly (see der.h), OIDs as Go reads them; anything else is
 * malformed (Go refuses it too, but for bytes after the EKU list, which it
 * ignores).  Elements not named below are only checked to be well-formed
 * on the outside:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   tbsCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
 *       signature, issuer, validity, subject, subjectPublicKeyInfo,
 *       [1] OPTIONAL, [2] OPTIONAL, [3] EXPLICIT Extensions OPTIONAL }
 *   Extensions ::= SEQUENCE OF Extension
 *   Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *       extnValue OCTET STRING }
 *   extnValue of id-ce-extKeyUsage (2.5.29.37): SEQUENCE OF OID
 *
 * An empty EKU list allows nothing (RFC 5280 wants at least one; OpenSSL
 * refuses it too, Go would take it as no extension); two EKU extensions are
 * malformed (Go refuses any duplicate extension).
 */
static const unsigned char oid_eku[] = { 0x55, 0x1d, 0x25 };
static const unsigned char oid_eku_any[] = { 0x55, 0x1d, 0x25, 0x00 };
static const unsigned char oid_client_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };

/* What the Extended Key Usage extension says. */
struct eku {
	bool seen, client;
};

/* The element in is exactly one element of this tag, given in *e. */
static bool only(struct der in, unsigned tag, struct der_elem *e)
{
	return der_next(&in, e) && e->tag == tag && in.len == 0;
}

/* extnValue of an Extended Key Usage extension: SEQUENCE OF OID. */
static bool read_eku(struct der value, struct eku *k)
{
	struct der_elem list, oid;

	if (k->seen || !only(value, 0x30, &list))
		return false;
	k->seen = true;
	while (list.body.len > 0) {
		if (!der_next(&list.body, &oid) || oid.tag != 0x06 || !der_oid_valid(oid.body))
			return false;
		if (der_equals(oid.body, oid_client_auth, sizeof oid_client_auth) ||
		    der_equals(oid.body, oid_eku_any, sizeof oid_eku_any))
			k->client = true;
	}
	return true;
}

/* Extension ::= SEQUENCE { extnID OID, critical BOOLEAN OPTIONAL, extnValue } */
static bool read_extension(struct der ext, struct eku *k)
{
	struct der_elem id, e;

	if (!der_next(&ext, &id) || id.tag != 0x06 || !der_oid_valid(id.body) ||
	    !der_next(&ext, &e))
		return false;
	if (e.tag == 0x01) {
		if (e.body.len != 1 || (e.body.p[0] != 0x00 && e.body.p[0] != 0xff) ||
		    !der_next(&ext, &e))
			return false;
	}
	if (e.tag != 0x04 || ext.len != 0)
		return false;
	return !der_equals(id.body, oid_eku, sizeof oid_eku) || read_eku(e.body, k);
}

/* [3] EXPLICIT SEQUENCE OF Extension */
static bool read_extensions(struct der tagged, struct eku *k)
{
	struct der_elem list, ext;

	if (!only(tagged, 0x30, &list))
		return false;
	while (list.body.len > 0)
		if (!der_next(&list.body, &ext) || ext.tag != 0x30 ||
		    !read_extension(ext.body, k))
			return false;
	return true;
}

int x509_read(const unsigned char *p, size_t len, struct x509_cert *c)
{
	struct der_elem cert, tbs, e;
	struct eku k = { false, false };
	bool has_version = false, exts_seen = false;
	size_t issuer_idx;

	memset(c, 0, sizeof *c);
	if (!only((struct der){ p, len }, 0x30, &cert) || !der_next(&cert.body, &tbs) ||
	    tbs.tag != 0x30)
		return X509_BAD;
	while (cert.body.len > 0) /* signatureAlgorithm, signature: BearSSL reads them */
		if (!der_next(&cert.body, &e))
			return X509_BAD;
	for (size_t idx = 0; tbs.body.len > 0; idx++) {
		if (!der_next(&tbs.body, &e))
			return X509_BAD;
		issuer_idx = has_version ? 3 : 2;
		if (idx == 0 && e.tag == 0xa0) {
			has_version = true;
		} else if (idx == issuer_idx) {
			if (e.tag != 0x30)
				return X509_BAD;
			c->issuer = e.whole;
		} else if (e.tag == 0xa3) {
			if (!c->issuer.p || exts_seen || !read_extensions(e.body, &k))
				return X509_BAD;
			exts_seen = true;
		} else if (idx == issuer_idx + 2) {
			c->subject = e.whole;
		} else if (idx == issuer_idx + 3 && e.tag == 0x30) {
			c->spki = e.whole;
		}
	}
	if (!c->issuer.p)
		return X509_BAD;
	return k.seen && !k.client ? X509_NOT_CLIENT : X509_OK;
}

/* ---- the client certificate validator -------------------------------- */

static struct peer_x509 *px_of(const br_x509_class **ctx)
{
	/* ctx points at the vtable field, the first of struct peer_x509. */
	return (struct peer_x509 *)(void *)ctx;
}

static void px_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct peer_x509 *px = px_of(ctx);
	time_t now = time(NULL);

	px->certs = 0;
	px->verified = false;
	px->reading = false;
	px->anchor = 0;
	px->anchor_for_clients = false;
	px->eku_err = 0;
	/*
	 * Validity dates are checked against now.  br_x509_minimal reads the
	 * clock itself only when BearSSL was built knowing the platform's
	 * clock; setting it here does not depend on that.
	 */
	if (now > 0)
		br_x509_minimal_set_time(&px->minimal,
					 (uint32_t)(now / 86400) + DAYS_TO_UNIX_EPOCH,
					 (uint32_t)(now % 86400));
	px->minimal.vtable->start_chain(&px->minimal.vtable, server_name);
}

static void px_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct peer_x509 *px = px_of(ctx);

	px->certs++;
	/* Past the CA's certificate, or a refusal, the rest does not count. */
	px->reading = px->anchor == 0 && px->eku_err == 0;
	px->cert_len = length;
	px->cert_have = 0;
	x509_peer_release(px);
	if (px->reading) {
		if (length <= X509_CERT_MAX)
			px->cert = malloc(length ? length : 1);
		if (!px->cert) {
			px->eku_err = TLS_ERR_CERT_TOO_LARGE;
			px->reading = false;
		}
	}
	px->minimal.vtable->start_cert(&px->minimal.vtable, length);
}

static void px_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct peer_x509 *px = px_of(ctx);
	size_t room = px->cert_have < px->cert_len ? px->cert_len - px->cert_have : 0;

	/* Kept whole, to be read at its end; more than it said is malformed. */
	if (px->reading && len <= room)
		memcpy(px->cert + px->cert_have, buf, len);
	px->cert_have += len;
	px->minimal.vtable->append(&px->minimal.vtable, buf, len);
}

void x509_sha256(struct der d, unsigned char out[32])
{
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, d.p, d.len);
	br_sha256_out(&h, out);
}

/* The chain's anchor, if the client CAs (several may share a name) issued this one. */
static void find_anchor(struct peer_x509 *px, struct der issuer)
{
	const struct x509_clients *cl = px->clients;
	unsigned char hash[32];
	bool found = false, for_clients = true;

	x509_sha256(issuer, hash);
	for (size_t i = 0; i < cl->tas_len; i++) {
		if (memcmp(cl->ta_dn_hash[i], hash, sizeof hash) == 0) {
			found = true;
			for_clients = for_clients && cl->ta_for_clients[i];
		}
	}
	if (found) {
		px->anchor = px->certs;
		px->anchor_for_clients = for_clients;
	}
}

/*
 * The chain ends, for BearSSL, at the first certificate whose issuer is a
 * client CA: certificates after it are not looked at (by BearSSL, nor Go).
 * The CA is found here by name, as BearSSL looks it up; BearSSL then also
 * checks the CA's signature.  Were that to fail and the chain to go on (a
 * CA with a new key under the same name, sent by the client), the
 * certificates after that one would go unchecked here: a corner left open.
 */
static void px_end_cert(const br_x509_class **ctx)
{
	struct peer_x509 *px = px_of(ctx);
	struct x509_cert c;
	int verdict;

	if (px->reading) {
		px->reading = false;
		verdict = px->cert_have == px->cert_len ? x509_read(px->cert, px->cert_len, &c)
							 : X509_BAD;
		if (verdict == X509_BAD) {
			px->eku_err = BR_ERR_X509_INVALID_VALUE;
			goto done;
		}
		if (verdict == X509_NOT_CLIENT) {
			px->eku_err = TLS_ERR_NOT_CLIENT_CERT;
			goto done;
		}
		if (px->certs == 1) { /* the leaf: its key's hash, for the pins */
			if (!c.spki.p) { /* BearSSL refuses it too */
				px->eku_err = BR_ERR_X509_INVALID_VALUE;
				goto done;
			}
			x509_sha256(c.spki, px->leaf_spki_hash);
		}
		find_anchor(px, c.issuer);
	}
done:
	x509_peer_release(px);
	px->minimal.vtable->end_cert(&px->minimal.vtable);
}

static bool cn_allowed(const struct peer_x509 *px)
{
	const struct x509_clients *cl = px->clients;

	/* Exactly one CN, decoded: two would leave it open which one counts. */
	if (px->names[0].status != 1 || px->names[1].status != 0)
		return false;
	for (size_t i = 0; i < cl->cns_len; i++)
		if (strcmp(cl->cns[i], px->cn[0]) == 0)
			return true;
	return false;
}

static bool pin_allowed(const struct peer_x509 *px)
{
	const struct x509_clients *cl = px->clients;

	for (size_t i = 0; i < cl->pins_len; i++)
		if (memcmp(cl->pins[i], px->leaf_spki_hash, 32) == 0)
			return true;
	return false;
}

static unsigned px_end_chain(const br_x509_class **ctx)
{
	struct peer_x509 *px = px_of(ctx);
	unsigned e = px->minimal.vtable->end_chain(&px->minimal.vtable);

	if (e != 0)
		return e;
	/*
	 * Extended Key Usage: of the certificates up to the one a client CA
	 * issued, then of that CA.  No such certificate, though BearSSL found
	 * one, cannot happen; refuse all the same.
	 */
	if (px->eku_err != 0)
		return px->eku_err;
	if (px->anchor == 0)
		return BR_ERR_X509_NOT_TRUSTED;
	if (!px->anchor_for_clients)
		return TLS_ERR_NOT_CLIENT_CERT;
	if (px->clients->cns_len > 0 && !cn_allowed(px))
		return TLS_ERR_CN_NOT_ALLOWED;
	if (px->clients->pins_len > 0 && !pin_allowed(px))
		return TLS_ERR_PIN_NOT_ALLOWED;
	px->verified = true;
	return 0;
}

static const br_x509_pkey *px_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct peer_x509 *px = (const struct peer_x509 *)(const void *)ctx;

	return px->minimal.vtable->get_pkey(&px->minimal.vtable, usages);
}

static const br_x509_class peer_x509_vtable = {
	sizeof(struct peer_x509),
	px_start_chain,
	px_start_cert,
	px_append,
	px_end_cert,
	px_end_chain,
	px_get_pkey,
};

void x509_peer_init(struct peer_x509 *px, const struct x509_clients *cl)
{
	static const unsigned char oid_cn[] = { 3, 0x55, 0x04, 0x03 };

	px->vtable = &peer_x509_vtable;
	px->clients = cl;
	br_x509_minimal_init(&px->minimal, &br_sha256_vtable, cl->tas, cl->tas_len);
	for (size_t i = 0; i < X509_HASHES; i++)
		br_x509_minimal_set_hash(&px->minimal, x509_hash_id(x509_hashes[i]), x509_hashes[i]);
	br_x509_minimal_set_rsa(&px->minimal, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&px->minimal, br_ec_get_default(),
				  br_ecdsa_vrfy_asn1_get_default());
	for (size_t i = 0; i < 2; i++) {
		px->names[i].oid = oid_cn;
		px->names[i].buf = px->cn[i];
		px->names[i].len = sizeof px->cn[i];
	}
	br_x509_minimal_set_name_elements(&px->minimal, px->names, 2);
}

void x509_peer_release(struct peer_x509 *px)
{
	free(px->cert);
	px->cert = NULL;
}

const char *x509_peer_cn(const struct peer_x509 *px)
{
	if (!px->verified || px->names[0].status != 1)
		return "";
	return px->cn[0];
}

#endif /* SOCKWALL_TLS */
