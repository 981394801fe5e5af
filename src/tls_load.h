/*
 * tls_load: the TLS server's files and lists, loaded and checked once at
 * start-up (tls_server_load, tls_server_free: see tls.h) into the
 * read-only struct tls_server every connection is configured from.
 *
 * Built only with TLS=1.
 */
#ifndef SOCKWALL_TLS_LOAD_H
#define SOCKWALL_TLS_LOAD_H

#include <bearssl.h>

#include "x509.h"

#define TLS_CHAIN_MAX 16 /* certificates in SOCKWALL_TLS_CERT */

struct tls_server {
	br_x509_certificate chain[TLS_CHAIN_MAX]; /* leaf first, sent as they are */
	size_t chain_len;
	unsigned char *chain_der;    /* the one block chain[].data point into */
	int key_type;                /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	br_skey_decoder_context key; /* holds the private key itself */
	struct x509_clients clients; /* who may connect */
};

#endif
