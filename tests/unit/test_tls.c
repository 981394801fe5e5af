/*
 * TLS: certificates made here with openssl; loading errors name the file
 * or setting; then in-memory handshakes between a BearSSL client engine
 * and our server (bytes shuttled between the two engines' record buffers):
 * who gets in, who is refused and why, and data both ways once in.
 */
#include "../../src/tls.h"
#include "test.h"

#if !SOCKWALL_TLS
int main(void)
{
	fprintf(stderr, "%s: built without TLS, nothing to test\n", __FILE__);
	TEST_DONE();
}
#else

#include <bearssl.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/sockwall-tls-XXXXXX";

/*
 * CA "ca" signs the servers (RSA and EC, SAN localhost) and the clients:
 * alice (RSA), bob (EC P-256), carol (through the intermediate "inter"),
 * old (expired in 2020), future (valid from 2099).  "otherca" signs
 * mallory (CN alice, so only the CA tells her apart).  *.der files are for
 * the test's client; *.pin.* are SPKI SHA-256 pins, as an operator makes
 * them.
 *
 * Extended Key Usage: eku_* are one key's (CN eku) certificates with
 * different EKUs; dave and erin come through intermediates whose own EKU
 * is serverAuth (inter_srv) or clientAuth (inter_cli); frank and gina
 * through CAs srvca and cltca, whose EKU is serverAuth and clientAuth.
 */
static const char gen_script[] =
	"set -e\n"
	"q() { \"$@\" >>gen.log 2>&1 || { echo \"failed: $*\" >&2; cat gen.log >&2; exit 1; }; }\n"
	"printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' >ca.ext\n"
	"printf 'subjectAltName=DNS:localhost\\nextendedKeyUsage=serverAuth\\n' >srv.ext\n"
	"printf 'extendedKeyUsage=clientAuth\\n' >cli.ext\n"
	"for c in ca otherca; do\n"
	"  q openssl req -x509 -new -newkey rsa:2048 -nodes -keyout $c.key -out $c.pem -days 30 -subj /CN=$c\n"
	"done\n"
	"n=1\n"
	"sign() { # name issuer ext\n"
	"  n=$((n + 1))\n"
	"  q openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -set_serial $n -days 30 -extfile $3 -out $1.pem\n"
	"}\n"
	"q openssl req -new -newkey rsa:2048 -nodes -keyout srv_rsa.key -out srv_rsa.csr -subj /CN=localhost\n"
	"sign srv_rsa ca srv.ext\n"
	"q openssl rsa -in srv_rsa.key -traditional -out srv_rsa_trad.key\n"
	"q openssl ecparam -name prime256v1 -genkey -out srv_ec.key\n"
	"q openssl req -new -key srv_ec.key -out srv_ec.csr -subj /CN=localhost\n"
	"sign srv_ec ca srv.ext\n"
	"q openssl pkey -in srv_ec.key -out srv_ec_p8.key\n"
	"q openssl pkey -in srv_rsa.key -aes256 -passout pass:secret -out srv_rsa_enc.key\n"
	"q openssl rsa -in srv_rsa.key -traditional -aes256 -passout pass:secret -out srv_rsa_tenc.key\n"
	"q openssl ecparam -name secp256k1 -genkey -out k1.key\n"
	"q openssl req -x509 -new -key k1.key -out k1.pem -days 30 -subj /CN=k1\n"
	"cat srv_rsa.pem ca.pem >srv_rsa_chain.pem\n"
	"q openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj /CN=inter\n"
	"sign inter ca ca.ext\n"
	"for c in alice carol; do\n"
	"  q openssl req -new -newkey rsa:2048 -nodes -keyout $c.key -out $c.csr -subj /CN=$c\n"
	"done\n"
	"q openssl req -new -newkey rsa:2048 -nodes -keyout mallory.key -out mallory.csr -subj /CN=alice\n"
	"q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout bob.key -out bob.csr -subj /CN=bob\n"
	"q openssl req -new -newkey rsa:2048 -nodes -keyout twocn.key -out twocn.csr -subj /CN=alice/CN=bob\n"
	"sign alice ca cli.ext\n"
	"sign bob ca cli.ext\n"
	"sign twocn ca cli.ext\n"
	"sign carol inter cli.ext\n"
	"sign mallory otherca cli.ext\n"
	"mkdir db && : >db/index.txt && echo 1000 >db/serial\n"
	"printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=db/index.txt\\nserial=db/serial\\nnew_certs_dir=db\\n"
	"certificate=ca.pem\\nprivate_key=ca.key\\ndefault_md=sha256\\npolicy=p\\nx509_extensions=x\\n"
	"[p]\\ncommonName=supplied\\n[x]\\nextendedKeyUsage=clientAuth\\n' >ca.cnf\n"
	"for c in old future; do\n"
	"  q openssl req -new -newkey rsa:2048 -nodes -keyout $c.key -out $c.csr -subj /CN=$c\n"
	"done\n"
	"q openssl ca -batch -config ca.cnf -startdate 20200101000000Z -enddate 20200102000000Z -in old.csr -out old.pem -notext\n"
	"q openssl ca -batch -config ca.cnf -startdate 20990101000000Z -enddate 20990102000000Z -in future.csr -out future.pem -notext\n"
	"q openssl ecparam -name prime256v1 -genkey -out eku.key\n"
	"q openssl req -new -key eku.key -out eku.csr -subj /CN=eku\n"
	"eku() { # name issuer extfile-text\n"
	"  printf \"$3\" >$1.ext\n"
	"  n=$((n + 1))\n"
	"  q openssl x509 -req -in eku.csr -CA $2.pem -CAkey $2.key -set_serial $n -days 30 -extfile $1.ext -out $1.pem\n"
	"}\n"
	"eku eku_srv ca 'extendedKeyUsage=serverAuth\\n'\n"
	"eku eku_cli ca 'extendedKeyUsage=clientAuth\\n'\n"
	"eku eku_both ca 'extendedKeyUsage=serverAuth,clientAuth\\n'\n"
	"eku eku_any ca 'extendedKeyUsage=anyExtendedKeyUsage\\n'\n"
	"eku eku_code ca 'extendedKeyUsage=codeSigning,emailProtection\\n'\n"
	"eku eku_crit ca 'extendedKeyUsage=critical,clientAuth\\n'\n"
	"eku eku_none ca 'keyUsage=critical,digitalSignature\\nsubjectAltName=DNS:eku\\n'\n"
	"n=$((n + 1))\n"
	"q openssl x509 -req -in eku.csr -CA ca.pem -CAkey ca.key -set_serial $n -days 30 -out eku_v1.pem\n"
	/* Over 16 KiB: the EKU comes in a later TLS record than the certificate's start. */
	"san=$(i=0; while [ $i -lt 800 ]; do printf 'DNS:host%d.example.com,' $i; i=$((i + 1)); done)\n"
	"eku eku_big_srv ca \"subjectAltName=${san}DNS:last.example.com\\nextendedKeyUsage=serverAuth\\n\"\n"
	"eku eku_big_cli ca \"subjectAltName=${san}DNS:last.example.com\\nextendedKeyUsage=clientAuth\\n\"\n"
	/* Over 64 KiB, Go's limit for a whole Certificate message. */
	"san=$(i=0; while [ $i -lt 3100 ]; do printf 'DNS:host%d.example.com,' $i; i=$((i + 1)); done)\n"
	"eku eku_huge ca \"subjectAltName=${san}DNS:last.example.com\\nextendedKeyUsage=clientAuth\\n\"\n"
	"for c in inter_srv inter_cli srvca cltca; do\n"
	"  q openssl ecparam -name prime256v1 -genkey -out $c.key\n"
	"done\n"
	"printf 'extendedKeyUsage=serverAuth\\n' | cat ca.ext - >ca_srv.ext\n"
	"printf 'extendedKeyUsage=clientAuth\\n' | cat ca.ext - >ca_cli.ext\n"
	"for u in srv cli; do\n"
	"  q openssl req -new -key inter_$u.key -out inter_$u.csr -subj /CN=inter_$u\n"
	"  sign inter_$u ca ca_$u.ext\n"
	"done\n"
	"eku dave inter_srv 'extendedKeyUsage=clientAuth\\n'\n"
	"eku erin inter_cli 'extendedKeyUsage=clientAuth\\n'\n"
	"q openssl req -x509 -new -key srvca.key -out srvca.pem -days 30 -subj /CN=srvca -addext extendedKeyUsage=serverAuth\n"
	"q openssl req -x509 -new -key cltca.key -out cltca.pem -days 30 -subj /CN=cltca -addext extendedKeyUsage=clientAuth\n"
	"eku frank srvca 'extendedKeyUsage=clientAuth\\n'\n"
	"eku gina cltca 'extendedKeyUsage=clientAuth\\n'\n"
	"cat srvca.pem cltca.pem >eku_cas.pem\n"
	"for c in ca inter alice bob carol mallory old future twocn srv_rsa inter_srv inter_cli eku; do\n"
	"  q openssl pkey -in $c.key -outform der -out $c.key.der\n"
	"done\n"
	"for c in ca inter alice bob carol mallory old future twocn srv_rsa inter_srv inter_cli \\\n"
	"    eku_srv eku_cli eku_both eku_any eku_code eku_crit eku_none eku_v1 eku_big_srv eku_big_cli \\\n"
	"    eku_huge \\\n"
	"    dave erin frank gina; do\n"
	"  q openssl x509 -in $c.pem -outform der -out $c.crt.der\n"
	"  [ -e $c.key.der ] || cp eku.key.der $c.key.der\n"
	"done\n"
	"for c in alice bob; do\n"
	"  openssl x509 -in $c.pem -pubkey -noout | openssl pkey -pubin -outform der >$c.spki.der\n"
	"  openssl dgst -sha256 -binary $c.spki.der | base64 >$c.pin.b64\n"
	"  openssl dgst -sha256 -c $c.spki.der | sed 's/.*= //' | tr a-f A-F >$c.pin.hex\n"
	"done\n"
	"echo 'this is not PEM' >garbage.pem\n"
	"printf -- '-----BEGIN CERTIFICATE-----\\nMIIB!!!notbase64\\n-----END CERTIFICATE-----\\n' >badb64.pem\n"
	"printf -- '-----BEGIN CERTIFICATE-----\\naGVsbG8gd29ybGQ=\\n-----END CERTIFICATE-----\\n' >notx509.pem\n"
	": >empty.pem\n"
	"printf -- '-----BEGIN RSA PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END RSA PRIVATE KEY-----\n' >badkey.key\n";

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

