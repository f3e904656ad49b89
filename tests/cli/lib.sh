# Shared by the CLI test scripts (sourced; each defines TMP and fail()).
#
# run NAME CMD...: runs CMD with stdin from $TMP/NAME.in (or /dev/null),
# keeping stdout, stderr and the exit status in $TMP/NAME.{out,err,status}.
run() {
  name=$1
  shift
  in=/dev/null
  [ -f "$TMP/$name.in" ] && in=$TMP/$name.in
  "$@" <"$in" >"$TMP/$name.out" 2>"$TMP/$name.err"
  echo $? >"$TMP/$name.status"
}
status_of() { cat "$TMP/$1.status"; }
show() {
  echo "--- $1: exit status $(status_of "$1")"
  echo "--- $1 stdout:"; head -c 3000 "$TMP/$1.out"
  echo "--- $1 stderr:"; head -c 3000 "$TMP/$1.err"
}
expect_status() {
  got=$(status_of "$1")
  [ "$got" = "$2" ] || { show "$1" >&2; fail "$1 exited with $got, expected $2"; }
}
expect_stdout() {
  printf '%s\n' "$2" >"$TMP/expected"
  cmp -s "$TMP/expected" "$TMP/$1.out" || { show "$1" >&2; fail "$1 printed something else than: $2"; }
}
expect_stderr_has() {
  grep -q -- "$2" "$TMP/$1.err" || { show "$1" >&2; fail "$1: stderr lacks '$2'"; }
}
