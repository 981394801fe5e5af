/*
 * tls: BearSSL server side.  Loading (tls_server_load) parses the PEM
 * files once into DER and BearSSL structures and checks them; it is the
 * only place that allocates more than one block.  Each connection is then
 * one allocation: the server engine, the X.509 validator and the record
 * buffer, configured from the read-only tls_server.
 *
 * Client certificates go through br_x509_minimal (chain to the CA bundle,
 * signatures, validity dates), wrapped in our own br_x509_class so that
 * Extended Key Usage (which br_x509_minimal ignores) and the allow lists
 * (CN, SPKI pins) are enforced inside the handshake: a client that is not
 * allowed never gets past its Certificate message.
 */
#if SOCKWALL_TLS

#include "tls.h"

#include <bearssl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hexdigit.h"

#define ENV_CERT "SOCKWALL_TLS_CERT"
#define ENV_KEY "SOCKWALL_TLS_KEY"
#define ENV_CA "SOCKWALL_TLS_CA"
#define ENV_CN "SOCKWALL_TLS_ALLOW_CN"
#define ENV_PINS "SOCKWALL_TLS_ALLOW_PINS"

#define FILE_MAX (1u << 20) /* a PEM file larger than this is refused */
#define CHAIN_MAX 16        /* certificates in SOCKWALL_TLS_CERT */
#define CA_MAX 64           /* in SOCKWALL_TLS_CA: each CertificateRequest lists them */
#define CN_LEN 256          /* BearSSL decodes name elements of < 256 bytes */
#define RSA_MAX_BYTES 512   /* BearSSL handles RSA keys up to 4096 bits */
/*
 * Bytes of the client's leaf kept for the pin: the SubjectPublicKeyInfo
 * comes before the extensions, so a prefix is enough (an RSA-4096 key and
 * long DNs fit well within it).
 */
#define LEAF_PREFIX 4096

/* Days from 0000-01-01 (BearSSL's epoch) to 1970-01-01. */
#define DAYS_TO_UNIX_EPOCH 719528u

/* Elements open at once in a der_walk: Certificate down to an EKU's SEQUENCE. */
#define WALK_DEPTH 8

/*
 * A certificate's DER, walked as its bytes go by (in pieces of any size),
 * for what br_x509_minimal does not look at: the Extended Key Usage
 * extension.  It also hashes the issuer name, to tell which client CA the
 * chain ends at (see px_end_cert).  Nothing of the certificate is kept.
 */
struct der_walk {
	uint32_t pos;   /* bytes taken */
	unsigned depth; /* open elements in lv[]; lv[0] is the whole certificate */
	struct {
		uint32_t end;  /* offset just past the element */
		uint32_t kids; /* child elements started */
		unsigned char kind;
	} lv[WALK_DEPTH];
	unsigned char hdr[6]; /* the element header being read */
	unsigned hdr_len;
	bool in_body;         /* in a primitive (or skipped) element's contents */
	unsigned char take;   /* what to do with them */
	uint32_t left;        /* their bytes still to come */
	/* An OBJECT IDENTIFIER being read: its first bytes, and validity. */
	unsigned char oid[8];
	uint32_t oid_len, arc;
	bool arc_start;
	unsigned char boolean;
	bool has_version, issuer_done, exts_seen;
	bool ext_is_eku, ext_has_value; /* the Extension being read */
	bool eku_seen, eku_client;
	bool bad;
	br_sha256_context dn; /* the issuer name, header included, as BearSSL hashes it */
	unsigned char issuer_hash[32];
};

struct tls_server {
	br_x509_certificate chain[CHAIN_MAX];
	size_t chain_len;
	int key_type;                /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	br_skey_decoder_context key; /* holds the private key itself */
	br_x509_trust_anchor *tas;   /* client CAs; NULL: no client auth */
	size_t tas_len;
	/*
	 * Per client CA: the SHA-256 of its subject DN, and whether its own
	 * Extended Key Usage lets it vouch for clients (Go checks the root's).
	 */
	unsigned char ta_dn_hash[CA_MAX][32];
	bool ta_for_clients[CA_MAX];
	char cns[TLS_MAX_CNS][CN_LEN];
	size_t cns_len;
	unsigned char pins[TLS_MAX_PINS][32];
	size_t pins_len;
};

/*
 * The wrapping validator: br_x509_minimal does the validation; we watch
 * the leaf's bytes go by and add the allow lists at the end of the chain.
 */
struct peer_x509 {
	const br_x509_class *vtable; /* first: BearSSL passes &vtable around */
	br_x509_minimal_context minimal;
	const struct tls_server *srv;
	/* Two CN slots: a second CN in the subject makes the name ambiguous. */
	br_name_element names[2];
	char cn[2][CN_LEN];
	uint32_t certs;   /* certificates started in this chain */
	size_t leaf_len;  /* bytes of the leaf seen (kept: the first LEAF_PREFIX) */
	bool verified;    /* the last chain passed every check */
	/*
	 * Extended Key Usage along the chain: each certificate is walked
	 * until one is issued by a client CA (anchor: its number, 1 for the
	 * leaf); eku_err is the first refusal among them (0: none).
	 */
	struct der_walk walk;
	bool walking;
	uint32_t anchor;
	bool anchor_for_clients;
	unsigned eku_err;
	unsigned char leaf[LEAF_PREFIX];
};

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

/* ---- errors and small helpers ---------------------------------------- */

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * A bigger copy of buf (NULL when out of memory, buf left as it is).  Not
 * realloc: key material must not stay behind in freed memory.
 */
static unsigned char *regrow(unsigned char *buf, size_t used, size_t cap, size_t ncap)
{
	unsigned char *nb = malloc(ncap);

	if (!nb)
		return NULL;
	if (buf) {
		memcpy(nb, buf, used);
		explicit_bzero(buf, cap);
		free(buf);
	}
	return nb;
}