/* A file's first line, for pins. */
static char *line_of(const char *path)
{
	size_t len;
	char *s = (char *)slurp(path, &len);

	if (s)
		s[strcspn(s, "\r\n")] = 0;
	return s;
}

/* ---- the test's client: a plain BearSSL client engine ---------------- */

static br_x509_trust_anchor ca_anchor;

static void dn_append(void *ctx, const void *buf, size_t len)
{
	br_x509_trust_anchor *ta = ctx;
	unsigned char *p = realloc(ta->dn.data, ta->dn.len + len);

	if (!p)
		abort();
	memcpy(p + ta->dn.len, buf, len);
	ta->dn.data = p;
	ta->dn.len += len;
}

static void load_ca_anchor(void)
{
	br_x509_decoder_context dc;
	size_t len;
	unsigned char *der = slurp("ca.crt.der", &len);
	const br_x509_pkey *pk;

	if (!der)
		abort();
	br_x509_decoder_init(&dc, dn_append, &ca_anchor);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || pk->key_type != BR_KEYTYPE_RSA)
		abort();
	ca_anchor.flags = BR_X509_TA_CA;
	ca_anchor.pkey.key_type = BR_KEYTYPE_RSA;
	ca_anchor.pkey.key.rsa.n = malloc(pk->key.rsa.nlen);
	ca_anchor.pkey.key.rsa.e = malloc(pk->key.rsa.elen);
	memcpy(ca_anchor.pkey.key.rsa.n, pk->key.rsa.n, pk->key.rsa.nlen);
	memcpy(ca_anchor.pkey.key.rsa.e, pk->key.rsa.e, pk->key.rsa.elen);
	ca_anchor.pkey.key.rsa.nlen = pk->key.rsa.nlen;
	ca_anchor.pkey.key.rsa.elen = pk->key.rsa.elen;
	free(der);
}

struct client {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_x509_certificate chain[2];
	size_t chain_len;
	br_skey_decoder_context key;
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * A client presenting name's certificate (NULL: none), followed by
 * extra's (an intermediate; NULL: none), offering TLS versions vmin..vmax.
 */
static struct client *client_new(const char *name, const char *extra, unsigned vmin,
				 unsigned vmax)
{
	struct client *cl = calloc(1, sizeof *cl);
	char path[256];
	size_t len;
	unsigned char *der;

	br_ssl_client_init_full(&cl->cc, &cl->xc, &ca_anchor, 1);
	br_ssl_engine_set_versions(&cl->cc.eng, vmin, vmax);
	if (name) {
		const char *names[2] = { name, extra };

		for (size_t i = 0; i < 2 && names[i]; i++) {
			snprintf(path, sizeof path, "%s.crt.der", names[i]);
			cl->chain[i].data = slurp(path, &cl->chain[i].data_len);
			if (!cl->chain[i].data)
				abort();
			cl->chain_len++;
		}
		snprintf(path, sizeof path, "%s.key.der", name);
		der = slurp(path, &len);
		if (!der)
			abort();
		br_skey_decoder_init(&cl->key);
		br_skey_decoder_push(&cl->key, der, len);
		free(der);
		if (br_skey_decoder_key_type(&cl->key) == BR_KEYTYPE_RSA)
			br_ssl_client_set_single_rsa(&cl->cc, cl->chain, cl->chain_len,
						     br_skey_decoder_get_rsa(&cl->key),
						     br_rsa_pkcs1_sign_get_default());
		else
			br_ssl_client_set_single_ec(&cl->cc, cl->chain, cl->chain_len,
						    br_skey_decoder_get_ec(&cl->key), BR_KEYTYPE_SIGN,
						    BR_KEYTYPE_RSA, br_ec_get_default(),
						    br_ecdsa_sign_asn1_get_default());
	}
	br_ssl_engine_set_buffer(&cl->cc.eng, cl->buf, sizeof cl->buf, 1);
	if (!br_ssl_client_reset(&cl->cc, "localhost", 0))
		abort();
	return cl;
}

static void client_free(struct client *cl)
{
	for (size_t i = 0; i < cl->chain_len; i++)
		free(cl->chain[i].data);
	free(cl);
}

/* Moves records between the two engines until neither has more to give. */
static void pump(struct client *cl, struct tls_conn *tc)
{
	br_ssl_engine_context *ce = &cl->cc.eng;

	for (int i = 0; i < 100000; i++) {
		unsigned char *p, *q;
		size_t a, b, n;
		int moved = 0;

		p = br_ssl_engine_sendrec_buf(ce, &a);
		q = tls_recvrec_buf(tc, &b);
		if (p && q) {
			n = a < b ? a : b;
			memcpy(q, p, n);
			br_ssl_engine_sendrec_ack(ce, n);
			tls_recvrec_ack(tc, n);
			moved = 1;
		}
		q = tls_sendrec_buf(tc, &b);
		p = br_ssl_engine_recvrec_buf(ce, &a);
		if (p && q) {
			n = a < b ? a : b;
			memcpy(p, q, n);
			tls_sendrec_ack(tc, n);
			br_ssl_engine_recvrec_ack(ce, n);
			moved = 1;
		}
		/* A client that gave up: its socket takes and drops our bytes. */
		q = tls_sendrec_buf(tc, &b);
		if (q && br_ssl_engine_current_state(ce) == BR_SSL_CLOSED) {
			tls_sendrec_ack(tc, b);
			moved = 1;
		}
		if (!moved)
			return;
	}
}

/*
 * Runs a handshake: 0 when both sides finished it, else the server's
 * error (-1: neither finished nor failed).  The server's view of the
 * client's CN goes to cn.
 */
static int handshake(struct client *cl, struct tls_conn *tc, char *cn, size_t cn_len)
{
	int err = -1;

	pump(cl, tc);
	snprintf(cn, cn_len, "%s", tls_peer_cn(tc));
	if (tls_closed(tc, &err))
		return err;
	if (tls_handshake_done(tc) && (br_ssl_engine_current_state(&cl->cc.eng) & BR_SSL_SENDAPP))
		return 0;
	return -1;
}

/* Sends len bytes one way and checks they arrive intact. */
static void send_app(struct client *cl, struct tls_conn *tc, bool from_client, size_t len)
{
	unsigned char *data = malloc(len), *got = malloc(len);
	size_t sent = 0, recvd = 0;

	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + 7);
	for (int rounds = 0; recvd < len && rounds < 10000; rounds++) {
		unsigned char *p;
		size_t n;

		if (sent < len) {
			p = from_client ? br_ssl_engine_sendapp_buf(&cl->cc.eng, &n)
					: tls_sendapp_buf(tc, &n);
			if (p) {
				n = n < len - sent ? n : len - sent;
				memcpy(p, data + sent, n);
				sent += n;
				if (from_client) {
					br_ssl_engine_sendapp_ack(&cl->cc.eng, n);
					br_ssl_engine_flush(&cl->cc.eng, 0);
				} else {
					tls_sendapp_ack(tc, n);
					tls_flush(tc);
				}
			}
		}
		pump(cl, tc);
		p = from_client ? tls_recvapp_buf(tc, &n) : br_ssl_engine_recvapp_buf(&cl->cc.eng, &n);
		if (p) {
			n = n < len - recvd ? n : len - recvd;
			memcpy(got + recvd, p, n);
			recvd += n;
			if (from_client)
				tls_recvapp_ack(tc, n);
			else
				br_ssl_engine_recvapp_ack(&cl->cc.eng, n);
		}
	}
	CHECK(recvd == len && memcmp(data, got, len) == 0, "%zu bytes %s: got %zu", len,
	      from_client ? "client->server" : "server->client", recvd);
	free(data);
	free(got);
}

