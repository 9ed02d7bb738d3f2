/* hex.c - hexadecimal encoding and decoding. */
#include "hex.h"
#include "banned.h"

int lc_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void lc_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int lc_hex_decode_n(uint8_t *out, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = lc_hexval((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : lc_hexval((unsigned char)s[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int lc_hex_decode(uint8_t *out, size_t n, const char *s)
{
	if (lc_hex_decode_n(out, n, s))
		return -1;
	return s[2 * n] == '\0' ? 0 : -1;
}