/* Reads a whole (small) file; sets errno and returns NULL on failure. */
static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t used = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (used == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			unsigned char *nb;

			if (cap >= FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			nb = regrow(buf, used, cap, ncap);
			if (!nb)
				goto fail;
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	*len = used;
	return buf;
fail:;
	int e = errno ? errno : EIO;
	fclose(f);
	if (buf) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	errno = e;
	return NULL;
}

/* ---- PEM ------------------------------------------------------------- */

struct der {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static void der_append(void *ctx, const void *data, size_t len)
{
	struct der *d = ctx;

	if (d->oom)
		return;
	if (d->cap - d->len < len) {
		size_t ncap = d->cap ? d->cap : 1024;
		unsigned char *np;

		while (ncap - d->len < len)
			ncap *= 2;
		np = regrow(d->p, d->len, d->cap, ncap);
		if (!np) {
			d->oom = true;
			return;
		}
		d->p = np;
		d->cap = ncap;
	}
	memcpy(d->p + d->len, data, len);
	d->len += len;
}

static void der_free(struct der *d)
{
	if (d->p) {
		explicit_bzero(d->p, d->cap);
		free(d->p);
	}
	d->p = NULL;
	d->len = d->cap = 0;
}

struct pem_obj {
	char name[128];
	struct der der;
};

struct pem_list {
	struct pem_obj *v;
	size_t len;
};

static void pem_list_free(struct pem_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		der_free(&l->v[i].der);
	free(l->v);
	l->v = NULL;
	l->len = 0;
}

enum { PEM_OK = 0, PEM_BAD = -1, PEM_OOM = -2 };

/*
 * Decodes every PEM object of text into l (text between objects is
 * ignored, as in OpenSSL's files).  PEM_BAD for a broken object.
 */
static int pem_decode(const unsigned char *text, size_t len, struct pem_list *l)
{
	br_pem_decoder_context pc;
	struct pem_obj *cur = NULL;
	bool final_nl = false;

	l->v = NULL;
	l->len = 0;
	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, text, len);

		text += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			struct pem_obj *nv = realloc(l->v, (l->len + 1) * sizeof *nv);

			if (!nv)
				goto oom;
			l->v = nv;
			cur = &l->v[l->len++];
			memset(cur, 0, sizeof *cur);
			snprintf(cur->name, sizeof cur->name, "%s", br_pem_decoder_name(&pc));
			br_pem_decoder_setdest(&pc, der_append, &cur->der);
			break;
		}
		case BR_PEM_END_OBJ:
			if (cur && cur->der.oom)
				goto oom;
			cur = NULL;
			break;
		case BR_PEM_ERROR:
			pem_list_free(l);
			return PEM_BAD;
		default:
			break;
		}
		/* A last line without its newline is common: supply one. */
		if (len == 0 && !final_nl) {
			final_nl = true;
			text = (const unsigned char *)"\n";
			len = 1;
		}
	}
	if (cur) { /* an object without its END line */
		pem_list_free(l);
		return PEM_BAD;
	}
	return PEM_OK;
oom:
	pem_list_free(l);
	return PEM_OOM;
}

