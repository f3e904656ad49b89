/* Prints argc, every argv[i] and, in environment order, every environment
 * variable whose name starts with LX_CLI_, each in brackets so empty strings
 * and spaces are visible. */
#include <stdio.h>
#include <string.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=[%s]\n", i, argv[i]);
  if (argv[argc] != NULL) printf("argv[argc] is not NULL\n");
  for (char** e = environ; *e; ++e) {
    if (strncmp(*e, "LX_CLI_", 7) == 0) printf("env=[%s]\n", *e);
  }
  return 0;
}
