#!/bin/sh
# t0300-http-stub.sh - the test HTTP server (tests/tools/http-stub) keeps its contract: loopback only, port and pid files, eth_chainId, files, faults, SIGTERM.
. "$(dirname "$0")/lib.sh"

STUB=$LC_BUILD/tests/tools/http-stub

# Start the stub in the background with "$@" as its arguments; wait for
# its port file.  Sets PORT and STUB_PID (from its pid file).
stub_start() {
	rm -f port pid
	"$STUB" --pidfile pid --port-file port "$@" >stub.out 2>stub.log &
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s port ] && [ -s pid ] || { cat stub.log; return 1; }
	PORT=$(cat port)
	STUB_PID=$(cat pid)
}

# Stop the stub started last, by its pid; it must exit 0 on SIGTERM.
stub_stop() {
	[ -n "${STUB_PID:-}" ] || return 0
	kill -TERM "$STUB_PID" 2>/dev/null
	wait "$STUB_PID"
	rc=$?
	STUB_PID=
	return $rc
}

rpc() {
	curl -s --max-time 5 -H "Content-Type: application/json" \
		-d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$@"
}

test_expect_success 'it refuses any address outside 127.0.0.0/8' '
	for a in 0.0.0.0 10.0.0.1 192.168.1.1 128.0.0.1 ::1 localhost 127.0.0.1.5; do
		"$STUB" "$a" 0 >out 2>err; rc=$?
		test $rc -eq 2 && grep -q "refusing to listen on .*only 127.0.0.0/8" err ||
			{ echo "$a: exit $rc"; cat err; return 1; }
	done
'

test_expect_success 'port 0: the chosen port is printed and written; the pid file names it' '
	stub_start --chain-id 31337 127.0.0.1 0 && {
		test "$(cat stub.out)" = "$PORT" && test "$PORT" -gt 0 &&
		kill -0 "$STUB_PID" &&
		test -n "$(ss -Hltn "sport = :$PORT")"
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	test -z "$(ss -Hltn "sport = :$PORT")"
'

test_expect_success 'eth_chainId answers the id as 0x hex, with the request id' '
	stub_start --chain-id 31337 127.0.0.2 0 && {
		rpc "http://127.0.0.2:$PORT/v2/KEY" >a &&
		jq -e ".jsonrpc == \"2.0\" and .id == 1 and .result == \"0x7a69\"" a &&
		curl -s -d "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"eth_blockNumber\"}" \
			"http://127.0.0.2:$PORT/" >b &&
		jq -e ".id == \"x\" and .error.code == -32601" b &&
		curl -s -d "not json" "http://127.0.0.2:$PORT/" >c &&
		jq -e ".error.code == -32700" c &&
		grep -q "^http-stub: POST /v2/KEY 200$" stub.log
	}; rc=$?; stub_stop && test $rc -eq 0
'

test_expect_success '--serve DIR: GET /NAME serves DIR/NAME, nothing else' '
	mkdir www && head -c 100000 /dev/urandom >www/role.bin && echo s >www/.hidden &&
	echo outside >secret && ln -s ../secret www/link &&
	stub_start --serve www 127.0.0.1 0 && {
		curl -s -f -o got "http://127.0.0.1:$PORT/role.bin" && cmp got www/role.bin &&
		for p in nosuch .hidden link ../secret %2e%2e/secret "" ; do
			code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PORT/$p") &&
			test "$code" = 404 || { echo "/$p: $code"; return 1; }
		done
	}; rc=$?; stub_stop && test $rc -eq 0
'

test_expect_success 'fault modes: error, garbage, status500, huge' '
	echo abc >f &&
	stub_start --mode error --chain-id 1 127.0.0.1 0 && {
		rpc "http://127.0.0.1:$PORT/" | jq -e ".error.code == -32603"
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	stub_start --mode garbage --chain-id 1 --serve . 127.0.0.1 0 && {
		rpc "http://127.0.0.1:$PORT/" >g && ! jq -e . g >/dev/null 2>&1 &&
		curl -s -o got "http://127.0.0.1:$PORT/f" && ! cmp -s got f &&
		test "$(wc -c <got)" -eq 4
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	stub_start --mode status500 --chain-id 1 127.0.0.1 0 && {
		test "$(rpc -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PORT/")" = 500
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	stub_start --mode huge --chain-id 1 127.0.0.1 0 && {
		rpc "http://127.0.0.1:$PORT/" >h && test "$(wc -c <h)" -eq 1048576 &&
		jq -e ".result == \"0x1\"" h
	}; rc=$?; stub_stop && test $rc -eq 0
'

test_expect_success 'hang never answers, slow answers late; SIGTERM still ends both at once' '
	stub_start --mode hang --chain-id 1 127.0.0.1 0 && {
		! rpc --max-time 0.5 "http://127.0.0.1:$PORT/" &&
		grep -q "(hanging)" stub.log
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	stub_start --mode slow --delay 700 --chain-id 1 127.0.0.1 0 && {
		! rpc --max-time 0.3 "http://127.0.0.1:$PORT/" >/dev/null &&
		rpc "http://127.0.0.1:$PORT/" | jq -e ".result == \"0x1\""
	}; rc=$?; stub_stop && test $rc -eq 0
'

test_expect_success 'a port in use is an error; bad options are usage errors' '
	stub_start --chain-id 1 127.0.0.1 0 && {
		"$STUB" 127.0.0.1 "$PORT" >o 2>e; test $? -eq 2 && grep -q "cannot bind" e
	}; rc=$?; stub_stop && test $rc -eq 0 &&
	{ "$STUB" --mode nosuch 127.0.0.1 0 2>e; test $? -eq 2; } && grep -q "unknown mode" e &&
	{ "$STUB" --chain-id x 127.0.0.1 0 2>e; test $? -eq 2; } &&
	{ "$STUB" 127.0.0.1 2>e; test $? -eq 2; } && grep -q "TEST TOOL" e &&
	mkfifo fifo && mkdir d &&
	{ "$STUB" --pidfile fifo 127.0.0.1 0 2>e; test $? -eq 2; } &&
	grep -q "refusing to replace fifo: not a regular file" e && test -p fifo &&
	{ "$STUB" --port-file d 127.0.0.1 0 2>e; test $? -eq 2; } && test -d d
'

test_expect_success '--netns F (twice), --parallel: the same port in each namespace, none here' '
	mkdir www && head -c 300000 /dev/urandom >www/role.bin &&
	: >ns1 && : >ns2 && unshare --net="$PWD/ns1" ip link set lo up &&
	unshare --net="$PWD/ns2" ip link set lo up &&
	stub_start --parallel --serve www --netns "$PWD/ns1" --netns "$PWD/ns2" 127.0.0.1 0 && {
		for ns in ns1 ns2; do
			nsenter --net="$ns" curl -s -f -o "got.$ns" "http://127.0.0.1:$PORT/role.bin" &&
			cmp "got.$ns" www/role.bin || return 1
		done &&
		test -z "$(ss -Hltn "sport = :$PORT")" &&
		! curl -s -f -o /dev/null "http://127.0.0.1:$PORT/role.bin"
	}; rc=$?; stub_stop; umount ns1 ns2; test $rc -eq 0
'

test_done
