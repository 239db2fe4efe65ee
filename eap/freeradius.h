/*
 * eap/freeradius.h - a real RADIUS authentication server for a run:
 * FreeRADIUS (Debian's `freeradius` package) started on loopback with a
 * configuration generated from the scenario, and the certificates it and
 * the devices need, made with OpenSSL at start.
 *
 * Contract:
 *  - Everything the server reads or writes stays under cfg->dir (config,
 *    certificates, keys, log, pid file); nothing else on the machine is
 *    touched. The server listens on 127.0.0.1 only, on a free port.
 *  - The process never outlives its owner: it is killed by
 *    freeradius_stop(), and by the kernel if the owner dies first
 *    (PR_SET_PDEATHSIG).
 *  - freeradius_start() returns NULL with a message when the binary is
 *    missing (FREERADIUS_ENOTFOUND through *code) or the server does not
 *    come up; callers make that exit 2.
 *  - Certificates: one CA the devices are given (freeradius_ca_pem), a
 *    server certificate signed by it (or, by request, expired, or signed by
 *    another CA the devices do not know), client certificates by name, some
 *    revoked in the CRL the server checks (RFC 5280 5).
 */
#ifndef LINKRIG_EAP_FREERADIUS_H
#define LINKRIG_EAP_FREERADIUS_H

#include <stddef.h>
#include <stdint.h>

#define FREERADIUS_ENOTFOUND (-1) /* no freeradius binary */
#define FREERADIUS_EFAIL     (-2) /* files, certificates, or the process */

typedef struct {
	const char *name;     /* User-Name; no quote, backslash or control */
	const char *password; /* Cleartext-Password (PEAP-MSCHAPv2, TTLS-PAP) */
} freeradius_user;

typedef struct {
	const char *cn;  /* subject CN; also the name to fetch it by */
	int revoked;     /* listed in the CRL the server checks */
} freeradius_client_cert;

typedef struct {
	const char *dir;     /* created if missing; all files live here */
	const char *secret;  /* RADIUS shared secret with the AP */
	const freeradius_user *users;
	size_t nusers;
	const freeradius_client_cert *client_certs;
	size_t nclient_certs;
	int server_cert_expired;   /* fault: notAfter in the past */
	int server_cert_untrusted; /* fault: signed by a CA the devices lack */
	const char *binary;        /* NULL: `freeradius`, then `radiusd`, in PATH and /usr/sbin */
	/* NULL: make a new CA (and the untrusted one) and new client keys. A
	 * server: use its CA, untrusted CA and client certificates of the same
	 * CN (an ESS whose APs share one PKI, so a device given one CA can roam
	 * between them); the server's own key and certificate are still new. */
	const struct freeradius *authority;
} freeradius_config;

typedef struct freeradius freeradius;

freeradius *freeradius_start(const freeradius_config *cfg, int *code,
			     char *err, size_t errlen);
/* What the server presents and accepts from now on (the credential faults):
 * cfg's users, server_cert_* and client_certs[].revoked; the client
 * certificates must be the ones given at start (same CNs, same order), and
 * the CA and keys stay, so devices keep what they were given. The process
 * is restarted with the new files (FreeRADIUS reads certificates, CRL and
 * users only at start), on the same port when it is still free, else on
 * another: read freeradius_port() again. On failure no server runs. */
int freeradius_reconfigure(freeradius *s, const freeradius_config *cfg, char *err, size_t errlen);
/* SIGTERM, then SIGKILL after a second; waits for the process. NULL is a no-op. */
void freeradius_stop(freeradius *s);

uint16_t freeradius_port(const freeradius *s);       /* UDP, on 127.0.0.1 */
int freeradius_pid(const freeradius *s);
const char *freeradius_ca_pem(const freeradius *s);  /* what devices trust */
/* The client certificate and key made for cn, or -1 if none was asked for. */
int freeradius_client_pem(const freeradius *s, const char *cn,
			   const char **cert_pem, const char **key_pem);

#endif