/* ---- loading --------------------------------------------------------- */

static struct tls_server *load(const char *cert, const char *key, const char *ca,
			       const char *cn, const char *pins, char *err, size_t err_len)
{
	struct tls_settings s = { cert, key, ca, cn, pins };

	return tls_server_load(&s, err, err_len);
}

/* Loading must fail with exactly want. */
static void load_fails(const char *cert, const char *key, const char *ca, const char *cn,
		       const char *pins, const char *want)
{
	char err[512] = "";
	struct tls_server *srv = load(cert, key, ca, cn, pins, err, sizeof err);

	CHECK(srv == NULL, "loading %s/%s/%s/%s/%s should fail with: %s", cert, key,
	      ca ? ca : "-", cn ? cn : "-", pins ? pins : "-", want);
	CHECK(strcmp(err, want) == 0, "error\n  got:  %s\n  want: %s", err, want);
	tls_server_free(srv);
}

static void load_works(const char *cert, const char *key, const char *ca, const char *cn,
		       const char *pins)
{
	char err[512] = "";
	struct tls_server *srv = load(cert, key, ca, cn, pins, err, sizeof err);

	CHECK(srv != NULL, "loading %s/%s/%s/%s/%s: %s", cert, key, ca ? ca : "-", cn ? cn : "-",
	      pins ? pins : "-", err);
	tls_server_free(srv);
}

