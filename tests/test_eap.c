/* The EAP peer against a real FreeRADIUS, relayed by RADIUS messages as the
 * AP's authenticator will relay them: PEAP-MSCHAPv2, TTLS-PAP and EAP-TLS
 * succeed with keys that match the server's; each credential and
 * certificate fault fails with the reason a firmware must see. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "eap/eap_peer.h"
#include "eap/freeradius.h"
#include "eap/radius.h"

#define SECRET "rig-secret"

typedef struct {
	freeradius *good, *expired, *untrusted;
	char base[512];
} fixture;

static freeradius *start(const char *base, const char *sub, int expired, int untrusted)
{
	static const freeradius_user users[] = { { "alice", "wonderland" }, { "bob", "builder" } };
	static const freeradius_client_cert certs[] = { { "cam1", 0 }, { "cam2", 1 } };
	char dir[600];
	snprintf(dir, sizeof dir, "%s/%s", base, sub);
	freeradius_config c = {
		.dir = dir, .secret = SECRET, .users = users, .nusers = 2,
		.client_certs = certs, .nclient_certs = 2,
		.server_cert_expired = expired, .server_cert_untrusted = untrusted,
	};
	char err[256];
	int code;
	freeradius *s = freeradius_start(&c, &code, err, sizeof err);
	if (!s)
		fprintf(stderr, "freeradius_start: %s\n", err);
	return s;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->base, sizeof f->base, "%s/test-out/eap-XXXXXX", LINKRIG_BUILD_DIR);
	char parent[512];
	snprintf(parent, sizeof parent, "%s/test-out", LINKRIG_BUILD_DIR);
	mkdir(parent, 0755);
	if (!mkdtemp(f->base))
		return -1;
	f->good = start(f->base, "good", 0, 0);
	f->expired = start(f->base, "expired", 1, 0);
	f->untrusted = start(f->base, "untrusted", 0, 1);
	*state = f;
	return f->good && f->expired && f->untrusted ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	freeradius_stop(f->good);
	freeradius_stop(f->expired);
	freeradius_stop(f->untrusted);
	free(f);
	return 0;
}

typedef struct {
	eap_peer_result result;
	eap_peer_fail fail;
	int radius_code;
	int keys_match;
	int rounds;
} outcome;

/* The authenticator's half: EAP-Request/Identity to the peer, then each
 * response to the server in an Access-Request and each Challenge's EAP back,
 * until Accept or Reject (RFC 3579 2.1). */
