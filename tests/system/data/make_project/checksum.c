#include <stdio.h>

#include "primes.h"

uint64_t prime_checksum(const unsigned char* composite, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  char line[32];
  for (size_t i = 0; i < n; ++i) {
    if (composite[i]) continue;
    int len = snprintf(line, sizeof line, "%zu\n", i);
    for (int k = 0; k < len; ++k) h = (h ^ (unsigned char)line[k]) * 1099511628211ULL;
  }
  return h;
}