static void test_loading(void)
{
	/* Every key format BearSSL reads, RSA and EC, with and without a CA. */
	load_works("srv_rsa.pem", "srv_rsa.key", NULL, NULL, NULL);
	load_works("srv_rsa.pem", "srv_rsa_trad.key", "ca.pem", NULL, NULL);
	load_works("srv_rsa_chain.pem", "srv_rsa.key", "ca.pem", NULL, NULL);
	load_works("srv_ec.pem", "srv_ec.key", "ca.pem", NULL, NULL);
	load_works("srv_ec.pem", "srv_ec_p8.key", NULL, NULL, NULL);
	/* A CA bundle of two CAs; blank allow lists narrow nothing. */
	load_works("srv_ec.pem", "srv_ec.key", "srv_rsa_chain.pem", "", " ");

	load_fails("nope.pem", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=nope.pem: cannot read (No such file or directory)");
	load_fails("srv_rsa.pem", "nope.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=nope.key: cannot read (No such file or directory)");
	load_fails("srv_rsa.pem", "srv_rsa.key", "nope.pem", NULL, NULL,
		   "SOCKWALL_TLS_CA=nope.pem: cannot read (No such file or directory)");
	load_fails(".", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=.: cannot read (Is a directory)");
	load_fails(NULL, "srv_rsa.key", NULL, NULL, NULL, "SOCKWALL_TLS_CERT is not set");
	load_fails("srv_rsa.pem", "", NULL, NULL, NULL, "SOCKWALL_TLS_KEY is not set");

	load_fails("garbage.pem", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=garbage.pem: not a PEM certificate");
	load_fails("empty.pem", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=empty.pem: not a PEM certificate");
	load_fails("srv_rsa.key", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=srv_rsa.key: not a PEM certificate");
	load_fails("badb64.pem", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=badb64.pem: invalid PEM (broken base64 or missing END line)");
	load_fails("notx509.pem", "srv_rsa.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=notx509.pem: certificate 1 is not valid X.509");

	load_fails("srv_rsa.pem", "srv_rsa.pem", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=srv_rsa.pem: no private key found");
	load_fails("srv_rsa.pem", "garbage.pem", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=garbage.pem: no private key found");
	load_fails("srv_rsa.pem", "srv_rsa_enc.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=srv_rsa_enc.key: encrypted PEM is not supported");
	load_fails("srv_rsa.pem", "srv_rsa_tenc.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=srv_rsa_tenc.key: encrypted PEM is not supported");
	load_fails("srv_ec.pem", "k1.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=k1.key: unsupported key type or curve (RSA, or EC "
		   "P-256/P-384/P-521)");
	load_fails("srv_rsa.pem", "badkey.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=badkey.key: invalid private key (RSA PRIVATE KEY)");
	load_fails("srv_rsa.pem", "alice.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=alice.key: does not match the certificate in SOCKWALL_TLS_CERT");
	load_fails("srv_rsa.pem", "srv_ec.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=srv_ec.key: does not match the certificate in SOCKWALL_TLS_CERT");
	load_fails("srv_ec.pem", "bob.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_KEY=bob.key: does not match the certificate in SOCKWALL_TLS_CERT");
	load_fails("k1.pem", "k1.key", NULL, NULL, NULL,
		   "SOCKWALL_TLS_CERT=k1.pem: certificate 1 has an unsupported key or signature "
		   "(RSA, or EC P-256/P-384/P-521)");

	load_fails("srv_rsa.pem", "srv_rsa.key", "garbage.pem", NULL, NULL,
		   "SOCKWALL_TLS_CA=garbage.pem: not a PEM certificate");
	load_fails("srv_rsa.pem", "srv_rsa.key", "srv_rsa.key", NULL, NULL,
		   "SOCKWALL_TLS_CA=srv_rsa.key: not a PEM certificate");
	load_fails("srv_rsa.pem", "srv_rsa.key", "notx509.pem", NULL, NULL,
		   "SOCKWALL_TLS_CA=notx509.pem: certificate 1 is not valid X.509");

	/* Allow lists: they need client certificates, and must parse. */
	load_fails("srv_rsa.pem", "srv_rsa.key", NULL, "alice", NULL,
		   "SOCKWALL_TLS_ALLOW_CN needs SOCKWALL_TLS_CA (client certificates)");
	load_fails("srv_rsa.pem", "srv_rsa.key", NULL, NULL,
		   "0000000000000000000000000000000000000000000000000000000000000000",
		   "SOCKWALL_TLS_ALLOW_PINS needs SOCKWALL_TLS_CA (client certificates)");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", "alice,,bob", NULL,
		   "SOCKWALL_TLS_ALLOW_CN: empty name in the list");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", "alice, ", NULL,
		   "SOCKWALL_TLS_ALLOW_CN: empty name in the list");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
		   NULL, "SOCKWALL_TLS_ALLOW_CN: more than 16 names");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, "abc",
		   "SOCKWALL_TLS_ALLOW_PINS: \"abc\" is not a SHA-256 pin (64 hex digits or 44 "
		   "base64 characters)");
	/* 63 hex digits; a hex pin with a non-hex digit; base64 with bits left over. */
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL,
		   "000000000000000000000000000000000000000000000000000000000000000",
		   "SOCKWALL_TLS_ALLOW_PINS: \"000000000000000000000000000000000000000000000000000"
		   "000000000000\" is not a SHA-256 pin (64 hex digits or 44 base64 characters)");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL,
		   "g000000000000000000000000000000000000000000000000000000000000000",
		   "SOCKWALL_TLS_ALLOW_PINS: \"g00000000000000000000000000000000000000000000000000"
		   "0000000000000\" is not a SHA-256 pin (64 hex digits or 44 base64 characters)");
	load_fails("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL,
		   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
		   "SOCKWALL_TLS_ALLOW_PINS: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\" is "
		   "not a SHA-256 pin (64 hex digits or 44 base64 characters)");
	load_works("srv_rsa.pem", "srv_rsa.key", "ca.pem", " alice , bob ",
		   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, "
		   "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
		   "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");

	/* The error buffer may be small or absent. */
	char small[16];
	CHECK(load("nope.pem", "x", NULL, NULL, NULL, small, sizeof small) == NULL &&
		      strlen(small) == sizeof small - 1,
	      "truncated error: %s", small);
	CHECK(load("nope.pem", "x", NULL, NULL, NULL, NULL, 0) == NULL, "no error buffer");
}

/* ---- handshakes ------------------------------------------------------ */

struct server_case {
	const char *cert, *key, *ca, *cn, *pins;
};

/*
 * A client (name and chain extra, versions vmin..vmax) against a server
 * set up as sc: want_err 0 means "gets in, as want_cn".
 */
static void connect_case(const char *what, const struct server_case *sc, const char *name,
			 const char *extra, unsigned vmin, unsigned vmax, int want_err,
			 const char *want_cn)
{
	char err[512] = "", cn[300];
	struct tls_server *srv = load(sc->cert, sc->key, sc->ca, sc->cn, sc->pins, err, sizeof err);
	struct client *cl;
	struct tls_conn *tc;
	int r;

	CHECK(srv != NULL, "%s: load: %s", what, err);
	if (!srv)
		return;
	tc = tls_conn_new(srv);
	CHECK(tc != NULL, "%s: tls_conn_new", what);
	if (!tc) {
		tls_server_free(srv);
		return;
	}
	CHECK(!tls_handshake_done(tc), "%s: not done before any byte", what);
	cl = client_new(name, extra, vmin, vmax);
	r = handshake(cl, tc, cn, sizeof cn);
	CHECK(r == want_err, "%s: handshake gave %d (%s), want %d (%s)", what, r,
	      tls_error_name(r), want_err, tls_error_name(want_err));
	if (r == 0 && want_err == 0) {
		CHECK(strcmp(cn, want_cn) == 0, "%s: peer CN \"%s\", want \"%s\"", what, cn,
		      want_cn);
		send_app(cl, tc, true, 11);
		send_app(cl, tc, false, 17);
		send_app(cl, tc, true, 100000);
		send_app(cl, tc, false, 100000);
		CHECK(tls_handshake_done(tc), "%s: still done", what);
		/* A clean close both ways ends with error 0. */
		tls_close(tc);
		pump(cl, tc);
		int e = -1;
		CHECK(tls_closed(tc, &e) && e == 0, "%s: clean close gave %d (%s)", what, e,
		      tls_error_name(e));
		CHECK(br_ssl_engine_current_state(&cl->cc.eng) == BR_SSL_CLOSED &&
			      br_ssl_engine_last_error(&cl->cc.eng) == 0,
		      "%s: client saw a clean close (%d)", what,
		      br_ssl_engine_last_error(&cl->cc.eng));
	} else if (want_err != 0) {
		CHECK(!tls_handshake_done(tc), "%s: refused, not done", what);
		CHECK(strcmp(cn, "") == 0, "%s: no peer CN when refused (\"%s\")", what, cn);
		CHECK(!(br_ssl_engine_current_state(&cl->cc.eng) & BR_SSL_SENDAPP),
		      "%s: the client never gets to send", what);
	}
	client_free(cl);
	tls_conn_free(tc);
	tls_server_free(srv);
}

static void test_handshakes(void)
{
	const struct server_case rsa = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, NULL };
	const struct server_case ec = { "srv_ec.pem", "srv_ec.key", "ca.pem", NULL, NULL };
	const struct server_case rsa_trad_chain = { "srv_rsa_chain.pem", "srv_rsa_trad.key",
						    "ca.pem", NULL, NULL };
	const struct server_case noauth = { "srv_ec.pem", "srv_ec_p8.key", NULL, NULL, NULL };
	const struct server_case cns = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", "bob, carol",
					 NULL };
	const struct server_case cn_alice = { "srv_ec.pem", "srv_ec.key", "ca.pem", "alice",
					      NULL };
	char *alice_b64 = line_of("alice.pin.b64"), *alice_hex = line_of("alice.pin.hex");
	char *bob_b64 = line_of("bob.pin.b64");
	char pins[512];

	CHECK(alice_b64 && strlen(alice_b64) == 44, "alice.pin.b64");
	CHECK(alice_hex && strlen(alice_hex) == 95, "alice.pin.hex: %s", alice_hex);
	if (!alice_b64 || !alice_hex || !bob_b64)
		return;

	connect_case("RSA server, RSA client", &rsa, "alice", NULL, BR_TLS10, BR_TLS12, 0, "alice");
	connect_case("RSA server, EC client", &rsa, "bob", NULL, BR_TLS12, BR_TLS12, 0, "bob");
	connect_case("EC server, RSA client", &ec, "alice", NULL, BR_TLS12, BR_TLS12, 0, "alice");
	connect_case("EC server, EC client", &ec, "bob", NULL, BR_TLS12, BR_TLS12, 0, "bob");
	connect_case("chain file, traditional key", &rsa_trad_chain, "alice", NULL, BR_TLS12,
		     BR_TLS12, 0, "alice");
	connect_case("client through an intermediate", &rsa, "carol", "inter", BR_TLS12, BR_TLS12,
		     0, "carol");
	connect_case("no client auth configured", &noauth, NULL, NULL, BR_TLS12, BR_TLS12, 0, "");
	connect_case("no auth configured, client sends a cert anyway", &noauth, "alice", NULL,
		     BR_TLS12, BR_TLS12, 0, "");

	connect_case("no client certificate", &rsa, NULL, NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_NO_CLIENT_AUTH, "");
	connect_case("no client certificate (EC)", &ec, NULL, NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_NO_CLIENT_AUTH, "");
	connect_case("another CA", &rsa, "mallory", NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_X509_NOT_TRUSTED, "");
	connect_case("another CA, CN allowed", &cn_alice, "mallory", NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_X509_NOT_TRUSTED, "");
	connect_case("expired", &rsa, "old", NULL, BR_TLS12, BR_TLS12, BR_ERR_X509_EXPIRED, "");
	connect_case("not yet valid", &ec, "future", NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_X509_EXPIRED, "");
	connect_case("intermediate missing from the chain", &rsa, "carol", NULL, BR_TLS12,
		     BR_TLS12, BR_ERR_X509_NOT_TRUSTED, "");
	connect_case("TLS 1.0/1.1 only", &rsa, "alice", NULL, BR_TLS10, BR_TLS11,
		     BR_ERR_SEND_FATAL_ALERT + 70, "");

	connect_case("CN allowed", &cns, "bob", NULL, BR_TLS12, BR_TLS12, 0, "bob");
	connect_case("CN allowed (intermediate)", &cns, "carol", "inter", BR_TLS12, BR_TLS12, 0,
		     "carol");
	connect_case("CN not allowed", &cns, "alice", NULL, BR_TLS12, BR_TLS12,
		     TLS_ERR_CN_NOT_ALLOWED, "");
	connect_case("CN allowed, but two CNs", &cn_alice, "twocn", NULL, BR_TLS12, BR_TLS12,
		     TLS_ERR_CN_NOT_ALLOWED, "");

	struct server_case pin = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, pins };
	snprintf(pins, sizeof pins, "%s", alice_b64);
	connect_case("pin (base64) allowed", &pin, "alice", NULL, BR_TLS12, BR_TLS12, 0, "alice");
	connect_case("pin not allowed", &pin, "bob", NULL, BR_TLS12, BR_TLS12,
		     TLS_ERR_PIN_NOT_ALLOWED, "");
	connect_case("pin not allowed, other CA, same CN", &pin, "mallory", NULL, BR_TLS12,
		     BR_TLS12, BR_ERR_X509_NOT_TRUSTED, "");
	snprintf(pins, sizeof pins, "%s , %s", bob_b64, alice_hex);
	connect_case("pin (hex, colons) allowed", &pin, "alice", NULL, BR_TLS12, BR_TLS12, 0,
		     "alice");
	connect_case("pin (base64, EC key) allowed", &pin, "bob", NULL, BR_TLS12, BR_TLS12, 0,
		     "bob");
	connect_case("pin not allowed (intermediate)", &pin, "carol", "inter", BR_TLS12, BR_TLS12,
		     TLS_ERR_PIN_NOT_ALLOWED, "");
	/* Both lists: both must match. */
	pin.cn = "alice";
	connect_case("CN and pin allowed", &pin, "alice", NULL, BR_TLS12, BR_TLS12, 0, "alice");
	connect_case("pin allowed, CN not", &pin, "bob", NULL, BR_TLS12, BR_TLS12,
		     TLS_ERR_CN_NOT_ALLOWED, "");

	free(alice_b64);
	free(alice_hex);
	free(bob_b64);
}

