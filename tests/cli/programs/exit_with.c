/* exit_with N: exits with status N (the kernel keeps only the low 8 bits). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: exit_with N\n");
    return 100;
  }
  exit(atoi(argv[1]));
}