static bool is_cert_name(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/*
 * Reads path as PEM.  On failure, writes "<setting>=<path>: <problem>" to
 * err.  The text itself is wiped (it may hold a key).
 */
static bool load_pem(const char *setting, const char *path, struct pem_list *l,
		     char *err, size_t err_len)
{
	size_t len = 0;
	unsigned char *text = read_file(path, &len);
	bool encrypted;
	int r;

	if (!text) {
		set_err(err, err_len, "%s=%s: cannot read (%s)", setting, path, strerror(errno));
		return false;
	}
	r = pem_decode(text, len, l);
	/* OpenSSL's "traditional" encrypted keys carry headers BearSSL refuses. */
	encrypted = r == PEM_BAD && memmem(text, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL;
	explicit_bzero(text, len);
	free(text);
	if (r == PEM_OOM)
		set_err(err, err_len, "%s=%s: out of memory", setting, path);
	else if (encrypted)
		set_err(err, err_len, "%s=%s: encrypted PEM is not supported", setting, path);
	else if (r == PEM_BAD)
		set_err(err, err_len, "%s=%s: invalid PEM (broken base64 or missing END line)",
			setting, path);
	return r == PEM_OK;
}

/* ---- certificates and keys ------------------------------------------- */

/* Decodes one DER certificate: 0, or BearSSL's error. */
static int decode_cert(br_x509_decoder_context *dc, const struct der *d,
		       void (*append_dn)(void *, const void *, size_t), void *dn_ctx)
{
	br_x509_decoder_init(dc, append_dn, dn_ctx);
	br_x509_decoder_push(dc, d->p, d->len);
	return br_x509_decoder_last_error(dc);
}

static void bad_cert(const char *setting, const char *path, size_t n, int e, char *err,
		     size_t err_len)
{
	if (e == BR_ERR_X509_UNSUPPORTED)
		set_err(err, err_len,
			"%s=%s: certificate %zu has an unsupported key or signature "
			"(RSA, or EC P-256/P-384/P-521)",
			setting, path, n);
	else
		set_err(err, err_len, "%s=%s: certificate %zu is not valid X.509", setting, path,
			n);
}

static bool load_chain(struct tls_server *srv, const char *path, br_x509_decoder_context *leaf,
		       char *err, size_t err_len)
{
	struct pem_list l;
	bool ok = false;

	if (!load_pem(ENV_CERT, path, &l, err, err_len))
		return false;
	for (size_t i = 0; i < l.len; i++) {
		br_x509_decoder_context dc;

		if (!is_cert_name(l.v[i].name))
			continue;
		if (srv->chain_len == CHAIN_MAX) {
			set_err(err, err_len, "%s=%s: more than %d certificates", ENV_CERT, path,
				CHAIN_MAX);
			goto out;
		}
		int e = decode_cert(srv->chain_len == 0 ? leaf : &dc, &l.v[i].der, NULL, NULL);

		if (e != 0) {
			bad_cert(ENV_CERT, path, srv->chain_len + 1, e, err, err_len);
			goto out;
		}
		/* The engine sends these bytes as they are: take the buffer. */
		srv->chain[srv->chain_len].data = l.v[i].der.p;
		srv->chain[srv->chain_len].data_len = l.v[i].der.len;
		srv->chain_len++;
		l.v[i].der.p = NULL;
	}
	if (srv->chain_len == 0)
		set_err(err, err_len, "%s=%s: not a PEM certificate", ENV_CERT, path);
	else
		ok = true;
out:
	pem_list_free(&l);
	return ok;
}

static bool is_key_name(const char *name)
{
	return strcmp(name, "RSA PRIVATE KEY") == 0 || strcmp(name, "EC PRIVATE KEY") == 0 ||
	       strcmp(name, "PRIVATE KEY") == 0;
}

static bool load_key(struct tls_server *srv, const char *path, char *err, size_t err_len)
{
	struct pem_list l;
	bool ok = false, encrypted = false;

	if (!load_pem(ENV_KEY, path, &l, err, err_len))
		return false;
	for (size_t i = 0; i < l.len; i++) {
		if (strcmp(l.v[i].name, "ENCRYPTED PRIVATE KEY") == 0)
			encrypted = true;
		if (!is_key_name(l.v[i].name))
			continue;
		br_skey_decoder_init(&srv->key);
		br_skey_decoder_push(&srv->key, l.v[i].der.p, l.v[i].der.len);
		int e = br_skey_decoder_last_error(&srv->key);

		if (e == BR_ERR_X509_UNSUPPORTED) {
			set_err(err, err_len,
				"%s=%s: unsupported key type or curve (RSA, or EC P-256/P-384/P-521)",
				ENV_KEY, path);
			goto out;
		}
		if (e != 0) {
			set_err(err, err_len, "%s=%s: invalid private key (%s)", ENV_KEY, path,
				l.v[i].name);
			goto out;
		}
		srv->key_type = br_skey_decoder_key_type(&srv->key);
		ok = true;
		goto out;
	}
	if (encrypted)
		set_err(err, err_len, "%s=%s: encrypted PEM is not supported", ENV_KEY, path);
	else
		set_err(err, err_len, "%s=%s: no private key found", ENV_KEY, path);
out:
	pem_list_free(&l);
	return ok;
}

/* Big-endian integers, compared without their leading zeros. */
static bool same_uint(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	while (alen > 0 && *a == 0)
		a++, alen--;
	while (blen > 0 && *b == 0)
		b++, blen--;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static bool curve_supported(int curve)
{
	const br_ec_impl *ec = br_ec_get_default();

	return (curve == BR_EC_secp256r1 || curve == BR_EC_secp384r1 ||
		curve == BR_EC_secp521r1) &&
	       ((ec->supported_curves >> curve) & 1);
}

/*
 * The private key must belong to the leaf certificate: same RSA modulus
 * and a signature the certificate's key verifies (which also checks the
 * exponent and the key's CRT parts); the same EC point for EC keys.
 */
static bool check_key(const struct tls_server *srv, const br_x509_pkey *pk, const char *path,
		      char *err, size_t err_len)
{
	if (srv->key_type == BR_KEYTYPE_EC) {
		const br_ec_private_key *sk = br_skey_decoder_get_ec(&srv->key);
		unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
		br_ec_public_key pub;

		if (!curve_supported(sk->curve)) {
			set_err(err, err_len, "%s=%s: unsupported EC curve (P-256, P-384 or P-521)",
				ENV_KEY, path);
			return false;
		}
		if (pk->key_type != BR_KEYTYPE_EC ||
		    br_ec_compute_pub(br_ec_get_default(), &pub, q, sk) == 0 ||
		    pub.curve != pk->key.ec.curve ||
		    pub.qlen != pk->key.ec.qlen || memcmp(pub.q, pk->key.ec.q, pub.qlen) != 0)
			goto mismatch;
		return true;
	}
	if (srv->key_type == BR_KEYTYPE_RSA) {
		const br_rsa_private_key *sk = br_skey_decoder_get_rsa(&srv->key);
		br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
		unsigned char n[RSA_MAX_BYTES], sig[RSA_MAX_BYTES], out[32];
		unsigned char hash[32] = "sockwall key check";
		size_t nlen = modulus(NULL, sk);

		if (pk->key_type != BR_KEYTYPE_RSA)
			goto mismatch;
		if (nlen == 0 || nlen > sizeof n) {
			set_err(err, err_len, "%s=%s: unsupported RSA key size", ENV_KEY, path);
			return false;
		}
		modulus(n, sk);
		if (!same_uint(n, nlen, pk->key.rsa.n, pk->key.rsa.nlen))
			goto mismatch;
		if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof hash, sk,
						     sig) ||
		    !br_rsa_pkcs1_vrfy_get_default()(sig, (sk->n_bitlen + 7) / 8,
						     BR_HASH_OID_SHA256, sizeof out,
						     &pk->key.rsa, out) ||
		    memcmp(out, hash, sizeof out) != 0)
			goto mismatch;
		return true;
	}
	set_err(err, err_len, "%s=%s: unsupported key type", ENV_KEY, path);
	return false;
mismatch:
	set_err(err, err_len, "%s=%s: does not match the certificate in %s", ENV_KEY, path,
		ENV_CERT);
	return false;
}

/* ---- Extended Key Usage ---------------------------------------------- */

/*
 * dockerd (Go's crypto/x509, asked for ExtKeyUsageClientAuth) accepts a
 * client chain only if every certificate in it, the CA at its end
 * included, either has no Extended Key Usage extension or lists
 * clientAuth or anyExtendedKeyUsage in it.  br_x509_minimal ignores the
 * extension (it refuses it only when critical), so certificates are walked
 * here, strictly: definite lengths in their shortest form, each element
 * within its parent, OIDs as Go reads them; anything else is malformed
 * (Go refuses it too, but for bytes after the EKU list, which it ignores):
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
enum { W_TOP, W_CERT, W_TBS, W_EXTS_TAG, W_EXTS, W_EXT, W_EKU_VALUE, W_EKU };
enum { TAKE_SKIP, TAKE_OID, TAKE_BOOL, TAKE_HASH };
enum { WALK_OK, WALK_NOT_CLIENT, WALK_BAD };

static const unsigned char oid_eku[] = { 0x55, 0x1d, 0x25 };
static const unsigned char oid_eku_any[] = { 0x55, 0x1d, 0x25, 0x00 };
static const unsigned char oid_client_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };

/* Starts walking a certificate of len bytes. */
static void walk_init(struct der_walk *w, uint32_t len)
{
	memset(w, 0, sizeof *w);
	w->depth = 1;
	w->lv[0].end = len;
	w->lv[0].kind = W_TOP;
}

static bool oid_is(const struct der_walk *w, const unsigned char *oid, size_t len)
{
	return w->oid_len == len && memcmp(w->oid, oid, len) == 0;
}

/*
 * One byte of an OID's contents.  As Go reads them: no subidentifier
 * starting with a 0x80 byte, none wider than 31 bits.
 */
static void walk_oid_byte(struct der_walk *w, unsigned char b)
{
	if ((w->arc_start && b == 0x80) || w->arc >= (1u << 24)) {
		w->bad = true;
		return;
	}
	w->arc = (w->arc << 7) | (b & 0x7f);
	w->arc_start = !(b & 0x80);
	if (w->arc_start)
		w->arc = 0;
	if (w->oid_len < sizeof w->oid)
		w->oid[w->oid_len] = b;
	w->oid_len++;
}

/* Closes the elements that end here; a closing element checks its children. */
static void walk_close(struct der_walk *w)
{
	while (!w->bad && w->depth > 1 && w->pos == w->lv[w->depth - 1].end) {
		const unsigned kind = w->lv[w->depth - 1].kind;
		const uint32_t kids = w->lv[w->depth - 1].kids;

		if ((kind == W_CERT && kids < 1) || (kind == W_TBS && !w->issuer_done) ||
		    (kind == W_EXTS_TAG && kids != 1) || (kind == W_EXT && !w->ext_has_value) ||
		    (kind == W_EKU_VALUE && kids != 1))
			w->bad = true;
		w->depth--;
	}
}

/* A primitive (or skipped) element's contents are all in. */
static void walk_body_done(struct der_walk *w)
{
	const unsigned parent = w->lv[w->depth - 1].kind;

	w->in_body = false;
	switch (w->take) {
	case TAKE_OID:
		if (w->oid_len == 0 || !w->arc_start) { /* empty, or ends mid-subidentifier */
			w->bad = true;
		} else if (parent == W_EXT) {
			w->ext_is_eku = oid_is(w, oid_eku, sizeof oid_eku);
		} else if (oid_is(w, oid_client_auth, sizeof oid_client_auth) ||
			   oid_is(w, oid_eku_any, sizeof oid_eku_any)) {
			w->eku_client = true;
		}
		break;
	case TAKE_BOOL:
		if (w->boolean != 0x00 && w->boolean != 0xff)
			w->bad = true;
		break;
	case TAKE_HASH:
		br_sha256_out(&w->dn, w->issuer_hash);
		w->issuer_done = true;
		break;
	default:
		break;
	}
	walk_close(w);
}

static void walk_take(struct der_walk *w, unsigned take, uint32_t len)
{
	w->in_body = true;
	w->take = (unsigned char)take;
	w->left = len;
	if (take == TAKE_OID) {
		w->oid_len = 0;
		w->arc = 0;
		w->arc_start = true;
	}
	if (len == 0)
		walk_body_done(w);
}

static void walk_enter(struct der_walk *w, unsigned kind, uint32_t len)
{
	if (w->depth == WALK_DEPTH) {
		w->bad = true;
		return;
	}
	w->lv[w->depth].end = w->pos + len;
	w->lv[w->depth].kids = 0;
	w->lv[w->depth].kind = (unsigned char)kind;
	w->depth++;
	walk_close(w); /* an empty one */
}

/* A whole element header has been read: what is this element, here? */
static void walk_element(struct der_walk *w, unsigned tag, uint32_t len)
{
	unsigned parent = w->lv[w->depth - 1].kind;
	uint32_t idx = w->lv[w->depth - 1].kids++;

	if (len > w->lv[w->depth - 1].end - w->pos) { /* beyond its parent */
		w->bad = true;
		return;
	}
	switch (parent) {
	case W_TOP:
		if (idx != 0 || tag != 0x30)
			break;
		walk_enter(w, W_CERT, len);
		return;
	case W_CERT:
		if (idx != 0) {
			walk_take(w, TAKE_SKIP, len);
			return;
		}
		if (tag != 0x30)
			break;
		walk_enter(w, W_TBS, len);
		return;
	case W_TBS:
		if (idx == 0 && tag == 0xa0) {
			w->has_version = true;
		} else if (idx == (w->has_version ? 3u : 2u)) {
			if (tag != 0x30)
				break;
			br_sha256_init(&w->dn);
			br_sha256_update(&w->dn, w->hdr, w->hdr_len);
			walk_take(w, TAKE_HASH, len);
			return;
		} else if (tag == 0xa3) {
			if (!w->issuer_done || w->exts_seen)
				break;
			w->exts_seen = true;
			walk_enter(w, W_EXTS_TAG, len);
			return;
		}
		walk_take(w, TAKE_SKIP, len);
		return;
	case W_EXTS_TAG:
		if (idx != 0 || tag != 0x30)
			break;
		walk_enter(w, W_EXTS, len);
		return;
	case W_EXTS:
		if (tag != 0x30)
			break;
		w->ext_is_eku = w->ext_has_value = false;
		walk_enter(w, W_EXT, len);
		return;
	case W_EXT:
		if (idx == 0) {
			if (tag != 0x06)
				break;
			walk_take(w, TAKE_OID, len);
			return;
		}
		if (idx == 1 && tag == 0x01) {
			if (len != 1)
				break;
			walk_take(w, TAKE_BOOL, len);
			return;
		}
		if (tag != 0x04 || w->ext_has_value)
			break;
		w->ext_has_value = true;
		if (!w->ext_is_eku) {
			walk_take(w, TAKE_SKIP, len);
			return;
		}
		if (w->eku_seen)
			break;
		w->eku_seen = true;
		walk_enter(w, W_EKU_VALUE, len);
		return;
	case W_EKU_VALUE:
		if (idx != 0 || tag != 0x30)
			break;
		walk_enter(w, W_EKU, len);
		return;
	case W_EKU:
		if (tag != 0x06)
			break;
		walk_take(w, TAKE_OID, len);
		return;
	default:
		break;
	}
	w->bad = true;
}

/*
 * One more byte of an element header.  Low tag numbers only; definite
 * lengths of at most 4 bytes, in their shortest form.
 */
static void walk_header_byte(struct der_walk *w, unsigned char b)
{
	unsigned n, k;
	uint32_t len;

	w->hdr[w->hdr_len++] = b;
	if (w->hdr_len == 1) {
		if ((b & 0x1f) == 0x1f)
			w->bad = true;
		return;
	}
	n = w->hdr[1];
	if (n < 0x80) {
		len = n;
	} else {
		k = n & 0x7f;
		if (k == 0 || k > 4) {
			w->bad = true;
			return;
		}
		if (w->hdr_len < 2 + k)
			return;
		len = 0;
		for (unsigned i = 0; i < k; i++)
			len = (len << 8) | w->hdr[2 + i];
		if ((k == 1 && len < 0x80) || (k > 1 && w->hdr[2] == 0)) {
			w->bad = true;
			return;
		}
	}
	walk_element(w, w->hdr[0], len);
	w->hdr_len = 0;
}

static void walk_feed(struct der_walk *w, const unsigned char *p, size_t len)
{
	while (len > 0 && !w->bad) {
		if (w->in_body) {
			size_t n = w->left < len ? w->left : len;

			if (w->take == TAKE_HASH) {
				br_sha256_update(&w->dn, p, n);
			} else if (w->take == TAKE_BOOL) {
				w->boolean = p[0];
			} else if (w->take == TAKE_OID) {
				for (size_t i = 0; i < n && !w->bad; i++)
					walk_oid_byte(w, p[i]);
			}
			p += n;
			len -= n;
			w->pos += (uint32_t)n;
			w->left -= (uint32_t)n;
			if (w->left == 0 && !w->bad)
				walk_body_done(w);
			continue;
		}
		/* A header: inside the open element (trailing bytes are not). */
		if (w->pos >= w->lv[w->depth - 1].end) {
			w->bad = true;
			break;
		}
		w->pos++;
		walk_header_byte(w, *p++);
		len--;
	}
}

/* The certificate's bytes are all in: WALK_OK, WALK_NOT_CLIENT or WALK_BAD. */
static int walk_finish(const struct der_walk *w)
{
	if (w->bad || w->depth != 1 || w->hdr_len != 0 || w->in_body ||
	    w->pos != w->lv[0].end || w->lv[0].kids != 1)
		return WALK_BAD;
	return w->eku_seen && !w->eku_client ? WALK_NOT_CLIENT : WALK_OK;
}

static void free_tas(struct tls_server *srv)
{
	for (size_t i = 0; i < srv->tas_len; i++)
		free(srv->tas[i].dn.data); /* one block: DN, then key */
	free(srv->tas);
	srv->tas = NULL;
	srv->tas_len = 0;
}

/*
 * Each CA certificate becomes a trust anchor: its subject DN (matched
 * against the issuer of the client's chain, and sent in the
 * CertificateRequest) and its public key.
 */
static bool load_cas(struct tls_server *srv, const char *path, char *err, size_t err_len)
{
	struct pem_list l;
	size_t certs = 0;
	bool ok = false;

	if (!load_pem(ENV_CA, path, &l, err, err_len))
		return false;
	for (size_t i = 0; i < l.len; i++)
		certs += is_cert_name(l.v[i].name);
	if (certs == 0) {
		set_err(err, err_len, "%s=%s: not a PEM certificate", ENV_CA, path);
		goto out;
	}
	if (certs > CA_MAX) {
		set_err(err, err_len, "%s=%s: more than %d certificates", ENV_CA, path, CA_MAX);
		goto out;
	}
	srv->tas = calloc(certs, sizeof *srv->tas);
	if (!srv->tas)
		goto oom;
	for (size_t i = 0; i < l.len; i++) {
		br_x509_decoder_context dc;
		struct der dn = { 0 };
		struct der_walk walk;
		br_sha256_context h;
		int verdict;
		const br_x509_pkey *pk;
		size_t klen;
		unsigned char *block;
		br_x509_trust_anchor *ta = &srv->tas[srv->tas_len];

		if (!is_cert_name(l.v[i].name))
			continue;
		int e = decode_cert(&dc, &l.v[i].der, der_append, &dn);

		if (e != 0 || dn.oom) {
			bool oom = dn.oom;

			der_free(&dn);
			if (oom)
				goto oom;
			bad_cert(ENV_CA, path, srv->tas_len + 1, e, err, err_len);
			goto out;
		}
		/*
		 * Its own Extended Key Usage decides whether clients may chain
		 * to it (dockerd would start, then refuse them all).
		 */
		walk_init(&walk, (uint32_t)l.v[i].der.len);
		walk_feed(&walk, l.v[i].der.p, l.v[i].der.len);
		verdict = walk_finish(&walk);
		if (verdict == WALK_BAD) {
			der_free(&dn);
			bad_cert(ENV_CA, path, srv->tas_len + 1, BR_ERR_X509_INVALID_VALUE, err,
				 err_len);
			goto out;
		}
		srv->ta_for_clients[srv->tas_len] = verdict == WALK_OK;
		br_sha256_init(&h);
		br_sha256_update(&h, dn.p, dn.len);
		br_sha256_out(&h, srv->ta_dn_hash[srv->tas_len]);
		pk = br_x509_decoder_get_pkey(&dc);
		klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen
						      : pk->key.ec.qlen;
		block = malloc(dn.len + klen + 1);
		if (!block) {
			der_free(&dn);
			goto oom;
		}
		memcpy(block, dn.p, dn.len);
		ta->dn.data = block;
		ta->dn.len = dn.len;
		der_free(&dn);
		/*
		 * CA even without a Basic Constraints extension: the operator
		 * named this file as the clients' CA.
		 */
		ta->flags = BR_X509_TA_CA;
		ta->pkey.key_type = pk->key_type;
		if (pk->key_type == BR_KEYTYPE_RSA) {
			unsigned char *mod = block + ta->dn.len, *exp = mod + pk->key.rsa.nlen;

			memcpy(mod, pk->key.rsa.n, pk->key.rsa.nlen);
			memcpy(exp, pk->key.rsa.e, pk->key.rsa.elen);
			ta->pkey.key.rsa.n = mod;
			ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
			ta->pkey.key.rsa.e = exp;
			ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		} else {
			unsigned char *q = block + ta->dn.len;

			memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
			ta->pkey.key.ec.curve = pk->key.ec.curve;
			ta->pkey.key.ec.q = q;
			ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		}
		srv->tas_len++;
	}
	ok = true;
	goto out;
oom:
	set_err(err, err_len, "%s=%s: out of memory", ENV_CA, path);
out:
	pem_list_free(&l);
	return ok;
}

/* ---- allow lists ----------------------------------------------------- */

/*
 * Calls item(arg, start, len) for each comma-separated item of list,
 * trimmed; stops at the first false.
 */
static bool each_item(const char *list, bool (*item)(void *, const char *, size_t), void *arg)
{
	const char *p = list;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;

		while (len > 0 && is_space((unsigned char)*s))
			s++, len--;
		while (len > 0 && is_space((unsigned char)s[len - 1]))
			len--;
		if (!item(arg, s, len))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

struct list_ctx {
	struct tls_server *srv;
	char *err;
	size_t err_len;
};

static bool add_cn(void *arg, const char *s, size_t len)
{
	struct list_ctx *c = arg;
	struct tls_server *srv = c->srv;

	if (len == 0) {
		set_err(c->err, c->err_len, "%s: empty name in the list", ENV_CN);
		return false;
	}
	if (len >= CN_LEN) {
		set_err(c->err, c->err_len, "%s: name longer than %d bytes", ENV_CN, CN_LEN - 1);
		return false;
	}
	if (srv->cns_len == TLS_MAX_CNS) {
		set_err(c->err, c->err_len, "%s: more than %d names", ENV_CN, TLS_MAX_CNS);
		return false;
	}
	memcpy(srv->cns[srv->cns_len], s, len);
	srv->cns[srv->cns_len][len] = '\0';
	srv->cns_len++;
	return true;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* 64 hex digits, any case, ':' allowed between them (openssl dgst -c). */
static bool parse_hex_pin(const char *s, size_t len, unsigned char out[32])
{
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == ':')
			continue;
		v = hex_digit_value((unsigned char)s[i]);
		if (v < 0 || digits == 64)
			return false;
		if (digits % 2 == 0)
			out[digits / 2] = (unsigned char)(v << 4);
		else
			out[digits / 2] |= (unsigned char)v;
		digits++;
	}
	return digits == 64;
}

/* 44 characters of standard base64: 43 digits and one '='. */
static bool parse_b64_pin(const char *s, size_t len, unsigned char out[32])
{
	uint32_t acc = 0;
	size_t bits = 0, n = 0;

	if (len != 44 || s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0)
			return false;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < 32)
				out[n] = (unsigned char)(acc >> bits);
			n++;
		}
	}
	/* 43 * 6 = 258 bits: 32 bytes and 2 bits that must be zero. */
	return n == 32 && (acc & ((1u << bits) - 1)) == 0;
}

