/* hex.h - hexadecimal encoding and decoding, the one place it is written. */
#ifndef LC_HEX_H
#define LC_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int lc_hexval(int c);

/* Lowercase hex of in[0..n) into out, which has room for 2n+1 bytes. */
void lc_hex_encode(char *out, const uint8_t *in, size_t n);

/* Decode exactly 2n hex digits (either case, no prefix) from s into out;
 * s must end there (NUL).  Returns 0, or -1 leaving out unspecified. */
int lc_hex_decode(uint8_t *out, size_t n, const char *s);

/* As lc_hex_decode, for exactly 2n digits at s not needing a NUL after. */
int lc_hex_decode_n(uint8_t *out, size_t n, const char *s);

#endif
