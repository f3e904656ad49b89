#!/bin/sh
# tmux_bash.sh native|LX: an interactive bash driven through a real terminal
# (a tmux pane, 100x30): the prompt appears, Ctrl-C interrupts `sleep 100`
# (status 130), Ctrl-Z stops it and `fg` resumes it, resizing the window
# sends SIGWINCH (a WINCH trap fires, `tput cols` changes), less and vi
# work. With LX, bash runs as `LX run -- /bin/bash` (differential: the same
# script passes with the host's /bin/bash).
#
# Each check waits for text that only the command's result contains
# (`echo R$?X` prints R130X; the typed line shows R$?X), polling the pane
# for up to $STEP seconds: the machine may be loaded.
set -u
MODE=$1
STEP=20
TMUX_BIN=/usr/bin/tmux
SOCK="lxtest-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tmux_bash.XXXXXX") || exit 1
T() { "$TMUX_BIN" -L "$SOCK" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() {
  echo "FAIL ($MODE): $*"
  echo "--- pane:"
  T capture-pane -p -t t 2>/dev/null
  exit 1
}

# wait_for TEXT: until the pane shows TEXT (a fixed string).
wait_for() {
  i=0
  while [ "$i" -lt $((STEP * 4)) ]; do
    if T capture-pane -p -J -S -100 -t t 2>/dev/null | grep -qF -- "$1"; then return 0; fi
    sleep 0.25
    i=$((i + 1))
  done
  fail "no '$1' after ${STEP}s"
}
type_line() { T send-keys -t t -l -- "$1" && T send-keys -t t Enter; }
# Clears the pane (scrollback too) so earlier output cannot satisfy a check.
fresh() { T send-keys -t t -l -- "clear" && T send-keys -t t Enter && sleep 0.5 && T clear-history -t t; }

if [ "$MODE" = native ]; then
  SHELL_CMD="/bin/bash --norc --noprofile -i"
else
  SHELL_CMD="$MODE run -- /bin/bash --norc --noprofile -i"
fi
T new-session -d -s t -x 100 -y 30 -c "$WORK" \
  "env PS1='P> ' HISTFILE=/dev/null TERM=screen LC_ALL=C.UTF-8 $SHELL_CMD; sleep 2" || fail "tmux new-session"

wait_for "P> "
type_line 'echo UP$((40+2))X'
wait_for "UP42X"

# Ctrl-C: the line discipline's VINTR reaches the foreground job.
fresh
type_line 'echo S1$((1+1))X; sleep 100'
wait_for "S12X"
sleep 5  # bash has forked and exec'd sleep (no marker can show it)
T send-keys -t t C-c
type_line 'echo R$?X'
wait_for "R130X"

# Ctrl-Z stops the job, jobs lists it, fg continues it in the foreground.
fresh
type_line 'echo S2$((1+1))X; sleep 100'
wait_for "S22X"
sleep 5  # bash has forked and exec'd sleep (no marker can show it)
T send-keys -t t C-z
wait_for "Stopped"
type_line 'jobs > jobs.txt; echo J$((2+2))X'
wait_for "J4X"
grep -q "Stopped" "$WORK/jobs.txt" && grep -q "sleep 100" "$WORK/jobs.txt" ||
  fail "jobs does not list the stopped sleep: $(cat "$WORK/jobs.txt")"
type_line 'fg'
sleep 5  # bash has forked and exec'd sleep (no marker can show it)
T send-keys -t t C-c
type_line 'echo F$?X'
wait_for "F130X"

# Window size: TIOCGWINSZ, then SIGWINCH on a resize.
fresh
type_line 'echo C$(tput cols)X'
wait_for "C100X"
type_line "trap 'echo WIN\$((40+2))CH' WINCH; echo T\$((1+1))X"
wait_for "T2X"  # the trap is set before the window changes
T resize-window -t t -x 120 -y 30 || fail "tmux resize-window"
sleep 1
type_line 'echo W$((3+3))X'
wait_for "W6X"
wait_for "WIN42CH"
type_line 'echo C$(tput cols)X'
wait_for "C120X"

# less shows the first line and quits on q.
fresh
first=$(head -n1 /etc/passwd)
type_line 'less /etc/passwd'
wait_for "$first"
T send-keys -t t q
type_line 'echo L$((3+4))X'
wait_for "L7X"

# vi: insert a line and :wq.
fresh
# -i NONE: no ~/.viminfo (lx's default root is read-only); -n: no swap file.
type_line 'vi -i NONE -n vi.txt'
wait_for "vi.txt"
sleep 1
T send-keys -t t i
T send-keys -t t -l -- "hello from vi"
T send-keys -t t Escape
sleep 1
type_line ':wq'
type_line 'echo V$((4+4))X'
wait_for "V8X"
[ "$(cat "$WORK/vi.txt" 2>/dev/null)" = "hello from vi" ] || fail "vi.txt is '$(cat "$WORK/vi.txt" 2>/dev/null)'"

# exit ends bash (and the instance): the pane's command finishes.
type_line 'exit 7'
i=0
while T has-session -t t 2>/dev/null; do
  [ "$i" -lt $((STEP * 4)) ] || fail "bash did not exit"
  sleep 0.25
  i=$((i + 1))
done
echo "PASS ($MODE)"
