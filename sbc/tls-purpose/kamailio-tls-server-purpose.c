/*
 * Preloaded into Kamailio (LD_PRELOAD) so that its tls module verifies every peer certificate for the
 * TLS-server purpose, also the certificate a TLS *client* presents to the SBC.
 *
 * Why: Microsoft's SIP proxies connect to the SBC as TLS clients and present certificates whose extended
 * key usage is serverAuth only (public CAs stop issuing clientAuth from 2026). OpenSSL verifies a
 * certificate received by a server for the TLS-client purpose unless the application set a purpose
 * (ssl_verify_cert_chain: "ssl_client" defaults), and that purpose refuses a certificate without
 * clientAuth. Kamailio 5.6's tls module sets no purpose and has no setting for it, so this sets
 * X509_PURPOSE_SSL_SERVER on every SSL_CTX right after it is created; SSL_new copies it to each
 * connection. The chain is still verified against tls.cfg's ca_list, and kamailio.cfg still checks that
 * the peer's name is a Microsoft SIP proxy (route[MICROSOFT_PEER]). Connections the SBC opens to
 * Microsoft already verify for this purpose, so nothing changes for them.
 *
 * No OpenSSL headers needed: the two prototypes and the purpose number (x509v3.h, unchanged since
 * OpenSSL 0.9.6) are declared here. Build: `make` (gcc); see sbc/README.md, "Inbound TLS".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_method_st SSL_METHOD;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

enum { X509_PURPOSE_SSL_SERVER = 2 };

/*
 * The next definition of an OpenSSL symbol. Kamailio loads its tls module with dlopen and without
 * RTLD_GLOBAL, so libssl is outside RTLD_NEXT's reach; it is loaded by the time a context is created,
 * and RTLD_NOLOAD finds it.
 */
static void *libssl_symbol(const char *name) {
    void *symbol = dlsym(RTLD_NEXT, name);
    if (symbol != NULL) return symbol;
    void *libssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
    return libssl != NULL ? dlsym(libssl, name) : NULL;
}

static void set_server_purpose(SSL_CTX *ctx) {
    static int (*set_purpose)(SSL_CTX *, int);
    if (ctx == NULL) return;
    if (set_purpose == NULL) set_purpose = (int (*)(SSL_CTX *, int))libssl_symbol("SSL_CTX_set_purpose");
    if (set_purpose != NULL) set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method) {
    static SSL_CTX *(*real_new)(const SSL_METHOD *);
    if (real_new == NULL) real_new = (SSL_CTX * (*)(const SSL_METHOD *)) libssl_symbol("SSL_CTX_new");
    if (real_new == NULL) return NULL;
    SSL_CTX *ctx = real_new(method);
    set_server_purpose(ctx);
    return ctx;
}

/* OpenSSL 3's constructor; an application may call it directly. */
SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *method) {
    static SSL_CTX *(*real_new_ex)(OSSL_LIB_CTX *, const char *, const SSL_METHOD *);
    if (real_new_ex == NULL)
        real_new_ex = (SSL_CTX * (*)(OSSL_LIB_CTX *, const char *, const SSL_METHOD *)) libssl_symbol("SSL_CTX_new_ex");
    if (real_new_ex == NULL) return NULL;
    SSL_CTX *ctx = real_new_ex(libctx, propq, method);
    set_server_purpose(ctx);
    return ctx;
}
