/* eap/freeradius.c - see freeradius.h. */
#define _GNU_SOURCE
#include "freeradius.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENT_CERTS 16
#define READY_LINE "Ready to process requests"
#define START_WAIT_MS 15000

typedef struct {
	char cn[64];
	char *cert_pem, *key_pem;
	long serial; /* what the CRL names when it is revoked */
} client_cert;

struct freeradius {
	pid_t pid;
	uint16_t port;
	char dir[4096];
	char bin[4096];
	char *ca_pem;
	client_cert clients[MAX_CLIENT_CERTS];
	size_t nclients;
	/* Kept for freeradius_reconfigure: the devices were given this CA and
	 * these client certificates, so a new server certificate or CRL must
	 * come from the same keys. */
	EVP_PKEY *ca_key, *rogue_key, *srv_key;
	X509 *ca, *rogue;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return FREERADIUS_EFAIL;
}

/* ---- certificates (RFC 5280 profiles, the minimum TLS servers check) ---- */

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ex)
		return -1;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* kind: 0 CA, 1 server, 2 client. days_from/days_to relative to now. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       long serial, int kind, long days_from, long days_to)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	X509_NAME *name = X509_NAME_new();
	int ok = name && X509_set_version(x, 2) &&
		 ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
		 X509_gmtime_adj(X509_getm_notBefore(x), days_from * 86400L) &&
		 X509_gmtime_adj(X509_getm_notAfter(x), days_to * 86400L) &&
		 X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"linkrig", -1, -1, 0) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
		 X509_set_subject_name(x, name) &&
		 X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
		 X509_set_pubkey(x, key);
	X509_NAME_free(name);
	X509 *iss = issuer ? issuer : x;
	if (ok) {
		if (kind == 0)
			ok = !add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE") &&
			     !add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign") &&
			     !add_ext(x, iss, NID_subject_key_identifier, "hash");
		else
			ok = !add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE") &&
			     !add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyAgreement") &&
			     !add_ext(x, iss, NID_ext_key_usage, kind == 1 ? "serverAuth" : "clientAuth") &&
			     !add_ext(x, iss, NID_authority_key_identifier, "keyid");
	}
	if (!ok || !X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_CRL *make_crl(X509 *ca, EVP_PKEY *ca_key, const long *serials, size_t n)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_new(), *next = ASN1_TIME_new();
	int ok = crl && now && next && X509_CRL_set_version(crl, 1) &&
		 X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) &&
		 X509_gmtime_adj(now, -3600) && X509_gmtime_adj(next, 30L * 86400L) &&
		 X509_CRL_set1_lastUpdate(crl, now) && X509_CRL_set1_nextUpdate(crl, next);
	for (size_t i = 0; ok && i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		ok = r && s && ASN1_INTEGER_set(s, serials[i]) &&
		     X509_REVOKED_set_serialNumber(r, s) &&
		     X509_REVOKED_set_revocationDate(r, now) && X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(s);
		if (!ok)
			X509_REVOKED_free(r);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, ca_key, EVP_sha256());
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

static char *bio_text(BIO *b)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s) {
		memcpy(s, p, (size_t)n);
		s[n] = 0;
	}
	return s;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_X509(b, x) ? bio_text(b) : NULL;
	BIO_free(b);
	return s;
}

static char *key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) ? bio_text(b) : NULL;
	BIO_free(b);
	return s;
}

static char *crl_pem(X509_CRL *c)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = b && PEM_write_bio_X509_CRL(b, c) ? bio_text(b) : NULL;
	BIO_free(b);
	return s;
}

