/* Hex digits, for the library's text parsers (hash lists, notes). media/pdq.c keeps its own:
 * it is also built alone for the intake page (cmake/IntakeWeb.cmake). */
#ifndef HASHFED_HEX_INTERNAL_H
#define HASHFED_HEX_INTERNAL_H

/* The value of hex digit c (either case), or -1. */
static inline int hfi_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
