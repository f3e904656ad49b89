#!/bin/sh
# http_host_client.sh LX: `python3 -m http.server` runs under lx and a host
# process (curl, outside the instance) fetches a file from it through the
# shared loopback; the body must be byte-identical to the file.
set -u
LX=$1
FILE=/usr/bin/python3
dir=$(mktemp -d "${TMPDIR:-/tmp}/lx-http.XXXXXX") || exit 1
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LX" run -- /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory /usr/bin \
  >"$dir/server.out" 2>"$dir/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
until /usr/bin/curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
  i=$((i + 1))
  if [ $i -gt 600 ]; then
    echo "the guest server never answered"; head -20 "$dir/server.err"; exit 1
  fi
  sleep 0.1
done
/usr/bin/curl -sf --max-time 60 -o "$dir/body" "http://127.0.0.1:$port/python3" || { echo "curl failed"; exit 1; }
if ! cmp "$dir/body" "$FILE"; then
  echo "body differs from $FILE"; exit 1
fi
echo "identical: $(wc -c <"$dir/body") bytes served by the guest to a host curl"