static outcome authenticate(freeradius *srv, const eap_peer_config *pc)
{
	outcome o = { EAP_PEER_IGNORE, EAP_FAIL_NONE, 0, 0, 0 };
	char err[256];
	eap_peer *p = eap_peer_new(pc, err, sizeof err);
	assert_non_null(p);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(freeradius_port(srv)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	uint8_t req[EAP_PEER_MAX_PACKET] = { EAP_CODE_REQUEST, 1, 0, 5, EAP_TYPE_IDENTITY };
	size_t req_len = 5;
	uint8_t resp[EAP_PEER_MAX_PACKET];
	size_t resp_len = 0;
	uint8_t state[RADIUS_STATE_MAX];
	size_t state_len = 0;
	char user[128] = "";
	static radius_reply rr;

	for (uint8_t rid = 1; rid < 120; rid++) {
		eap_peer_result r = eap_peer_rx(p, req, req_len, resp, sizeof resp, &resp_len);
		if (r != EAP_PEER_RESPOND) {
			o.result = r;
			break;
		}
		if (resp_len > 5 && resp[4] == EAP_TYPE_IDENTITY)
			snprintf(user, sizeof user, "%.*s", (int)(resp_len - 5), (const char *)resp + 5);
		uint8_t auth[RADIUS_AUTH_LEN];
		for (int i = 0; i < 16; i++)
			auth[i] = (uint8_t)(rand() & 0xff);
		radius_request rq = { .user_name = user, .calling_station_id = "02-00-00-00-00-01",
				      .called_station_id = "02-00-00-00-AA-01:corp", .nas_ip = 0x7f000001,
				      .eap = resp, .eap_len = resp_len, .state = state,
				      .state_len = state_len, .framed_mtu = 1400 };
		uint8_t pkt[RADIUS_MAX_LEN];
		size_t plen;
		assert_int_equal(radius_build_request(pkt, sizeof pkt, &plen, rid, auth, SECRET, &rq,
						      err, sizeof err), 0);
		assert_int_equal(sendto(fd, pkt, plen, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)plen);
		uint8_t in[RADIUS_MAX_LEN];
		ssize_t n = recv(fd, in, sizeof in, 0);
		assert_true(n > 0);
		int pr = radius_parse_reply(in, (size_t)n, rid, auth, SECRET, &rr, err, sizeof err);
		if (pr)
			fprintf(stderr, "parse: %s\n", err);
		assert_int_equal(pr, 0);
		o.rounds++;
		o.radius_code = rr.code;
		memcpy(state, rr.state, rr.state_len);
		state_len = rr.state_len;
		assert_true(rr.eap_len >= 4 && rr.eap_len <= sizeof req);
		memcpy(req, rr.eap, rr.eap_len);
		req_len = rr.eap_len;
		if (rr.code != RADIUS_ACCESS_CHALLENGE) {
			o.result = eap_peer_rx(p, req, req_len, resp, sizeof resp, &resp_len);
			break;
		}
	}
	o.fail = eap_peer_failure(p);
	if (o.result == EAP_PEER_SUCCESS && rr.have_mppe) {
		uint8_t msk[EAP_MSK_LEN];
		assert_int_equal(eap_peer_msk(p, msk), 0);
		o.keys_match = memcmp(msk, rr.mppe_recv, 32) == 0 && memcmp(msk + 32, rr.mppe_send, 32) == 0;
	}
	if (o.result == EAP_PEER_FAILURE)
		fprintf(stderr, "  peer reason: %s\n", eap_peer_reason(p));
	eap_peer_free(p);
	close(fd);
	return o;
}

static eap_peer_config peap(const fixture *f, const char *id, const char *pw)
{
	return (eap_peer_config){ .method = EAP_METHOD_PEAP_MSCHAPV2, .identity = id,
				  .anonymous_identity = "anonymous", .password = pw,
				  .ca_cert_pem = freeradius_ca_pem(f->good) };
}

static void peap_mschapv2_joins(void **state)
{
	fixture *f = *state;
	eap_peer_config c = peap(f, "alice", "wonderland");
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_SUCCESS);
	assert_int_equal(o.radius_code, RADIUS_ACCESS_ACCEPT);
	assert_true(o.keys_match);
	assert_true(o.rounds > 5); /* a real TLS tunnel, not a shortcut */
}

static void ttls_pap_joins(void **state)
{
	fixture *f = *state;
	eap_peer_config c = { .method = EAP_METHOD_TTLS_PAP, .identity = "bob", .password = "builder",
			      .ca_cert_pem = freeradius_ca_pem(f->good) };
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_SUCCESS);
	assert_true(o.keys_match);
}

static void eap_tls_joins(void **state)
{
	fixture *f = *state;
	eap_peer_config c = { .method = EAP_METHOD_TLS, .identity = "cam1",
			      .ca_cert_pem = freeradius_ca_pem(f->good) };
	assert_int_equal(freeradius_client_pem(f->good, "cam1", &c.client_cert_pem, &c.client_key_pem), 0);
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_SUCCESS);
	assert_true(o.keys_match);
}

static void wrong_password_is_refused(void **state)
{
	fixture *f = *state;
	eap_peer_config c = peap(f, "alice", "looking-glass");
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.radius_code, RADIUS_ACCESS_REJECT);
	assert_int_equal(o.fail, EAP_FAIL_REJECTED);

	eap_peer_config t = { .method = EAP_METHOD_TTLS_PAP, .identity = "bob", .password = "wrong",
			      .ca_cert_pem = freeradius_ca_pem(f->good) };
	o = authenticate(f->good, &t);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.fail, EAP_FAIL_REJECTED);
}

static void unknown_identity_is_refused(void **state)
{
	fixture *f = *state;
	eap_peer_config c = peap(f, "mallory", "wonderland");
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.fail, EAP_FAIL_REJECTED);
}