static bool add_pin(void *arg, const char *s, size_t len)
{
	struct list_ctx *c = arg;
	struct tls_server *srv = c->srv;
	unsigned char pin[32];

	if (!parse_hex_pin(s, len, pin) && !parse_b64_pin(s, len, pin)) {
		set_err(c->err, c->err_len,
			"%s: \"%.*s\" is not a SHA-256 pin (64 hex digits or 44 base64 characters)",
			ENV_PINS, (int)(len > 100 ? 100 : len), s);
		return false;
	}
	if (srv->pins_len == TLS_MAX_PINS) {
		set_err(c->err, c->err_len, "%s: more than %d pins", ENV_PINS, TLS_MAX_PINS);
		return false;
	}
	memcpy(srv->pins[srv->pins_len++], pin, 32);
	return true;
}

static bool is_set(const char *s)
{
	if (!s)
		return false;
	while (is_space((unsigned char)*s))
		s++;
	return *s != '\0';
}

/* ---- loading --------------------------------------------------------- */

struct tls_server *tls_server_load(const struct tls_settings *s, char *err, size_t err_len)
{
	struct tls_server *srv;
	br_x509_decoder_context leaf;
	struct list_ctx lc;

	if (err && err_len)
		err[0] = '\0';
	if (!s->cert_path || !*s->cert_path) {
		set_err(err, err_len, "%s is not set", ENV_CERT);
		return NULL;
	}
	if (!s->key_path || !*s->key_path) {
		set_err(err, err_len, "%s is not set", ENV_KEY);
		return NULL;
	}
	srv = calloc(1, sizeof *srv);
	if (!srv) {
		set_err(err, err_len, "TLS: out of memory");
		return NULL;
	}
	lc.srv = srv;
	lc.err = err;
	lc.err_len = err_len;
	if (!load_chain(srv, s->cert_path, &leaf, err, err_len) ||
	    !load_key(srv, s->key_path, err, err_len) ||
	    !check_key(srv, br_x509_decoder_get_pkey(&leaf), s->key_path, err, err_len))
		goto fail;
	if (s->ca_path && *s->ca_path && !load_cas(srv, s->ca_path, err, err_len))
		goto fail;
	if (is_set(s->allow_cn)) {
		if (!srv->tas) {
			set_err(err, err_len, "%s needs %s (client certificates)", ENV_CN, ENV_CA);
			goto fail;
		}
		if (!each_item(s->allow_cn, add_cn, &lc))
			goto fail;
	}
	if (is_set(s->allow_pins)) {
		if (!srv->tas) {
			set_err(err, err_len, "%s needs %s (client certificates)", ENV_PINS, ENV_CA);
			goto fail;
		}
		if (!each_item(s->allow_pins, add_pin, &lc))
			goto fail;
	}
	return srv;
fail:
	tls_server_free(srv);
	return NULL;
}

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	for (size_t i = 0; i < srv->chain_len; i++)
		free(srv->chain[i].data);
	free_tas(srv);
	explicit_bzero(&srv->key, sizeof srv->key);
	free(srv);
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
	px->leaf_len = 0;
	px->verified = false;
	px->walking = false;
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
	px->walking = px->anchor == 0 && px->eku_err == 0;
	if (px->walking)
		walk_init(&px->walk, length);
	px->minimal.vtable->start_cert(&px->minimal.vtable, length);
}