/*
 * Half-close, as the docker CLI does at stdin EOF over TLS: the client
 * sends its last bytes and close_notify, then waits for the rest of the
 * output.  The server must see the data, then "peer closed", and still be
 * able to send; tls_close then ends it cleanly on both sides.
 */
static void test_half_close(void)
{
	char err[512], cn[300];
	struct tls_server *srv =
		load("srv_ec.pem", "srv_ec.key", "ca.pem", NULL, NULL, err, sizeof err);
	struct tls_conn *tc = srv ? tls_conn_new(srv) : NULL;
	struct client *cl;
	unsigned char *p;
	size_t len, out = 0;
	int e = -1;

	CHECK(tc != NULL, "setup: %s", err);
	if (!tc) {
		tls_server_free(srv);
		return;
	}
	cl = client_new("bob", NULL, BR_TLS12, BR_TLS12);
	CHECK(handshake(cl, tc, cn, sizeof cn) == 0, "half-close: handshake");
	send_app(cl, tc, true, 5000);
	CHECK(!tls_peer_closed(tc), "not closed while the client talks");

	p = br_ssl_engine_sendapp_buf(&cl->cc.eng, &len);
	CHECK(p && len >= 5, "client can send");
	if (!p)
		goto out;
	memcpy(p, "last!", 5);
	br_ssl_engine_sendapp_ack(&cl->cc.eng, 5);
	br_ssl_engine_close(&cl->cc.eng); /* flushes "last!", then close_notify */
	pump(cl, tc);
	p = tls_recvapp_buf(tc, &len);
	CHECK(p && len == 5 && memcmp(p, "last!", 5) == 0, "the last bytes arrive");
	if (p)
		tls_recvapp_ack(tc, len);
	pump(cl, tc); /* the engine takes the next record once "last!" is read */
	CHECK(tls_peer_closed(tc), "then the server sees the client is done");
	CHECK(!tls_closed(tc, &e), "but stays open (%d %s)", e, tls_error_name(e));
	CHECK(tls_recvrec_buf(tc, &len) == NULL && len == 0, "and takes no more records");

	/* Output still flows: whole records come out for the client. */
	for (int i = 0; i < 10; i++) {
		p = tls_sendapp_buf(tc, &len);
		CHECK(p && len > 0, "server can still send (%d)", i);
		if (!p)
			break;
		memset(p, 'x', len);
		tls_sendapp_ack(tc, len);
		tls_flush(tc);
		p = tls_sendrec_buf(tc, &len);
		CHECK(p && p[0] == 23, "an application data record (type %u)", p ? p[0] : 0);
		out += len;
		pump(cl, tc); /* the client reads it (BearSSL's, closing, then drops it) */
	}
	CHECK(out > 100000, "%zu bytes of records sent after the client's close_notify", out);
	CHECK(!tls_closed(tc, &e), "still open after sending");

	tls_close(tc);
	pump(cl, tc);
	CHECK(tls_closed(tc, &e) && e == 0, "clean close after half-close: %d (%s)", e,
	      tls_error_name(e));
	CHECK(br_ssl_engine_current_state(&cl->cc.eng) == BR_SSL_CLOSED &&
		      br_ssl_engine_last_error(&cl->cc.eng) == 0,
	      "client closed cleanly too (%d)", br_ssl_engine_last_error(&cl->cc.eng));
out:
	client_free(cl);
	tls_conn_free(tc);
	tls_server_free(srv);
}

