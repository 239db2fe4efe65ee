/* sim/services.h — what the rig's in-rig services answer: the protocol
 * side of a DNS server, an NTP server and a line-based TCP greeter.
 *
 * Pure functions over byte buffers: no sockets, no clock, no slirp. The
 * uplink (sim/uplink.c) carries the bytes, supplies the time and applies the
 * fault modes; the unit tests feed these functions crafted and malformed
 * messages directly. Every input is untrusted: lengths are checked before
 * every read, names are decoded with bounded compression pointers, nothing
 * is cast over a buffer, and a message that cannot be answered is dropped
 * (the functions return 0) rather than half-answered.
 *
 * DNS (RFC 1035): svc_dns_answer answers one query message. It is an
 * authoritative server for the names it is given (A records, class IN):
 *   - a response, or a message shorter than its 12-byte header: dropped
 *     (never answer a response, §4.1.1 QR);
 *   - an opcode other than QUERY: NOTIMP (4), header only;
 *   - QDCOUNT != 1, a question that does not parse (label over 63 bytes,
 *     name over 255 bytes, a compression pointer that does not point
 *     strictly backwards, a truncated record), answer or authority records
 *     in a query, or an EDNS OPT record (RFC 6891 §7: a responder without
 *     EDNS answers FORMERR): FORMERR (1), header only;
 *   - QCLASS other than IN or ANY: REFUSED (5);
 *   - a name not in the table: NXDOMAIN (3), with AA set;
 *   - a name in the table, QTYPE A or ANY: one A record (TTL SVC_DNS_TTL),
 *     the owner name a compression pointer to the question (§4.1.4);
 *   - a name in the table, another QTYPE: NOERROR with no answer (NODATA,
 *     RFC 2308 §2.2).
 * Names compare case-insensitively (RFC 4343); the response copies ID, RD
 * and the question, sets QR and AA, and leaves RA clear (the server does not
 * recurse). With `wrong` set, every A/ANY query of class IN — listed names
 * or not — is answered with SVC_DNS_WRONG_IP: a resolver that lies.
 *
 * NTP (RFC 5905): svc_ntp_answer turns a client request (mode 3, version
 * 1..4, at least the 48-byte header; extension fields and a MAC are ignored)
 * into a server reply (mode 4, §9.2 and §7.3): same version and poll,
 * stratum 1, reference ID "LRIG", precision 2^-20 s, root delay and
 * dispersion 0, origin timestamp = the request's transmit timestamp, receive
 * and transmit timestamps as given. Anything else is dropped. Timestamps are
 * the 64-bit NTP format (seconds since 1900 and a 32-bit fraction, §6).
 *
 * Greeter: a TCP server that speaks first. On a new connection it sends its
 * greeting line; then for every line it receives (ended by LF, a CR before
 * the LF dropped, at most SVC_GREETER_LINE_MAX bytes: a longer run is cut
 * into lines of that size) it sends the reply of the first rule whose
 * `expect` text occurs in the line (an empty expect matches every line), or
 * nothing when no rule matches. Lines go out ended by CR LF. */
#ifndef LINKRIG_SIM_SERVICES_H
#define LINKRIG_SIM_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/err.h"

/* ---- DNS ---- */

#define SVC_DNS_PORT 53
#define SVC_DNS_MAX 512            /* RFC 1035 §4.2.1: UDP messages, and what the answer needs */
#define SVC_DNS_TTL 60             /* seconds, in every A record */
#define SVC_DNS_WRONG_IP 0xc0000201u /* 192.0.2.1, TEST-NET-1 (RFC 5737): reaches nothing */
#define SVC_DNS_NAME_MAX 253       /* text form, without the final dot */

typedef struct svc_dns_entry {
    const char *name; /* "time.rig": letters, digits, '-', '_' in labels of 1..63 */
    uint32_t ip;      /* host byte order */
} svc_dns_entry;

/* What a query asked and what it got, for the trace. */
typedef struct svc_dns_info {
    char qname[SVC_DNS_NAME_MAX + 2]; /* printable ASCII, '?' for other bytes; "" if none parsed */
    uint16_t qtype;
    int rcode;      /* 0 NOERROR, 1 FORMERR, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED */
    uint32_t answer; /* the A record's address, 0 when none */
} svc_dns_info;

/* Answers the query q[0..qlen) into out (cap >= SVC_DNS_MAX). Returns the
 * response's length, or 0 when the message is dropped. info may be NULL. */
size_t svc_dns_answer(const svc_dns_entry *names, size_t nnames, bool wrong, const uint8_t *q, size_t qlen,
                      uint8_t *out, size_t cap, svc_dns_info *info);
/* True when text is a name svc_dns_answer can serve (the scenario checks
 * its names with the same rule). */
bool svc_dns_name_ok(const char *text);

/* ---- NTP ---- */

#define SVC_NTP_PORT 123
#define SVC_NTP_LEN 48
#define SVC_NTP_UNIX_OFFSET 2208988800u /* seconds from 1900-01-01 to 1970-01-01 (RFC 5905 §6) */

/* The NTP timestamp of Unix time epoch_s plus virtual time t. */
uint64_t svc_ntp_timestamp(int64_t epoch_s, sim_time t);
/* Forms the reply to req[0..len) into out; returns SVC_NTP_LEN, or 0 when
 * the request is dropped. rx: when it arrived; tx: when the reply leaves. */
size_t svc_ntp_answer(const uint8_t *req, size_t len, uint64_t rx, uint64_t tx, uint8_t out[SVC_NTP_LEN]);

/* ---- greeter ---- */

#define SVC_GREETER_LINE_MAX 512
#define SVC_GREETER_TEXT_MAX 255 /* greeting, expect and reply texts */

typedef struct svc_greeter svc_greeter;

typedef struct svc_greeter_rule {
    const char *expect; /* "" matches every line */
    const char *reply;
} svc_greeter_rule;

/* One connection's partial line. */
typedef struct svc_greeter_conn {
    uint8_t line[SVC_GREETER_LINE_MAX];
    size_t len;
} svc_greeter_conn;

typedef void (*svc_out_fn)(void *ctx, const uint8_t *bytes, size_t len);

/* Copies the script. Texts may not hold CR, LF or NUL (SIM_EINVAL). */
svc_greeter *svc_greeter_create(const char *greeting, const svc_greeter_rule *rules, size_t nrules, sim_err *err);
void svc_greeter_free(svc_greeter *g);
/* The greeting line, CR LF included, through out. */
void svc_greeter_hello(const svc_greeter *g, svc_out_fn out, void *ctx);
/* Bytes the guest sent on a connection; each reply, CR LF included, through
 * out. */
void svc_greeter_input(const svc_greeter *g, svc_greeter_conn *c, const uint8_t *bytes, size_t len, svc_out_fn out,
                       void *ctx);

#endif
