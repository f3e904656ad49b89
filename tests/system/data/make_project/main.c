#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "primes.h"

int main(void) {
  const size_t n = 1000000;
  unsigned char* composite = malloc(n);
  if (!composite) return 1;
  sieve(composite, n);
  size_t count = 0, last = 0;
  for (size_t i = 0; i < n; ++i)
    if (!composite[i]) ++count, last = i;
  printf("primes below %zu: %zu, largest %zu, checksum %016" PRIx64 "\n", n, count, last,
         prime_checksum(composite, n));
  free(composite);
  return 0;
}