/* Files are private: FreeRADIUS refuses a configuration others may write. */
static int write_file(const char *dir, const char *name, const char *a, const char *b,
		      char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	const char *parts[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		size_t n = parts[i] ? strlen(parts[i]) : 0, off = 0;
		while (off < n) {
			ssize_t w = write(fd, parts[i] + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				int e = errno;
				close(fd);
				return fail(err, errlen, "%s: %s", path, strerror(e));
			}
			off += (size_t)w;
		}
	}
	if (close(fd) != 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	return 0;
}

static int safe_word(const char *s)
{
	if (!s || !*s || strlen(s) > 128)
		return 0;
	for (const char *c = s; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

/* The authorities, the server's key and the client certificates: made once
 * per server, as the devices are given the CA and client keys at start. */
static int make_authorities(freeradius *s, const freeradius_config *cfg, char *err, size_t errlen)
{
	const freeradius *au = cfg->authority;
	s->srv_key = new_key();
	if (au) {
		if (EVP_PKEY_up_ref(au->ca_key))
			s->ca_key = au->ca_key;
		if (EVP_PKEY_up_ref(au->rogue_key))
			s->rogue_key = au->rogue_key;
		if (X509_up_ref(au->ca))
			s->ca = au->ca;
		if (X509_up_ref(au->rogue))
			s->rogue = au->rogue;
	} else {
		s->ca_key = new_key();
		s->rogue_key = new_key();
	}
	if (!s->ca_key || !s->rogue_key || !s->srv_key)
		return fail(err, errlen, "cannot make the RADIUS keys (OpenSSL)");
	if (!au) {
		s->ca = make_cert("linkrig test CA", s->ca_key, NULL, NULL, 1, 0, -1, 365);
		s->rogue = make_cert("unknown CA", s->rogue_key, NULL, NULL, 1, 0, -1, 365);
	}
	s->ca_pem = s->ca ? cert_pem(s->ca) : NULL;
	if (!s->ca || !s->rogue || !s->ca_pem)
		return fail(err, errlen, "cannot make the RADIUS certificate authorities (OpenSSL)");
	for (size_t i = 0; i < cfg->nclient_certs; i++) {
		const freeradius_client_cert *c = &cfg->client_certs[i];
		if (!safe_word(c->cn) || strlen(c->cn) >= sizeof s->clients[0].cn)
			return fail(err, errlen, "client certificate name '%s' is empty, too long or has quotes",
				    c->cn ? c->cn : "");
		const client_cert *same = NULL;
		for (size_t j = 0; au && j < au->nclients && !same; j++)
			if (strcmp(au->clients[j].cn, c->cn) == 0)
				same = &au->clients[j];
		if (same) {
			client_cert *cc = &s->clients[s->nclients++];
			snprintf(cc->cn, sizeof cc->cn, "%s", c->cn);
			cc->serial = same->serial;
			cc->cert_pem = same->cert_pem ? strdup(same->cert_pem) : NULL;
			cc->key_pem = same->key_pem ? strdup(same->key_pem) : NULL;
			if (!cc->cert_pem || !cc->key_pem)
				return fail(err, errlen, "out of memory copying the client certificate '%s'", c->cn);
			continue;
		}
		EVP_PKEY *k = new_key();
		/* The serial from the CN (FNV-1a), so that servers sharing a CA
		 * give different names different serials and a CRL names one. */
		uint32_t h = 2166136261u;
		for (const char *p = c->cn; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		long serial = 100 + (long)(h & 0x3fffffff);
		X509 *x = k ? make_cert(c->cn, k, s->ca, s->ca_key, serial, 2, -1, 365) : NULL;
		client_cert *cc = &s->clients[s->nclients];
		snprintf(cc->cn, sizeof cc->cn, "%s", c->cn);
		cc->serial = serial;
		cc->cert_pem = x ? cert_pem(x) : NULL;
		cc->key_pem = k ? key_pem(k) : NULL;
		X509_free(x);
		EVP_PKEY_free(k);
		s->nclients++;
		if (!cc->cert_pem || !cc->key_pem)
			return fail(err, errlen, "cannot make the client certificate '%s' (OpenSSL)", c->cn);
	}
	return 0;
}

/* What the server presents and checks now: its certificate (valid, expired,
 * or from the CA the devices lack) and the CRL of the revoked client
 * certificates (by the serials they were made with). */
static int write_server_files(freeradius *s, const freeradius_config *cfg, char *err, size_t errlen)
{
	int rc = FREERADIUS_EFAIL;
	X509 *srv = NULL;
	X509_CRL *crl = NULL;
	char *crl_txt = NULL, *srv_txt = NULL, *srv_key_txt = NULL;
	long revoked[MAX_CLIENT_CERTS];
	size_t nrevoked = 0;

	X509 *srv_issuer = cfg->server_cert_untrusted ? s->rogue : s->ca;
	EVP_PKEY *srv_issuer_key = cfg->server_cert_untrusted ? s->rogue_key : s->ca_key;
	srv = cfg->server_cert_expired
		? make_cert("radius.linkrig", s->srv_key, srv_issuer, srv_issuer_key, 2, 1, -60, -1)
		: make_cert("radius.linkrig", s->srv_key, srv_issuer, srv_issuer_key, 2, 1, -1, 365);
	for (size_t i = 0; i < cfg->nclient_certs && i < s->nclients; i++)
		if (cfg->client_certs[i].revoked)
			revoked[nrevoked++] = s->clients[i].serial;
	crl = make_crl(s->ca, s->ca_key, revoked, nrevoked);
	crl_txt = crl ? crl_pem(crl) : NULL;
	srv_txt = srv ? cert_pem(srv) : NULL;
	srv_key_txt = key_pem(s->srv_key);
	if (!crl_txt || !srv_txt || !srv_key_txt)
		goto out;
	/* The server's trust file holds the CA and its CRL: OpenSSL loads both
	 * from one PEM file, and check_crl needs a CRL for every CA. */
	if (write_file(s->dir, "ca.pem", s->ca_pem, NULL, err, errlen) ||
	    write_file(s->dir, "ca-crl.pem", s->ca_pem, crl_txt, err, errlen) ||
	    write_file(s->dir, "server.pem", srv_txt, NULL, err, errlen) ||
	    write_file(s->dir, "server.key", srv_key_txt, NULL, err, errlen))
		goto out;
	rc = 0;
out:
	if (rc && err && errlen && !err[0])
		fail(err, errlen, "cannot make the RADIUS certificates (OpenSSL)");
	ERR_clear_error();
	X509_free(srv);
	X509_CRL_free(crl);
	free(crl_txt);
	free(srv_txt);
	if (srv_key_txt)
		OPENSSL_cleanse(srv_key_txt, strlen(srv_key_txt));
	free(srv_key_txt);
	return rc;
}

/* ---- configuration ---- */

static int write_config(const freeradius *s, const freeradius_config *cfg,
			char *err, size_t errlen)
{
	const char *d = s->dir;
	size_t cap = 16384 + cfg->nusers * 300;
	char *c = malloc(cap);
	if (!c)
		return fail(err, errlen, "out of memory");
	int n = snprintf(c, cap,
		"# Generated by linkrig for one run; every path is inside this folder.\n"
		"prefix = /usr\nlocalstatedir = %s\nlogdir = %s\nrun_dir = %s\nraddbdir = %s\n"
		"libdir = /usr/lib/freeradius\npidfile = %s/radiusd.pid\nname = radiusd\n"
		"max_request_time = 30\ncleanup_delay = 5\nmax_requests = 1024\nhostname_lookups = no\n"
		"log {\n destination = stdout\n auth = yes\n}\n"
		"security {\n allow_core_dumps = no\n max_attributes = 200\n reject_delay = 0\n status_server = no\n}\n"
		"thread pool {\n start_servers = 1\n max_servers = 1\n min_spare_servers = 1\n max_spare_servers = 1\n}\n"
		"client rig {\n ipaddr = 127.0.0.1\n secret = \"%s\"\n require_message_authenticator = yes\n}\n"
		"modules {\n files {\n  filename = %s/users\n }\n pap {\n }\n mschap {\n }\n"
		" eap {\n  default_eap_type = peap\n  timer_expire = 60\n  max_sessions = 64\n"
		"  tls-config tls-common {\n   private_key_file = %s/server.key\n   certificate_file = %s/server.pem\n"
		"   ca_file = %s/ca-crl.pem\n   check_crl = yes\n   cipher_list = \"DEFAULT\"\n"
		"   tls_min_version = \"1.2\"\n   tls_max_version = \"1.2\"\n   cache {\n    enable = no\n   }\n  }\n"
		"  tls {\n   tls = tls-common\n  }\n"
		"  ttls {\n   tls = tls-common\n   default_eap_type = mschapv2\n   virtual_server = inner-tunnel\n  }\n"
		"  peap {\n   tls = tls-common\n   default_eap_type = mschapv2\n   virtual_server = inner-tunnel\n  }\n"
		"  mschapv2 {\n  }\n }\n}\n"
		"server default {\n listen {\n  type = auth\n  ipaddr = 127.0.0.1\n  port = %u\n }\n"
		" authorize {\n  eap {\n   ok = return\n  }\n  files\n  pap\n }\n"
		" authenticate {\n  eap\n  Auth-Type PAP {\n   pap\n  }\n }\n}\n"
		"server inner-tunnel {\n authorize {\n  eap {\n   ok = return\n  }\n  files\n  mschap\n  pap\n }\n"
		" authenticate {\n  Auth-Type PAP {\n   pap\n  }\n  Auth-Type MS-CHAP {\n   mschap\n  }\n  eap\n }\n}\n",
		d, d, d, d, d, cfg->secret, d, d, d, d, s->port);
	if (n < 0 || (size_t)n >= cap) {
		free(c);
		return fail(err, errlen, "RADIUS configuration too long");
	}
	int rc = write_file(d, "radiusd.conf", c, NULL, err, errlen) ||
		 write_file(d, "dictionary", "$INCLUDE /usr/share/freeradius/dictionary\n", NULL, err, errlen);
	size_t off = 0;
	c[0] = 0;
	for (size_t i = 0; !rc && i < cfg->nusers; i++) {
		const freeradius_user *u = &cfg->users[i];
		if (!safe_word(u->name) || !safe_word(u->password)) {
			rc = fail(err, errlen, "RADIUS user '%s': name and password must be 1..128 printable characters without quotes or backslashes",
				  u->name ? u->name : "");
			break;
		}
		off += (size_t)snprintf(c + off, cap - off, "\"%s\" Cleartext-Password := \"%s\"\n", u->name, u->password);
	}
	if (!rc)
		rc = write_file(d, "users", c, NULL, err, errlen);
	OPENSSL_cleanse(c, cap);
	free(c);
	return rc ? FREERADIUS_EFAIL : 0;
}

static uint16_t free_udp_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	uint16_t port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static const char *find_binary(const char *want, char *buf, size_t cap)
{
	const char *names[] = { want, "freeradius", "radiusd" };
	const char *path = getenv("PATH");
	for (size_t i = want ? 0 : 1; i < 3; i++) {
		if (!names[i])
			continue;
		if (strchr(names[i], '/'))
			return access(names[i], X_OK) == 0 ? names[i] : NULL;
		char dirs[8192];
		snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/usr/local/sbin", path ? path : "/usr/bin");
		for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(buf, cap, "%s/%s", dir, names[i]);
			if (access(buf, X_OK) == 0)
				return buf;
		}
		if (want)
			return NULL;
	}
	return NULL;
}

/* Whether the log holds needle past byte `from` (a restarted server's
 * lines follow the earlier one's). */
static int log_has(const char *path, const char *needle, off_t from)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[1024];
	int found = 0;
	if (from > 0 && fseeko(f, from, SEEK_SET) != 0) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof line, f))
		if (strstr(line, needle)) {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* fresh: a new log (a first start); else the log goes on, and readiness is
 * looked for in what this process writes. */
static int spawn(freeradius *s, int fresh, char *err, size_t errlen)
{
	char log[4200];
	snprintf(log, sizeof log, "%s/radius.log", s->dir);
	/* A log left by an earlier run in the same folder holds READY_LINE
	 * already: start a fresh one, or readiness would be seen too early. */
	off_t from = 0;
	struct stat st_log;
	if (fresh)
		unlink(log);
	else if (stat(log, &st_log) == 0)
		from = st_log.st_size;
	const char *bin = s->bin;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return fail(err, errlen, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The server must not outlive the run, even a crashed one. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0)
			_exit(127);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, bin, "-f", "-d", s->dir, "-n", "radiusd", "-l", "stdout", (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	for (long waited = 0; waited < START_WAIT_MS; waited += 20) {
		if (log_has(log, READY_LINE, from))
			return 0;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			s->pid = 0;
			return fail(err, errlen, "FreeRADIUS exited at start (%s %d); see %s",
				    WIFEXITED(st) ? "status" : "signal",
				    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log);
		}
		sleep_ms(20);
	}
	return fail(err, errlen, "FreeRADIUS did not report ready within %d s; see %s", START_WAIT_MS / 1000, log);
}

/* SIGTERM, then SIGKILL after a second; waits for the process. */
static void end_process(freeradius *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	int st;
	int done = 0;
	for (int i = 0; i < 100 && !done; i++) {
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid || (r < 0 && errno == ECHILD))
			done = 1;
		else
			sleep_ms(10);
	}
	if (!done) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = 0;
}

/* Config and process on s->port, else (the port taken meanwhile) on a few
 * other free ports. */
static int launch(freeradius *s, const freeradius_config *cfg, int fresh, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		if (attempt > 0 || !s->port)
			s->port = free_udp_port();
		if (!s->port)
			return fail(err, errlen, "no free UDP port on 127.0.0.1");
		if (write_config(s, cfg, err, errlen))
			return FREERADIUS_EFAIL;
		if (spawn(s, fresh, err, errlen) == 0)
			return 0;
		fresh = 0;
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
				;
			s->pid = 0;
		}
	}
	return FREERADIUS_EFAIL;
}

