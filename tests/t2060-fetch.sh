#!/bin/sh
# t2060-fetch.sh - { url, sha256 } programs fetched by the hosts themselves (0 program bytes from this machine); pushed instead, per host, when a host cannot fetch or gets other bytes.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 3 3800 || { echo "cannot start test hosts"; exit 1; }
L=demo3.local.devnet
W=$TRASH/w
mkdir -p "$W/www" "$W/www2" "$W/bad"
export L W
STUB=$LC_BUILD/tests/tools/http-stub
BIN=/usr/local/lib/lattice/$L/bin

# The program: the simulated organism, padded so that its bytes count.
cp "$LC_BUILD/sim-organism" "$W/www/prog" && head -c 1000000 /dev/zero >>"$W/www/prog"
SHA=$(sha256sum <"$W/www/prog" | cut -c1-64)
SIZE=$(stat -c %s "$W/www/prog")

# Start http-stub NAME [ARGS...]: its pid in $W/NAME.pid, its port in
# $W/NAME.port, its log in $W/NAME.log.
stub() {
	n=$1
	shift
	rm -f "$W/$n.port" "$W/$n.pid"
	"$STUB" --pidfile "$W/$n.pid" --port-file "$W/$n.port" "$@" >/dev/null 2>"$W/$n.log" &
	i=0
	while [ ! -s "$W/$n.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	test -s "$W/$n.port" || { cat "$W/$n.log"; return 1; }
}
stub_stop() {
	[ -s "$W/$1.pid" ] && kill "$(cat "$W/$1.pid")" 2>/dev/null
	rm -f "$W/$1.pid"
}
gets() {
	grep -c "GET /prog 200" "$W/$1.log"
}
# The done event of the last --json up (out) matches jq filter $1.
done_is() {
	tail -n 1 out >done.json && jq -e ".event == \"done\" and $1" done.json >/dev/null ||
		{ cat done.json; grep -v "^{" out; cat err; return 1; }
}
netns() {
	echo "$LC_TESTHOSTS_DIR/h$1/netns"
}
manifest() {
	sed "s|\"[^\"]*sim-organism\"|{ url = \"http://127.0.0.1:$P/prog\", sha256 = \"$1\" }|" \
		"$REPO/manifests/local3.toml" >"$W/lattice.toml"
}
# The sha256 of every program of host $1, one line each.
host_bins() {
	on_host "h$1" "sha256sum $BIN/* | cut -c1-64; ls -a $BIN | grep '^\..*tmp\$' | wc -l"
}
# Host h3 without curl and wget (on its PATH, in its mount namespace).
no_tools() {
	for t in curl wget; do
		[ -e /usr/bin/$t ] || continue
		nsenter -t "$(cat "$LC_TESTHOSTS_DIR/h3/pid")" -m mount --bind /dev/null /usr/bin/$t ||
			return 1
	done
}
trap 'for s in hosts laptop garbage; do stub_stop $s; done
	"$REPO/scripts/testhosts" down >/dev/null 2>&1; rm -rf "$TRASH"' EXIT

# One server in the three hosts' network namespaces (nothing of it on
# this machine's loopback): the URL is reachable from the hosts only.
stub hosts --parallel --serve "$W/www" --netns "$(netns 1)" --netns "$(netns 2)" \
	--netns "$(netns 3)" 127.0.0.1 0 || exit 1
P=$(cat "$W/hosts.port")
manifest "$SHA"

test_expect_success 'plan asks no host to fetch anything' '
	lc_in 4 plan && test "$(gets hosts)" = 0 && ! test -e "$W/state/$L/cache/$SHA"
'

test_expect_success 'first up: every host fetches the program itself, this machine sends 0 program bytes' '
	lc_in 0 --json up --offline &&
	done_is ".program_bytes_sent == 0 and
		.programs_fetched == 3 and .program_bytes_fetched == 3 * $SIZE and
		.programs_pushed == 0 and .fetch_mismatches == 0 and .bytes_sent > 0" &&
	test "$(gets hosts)" = 3 && ! test -e "$W/state/$L/cache/$SHA" &&
	for h in 1 2 3; do
		host_bins $h >got && test "$(sort -u got)" = "$(printf "0\n%s" "$SHA")" &&
		test "$(wc -l <got)" -ge 7 || { cat got; return 1; }
	done
'

test_expect_success 'a second up fetches nothing again' '
	lc_in 0 up --offline && grep -q "nothing to do" err && test "$(gets hosts)" = 3
'

test_expect_success 'the agent: bytes with another sha256 are refused before anything is installed' '
	bad=$(printf "%064d" 0) &&
	lc_in 1 agent h1 fetch "{\"area\":\"bin\",\"name\":\"extra\",\"url\":\"http://127.0.0.1:$P/prog\",\"sha256\":\"$bad\"}" &&
	jq -e ".error.code == \"mismatch\" and .error.sha256 == \"$SHA\" and .error.size == $SIZE" out &&
	grep -q "refused, nothing installed" err &&
	on_host h1 "ls -a $BIN" >ls && ! grep -q extra ls && ! grep -q "tmp\$" ls &&
	lc_in 1 agent h1 fetch "{\"area\":\"bin\",\"name\":\"extra\",\"url\":\"http://127.0.0.1:$P/nosuch\",\"sha256\":\"$bad\"}" &&
	jq -e ".error.code == \"cannot_fetch\"" out && grep -q "404" err &&
	lc_in 1 agent h1 fetch "{\"area\":\"secret\",\"name\":\"x\",\"url\":\"http://127.0.0.1:$P/prog\",\"sha256\":\"$SHA\"}" &&
	jq -e ".error.code == \"bad_request\"" out
'

# A new program: the hosts cannot have it, each for its own reason.
cp "$W/www/prog" "$W/www2/prog" && echo 2 >>"$W/www2/prog" && cp "$W/www2/prog" "$W/bad/prog"
SHA2=$(sha256sum <"$W/www2/prog" | cut -c1-64)
SIZE2=$(stat -c %s "$W/www2/prog")

test_expect_success 'hosts that cannot fetch, or get other bytes, get this machine copy: said per host, loudly for a mismatch' '
	stub_stop hosts &&
	stub laptop --serve "$W/www2" 127.0.0.1 "$P" &&
	stub garbage --mode garbage --serve "$W/bad" --netns "$(netns 1)" 127.0.0.1 "$P" &&
	stub hosts --serve "$W/www2" --netns "$(netns 3)" 127.0.0.1 "$P" &&
	no_tools && ! on_host h3 "test -x /usr/bin/curl || test -x /usr/bin/wget" &&
	lc_in 0 down --wipe --yes && manifest "$SHA2" &&
	lc_in 0 --json up --offline &&
	done_is ".program_bytes_sent == 3 * $SIZE2 and
		.programs_fetched == 0 and .programs_pushed == 3 and .fetch_mismatches == 1" &&
	grep -q "h1.*warning: SECURITY: bin/[a-z-]*: http://127.0.0.1:$P/prog gave this host $SIZE2 bytes with sha256 [0-9a-f]*, not the manifest.s $SHA2: refused" out &&
	grep -q "h2.*the host cannot fetch http://127.0.0.1:$P/prog (curl: (7) .*); sending this machine.s copy" out &&
	grep -q "h3.*the host cannot fetch .*neither curl nor wget is on the host.s PATH" out &&
	test "$(gets laptop)" = 1 && test "$(gets garbage)" = 1 && test "$(gets hosts)" = 0 &&
	test -e "$W/state/$L/cache/$SHA2" &&
	for h in 1 2 3; do
		host_bins $h >got && test "$(sort -u got)" = "$(printf "0\n%s" "$SHA2")" ||
			{ echo "want $SHA2"; cat got; return 1; }
	done
'

test_expect_success 'the plain summary counts the program bytes sent' '
	cp "$W/www2/prog" "$W/www/prog" && echo 3 >>"$W/www/prog" &&
	SHA3=$(sha256sum <"$W/www/prog" | cut -c1-64) && manifest "$SHA3" &&
	stub_stop laptop && stub laptop --serve "$W/www" 127.0.0.1 "$P" &&
	lc_in 0 down --wipe --yes && lc_in 0 up --offline --push-binaries &&
	size3=$(stat -c %s "$W/www/prog") &&
	grep -q "^up: programs: $((19 * size3)) bytes sent from this machine; 0 fetched by the hosts themselves" err &&
	test "$(gets garbage)" = 1 && test "$(gets laptop)" = 1
'

# The stubs' pid files live under $TRASH, which test_done removes.
for s in hosts laptop garbage; do stub_stop $s; done
test_done
