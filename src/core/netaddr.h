/*
 * netaddr.h - where an outbound URL points: its scheme and host, and whether
 * an address is loopback, private or link-local.
 *
 * Webhook deliveries go to URLs a tenant types in; without these checks a
 * tenant could make recur POST to the machine's own admin ports or to the
 * private network behind it (server-side request forgery). The URL is checked
 * when an endpoint is saved and every connected address again when a
 * delivery is sent, since a name can resolve differently later (DNS
 * rebinding). Depends on libc only.
 */
#ifndef RECUR_CORE_NETADDR_H
#define RECUR_CORE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NETADDR_HOST_MAX 256

/*
 * Copies the host of an http:// or https:// URL into host (without brackets
 * for an IPv6 literal, without user info or port). Returns 0, or -1 when the
 * scheme is not http(s), the host is empty or too long, or the URL holds
 * spaces or control characters.
 */
int netaddr_url_host(char *host, size_t cap, const char *url);

/*
 * True for loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16,
 * fc00::/7), link-local (169.254/16, fe80::/10), the unspecified address
 * (0.0.0.0, ::) and IPv4 mapped into IPv6 (::ffff:a.b.c.d) of any of those.
 */
bool netaddr_is_private(const struct sockaddr *sa);

/*
 * Resolves host and sets *private when any of its addresses is private
 * (netaddr_is_private). Returns 0, or -1 when the name does not resolve.
 * Blocks on DNS.
 */
int netaddr_host_private(bool *private, const char *host);

#endif
