/* Dies of SIGSEGV by storing through a null pointer (exit status 139). */
#include <stddef.h>

int main(void) {
  volatile int* volatile p = NULL;
  *p = 42;
  return 0;
}
