/*
 * Loading parses the PEM files once into DER and BearSSL structures and
 * checks them all, so that a listener never starts with a file it would
 * fail on later.  Every buffer that held key material is wiped before it
 * is freed.
 */
#if SOCKWALL_TLS

#include "tls_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexdigit.h"
#include "text.h"
#include "tls.h"

#define ENV_CERT "SOCKWALL_TLS_CERT"
#define ENV_KEY "SOCKWALL_TLS_KEY"
#define ENV_CA "SOCKWALL_TLS_CA"
#define ENV_CN "SOCKWALL_TLS_ALLOW_CN"
#define ENV_PINS "SOCKWALL_TLS_ALLOW_PINS"

#define FILE_MAX (1u << 20) /* a PEM file larger than this is refused */
#define RSA_MAX_BYTES 512   /* BearSSL handles RSA keys up to 4096 bits */

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

/* ---- PEM ------------------------------------------------------------- */

struct pem_obj {
	char name[128];
	size_t off, len; /* its DER, in the list's block */
};

/*
 * The objects of one PEM file.  Their DER goes into one block as large as
 * the text, which the decoded bytes never outgrow: no regrowing, and one
 * place to wipe.
 */
struct pem_list {
	unsigned char *der;
	size_t used, cap;
	bool overflow;
	struct pem_obj *v;
	size_t len;
};

static void pem_append(void *ctx, const void *data, size_t len)
{
	struct pem_list *l = ctx;

	if (len > l->cap - l->used) {
		l->overflow = true;
		return;
	}
	memcpy(l->der + l->used, data, len);
	l->used += len;
	l->v[l->len - 1].len += len;
}

static void pem_list_free(struct pem_list *l)
{
	if (l->der) {
		explicit_bzero(l->der, l->cap);
		free(l->der);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static unsigned char *pem_der(const struct pem_list *l, size_t i)
{
	return l->der + l->v[i].off;
}

enum { PEM_OK = 0, PEM_BAD = -1, PEM_OOM = -2 };

/*
 * Decodes every PEM object of text into l (text between objects is
 * ignored, as in OpenSSL's files).  PEM_BAD for a broken object.
 */
static int pem_decode(const char *text, size_t len, struct pem_list *l)
{
	br_pem_decoder_context pc;
	bool in_obj = false, final_nl = false;

	memset(l, 0, sizeof *l);
	l->cap = len;
	l->der = malloc(len ? len : 1);
	if (!l->der)
		return PEM_OOM;
	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, text, len);

		text += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ: {
			struct pem_obj *nv = realloc(l->v, (l->len + 1) * sizeof *nv);

			if (!nv) {
				pem_list_free(l);
				return PEM_OOM;
			}
			l->v = nv;
			nv[l->len].off = l->used;
			nv[l->len].len = 0;
			snprintf(nv[l->len].name, sizeof nv[l->len].name, "%s",
				 br_pem_decoder_name(&pc));
			l->len++;
			br_pem_decoder_setdest(&pc, pem_append, l);
			in_obj = true;
			break;
		}
		case BR_PEM_END_OBJ:
			in_obj = false;
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
			text = "\n";
			len = 1;
		}
	}
	if (in_obj || l->overflow) { /* broken, or an object without its END line */
		pem_list_free(l);
		return PEM_BAD;
	}
	return PEM_OK;
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
	char *text = text_read_file(path, FILE_MAX, &len);
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

/* Decodes object i, certificate number n of setting's file; false with err set. */
static bool decode_cert(br_x509_decoder_context *dc, const struct pem_list *l, size_t i,
			const char *setting, const char *path, size_t n, char *err, size_t err_len)
{
	br_x509_decoder_init(dc, NULL, NULL);
	br_x509_decoder_push(dc, pem_der(l, i), l->v[i].len);
	int e = br_x509_decoder_last_error(dc);

	if (e != 0)
		bad_cert(setting, path, n, e, err, err_len);
	return e == 0;
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

		if (!is_cert_name(l.v[i].name)) {
			/* The block is kept: not a key beside the certificates in it. */
			explicit_bzero(pem_der(&l, i), l.v[i].len);
			continue;
		}
		if (srv->chain_len == TLS_CHAIN_MAX) {
			set_err(err, err_len, "%s=%s: more than %d certificates", ENV_CERT, path,
				TLS_CHAIN_MAX);
			goto out;
		}
		if (!decode_cert(srv->chain_len == 0 ? leaf : &dc, &l, i, ENV_CERT, path,
				 srv->chain_len + 1, err, err_len))
			goto out;
		/* The engine sends these bytes as they are. */
		srv->chain[srv->chain_len].data = pem_der(&l, i);
		srv->chain[srv->chain_len].data_len = l.v[i].len;
		srv->chain_len++;
	}
	if (srv->chain_len == 0) {
		set_err(err, err_len, "%s=%s: not a PEM certificate", ENV_CERT, path);
		goto out;
	}
	srv->chain_der = l.der;
	l.der = NULL;
	ok = true;