freeradius *freeradius_start(const freeradius_config *cfg, int *code, char *err, size_t errlen)
{
	int dummy;
	if (!code)
		code = &dummy;
	*code = FREERADIUS_EFAIL;
	if (err && errlen)
		err[0] = 0;
	if (!cfg || !cfg->dir || !safe_word(cfg->secret)) {
		fail(err, errlen, "RADIUS: a folder and a shared secret (printable, no quotes) are required");
		return NULL;
	}
	if (cfg->nclient_certs > MAX_CLIENT_CERTS) {
		fail(err, errlen, "RADIUS: at most %d client certificates", MAX_CLIENT_CERTS);
		return NULL;
	}
	char binbuf[4096];
	const char *bin = find_binary(cfg->binary, binbuf, sizeof binbuf);
	if (!bin) {
		*code = FREERADIUS_ENOTFOUND;
		fail(err, errlen, "FreeRADIUS not found (%s); install Debian's freeradius package",
		     cfg->binary ? cfg->binary : "looked for freeradius and radiusd in PATH and /usr/sbin");
		return NULL;
	}
	freeradius *s = calloc(1, sizeof *s);
	if (!s) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	if (strlen(cfg->dir) >= sizeof s->dir - 64 || strlen(bin) >= sizeof s->bin) {
		fail(err, errlen, "RADIUS folder or binary path too long");
		free(s);
		return NULL;
	}
	snprintf(s->dir, sizeof s->dir, "%s", cfg->dir);
	snprintf(s->bin, sizeof s->bin, "%s", bin);
	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		fail(err, errlen, "%s: %s", s->dir, strerror(errno));
		freeradius_stop(s);
		return NULL;
	}
	chmod(s->dir, 0700);
	if (make_authorities(s, cfg, err, errlen) || write_server_files(s, cfg, err, errlen) ||
	    launch(s, cfg, 1, err, errlen)) {
		freeradius_stop(s);
		return NULL;
	}
	*code = 0;
	return s;
}

