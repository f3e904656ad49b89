#!/bin/sh
# git_commit.sh LX: `git init && git add && git commit` of the same files in
# two fresh directories under the cwd, once natively and once under `LX run
# --`, with authors, dates and config pinned so that a commit is
# deterministic. Passes only if both print the same and `git log
# --format=%H` (natively in the native repository, under lx in the lx one)
# gives identical hashes; and the native git can read the lx-made repository.
set -u
LX=$1
GIT=/usr/bin/git
fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d "$PWD/lx-git.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/native" "$work/lx" "$work/home"

# No user or system configuration; the same identity and dates everywhere.
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Lx Test" GIT_AUTHOR_EMAIL=lx@example.invalid GIT_AUTHOR_DATE="2024-01-02T03:04:05+00:00"
export GIT_COMMITTER_NAME="Lx Test" GIT_COMMITTER_EMAIL=lx@example.invalid GIT_COMMITTER_DATE="2024-01-02T03:04:05+00:00"
export TZ=UTC LC_ALL=C
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

script="$GIT -c init.defaultBranch=main init -q . &&
printf 'hello\n' >hello.txt && mkdir -p src && printf 'int main(void) { return 0; }\n' >src/main.c &&
chmod +x src/main.c &&
$GIT add hello.txt src &&
$GIT commit -q -m 'first commit' &&
printf 'second line\n' >>hello.txt && $GIT commit -q -a -m 'second commit' &&
$GIT log --format=%H"

(cd "$work/native" && /bin/sh -c "$script" >"$work/native.out" 2>"$work/native.err") ||
  fail "native git failed: $(cat "$work/native.err")"
(cd "$work/lx" && "$LX" run -- /bin/sh -c "$script" >"$work/lx.out" 2>"$work/lx.err")
rc=$?
[ "$rc" = 0 ] || { head -20 "$work/lx.err"; fail "git under lx exited with status $rc"; }
[ "$(wc -l <"$work/native.out")" = 2 ] || fail "native git log did not print two hashes: $(cat "$work/native.out")"
cmp -s "$work/native.out" "$work/lx.out" || { diff "$work/native.out" "$work/lx.out"; fail "commit hashes differ"; }
(cd "$work/lx" && $GIT fsck --no-progress && $GIT log --format=%H >"$work/lx-read-natively.out") || fail "native git cannot read the lx-made repository"
cmp -s "$work/native.out" "$work/lx-read-natively.out" || fail "native git sees other hashes in the lx-made repository"
echo "git: identical commit hashes $(tr '\n' ' ' <"$work/native.out")"