out:
	pem_list_free(&l);
	if (!ok)
		srv->chain_len = 0;
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
		br_skey_decoder_push(&srv->key, pem_der(&l, i), l.v[i].len);
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

static void free_tas(struct x509_clients *cl)
{
	for (size_t i = 0; i < cl->tas_len; i++)
		free(cl->tas[i].dn.data); /* one block: DN, then key */
	free(cl->tas);
	cl->tas = NULL;
	cl->tas_len = 0;
}

/*
 * A CA certificate as a trust anchor: its subject DN (matched against the
 * issuer of the client's chain, and sent in the CertificateRequest) and
 * its public key, copied into one block.  False when out of memory.
 */
static bool add_anchor(struct x509_clients *cl, struct der dn, const br_x509_pkey *pk)
{
	br_x509_trust_anchor *ta = &cl->tas[cl->tas_len];
	size_t klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen
						     : pk->key.ec.qlen;
	unsigned char *block = malloc(dn.len + klen + 1);

	if (!block)
		return false;
	x509_sha256(dn, cl->ta_dn_hash[cl->tas_len]);
	memcpy(block, dn.p, dn.len);
	ta->dn.data = block;
	ta->dn.len = dn.len;
	/*
	 * CA even without a Basic Constraints extension: the operator named
	 * this file as the clients' CA.
	 */
	ta->flags = BR_X509_TA_CA;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		unsigned char *mod = block + dn.len, *exp = mod + pk->key.rsa.nlen;

		memcpy(mod, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(exp, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = mod;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = exp;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		unsigned char *q = block + dn.len;

		memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = q;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	cl->tas_len++;
	return true;
}

static bool load_cas(struct x509_clients *cl, const char *path, char *err, size_t err_len)
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
	if (certs > X509_CA_MAX) {
		set_err(err, err_len, "%s=%s: more than %d certificates", ENV_CA, path,
			X509_CA_MAX);
		goto out;
	}
	cl->tas = calloc(certs, sizeof *cl->tas);
	if (!cl->tas)
		goto oom;
	for (size_t i = 0; i < l.len; i++) {
		br_x509_decoder_context dc;
		struct x509_cert c;
		int verdict;

		if (!is_cert_name(l.v[i].name))
			continue;
		if (!decode_cert(&dc, &l, i, ENV_CA, path, cl->tas_len + 1, err, err_len))
			goto out;
		/*
		 * Its own Extended Key Usage decides whether clients may chain
		 * to it (dockerd would start, then refuse them all).
		 */
		verdict = x509_read(pem_der(&l, i), l.v[i].len, &c);
		if (verdict == X509_BAD || !c.subject.p) {
			bad_cert(ENV_CA, path, cl->tas_len + 1, BR_ERR_X509_INVALID_VALUE, err,
				 err_len);
			goto out;
		}
		cl->ta_for_clients[cl->tas_len] = verdict == X509_OK;
		if (!add_anchor(cl, c.subject, br_x509_decoder_get_pkey(&dc)))
			goto oom;
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

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static struct str trimmed(struct str s)
{
	while (s.len > 0 && is_space((unsigned char)s.p[0]))
		s.p++, s.len--;
	while (s.len > 0 && is_space((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

static bool is_set(const char *s)
{
	return s && trimmed((struct str){ s, strlen(s) }).len > 0;
}

static bool add_cn(struct x509_clients *cl, struct str cn, char *err, size_t err_len)
{
	if (cn.len == 0) {
		set_err(err, err_len, "%s: empty name in the list", ENV_CN);
		return false;
	}
	if (cn.len >= X509_CN_LEN) {
		set_err(err, err_len, "%s: name longer than %d bytes", ENV_CN, X509_CN_LEN - 1);
		return false;
	}
	if (cl->cns_len == TLS_MAX_CNS) {
		set_err(err, err_len, "%s: more than %d names", ENV_CN, TLS_MAX_CNS);
		return false;
	}
	memcpy(cl->cns[cl->cns_len], cn.p, cn.len);
	cl->cns[cl->cns_len][cn.len] = '\0';
	cl->cns_len++;
	return true;
}

static int b64_value(int c)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(digits, c) : NULL;

	return at ? (int)(at - digits) : -1;
}

/* 64 hex digits, any case, ':' allowed between them (openssl dgst -c). */
static bool parse_hex_pin(struct str s, unsigned char out[32])
{
	size_t digits = 0;

	for (size_t i = 0; i < s.len; i++) {
		int v;

		if (s.p[i] == ':')
			continue;
		v = hex_digit_value((unsigned char)s.p[i]);
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
static bool parse_b64_pin(struct str s, unsigned char out[32])
{
	uint32_t acc = 0;
	size_t bits = 0, n = 0;

	if (s.len != 44 || s.p[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++) {
		int v = b64_value((unsigned char)s.p[i]);

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

static bool add_pin(struct x509_clients *cl, struct str pin, char *err, size_t err_len)
{
	unsigned char hash[32];

	if (!parse_hex_pin(pin, hash) && !parse_b64_pin(pin, hash)) {
		set_err(err, err_len,
			"%s: \"%.*s\" is not a SHA-256 pin (64 hex digits or 44 base64 characters)",
			ENV_PINS, (int)(pin.len > 100 ? 100 : pin.len), pin.p);
		return false;
	}
	if (cl->pins_len == TLS_MAX_PINS) {
		set_err(err, err_len, "%s: more than %d pins", ENV_PINS, TLS_MAX_PINS);
		return false;
	}
	memcpy(cl->pins[cl->pins_len++], hash, 32);
	return true;
}

typedef bool add_fn(struct x509_clients *cl, struct str item, char *err, size_t err_len);

/*
 * Each item of the comma-separated list, trimmed, through add; "a," has an
 * empty second item, which add refuses.
 */
static bool add_items(struct x509_clients *cl, const char *setting, const char *list, add_fn *add,
		      char *err, size_t err_len)
{
	struct str rest = { list, strlen(list) }, item;

	if (!cl->tas) {
		set_err(err, err_len, "%s needs %s (client certificates)", setting, ENV_CA);
		return false;
	}
	while (text_item(&rest, ',', false, &item))
		if (!add(cl, trimmed(item), err, err_len))
			return false;
	/* text_item stops at a last comma with rest still pointing past it. */
	return rest.p == NULL || add(cl, (struct str){ "", 0 }, err, err_len);
}

/* ---- loading --------------------------------------------------------- */

struct tls_server *tls_server_load(const struct tls_settings *s, char *err, size_t err_len)
{
	struct tls_server *srv;
	br_x509_decoder_context leaf;

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
	if (!load_chain(srv, s->cert_path, &leaf, err, err_len) ||
	    !load_key(srv, s->key_path, err, err_len) ||
	    !check_key(srv, br_x509_decoder_get_pkey(&leaf), s->key_path, err, err_len))
		goto fail;
	if (s->ca_path && *s->ca_path && !load_cas(&srv->clients, s->ca_path, err, err_len))
		goto fail;
	if (is_set(s->allow_cn) &&
	    !add_items(&srv->clients, ENV_CN, s->allow_cn, add_cn, err, err_len))
		goto fail;
	if (is_set(s->allow_pins) &&
	    !add_items(&srv->clients, ENV_PINS, s->allow_pins, add_pin, err, err_len))
		goto fail;
	return srv;
fail:
	tls_server_free(srv);
	return NULL;
}

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	free(srv->chain_der);
	free_tas(&srv->clients);
	explicit_bzero(&srv->key, sizeof srv->key);
	free(srv);
}

#endif /* SOCKWALL_TLS */