/* Bytes that are not a TLS ClientHello close the connection with an error. */
static void not_tls(const char *what, const char *bytes, size_t n, int want)
{
	char err[512];
	struct tls_server *srv =
		load("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, NULL, err, sizeof err);
	struct tls_conn *tc = srv ? tls_conn_new(srv) : NULL;
	size_t len;
	unsigned char *p;
	int e = 0;

	CHECK(tc != NULL, "%s: setup: %s", what, err);
	if (!tc) {
		tls_server_free(srv);
		return;
	}
	/* The engine asks for a record header first, then its body. */
	for (size_t off = 0; off < n && (p = tls_recvrec_buf(tc, &len)) != NULL; off += len) {
		len = len < n - off ? len : n - off;
		memcpy(p, bytes + off, len);
		tls_recvrec_ack(tc, len);
	}
	CHECK(tls_closed(tc, &e) && e != 0, "%s: closed with an error (%d %s)", what, e,
	      tls_error_name(e));
	CHECK(want == 0 || e == want, "%s: error %d (%s), want %d (%s)", what, e,
	      tls_error_name(e), want, tls_error_name(want));
	CHECK(!tls_handshake_done(tc), "%s: not done", what);
	tls_conn_free(tc);
	tls_server_free(srv);
}

#define NOT_TLS(what, lit, want) not_tls(what, lit, sizeof lit - 1, want)

static void test_not_tls(void)
{
	NOT_TLS("plain HTTP", "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n", TLS_ERR_NOT_TLS);
	NOT_TLS("plain HTTP POST", "POST /containers/create HTTP/1.1\r\n\r\n", TLS_ERR_NOT_TLS);
	NOT_TLS("SSLv2 ClientHello", "\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10"
				     "\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80"
				     "\x06\x00\x40\x04\x00\x80\x02\x00\x80"
				     "0123456789abcdef",
		0);
	NOT_TLS("oversized record", "\x16\x03\x01\xff\xff\x01\x00\xff\xfb", 0);
	NOT_TLS("truncated ClientHello", "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 0);
	NOT_TLS("alert first", "\x15\x03\x03\x00\x02\x02\x28", 0);
}

/* ---- Extended Key Usage ---------------------------------------------- */

/*
 * As dockerd decides: a certificate with an EKU needs clientAuth or
 * anyExtendedKeyUsage in it, all along the chain, the CA included.
 */
static void test_eku(void)
{
	const struct server_case rsa = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, NULL };
	const struct server_case ec = { "srv_ec.pem", "srv_ec.key", "ca.pem", NULL, NULL };
	const struct server_case srvca = { "srv_rsa.pem", "srv_rsa.key", "srvca.pem", NULL, NULL };
	const struct server_case cltca = { "srv_ec.pem", "srv_ec.key", "cltca.pem", NULL, NULL };
	const struct server_case both_cas = { "srv_rsa.pem", "srv_rsa.key", "eku_cas.pem", NULL,
					      NULL };
	const struct server_case cn_eku = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", "eku", NULL };
	const int no = TLS_ERR_NOT_CLIENT_CERT;

	connect_case("EKU serverAuth only", &rsa, "eku_srv", NULL, BR_TLS12, BR_TLS12, no, "");
	connect_case("EKU serverAuth only (EC server)", &ec, "eku_srv", NULL, BR_TLS12, BR_TLS12,
		     no, "");
	connect_case("EKU serverAuth only, CN allowed", &cn_eku, "eku_srv", NULL, BR_TLS12,
		     BR_TLS12, no, "");
	connect_case("EKU clientAuth", &rsa, "eku_cli", NULL, BR_TLS12, BR_TLS12, 0, "eku");
	connect_case("EKU serverAuth and clientAuth", &rsa, "eku_both", NULL, BR_TLS12, BR_TLS12,
		     0, "eku");
	connect_case("EKU anyExtendedKeyUsage", &rsa, "eku_any", NULL, BR_TLS12, BR_TLS12, 0,
		     "eku");
	connect_case("no EKU extension", &rsa, "eku_none", NULL, BR_TLS12, BR_TLS12, 0, "eku");
	connect_case("no extensions at all (X.509 v1)", &rsa, "eku_v1", NULL, BR_TLS12, BR_TLS12,
		     0, "eku");
	connect_case("EKU codeSigning and emailProtection", &rsa, "eku_code", NULL, BR_TLS12,
		     BR_TLS12, no, "");
	connect_case("EKU clientAuth, CN allowed", &cn_eku, "eku_cli", NULL, BR_TLS12, BR_TLS12,
		     0, "eku");
	/* Past the first 16 KiB record: the whole certificate is walked. */
	connect_case("17 KB certificate, EKU serverAuth", &rsa, "eku_big_srv", NULL, BR_TLS12,
		     BR_TLS12, no, "");
	connect_case("17 KB certificate, EKU clientAuth", &rsa, "eku_big_cli", NULL, BR_TLS12,
		     BR_TLS12, 0, "eku");
	connect_case("certificate over 64 KiB", &rsa, "eku_huge", NULL, BR_TLS12, BR_TLS12,
		     TLS_ERR_CERT_TOO_LARGE, "");
	/*
	 * BearSSL refuses any critical extension it does not know, EKU
	 * included, before our check (Go would take this one).
	 */
	connect_case("critical EKU clientAuth", &rsa, "eku_crit", NULL, BR_TLS12, BR_TLS12,
		     BR_ERR_X509_CRITICAL_EXTENSION, "");

	/* Intermediates: their EKU must allow client authentication too. */
	connect_case("intermediate with EKU serverAuth", &rsa, "dave", "inter_srv", BR_TLS12,
		     BR_TLS12, no, "");
	connect_case("intermediate with EKU clientAuth", &rsa, "erin", "inter_cli", BR_TLS12,
		     BR_TLS12, 0, "eku");
	/* After the certificate the CA issued, BearSSL (and Go) look no further. */
	connect_case("extra serverAuth certificate after the chain", &rsa, "alice", "srv_rsa",
		     BR_TLS12, BR_TLS12, 0, "alice");
	connect_case("extra serverAuth certificate after the chain (EKU leaf)", &rsa, "eku_cli",
		     "inter_srv", BR_TLS12, BR_TLS12, 0, "eku");

	/* The CA's own EKU: the server starts, its clients are refused. */
	connect_case("CA with EKU serverAuth", &srvca, "frank", NULL, BR_TLS12, BR_TLS12, no, "");
	connect_case("CA with EKU clientAuth", &cltca, "gina", NULL, BR_TLS12, BR_TLS12, 0, "eku");
	connect_case("two CAs, client of the serverAuth one", &both_cas, "frank", NULL, BR_TLS12,
		     BR_TLS12, no, "");
	connect_case("two CAs, client of the clientAuth one", &both_cas, "gina", NULL, BR_TLS12,
		     BR_TLS12, 0, "eku");
	connect_case("CA with EKU clientAuth, client of another CA", &cltca, "alice", NULL,
		     BR_TLS12, BR_TLS12, BR_ERR_X509_NOT_TRUSTED, "");
}

/*
 * Certificates openssl does not make: alice's, with its extensions
 * replaced by the given [3] element, signed again by "ca" (ca's own, for
 * a CA, self-signed again); DER that BearSSL takes but Go's parser would
 * not, or edge cases of the EKU.
 */
struct dbuf {
	unsigned char p[8192];
	size_t len;
};

static void dput(struct dbuf *b, const void *d, size_t n)
{
	if (n > sizeof b->p - b->len)
		abort();
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

/* A DER header, lengths in their shortest form. */
static void dhdr(struct dbuf *b, unsigned tag, size_t len)
{
	unsigned char h[4] = { (unsigned char)tag };
	size_t n = 1;

	if (len >= 0x100)
		h[n++] = 0x82, h[n++] = (unsigned char)(len >> 8);
	else if (len >= 0x80)
		h[n++] = 0x81;
	h[n++] = (unsigned char)len;
	dput(b, h, n);
}

static void dwrap(struct dbuf *b, unsigned tag, const struct dbuf *in)
{
	dhdr(b, tag, in->len);
	dput(b, in->p, in->len);
}

/* The header at p[*off] of a well-formed certificate: its content length. */
static size_t dread(const unsigned char *p, size_t *off, unsigned *tag)
{
	size_t o = *off, len;

	*tag = p[o++];
	len = p[o++];
	if (len & 0x80) {
		unsigned k = len & 0x7f;

		for (len = 0; k > 0; k--)
			len = len << 8 | p[o++];
	}
	*off = o;
	return len;
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static void pem_write(const char *path, const unsigned char *der, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)der[i] << 16 | (i + 1 < len ? der[i + 1] : 0) << 8 |
			     (i + 2 < len ? der[i + 2] : 0);

		fputc(b64[v >> 18 & 63], f);
		fputc(b64[v >> 12 & 63], f);
		fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < len ? b64[v & 63] : '=', f);
		if ((i / 3 + 1) % 16 == 0 || i + 3 >= len)
			fputc('\n', f);
	}
	fputs("-----END CERTIFICATE-----\n", f);
	if (fclose(f) != 0)
		abort();
}

/*
 * name.crt.der (and name.pem): from's certificate with exts (a whole [3]
 * element) for its extensions, signed by ca.key; name.key.der is from's key.
 */
static void craft(const char *name, const char *from, const struct dbuf *exts)
{
	static const unsigned char sha256_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
						    0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static struct dbuf body, tbs, rest, cert;
	static br_skey_decoder_context kd;
	char path[256];
	size_t len, off = 0, end;
	unsigned tag;
	unsigned char *der, hash[32], sig[512];
	const br_rsa_private_key *sk;
	br_sha256_context h;

	snprintf(path, sizeof path, "%s.crt.der", from);
	der = slurp(path, &len);
	if (!der)
		abort();
	body.len = tbs.len = rest.len = cert.len = 0;
	dread(der, &off, &tag);                /* Certificate */
	end = dread(der, &off, &tag) + off; /* tbsCertificate */
	while (off < end) {
		size_t start = off;

		off += dread(der, &off, &tag);
		if (tag != 0xa3)
			dput(&body, der + start, off - start);
	}
	free(der);
	dput(&body, exts->p, exts->len);
	dwrap(&tbs, 0x30, &body);

	der = slurp("ca.key.der", &len);
	if (!der)
		abort();
	br_skey_decoder_init(&kd);
	br_skey_decoder_push(&kd, der, len);
	free(der);
	sk = br_skey_decoder_get_rsa(&kd);
	if (!sk)
		abort();
	br_sha256_init(&h);
	br_sha256_update(&h, tbs.p, tbs.len);
	br_sha256_out(&h, hash);
	len = (sk->n_bitlen + 7) / 8;
	if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof hash, sk, sig))
		abort();
	dput(&rest, tbs.p, tbs.len);
	dput(&rest, sha256_rsa, sizeof sha256_rsa);
	dhdr(&rest, 0x03, len + 1);
	dput(&rest, "", 1); /* no unused bits */
	dput(&rest, sig, len);
	dwrap(&cert, 0x30, &rest);

	snprintf(path, sizeof path, "%s.crt.der", name);
	write_file(path, cert.p, cert.len);
	snprintf(path, sizeof path, "%s.pem", name);
	pem_write(path, cert.p, cert.len);
	snprintf(path, sizeof path, "%s.key.der", from);
	der = slurp(path, &len);
	if (!der)
		abort();
	snprintf(path, sizeof path, "%s.key.der", name);
	write_file(path, der, len);
	free(der);
}

