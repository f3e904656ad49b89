#include "primes.h"

#include <string.h>

void sieve(unsigned char* composite, size_t n) {
  memset(composite, 0, n);
  if (n > 0) composite[0] = 1;
  if (n > 1) composite[1] = 1;
  for (size_t i = 2; i * i < n; ++i)
    if (!composite[i])
      for (size_t j = i * i; j < n; j += i) composite[j] = 1;
}