static void px_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct peer_x509 *px = px_of(ctx);

	if (px->certs == 1) { /* the leaf: keep its first LEAF_PREFIX bytes */
		size_t have = px->leaf_len < sizeof px->leaf ? px->leaf_len : sizeof px->leaf;
		size_t take = sizeof px->leaf - have < len ? sizeof px->leaf - have : len;

		memcpy(px->leaf + have, buf, take);
		px->leaf_len += len;
	}
	if (px->walking)
		walk_feed(&px->walk, buf, len);
	px->minimal.vtable->append(&px->minimal.vtable, buf, len);
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

	if (px->walking) {
		const struct tls_server *srv = px->srv;
		int verdict = walk_finish(&px->walk);

		if (verdict == WALK_BAD) {
			px->eku_err = BR_ERR_X509_INVALID_VALUE;
		} else if (verdict == WALK_NOT_CLIENT) {
			px->eku_err = TLS_ERR_NOT_CLIENT_CERT;
		} else {
			bool found = false, for_clients = true;

			/* CAs of the same name: each must allow clients. */
			for (size_t i = 0; i < srv->tas_len; i++) {
				if (memcmp(srv->ta_dn_hash[i], px->walk.issuer_hash, 32) == 0) {
					found = true;
					for_clients = for_clients && srv->ta_for_clients[i];
				}
			}
			if (found) {
				px->anchor = px->certs;
				px->anchor_for_clients = for_clients;
			}
		}
		px->walking = false;
	}
	px->minimal.vtable->end_cert(&px->minimal.vtable);
}