/* An Extension: extnID 2.5.29.37 (or oid), critical as given (or none), value. */
static void add_ext(struct dbuf *exts, const char *oid, size_t oid_len, const char *critical,
		    size_t critical_len, const char *value, size_t value_len)
{
	struct dbuf e = { .len = 0 }, v = { .len = 0 };

	if (!oid) {
		oid = "\x55\x1d\x25";
		oid_len = 3;
	}
	dhdr(&e, 0x06, oid_len);
	dput(&e, oid, oid_len);
	dput(&e, critical, critical_len);
	dput(&v, value, value_len);
	dwrap(&e, 0x04, &v);
	dwrap(exts, 0x30, &e);
}

#define EKU(exts, value) add_ext(exts, NULL, 0, "", 0, value, sizeof value - 1)

/* [3] { SEQUENCE { exts } }; a3len: the [3] length in a non-minimal form. */
static void wrap_exts(struct dbuf *out, const struct dbuf *exts, bool a3len)
{
	struct dbuf seq = { .len = 0 };

	out->len = 0;
	dwrap(&seq, 0x30, exts);
	if (a3len) {
		unsigned char h[4] = { 0xa3, 0x82, (unsigned char)(seq.len >> 8),
				       (unsigned char)seq.len };

		dput(out, h, sizeof h);
		dput(out, seq.p, seq.len);
	} else {
		dwrap(out, 0xa3, &seq);
	}
}

#define CLIENT_AUTH "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02"
#define SERVER_AUTH "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01"

static void test_eku_crafted(void)
{
	const struct server_case rsa = { "srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, NULL };
	const int bad = BR_ERR_X509_INVALID_VALUE, no = TLS_ERR_NOT_CLIENT_CERT;
	static const struct {
		const char *name, *value; /* the EKU's extnValue contents */
		size_t len;
		int want;
	} cases[] = {
#define C(name, value, want) { name, value, sizeof value - 1, want }
		C("x_ok", "\x30\x0a" CLIENT_AUTH, 0),
		C("x_srv", "\x30\x0a" SERVER_AUTH, no),
		C("x_two", "\x30\x14" SERVER_AUTH CLIENT_AUTH, 0),
		/* Empty: allows nothing (Go would take it as no EKU). */
		C("x_empty", "\x30\x00", no),
		/* Only the exact OIDs count: clientAuth.1, and 2.5.29.37.0.1. */
		C("x_prefix", "\x30\x0b\x06\x09\x2b\x06\x01\x05\x05\x07\x03\x02\x01", no),
		C("x_anylong", "\x30\x07\x06\x05\x55\x1d\x25\x00\x01", no),
		C("x_any", "\x30\x06\x06\x04\x55\x1d\x25\x00", 0),
		/* Malformed. */
		C("x_trailing", "\x30\x0a" CLIENT_AUTH "\x05\x00", bad),
		C("x_notoid", "\x30\x0d" CLIENT_AUTH "\x02\x01\x00", bad),
		C("x_notseq", "\x31\x0a" CLIENT_AUTH, bad),
		C("x_nonminimal", "\x30\x81\x0a" CLIENT_AUTH, bad),
		C("x_indefinite", "\x30\x80" CLIENT_AUTH "\x00\x00", bad),
		C("x_overlong", "\x30\x0c" CLIENT_AUTH, bad),
		C("x_oidlong", "\x30\x0a\x06\x09\x2b\x06\x01\x05\x05\x07\x03\x02", bad),
		C("x_oid80", "\x30\x0b\x06\x09\x2b\x06\x01\x05\x05\x07\x03\x80\x02", bad),
		C("x_oidtrunc", "\x30\x0a\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x82", bad),
		C("x_oidwide", "\x30\x0e" CLIENT_AUTH "\x06\x06\x2b\x90\x80\x80\x80\x01", bad),
		C("x_oidempty", "\x30\x0c" CLIENT_AUTH "\x06\x00", bad),
		C("x_value_empty", "", bad),
		C("x_hightag", "\x3f\x81\x01\x00", bad),
#undef C
	};
	struct dbuf exts, a3;
	char what[128];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		exts.len = 0;
		add_ext(&exts, NULL, 0, "", 0, cases[i].value, cases[i].len);
		wrap_exts(&a3, &exts, false);
		craft(cases[i].name, "alice", &a3);
		snprintf(what, sizeof what, "crafted EKU %s", cases[i].name);
		connect_case(what, &rsa, cases[i].name, NULL, BR_TLS12, BR_TLS12, cases[i].want,
			     "alice");
	}

	/* Extension-level cases. */
	exts.len = 0;
	add_ext(&exts, NULL, 0, "\x01\x01\x00", 3, "\x30\x0a" CLIENT_AUTH, 12);
	wrap_exts(&a3, &exts, false);
	craft("x_critfalse", "alice", &a3);
	connect_case("EKU with critical FALSE spelled out", &rsa, "x_critfalse", NULL, BR_TLS12,
		     BR_TLS12, 0, "alice");

	exts.len = 0;
	EKU(&exts, "\x30\x0a" CLIENT_AUTH);
	EKU(&exts, "\x30\x0a" CLIENT_AUTH);
	wrap_exts(&a3, &exts, false);
	craft("x_dup", "alice", &a3);
	connect_case("two EKU extensions", &rsa, "x_dup", NULL, BR_TLS12, BR_TLS12, bad, "");

	exts.len = 0;
	EKU(&exts, "\x30\x0a" CLIENT_AUTH);
	wrap_exts(&a3, &exts, true);
	craft("x_a3len", "alice", &a3);
	connect_case("extensions with a non-minimal length", &rsa, "x_a3len", NULL, BR_TLS12,
		     BR_TLS12, bad, "");

	/* Not the EKU: 2.5.29.37.5, any contents; then a clientAuth EKU. */
	exts.len = 0;
	add_ext(&exts, "\x55\x1d\x25\x05", 4, "", 0, "\x30\x0a" SERVER_AUTH, 12);
	EKU(&exts, "\x30\x0a" CLIENT_AUTH);
	wrap_exts(&a3, &exts, false);
	craft("x_near", "alice", &a3);
	connect_case("an extension 2.5.29.37.5, then EKU clientAuth", &rsa, "x_near", NULL,
		     BR_TLS12, BR_TLS12, 0, "alice");

	/* An empty extension list. */
	exts.len = 0;
	wrap_exts(&a3, &exts, false);
	craft("x_noexts", "alice", &a3);
	connect_case("empty extension list", &rsa, "x_noexts", NULL, BR_TLS12, BR_TLS12, 0,
		     "alice");

	/*
	 * CAs: ca's certificate (same name and key, so alice chains to it)
	 * with another EKU.  Malformed ones are refused at loading.
	 */
	exts.len = 0;
	EKU(&exts, "\x30\x0a" CLIENT_AUTH "\x05\x00");
	wrap_exts(&a3, &exts, false);
	craft("xca_bad", "ca", &a3);
	load_fails("srv_rsa.pem", "srv_rsa.key", "xca_bad.pem", NULL, NULL,
		   "SOCKWALL_TLS_CA=xca_bad.pem: certificate 1 is not valid X.509");
	if (system("cat ca.pem xca_bad.pem >xca_bundle_bad.pem") != 0)
		abort();
	load_fails("srv_rsa.pem", "srv_rsa.key", "xca_bundle_bad.pem", NULL, NULL,
		   "SOCKWALL_TLS_CA=xca_bundle_bad.pem: certificate 2 is not valid X.509");

	exts.len = 0;
	EKU(&exts, "\x30\x00");
	wrap_exts(&a3, &exts, false);
	craft("xca_empty", "ca", &a3);
	exts.len = 0;
	EKU(&exts, "\x30\x0a" CLIENT_AUTH);
	wrap_exts(&a3, &exts, false);
	craft("xca_cli", "ca", &a3);
	if (system("cat ca.pem xca_empty.pem >xca_bundle_same.pem") != 0)
		abort();
	const struct server_case ca_empty = { "srv_rsa.pem", "srv_rsa.key", "xca_empty.pem", NULL,
					      NULL };
	const struct server_case ca_cli = { "srv_rsa.pem", "srv_rsa.key", "xca_cli.pem", NULL,
					    NULL };
	const struct server_case ca_same = { "srv_rsa.pem", "srv_rsa.key", "xca_bundle_same.pem",
					     NULL, NULL };
	connect_case("CA with an empty EKU", &ca_empty, "alice", NULL, BR_TLS12, BR_TLS12, no, "");
	connect_case("CA with EKU clientAuth (crafted)", &ca_cli, "alice", NULL, BR_TLS12,
		     BR_TLS12, 0, "alice");
	/*
	 * Two CAs of the same name, one not for clients: which one BearSSL
	 * chained to is not known, so refused (Go would try both).
	 */
	connect_case("two CAs of one name, one not for clients", &ca_same, "alice", NULL,
		     BR_TLS12, BR_TLS12, no, "");
}

