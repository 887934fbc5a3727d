#include "core/netaddr.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

int netaddr_url_host(char *host, size_t cap, const char *url)
{
	const char *p;
	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return -1;
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	size_t auth = strcspn(p, "/?#");
	/* user info ends at the last '@' of the authority */
	for (size_t i = auth; i > 0; i--)
		if (p[i - 1] == '@') {
			p += i;
			auth -= i;
			break;
		}
	size_t len;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth);
		if (!close)
			return -1;
		p++;
		len = (size_t)(close - p);
	} else {
		const char *colon = memchr(p, ':', auth);
		len = colon ? (size_t)(colon - p) : auth;
	}
	if (len == 0 || len >= cap)
		return -1;
	memcpy(host, p, len);
	host[len] = '\0';
	return 0;
}

static bool v4_private(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 ||
	       (a >> 20) == (172u << 4 | 1) ||  /* 172.16.0.0/12 */
	       (a >> 16) == (192u << 8 | 168) || /* 192.168.0.0/16 */
	       (a >> 16) == (169u << 8 | 254);   /* 169.254.0.0/16 */
}

bool netaddr_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_private(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family != AF_INET6)
		return true; /* nothing else is a web address: refuse it */
	const unsigned char *b =
		((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return true; /* :: and ::1 */
	if (memcmp(b, mapped, 12) == 0)
		return v4_private((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
				  (uint32_t)b[14] << 8 | b[15]);
	return (b[0] & 0xfe) == 0xfc ||                 /* fc00::/7 */
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80); /* fe80::/10 */
}

int netaddr_host_private(bool *private, const char *host)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	*private = false;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if (netaddr_is_private(ai->ai_addr))
			*private = true;
	freeaddrinfo(res);
	return 0;
}