/*
 * One DER header at p[*off]: tag and content length; *off moves past the
 * header.  Only what certificates use: low tag numbers, definite lengths.
 */
static bool der_header(const unsigned char *p, size_t len, size_t *off, unsigned *tag,
		       size_t *clen)
{
	size_t o = *off, n;

	if (o + 2 > len)
		return false;
	*tag = p[o++];
	if ((*tag & 0x1f) == 0x1f)
		return false;
	n = p[o++];
	if (n & 0x80) {
		unsigned k = n & 0x7f;

		if (k == 0 || k > 3 || o + k > len)
			return false;
		for (n = 0; k > 0; k--)
			n = (n << 8) | p[o++];
	}
	*off = o;
	*clen = n;
	return true;
}

/*
 * Finds the SubjectPublicKeyInfo in a certificate's first len bytes:
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
 * OPTIONAL, serialNumber, signature, issuer, validity, subject,
 * subjectPublicKeyInfo, ... }, ... }.
 */
static bool find_spki(const unsigned char *p, size_t len, const unsigned char **spki,
		      size_t *spki_len)
{
	static const unsigned char skip[] = { 0x02, 0x30, 0x30, 0x30, 0x30 };
	size_t off = 0, clen, start;
	unsigned tag;

	if (!der_header(p, len, &off, &tag, &clen) || tag != 0x30)
		return false;
	if (!der_header(p, len, &off, &tag, &clen) || tag != 0x30)
		return false;
	start = off;
	if (!der_header(p, len, &off, &tag, &clen))
		return false;
	if (tag == 0xa0) { /* version */
		if (clen > len - off)
			return false;
		off += clen;
		start = off;
		if (!der_header(p, len, &off, &tag, &clen))
			return false;
	}
	for (size_t i = 0; i < sizeof skip; i++) {
		if (i > 0) {
			start = off;
			if (!der_header(p, len, &off, &tag, &clen))
				return false;
		}
		if (tag != skip[i] || clen > len - off)
			return false;
		off += clen;
	}
	start = off;
	if (!der_header(p, len, &off, &tag, &clen) || tag != 0x30 || clen > len - off)
		return false;
	*spki = p + start;
	*spki_len = off + clen - start;
	return true;
}