/*
 * The walk on damaged input (under ASan): each byte of a CA certificate
 * with an EKU, changed in turn (low bit, high bit or all bits, by turns),
 * loaded as the client CA.  Whatever BearSSL's decoder takes, the walk
 * must take or refuse without reading astray.
 */
static void test_eku_damaged(void)
{
	static const unsigned char flips[] = { 0x01, 0x80, 0xff };
	size_t len, loaded = 0, refused = 0;
	unsigned char *der = slurp("xca_cli.crt.der", &len);

	CHECK(der != NULL, "xca_cli.crt.der");
	if (!der)
		return;
	for (size_t i = 0; i < len; i++) {
		char err[512] = "";
		struct tls_server *srv;

		der[i] ^= flips[i % sizeof flips];
		pem_write("damaged.pem", der, len);
		der[i] ^= flips[i % sizeof flips];
		srv = load("srv_ec.pem", "srv_ec.key", "damaged.pem", NULL, NULL, err, sizeof err);
		if (srv)
			loaded++;
		else if (strstr(err, "SOCKWALL_TLS_CA=damaged.pem: certificate 1 "))
			refused++;
		tls_server_free(srv);
	}
	CHECK(loaded + refused == len && loaded > 0 && refused > 0,
	      "damaged CA certificates: %zu loaded, %zu refused, of %zu", loaded, refused, len);
	free(der);
}

static void test_error_names(void)
{
	CHECK(strcmp(tls_error_name(BR_ERR_X509_EXPIRED), "certificate expired or not yet valid") ==
		      0,
	      "expired");
	CHECK(strcmp(tls_error_name(BR_ERR_X509_NOT_TRUSTED), "certificate not trusted") == 0,
	      "not trusted");
	CHECK(strcmp(tls_error_name(BR_ERR_X509_EMPTY_CHAIN), "no client certificate") == 0,
	      "empty chain");
	CHECK(strcmp(tls_error_name(BR_ERR_NO_CLIENT_AUTH), "no client certificate") == 0,
	      "no client auth");
	CHECK(strcmp(tls_error_name(BR_ERR_BAD_VERSION), "unsupported TLS version") == 0,
	      "bad version");
	CHECK(strcmp(tls_error_name(BR_ERR_UNSUPPORTED_VERSION), "unsupported TLS version") == 0,
	      "unsupported version");
	CHECK(strcmp(tls_error_name(BR_ERR_BAD_CIPHER_SUITE), "no shared cipher suite") == 0,
	      "suite");
	CHECK(strcmp(tls_error_name(TLS_ERR_CN_NOT_ALLOWED),
		     "client not in SOCKWALL_TLS_ALLOW_CN") == 0,
	      "cn");
	CHECK(strcmp(tls_error_name(TLS_ERR_PIN_NOT_ALLOWED),
		     "client not in SOCKWALL_TLS_ALLOW_PINS") == 0,
	      "pins");
	CHECK(strcmp(tls_error_name(BR_ERR_RECV_FATAL_ALERT + 48),
		     "client sent alert: unknown_ca") == 0,
	      "alert");
	CHECK(strcmp(tls_error_name(BR_ERR_RECV_FATAL_ALERT + 99), "client sent a fatal alert") ==
		      0,
	      "other alert");
	CHECK(strcmp(tls_error_name(TLS_ERR_NOT_TLS), "not TLS (plain HTTP?)") == 0, "not tls");
	CHECK(strcmp(tls_error_name(TLS_ERR_NOT_CLIENT_CERT),
		     "certificate not for client authentication") == 0,
	      "not client cert");
	CHECK(TLS_ERR_NOT_CLIENT_CERT == TLS_ERR_NOT_TLS + 1, "next free code");
	CHECK(strcmp(tls_error_name(99999), "tls error") == 0, "unknown");
}

/* A client that offers only suites we do not take (CBC) gets nowhere. */
static void test_cbc_only_client(void)
{
	static const uint16_t cbc[] = { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
					BR_TLS_RSA_WITH_AES_128_GCM_SHA256 };
	char err[512], cn[300];
	struct tls_server *srv =
		load("srv_rsa.pem", "srv_rsa.key", "ca.pem", NULL, NULL, err, sizeof err);
	struct tls_conn *tc = srv ? tls_conn_new(srv) : NULL;
	struct client *cl;

	CHECK(tc != NULL, "setup: %s", err);
	if (!tc) {
		tls_server_free(srv);
		return;
	}
	cl = client_new("alice", NULL, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&cl->cc.eng, cbc, 2);
	br_ssl_client_reset(&cl->cc, "localhost", 0);
	int r = handshake(cl, tc, cn, sizeof cn);
	CHECK(r == BR_ERR_SEND_FATAL_ALERT + 40, "CBC/RSA-kx only client: %d", r);
	CHECK(strcmp(tls_error_name(r), "no shared cipher suite") == 0, "%s", tls_error_name(r));
	client_free(cl);
	tls_conn_free(tc);
	tls_server_free(srv);
}

int main(void)
{
	char cmd[512];
	FILE *f;

	if (!mkdtemp(dir) || chdir(dir) != 0) {
		perror("tls test dir");
		return 1;
	}
	f = fopen("gen.sh", "w");
	if (!f || fputs(gen_script, f) < 0 || fclose(f) != 0) {
		perror("gen.sh");
		return 1;
	}
	if (system("sh gen.sh") != 0) {
		fprintf(stderr, "%s: could not make certificates with openssl (in %s)\n", __FILE__,
			dir);
		return 1;
	}
	load_ca_anchor();

	test_loading();
	test_handshakes();
	test_half_close();
	test_not_tls();
	test_eku();
	test_eku_crafted();
	test_eku_damaged();
	test_error_names();
	test_cbc_only_client();

	free(ca_anchor.dn.data);
	free(ca_anchor.pkey.key.rsa.n);
	free(ca_anchor.pkey.key.rsa.e);
	if (chdir("/") == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "%s: could not remove %s\n", __FILE__, dir);
	}
	TEST_DONE();
}

#endif
