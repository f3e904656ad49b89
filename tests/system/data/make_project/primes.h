#pragma once
#include <stddef.h>
#include <stdint.h>

/* Marks composite[i] = 1 for every composite i < n (0 and 1 included). */
void sieve(unsigned char* composite, size_t n);
/* FNV-1a over the decimal text of each prime below n, one per line. */
uint64_t prime_checksum(const unsigned char* composite, size_t n);