static bool cn_allowed(const struct peer_x509 *px)
{
	const struct tls_server *srv = px->srv;

	/* Exactly one CN, decoded: two would leave it open which one counts. */
	if (px->names[0].status != 1 || px->names[1].status != 0)
		return false;
	for (size_t i = 0; i < srv->cns_len; i++)
		if (strcmp(srv->cns[i], px->cn[0]) == 0)
			return true;
	return false;
}

static bool pin_allowed(const struct peer_x509 *px)
{
	const struct tls_server *srv = px->srv;
	const unsigned char *spki;
	size_t spki_len;
	unsigned char hash[32];
	br_sha256_context h;
	size_t have = px->leaf_len < sizeof px->leaf ? px->leaf_len : sizeof px->leaf;

	if (!find_spki(px->leaf, have, &spki, &spki_len))
		return false;
	br_sha256_init(&h);
	br_sha256_update(&h, spki, spki_len);
	br_sha256_out(&h, hash);
	for (size_t i = 0; i < srv->pins_len; i++)
		if (memcmp(srv->pins[i], hash, sizeof hash) == 0)
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
	if (px->srv->cns_len > 0 && !cn_allowed(px))
		return TLS_ERR_CN_NOT_ALLOWED;
	if (px->srv->pins_len > 0 && !pin_allowed(px))
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

/* ---- connections ----------------------------------------------------- */

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

/*
 * Hashes for handshake signatures (ours, and the client's
 * CertificateVerify) and for certificate signatures.  No MD5 or SHA-1:
 * the server offers only these in its CertificateRequest.
 */
static const br_hash_class *const hashes[] = {
	&br_sha224_vtable,
	&br_sha256_vtable,
	&br_sha384_vtable,
	&br_sha512_vtable,
};

static int hash_id(const br_hash_class *h)
{
	return (int)((h->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);
}

struct tls_conn *tls_conn_new(const struct tls_server *srv)
{
	struct tls_conn *tc = malloc(sizeof *tc);
	br_ssl_engine_context *eng;
	unsigned char seed[32];

	if (!tc)
		return NULL;
	tc->hs_done = false;
	tc->closing = false;
	tc->first_seen = false;
	tc->first = 0;
	tc->in_to = IN_NONE;
	tc->rec_in = NULL;
	tc->trk_have = tc->body_left = tc->stage_have = 0;
	tc->held = false;
	eng = &tc->sc.eng;

	/* What br_ssl_server_init_full_rsa/ec set up, narrowed. */
	br_ssl_server_zero(&tc->sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	if (srv->key_type == BR_KEYTYPE_RSA)
		br_ssl_engine_set_suites(eng, suites_rsa, sizeof suites_rsa / sizeof suites_rsa[0]);
	else
		br_ssl_engine_set_suites(eng, suites_ec, sizeof suites_ec / sizeof suites_ec[0]);
	br_ssl_engine_set_default_ec(eng);
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		br_ssl_engine_set_hash(eng, hash_id(hashes[i]), hashes[i]);
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
	memset(&tc->px, 0, sizeof tc->px);
	if (srv->tas_len > 0) {
		struct peer_x509 *px = &tc->px;
		static const unsigned char oid_cn[] = { 3, 0x55, 0x04, 0x03 };

		px->vtable = &peer_x509_vtable;
		px->srv = srv;
		br_x509_minimal_init(&px->minimal, &br_sha256_vtable, srv->tas, srv->tas_len);
		for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
			br_x509_minimal_set_hash(&px->minimal, hash_id(hashes[i]), hashes[i]);
		br_x509_minimal_set_rsa(&px->minimal, br_rsa_pkcs1_vrfy_get_default());
		br_x509_minimal_set_ecdsa(&px->minimal, br_ec_get_default(),
					  br_ecdsa_vrfy_asn1_get_default());
		for (size_t i = 0; i < 2; i++) {
			px->names[i].oid = oid_cn;
			px->names[i].buf = px->cn[i];
			px->names[i].len = sizeof px->cn[i];
		}
		br_x509_minimal_set_name_elements(&px->minimal, px->names, 2);
		br_ssl_engine_set_x509(eng, &px->vtable);
		br_ssl_engine_set_default_rsavrfy(eng);
		br_ssl_engine_set_default_ecdsa(eng);
		br_ssl_server_set_trust_anchor_names_alt(&tc->sc, srv->tas, srv->tas_len);
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
	if (!p) {
		*len = 0;
		return NULL;
	}
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

unsigned char *tls_sendrec_buf(struct tls_conn *tc, size_t *len)
{
	unsigned char *p = br_ssl_engine_sendrec_buf(&tc->sc.eng, len);

	if (!p)
		*len = 0;
	return p;
}

void tls_sendrec_ack(struct tls_conn *tc, size_t n)
{
	br_ssl_engine_sendrec_ack(&tc->sc.eng, n);
	observe(tc);
}

unsigned char *tls_recvapp_buf(struct tls_conn *tc, size_t *len)
{
	unsigned char *p = br_ssl_engine_recvapp_buf(&tc->sc.eng, len);

	if (!p)
		*len = 0;
	else
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

	if (!p)
		*len = 0;
	else
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
		 error == BR_ERR_NO_CLIENT_AUTH)
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
	if (!tc->px.verified || tc->px.names[0].status != 1)
		return "";
	return tc->px.cn[0];
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
	{ BR_ERR_X509_INVALID_VALUE, "malformed certificate" },
	{ BR_ERR_X509_TRUNCATED, "malformed certificate" },
	{ BR_ERR_X509_EMPTY_CHAIN, "no client certificate" },
	{ BR_ERR_X509_INNER_TRUNC, "malformed certificate" },
	{ BR_ERR_X509_BAD_TAG_CLASS, "malformed certificate" },
	{ BR_ERR_X509_BAD_TAG_VALUE, "malformed certificate" },
	{ BR_ERR_X509_INDEFINITE_LENGTH, "malformed certificate" },
	{ BR_ERR_X509_EXTRA_ELEMENT, "malformed certificate" },
	{ BR_ERR_X509_UNEXPECTED, "malformed certificate" },
	{ BR_ERR_X509_NOT_CONSTRUCTED, "malformed certificate" },
	{ BR_ERR_X509_NOT_PRIMITIVE, "malformed certificate" },
	{ BR_ERR_X509_PARTIAL_BYTE, "malformed certificate" },
	{ BR_ERR_X509_BAD_BOOLEAN, "malformed certificate" },
	{ BR_ERR_X509_OVERFLOW, "malformed certificate" },
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
	{ TLS_ERR_CN_NOT_ALLOWED, "client not in " ENV_CN },
	{ TLS_ERR_PIN_NOT_ALLOWED, "client not in " ENV_PINS },
	{ TLS_ERR_NOT_TLS, "not TLS (plain HTTP?)" },
	{ TLS_ERR_NOT_CLIENT_CERT, "certificate not for client authentication" },
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
	if (error >= BR_ERR_RECV_FATAL_ALERT && error < BR_ERR_SEND_FATAL_ALERT)
		return "client sent a fatal alert";
	if (error >= BR_ERR_SEND_FATAL_ALERT && error < BR_ERR_SEND_FATAL_ALERT + 256)
		return "fatal alert sent";
	if (error >= 32 && error < 64)
		return "invalid certificate";
	return "tls error";
}

#endif /* SOCKWALL_TLS */