static void revoked_client_cert_is_refused(void **state)
{
	fixture *f = *state;
	eap_peer_config c = { .method = EAP_METHOD_TLS, .identity = "cam2",
			      .ca_cert_pem = freeradius_ca_pem(f->good) };
	assert_int_equal(freeradius_client_pem(f->good, "cam2", &c.client_cert_pem, &c.client_key_pem), 0);
	outcome o = authenticate(f->good, &c);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.radius_code, RADIUS_ACCESS_REJECT);
	assert_int_equal(o.fail, EAP_FAIL_CLIENT_CERT);
}

static void expired_server_cert_is_not_trusted(void **state)
{
	fixture *f = *state;
	eap_peer_config c = peap(f, "alice", "wonderland");
	c.ca_cert_pem = freeradius_ca_pem(f->expired);
	outcome o = authenticate(f->expired, &c);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.fail, EAP_FAIL_SERVER_CERT);
}

static void untrusted_server_cert_is_not_trusted(void **state)
{
	fixture *f = *state;
	eap_peer_config c = peap(f, "alice", "wonderland");
	c.ca_cert_pem = freeradius_ca_pem(f->untrusted);
	outcome o = authenticate(f->untrusted, &c);
	assert_int_equal(o.result, EAP_PEER_FAILURE);
	assert_int_equal(o.fail, EAP_FAIL_SERVER_CERT);
	/* Without a CA the device does not check, as devices given no
	 * ca_certs do: the same server is then accepted. */
	c.ca_cert_pem = NULL;
	o = authenticate(f->untrusted, &c);
	assert_int_equal(o.result, EAP_PEER_SUCCESS);
}

static void tampered_reply_is_refused(void **state)
{
	fixture *f = *state;
	(void)f;
	/* A reply signed with another secret fails its Response Authenticator. */
	uint8_t auth[16] = { 1, 2, 3 }, pkt[64] = { RADIUS_ACCESS_ACCEPT, 7, 0, 20 };
	radius_reply rr;
	char err[128];
	memset(pkt + 4, 0xaa, 16);
	assert_int_equal(radius_parse_reply(pkt, 20, 7, auth, SECRET, &rr, err, sizeof err), RADIUS_EAUTH);
	assert_int_equal(radius_parse_reply(pkt, 19, 7, auth, SECRET, &rr, err, sizeof err), RADIUS_EINVAL);
	pkt[3] = 200; /* Length beyond the datagram */
	assert_int_equal(radius_parse_reply(pkt, 20, 7, auth, SECRET, &rr, err, sizeof err), RADIUS_EINVAL);
}

static void server_stops_with_its_owner(void **state)
{
	fixture *f = *state;
	int pid = freeradius_pid(f->good);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), 0);
	/* Files stay in the folder given. */
	char path[700];
	snprintf(path, sizeof path, "%s/good/radiusd.conf", f->base);
	assert_int_equal(access(path, R_OK), 0);
	freeradius_stop(f->good);
	f->good = NULL;
	assert_int_equal(kill(pid, 0), -1);
}

static void missing_binary_is_reported(void **state)
{
	(void)state;
	freeradius_config c = { .dir = "/nonexistent", .secret = SECRET, .binary = "/nonexistent/freeradius" };
	char err[256];
	int code = 0;
	assert_null(freeradius_start(&c, &code, err, sizeof err));
	assert_int_equal(code, FREERADIUS_ENOTFOUND);
	assert_non_null(strstr(err, "freeradius"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(peap_mschapv2_joins),
		cmocka_unit_test(ttls_pap_joins),
		cmocka_unit_test(eap_tls_joins),
		cmocka_unit_test(wrong_password_is_refused),
		cmocka_unit_test(unknown_identity_is_refused),
		cmocka_unit_test(revoked_client_cert_is_refused),
		cmocka_unit_test(expired_server_cert_is_not_trusted),
		cmocka_unit_test(untrusted_server_cert_is_not_trusted),
		cmocka_unit_test(tampered_reply_is_refused),
		cmocka_unit_test(missing_binary_is_reported),
		cmocka_unit_test(server_stops_with_its_owner),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
