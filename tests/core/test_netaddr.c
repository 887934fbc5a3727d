/* netaddr: which URLs webhooks may be sent to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/netaddr.h"

static void test_url_host(void **state)
{
	(void)state;
	static const struct { const char *url, *host; } rows[] = {
		{ "http://example.com/x", "example.com" },
		{ "HTTPS://Example.com:8443/a?b#c", "Example.com" },
		{ "http://user:pw@10.0.0.1:80/", "10.0.0.1" },
		{ "http://[::1]:8080/x", "::1" },
		{ "https://a.b?x=@y", "a.b" },
		{ "ftp://example.com/", NULL },
		{ "example.com", NULL },
		{ "http:///x", NULL },
		{ "http://[::1/x", NULL },
		{ "http://a b/", NULL },
		{ "javascript:alert(1)", NULL },
	};
	char host[NETADDR_HOST_MAX];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = netaddr_url_host(host, sizeof(host), rows[i].url);
		if (!rows[i].host) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(host, rows[i].host);
	}
}

static bool private4(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return netaddr_is_private((const struct sockaddr *)&a);
}

static bool private6(const char *ip)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return netaddr_is_private((const struct sockaddr *)&a);
}

static void test_is_private(void **state)
{
	(void)state;
	static const char *const yes4[] = { "127.0.0.1", "127.255.0.9", "10.0.0.1", "10.255.255.255",
		"172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0" };
	static const char *const no4[] = { "8.8.8.8", "172.15.255.255", "172.32.0.0", "192.167.1.1",
		"169.253.0.1", "11.0.0.1", "93.184.216.34" };
	static const char *const yes6[] = { "::1", "::", "fc00::1", "fdff::1", "fe80::1", "febf::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3" };
	static const char *const no6[] = { "2001:db8::1", "fec0::1", "::ffff:8.8.8.8", "::2" };
	for (size_t i = 0; i < sizeof(yes4) / sizeof(yes4[0]); i++)
		assert_true(private4(yes4[i]));
	for (size_t i = 0; i < sizeof(no4) / sizeof(no4[0]); i++)
		assert_false(private4(no4[i]));
	for (size_t i = 0; i < sizeof(yes6) / sizeof(yes6[0]); i++)
		assert_true(private6(yes6[i]));
	for (size_t i = 0; i < sizeof(no6) / sizeof(no6[0]); i++)
		assert_false(private6(no6[i]));
}

static void test_host_private(void **state)
{
	(void)state;
	bool p = false;
	assert_int_equal(netaddr_host_private(&p, "127.0.0.1"), 0);
	assert_true(p);
	assert_int_equal(netaddr_host_private(&p, "localhost"), 0);
	assert_true(p);
	assert_int_equal(netaddr_host_private(&p, "93.184.216.34"), 0);
	assert_false(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_is_private),
		cmocka_unit_test(test_host_private),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