int freeradius_reconfigure(freeradius *s, const freeradius_config *cfg, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = 0;
	if (!s || !cfg || !safe_word(cfg->secret))
		return fail(err, errlen, "RADIUS: a server and a shared secret (printable, no quotes) are required");
	if (cfg->nclient_certs != s->nclients)
		return fail(err, errlen, "RADIUS: the client certificates are the ones made at start (%zu, not %zu)",
			    s->nclients, cfg->nclient_certs);
	for (size_t i = 0; i < s->nclients; i++)
		if (!cfg->client_certs[i].cn || strcmp(cfg->client_certs[i].cn, s->clients[i].cn) != 0)
			return fail(err, errlen, "RADIUS: client certificate %zu is '%s', made at start",
				    i, s->clients[i].cn);
	/* FreeRADIUS reads its certificates, CRL and users once: a new set
	 * takes a new process (a HUP reloads neither the eap module's TLS
	 * context nor its CRL). The port stays when it can. */
	end_process(s);
	if (write_server_files(s, cfg, err, errlen))
		return FREERADIUS_EFAIL;
	return launch(s, cfg, 0, err, errlen);
}

void freeradius_stop(freeradius *s)
{
	if (!s)
		return;
	end_process(s);
	free(s->ca_pem);
	for (size_t i = 0; i < s->nclients; i++) {
		free(s->clients[i].cert_pem);
		if (s->clients[i].key_pem)
			OPENSSL_cleanse(s->clients[i].key_pem, strlen(s->clients[i].key_pem));
		free(s->clients[i].key_pem);
	}
	EVP_PKEY_free(s->ca_key);
	EVP_PKEY_free(s->rogue_key);
	EVP_PKEY_free(s->srv_key);
	X509_free(s->ca);
	X509_free(s->rogue);
	free(s);
}

uint16_t freeradius_port(const freeradius *s)
{
	return s ? s->port : 0;
}

int freeradius_pid(const freeradius *s)
{
	return s ? (int)s->pid : 0;
}

const char *freeradius_ca_pem(const freeradius *s)
{
	return s ? s->ca_pem : NULL;
}

int freeradius_client_pem(const freeradius *s, const char *cn,
			   const char **cert, const char **key)
{
	for (size_t i = 0; s && cn && i < s->nclients; i++)
		if (strcmp(s->clients[i].cn, cn) == 0) {
			*cert = s->clients[i].cert_pem;
			*key = s->clients[i].key_pem;
			return 0;
		}
	return -1;
}
