#!/bin/sh
# t1100-agent-proto.sh - lattice-agent's wire protocol over pipes: handshake, framing, files, locks, wipe, remove, bundle.
. "$(dirname "$0")/lib.sh"

AGENT=$LC_BUILD/agent/lattice-agent
BUNDLE=$LC_BUILD/agent-bundle
L=acme.test
export AGENT BUNDLE L

# Requests are written into ./req with these, then piped into the agent.
hello() {
	printf '%s\n' '{"id":0,"op":"hello","version":1,"client":"t1100"}'
}
sha() {
	sha256sum "$1" | cut -d" " -f1
}
# put ID AREA NAME FILE [SHA256]: the header line, then the file's bytes.
put() {
	printf '{"id":%s,"op":"put","lattice":"%s","area":"%s","name":"%s","sha256":"%s","size":%s}\n' \
		"$1" "$L" "$2" "$3" "${5:-$(sha "$4")}" "$(wc -c <"$4")"
	cat "$4"
}
stat_req() {
	printf '{"id":%s,"op":"stat","lattice":"%s","area":"%s","names":["%s"]}\n' "$1" "$L" "$2" "$3"
}
M=$(printf manifest | sha256sum | cut -d" " -f1)
lock_req() {
	printf '{"id":%s,"op":"lock","lattice":"%s","holder":"%s","pid":%s,"manifest":"%s"%s}\n' \
		"$1" "$L" "$2" "$3" "$M" "${4:-}"
}
export M

# Run the agent on ./req with its root in ./root: replies in out, logs in
# err; check the exit status, that stdout holds only protocol lines, and
# that no sanitizer spoke.
ag_run() {
	want=$1
	LATTICE_AGENT_ROOT=$PWD/root "$AGENT" serve <req >out 2>err
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "lattice-agent serve exited $got, expected $want"
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		return 1
	fi
	only_protocol out || { echo "--- stdout"; cat out; return 1; }
	! grep -q -e Sanitizer -e "runtime error" err
}
# Every line of $1 is a reply: a JSON object with id and ok, newline-ended.
only_protocol() {
	jq -R -s -e '(. == "" or endswith("\n")) and
		(split("\n") | .[:-1] | all(.[]; fromjson | type == "object" and has("id") and has("ok")))' \
		"$1" >/dev/null
}
# The reply to request id $1.
reply() {
	jq -c "select(.id == $1)" out
}
# jq -e on the reply to request id $1.
check() {
	r=$(reply "$1")
	[ -n "$r" ] || { echo "no reply to id $1"; cat out; return 1; }
	echo "$r" | jq -e "$2" >/dev/null || { echo "reply $1 fails $2: $r"; return 1; }
}
nreplies() {
	test "$(wc -l <out)" -eq "$1" || { echo "want $1 replies:"; cat out; return 1; }
}
leftovers() {
	find root -type f -o -type l
}

test_expect_success 'version names the agent and the protocol' '
	"$AGENT" version >v && grep -q "^lattice-agent [0-9.]* (protocol 1)$" v
'

test_expect_success 'hello first: the reply names version, agent and max_line' '
	hello >req && ag_run 0 && nreplies 1 &&
	check 0 ".ok == true and .version == 1 and (.agent | startswith(\"lattice-agent \")) and .max_line == 65536"
'

test_expect_success 'another op before hello is refused and ends the session (exit 2)' '
	{ printf "%s\n" "{\"id\":4,\"op\":\"facts\"}"; hello; } >req && ag_run 2 && nreplies 1 &&
	check 4 ".ok == false and .error.code == \"bad_request\"" &&
	{ printf "%s\n" "{\"id\":4}"; hello; } >req && ag_run 2 && nreplies 1 &&
	check 4 ".error.code == \"bad_request\""
'

test_expect_success 'a protocol version the agent does not speak: code version, exit 2' '
	printf "%s\n" "{\"id\":0,\"op\":\"hello\",\"version\":2}" "{\"id\":1,\"op\":\"facts\"}" >req &&
	ag_run 2 && nreplies 1 && check 0 ".ok == false and .error.code == \"version\""
'

test_expect_success 'an unknown op is answered and the session goes on' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"frobnicate\"}" \
		"{\"id\":2,\"op\":\"frobnicate\",\"size\":5}"; printf "12345";
	  printf "%s\n" "{\"id\":3,\"op\":\"facts\"}" "{\"id\":4,\"op\":\"bye\"}" "{\"id\":5,\"op\":\"facts\"}"; } >req &&
	ag_run 0 && nreplies 5 &&
	check 1 ".ok == false and .error.code == \"unknown_op\"" &&
	check 2 ".error.code == \"unknown_op\"" && check 3 ".ok == true" && check 4 ".ok == true"
'

test_expect_success 'malformed JSON ends the session with id null and exit 2' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":" "{\"id\":2,\"op\":\"facts\"}"; } >req &&
	ag_run 2 && nreplies 2 &&
	jq -e -s ".[1] | .id == null and .ok == false and .error.code == \"bad_request\"" out >/dev/null
'

test_expect_success 'a line that is JSON but not an object ends the session' '
	{ hello; printf "%s\n" "[1,2]" "{\"id\":2,\"op\":\"facts\"}"; } >req &&
	ag_run 2 && nreplies 2 && jq -e -s ".[1].id == null" out >/dev/null
'

test_expect_success 'a request id that is not a non-negative integer: bad_request, id null' '
	{ hello; printf "%s\n" "{\"id\":-1,\"op\":\"facts\"}" "{\"id\":1.5,\"op\":\"facts\"}" \
		"{\"id\":3,\"op\":\"facts\"}"; } >req &&
	ag_run 0 && nreplies 4 &&
	jq -e -s "[.[1,2] | .id == null and .error.code == \"bad_request\"] | all" out >/dev/null &&
	check 3 ".ok == true"
'

test_expect_success 'a line of exactly 65536 bytes passes; 70000 bytes end the session' '
	pad=$(head -c 65500 /dev/zero | tr "\0" a) &&
	line="{\"id\":1,\"op\":\"facts\",\"pad\":\"$pad\"}" &&
	n=$((65535 - ${#line})) &&
	line="{\"id\":1,\"op\":\"facts\",\"pad\":\"$pad$(head -c $n /dev/zero | tr "\0" b)\"}" &&
	test ${#line} -eq 65535 &&
	{ hello; printf "%s\n" "$line"; } >req && ag_run 0 && check 1 ".ok == true" &&
	long="{\"id\":2,\"op\":\"facts\",\"pad\":\"$(head -c 70000 /dev/zero | tr "\0" a)\"}" &&
	{ hello; printf "%s\n" "$long" "{\"id\":3,\"op\":\"facts\"}"; } >req &&
	ag_run 2 && nreplies 2 &&
	jq -e -s ".[1] | .id == null and .error.code == \"bad_request\" and (.error.message | test(\"longer than\"))" out >/dev/null
'

test_expect_success 'input ending inside a line ends the session (exit 2)' '
	{ hello; printf "{\"id\":1,\"op\":\"facts\"}"; } >req && ag_run 2 && nreplies 2
'

test_expect_success 'a put whose bytes are cut short leaves no temporary file and no target' '
	head -c 5000 /dev/urandom >data &&
	{ hello; printf "{\"id\":1,\"op\":\"put\",\"lattice\":\"%s\",\"area\":\"env\",\"name\":\"x.env\",\"sha256\":\"%s\",\"size\":9000}\n" "$L" "$(sha data)";
	  cat data; } >req &&
	ag_run 2 && nreplies 2 &&
	jq -e -s ".[1] | .id == null and .ok == false and .error.code == \"mismatch\"" out >/dev/null &&
	test -z "$(leftovers)"
'

test_expect_success 'a put with the wrong sha256: mismatch, nothing left, the session goes on' '
	printf "hello\n" >data && printf "other\n" >other &&
	{ hello; put 1 env a.env data "$(sha other)"; stat_req 2 env a.env; } >req &&
	ag_run 0 && check 1 ".ok == false and .error.code == \"mismatch\"" &&
	check 2 ".files[\"a.env\"] == null" && test -z "$(leftovers)"
'

test_expect_success 'put then stat shows the sha256, size and mode' '
	head -c 300000 /dev/urandom >data &&
	{ hello; put 1 bin prog data; stat_req 2 bin prog; } >req && ag_run 0 &&
	check 1 ".ok == true and .changed == true and .sha256 == \"$(sha data)\"" &&
	check 2 ".files.prog == {sha256: \"$(sha data)\", size: 300000, mode: \"0755\"}" &&
	cmp data root/usr/local/lib/lattice/$L/bin/prog
'

test_expect_success 'put of identical content: changed false; new content replaces the old' '
	printf "A=1\n" >v1 && printf "A=2\n" >v2 &&
	{ hello; put 1 env r.env v1; put 2 env r.env v1; put 3 env r.env v2; } >req && ag_run 0 &&
	check 1 ".changed == true" && check 2 ".ok == true and .changed == false" &&
	check 3 ".changed == true" && cmp v2 root/etc/lattice/$L/r.env &&
	test -z "$(find root -name ".*")"
'

test_expect_success 'an empty file can be put' '
	: >empty && { hello; put 1 env e.env empty; } >req && ag_run 0 &&
	check 1 ".ok == true" && test -f root/etc/lattice/$L/e.env && ! test -s root/etc/lattice/$L/e.env
'

test_expect_success 'modes per area (0755, 0600, 0400), directories 0755/0700, owner root' '
	printf x >data &&
	{ hello; put 1 bin b data; put 2 env e.env data; put 3 secret s.key data; } >req && ag_run 0 &&
	test "$(stat -c "%a %u %g" root/usr/local/lib/lattice/$L/bin/b)" = "755 0 0" &&
	test "$(stat -c "%a %u %g" root/etc/lattice/$L/e.env)" = "600 0 0" &&
	test "$(stat -c "%a %u %g" root/var/lib/lattice/$L/secrets/s.key)" = "400 0 0" &&
	test "$(stat -c %a root/usr/local/lib/lattice root/usr/local/lib/lattice/$L root/usr/local/lib/lattice/$L/bin | sort -u)" = 755 &&
	test "$(stat -c %a root/etc/lattice root/etc/lattice/$L root/var/lib/lattice/$L/secrets | sort -u)" = 700
'

test_expect_success 'the reply to a secret put carries only its sha256 and changed' '
	printf "s3cr3t" >data && { hello; put 1 secret k.seed data; } >req && ag_run 0 &&
	check 1 "keys == [\"changed\", \"id\", \"ok\", \"sha256\"]" && ! grep -q s3cr3t out err
'

test_expect_success 'a rewrite fixes a file whose mode was changed' '
	printf x >data && { hello; put 1 env m.env data; } >req && ag_run 0 &&
	chmod 0644 root/etc/lattice/$L/m.env &&
	{ hello; put 1 env m.env data; } >req && ag_run 0 && check 1 ".changed == true" &&
	test "$(stat -c %a root/etc/lattice/$L/m.env)" = 600
'

test_expect_success 'names with .., /, a leading dot, bad lattices and areas are refused' '
	printf x >data &&
	{ hello; i=1; for n in .. a/b .hidden "" "a b" "$(head -c 129 /dev/zero | tr "\0" a)"; do
		printf "{\"id\":%s,\"op\":\"put\",\"lattice\":\"%s\",\"area\":\"env\",\"name\":\"%s\",\"sha256\":\"%s\",\"size\":1}\nx" \
			$i "$L" "$n" "$(sha data)"; i=$((i + 1)); done
	  for l in ../x single Upper.case "a..b" "-a.b" "a.b/c"; do
		printf "{\"id\":%s,\"op\":\"put\",\"lattice\":\"%s\",\"area\":\"env\",\"name\":\"ok\",\"sha256\":\"%s\",\"size\":1}\nx" \
			$i "$l" "$(sha data)"; i=$((i + 1)); done
	  printf "{\"id\":%s,\"op\":\"put\",\"lattice\":\"%s\",\"area\":\"../etc\",\"name\":\"ok\",\"sha256\":\"%s\",\"size\":1}\nx" \
		$i "$L" "$(sha data)";
	  printf "{\"id\":%s,\"op\":\"stat\",\"lattice\":\"%s\",\"area\":\"env\",\"names\":[\"ok\",\"../x\"]}\n" 20 "$L";
	  printf "{\"id\":%s,\"op\":\"facts\"}\n" 21; } >req &&
	ag_run 0 && nreplies 16 &&
	jq -e -s "[.[1:15][] | .error.code == \"bad_request\"] | all" out >/dev/null &&
	check 21 ".ok == true" && test -z "$(leftovers)"
'

test_expect_success 'a name of 128 bytes is allowed' '
	n=$(head -c 128 /dev/zero | tr "\0" a) && printf x >data &&
	{ hello; put 1 env "$n" data; } >req && ag_run 0 && check 1 ".ok == true"
'

test_expect_success 'a reply that would be longer than a line is refused, not cut' '
	mkdir -p root/etc/lattice/$L && p=$(head -c 124 /dev/zero | tr "\0" a) &&
	names="" && i=1000 &&
	while [ $i -lt 1480 ]; do
		printf x >root/etc/lattice/$L/$p$i && names="$names${names:+,}\"$p$i\"" && i=$((i + 1))
	done &&
	{ hello; printf "{\"id\":1,\"op\":\"stat\",\"lattice\":\"%s\",\"area\":\"env\",\"names\":[%s]}\n" "$L" "$names";
	  stat_req 2 env ${p}1000; } >req &&
	ag_run 0 && check 1 ".error.code == \"bad_request\" and (.error.message | test(\"reply longer\"))" &&
	check 2 ".files | length == 1"
'

test_expect_success 'a symlinked lattice directory is refused, and nothing is written through it' '
	mkdir -p root/etc/lattice elsewhere && ln -s "$PWD/elsewhere" root/etc/lattice/$L &&
	printf x >data && { hello; put 1 env a.env data; stat_req 2 env a.env; } >req && ag_run 0 &&
	check 1 ".error.code == \"bad_request\" and (.error.message | test(\"symlink\"))" &&
	check 2 ".error.code == \"bad_request\"" && test -z "$(ls elsewhere)"
'

test_expect_success 'a symlinked lattice base directory and a symlinked file are refused' '
	mkdir -p root/var/lib elsewhere && ln -s "$PWD/elsewhere" root/var/lib/lattice &&
	printf x >data && { hello; put 1 secret a data; } >req && ag_run 0 &&
	check 1 ".error.code == \"bad_request\"" && test -z "$(ls elsewhere)" &&
	mkdir -p root/etc/lattice/$L && ln -s "$PWD/data" root/etc/lattice/$L/l.env &&
	{ hello; put 1 env l.env data; stat_req 2 env l.env; } >req && ag_run 0 &&
	check 1 ".error.code == \"bad_request\"" && check 2 ".error.code == \"bad_request\"" &&
	test -L root/etc/lattice/$L/l.env
'

test_expect_success 'a put with a bad header but a valid size skips its bytes' '
	{ hello; printf "{\"id\":1,\"op\":\"put\",\"lattice\":\"%s\",\"area\":\"env\",\"name\":\"..\",\"sha256\":\"00\",\"size\":22}\n" "$L";
	  printf "{\"id\":9,\"op\":\"facts\"}\n"; printf "%s\n" "{\"id\":2,\"op\":\"facts\"}"; } >req &&
	ag_run 0 && nreplies 3 && check 1 ".error.code == \"bad_request\"" && check 2 ".ok == true" &&
	test -z "$(reply 9)"
'

test_expect_success 'a size that is not a non-negative integer ends the session' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"put\",\"size\":-3}" "{\"id\":2,\"op\":\"facts\"}"; } >req &&
	ag_run 2 && nreplies 2
'

test_expect_success 'a lock held by another holder: locked, with the holder in the error' '
	{ hello; lock_req 1 alice@laptop 100; lock_req 2 bob@desk 200; lock_req 3 alice@laptop 101; } >req &&
	ag_run 0 && check 1 ".ok == true and (.time | type) == \"number\"" &&
	check 2 ".ok == false and .error.code == \"locked\" and .error.holder == \"alice@laptop\" and .error.pid == 100 and .error.manifest == \"$M\" and (.error.time | type) == \"number\"" &&
	check 3 ".ok == true and (has(\"broken\") | not)" &&
	jq -e ".holder == \"alice@laptop\" and .pid == 101" root/run/lattice/$L/lock >/dev/null
'

test_expect_success 'break takes the lock and says from whom' '
	{ hello; lock_req 1 alice@laptop 100; lock_req 2 bob@desk 200 ",\"break\":true"; } >req &&
	ag_run 0 && check 2 ".ok == true and .broken.holder == \"alice@laptop\" and .broken.pid == 100" &&
	jq -e ".holder == \"bob@desk\" and .pid == 200 and .manifest == \"$M\"" root/run/lattice/$L/lock >/dev/null &&
	test -z "$(find root/run -name ".*")"
'

test_expect_success 'unlock by a non-holder is refused; by the holder it releases' '
	{ hello; lock_req 1 alice@laptop 100;
	  printf "{\"id\":2,\"op\":\"unlock\",\"lattice\":\"%s\",\"holder\":\"bob@desk\"}\n" "$L";
	  printf "{\"id\":3,\"op\":\"unlock\",\"lattice\":\"%s\",\"holder\":\"alice@laptop\"}\n" "$L";
	  printf "{\"id\":4,\"op\":\"unlock\",\"lattice\":\"%s\",\"holder\":\"alice@laptop\"}\n" "$L";
	  lock_req 5 bob@desk 200; } >req &&
	ag_run 0 && check 2 ".error.code == \"locked\" and .error.holder == \"alice@laptop\"" &&
	check 3 ".ok == true" && check 4 ".error.code == \"not_found\"" && check 5 ".ok == true"
'

test_expect_success 'a lock needs a holder, a pid and a manifest hash' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"lock\",\"lattice\":\"$L\",\"holder\":\"a\",\"pid\":1,\"manifest\":\"xyz\"}" \
		"{\"id\":2,\"op\":\"lock\",\"lattice\":\"$L\",\"holder\":\"\",\"pid\":1,\"manifest\":\"$M\"}" \
		"{\"id\":3,\"op\":\"lock\",\"lattice\":\"$L\",\"holder\":\"a\",\"manifest\":\"$M\"}"; } >req &&
	ag_run 0 && jq -e -s "[.[1:][] | .error.code == \"bad_request\"] | all" out >/dev/null
'

test_expect_success 'stat reports a remembered hash only while the file is untouched; a same-size edit with its mtime put back is seen' '
	printf "AAAA\n" >data && { hello; put 1 env a.env data; stat_req 2 env a.env; } >req &&
	ag_run 0 && check 2 ".files[\"a.env\"].sha256 == \"$(sha data)\"" &&
	test -f root/run/lattice/$L/hashes/1.a.env &&
	f=root/etc/lattice/$L/a.env && touch -r "$f" ref &&
	sleep 0.01 && printf "BBBB\n" >data2 && cat data2 >"$f" && touch -r ref "$f" &&
	test "$(stat -c %y "$f")" = "$(stat -c %y ref)" &&
	{ hello; stat_req 1 env a.env; stat_req 2 env a.env; } >req &&
	ag_run 0 && check 1 ".files[\"a.env\"].sha256 == \"$(sha data2)\"" &&
	check 2 ".files[\"a.env\"].sha256 == \"$(sha data2)\""
'

test_expect_success 'wipe removes the role'"'"'s files only; wipe of the lattice removes all of it' '
	printf x >data &&
	{ hello; put 1 env zipnet-server.env data; put 2 secret zipnet-server.seed data;
	  put 3 secret zipnet-server.bls.key data; put 4 secret zipnet-server-2.seed data;
	  put 5 env tally-member.env data; put 6 bin zipnet-server data; lock_req 7 a 1;
	  (L=other.lattice; put 8 env zipnet-server.env data);
	  printf "%s\n" "{\"id\":9,\"op\":\"wipe\",\"lattice\":\"$L\",\"role\":\"zipnet-server\"}"; } >req &&
	ag_run 0 && check 9 ".ok == true and .removed == 3" &&
	test -f root/var/lib/lattice/$L/secrets/zipnet-server-2.seed &&
	test -f root/etc/lattice/$L/tally-member.env &&
	test -f root/usr/local/lib/lattice/$L/bin/zipnet-server &&
	! test -e root/etc/lattice/$L/zipnet-server.env &&
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"wipe\",\"lattice\":\"$L\"}" \
		"{\"id\":2,\"op\":\"wipe\",\"lattice\":\"$L\"}" \
		"{\"id\":3,\"op\":\"wipe\",\"lattice\":\"$L\",\"role\":\"../x\"}"; } >req &&
	ag_run 0 && check 1 ".removed == 4" && check 2 ".removed == 0" &&
	check 3 ".error.code == \"bad_request\"" &&
	test -z "$(find root -path "*$L*")" && test -f root/etc/lattice/other.lattice/zipnet-server.env
'

test_expect_success 'remove takes the named files of one area, no others; a missing one is no error' '
	printf x >data &&
	{ hello; put 1 secret atelier-member.bls data; put 2 secret atelier-member.password data;
	  put 3 env atelier-member.bls data;
	  printf "%s\n" "{\"id\":4,\"op\":\"remove\",\"lattice\":\"$L\",\"area\":\"secret\",\"names\":[\"atelier-member.bls\",\"nosuch\"]}" \
		"{\"id\":5,\"op\":\"remove\",\"lattice\":\"$L\",\"area\":\"secret\",\"names\":[\"atelier-member.bls\"]}" \
		"{\"id\":6,\"op\":\"remove\",\"lattice\":\"$L\",\"area\":\"secret\",\"names\":[\"../x\"]}" \
		"{\"id\":7,\"op\":\"remove\",\"lattice\":\"$L\",\"area\":\"run\",\"names\":[]}" \
		"{\"id\":8,\"op\":\"remove\",\"lattice\":\"$L\",\"area\":\"secret\"}"; } >req &&
	ag_run 0 && check 4 ".ok == true and .removed == 1" && check 5 ".ok == true and .removed == 0" &&
	check 6 ".error.code == \"bad_request\"" && check 7 ".error.code == \"bad_request\"" &&
	check 8 ".error.code == \"bad_request\"" &&
	! test -e root/var/lib/lattice/$L/secrets/atelier-member.bls &&
	test -f root/var/lib/lattice/$L/secrets/atelier-member.password &&
	test -f root/etc/lattice/$L/atelier-member.bls
'

# unit_req ID ROLE ACTION [MORE]: a unit request for lattice $L.
unit_req() {
	printf '{"id":%s,"op":"unit","lattice":"%s","role":"%s","action":"%s"%s}\n' "$1" "$L" "$2" "$3" "${4:-}"
}

test_expect_success 'unit: bad actions, roles and records are refused; nothing is written' '
	{ hello; unit_req 1 relay-member frobnicate; unit_req 2 supervisor start; unit_req 3 Relay start;
	  unit_req 4 relay-member install ",\"exec\":\"../x\",\"env\":[]";
	  unit_req 5 relay-member install ",\"exec\":\"prog\",\"env\":\"a.env\"";
	  unit_req 6 relay-member install ",\"exec\":\"prog\",\"env\":[\".x\"]";
	  unit_req 7 relay-member install ",\"exec\":\"prog\",\"env\":[],\"args\":[\"a\\nb\"]";
	  unit_req 8 relay-member install ",\"exec\":\"prog\",\"env\":[],\"args\":[1]";
	  printf "%s\n" "{\"id\":9,\"op\":\"unit\",\"lattice\":\"$L\",\"action\":\"start\"}"; } >req &&
	ag_run 0 && nreplies 10 &&
	jq -e -s "[.[1:][] | .error.code == \"bad_request\"] | all" out >/dev/null &&
	check 2 ".error.message | test(\"reserved\")" && test -z "$(leftovers)"
'

test_expect_success 'unit: a missing program or env file, or a role not installed: not_found' '
	printf x >data &&
	{ hello; unit_req 1 relay-member start; unit_req 2 relay-member stop;
	  unit_req 3 relay-member install ",\"exec\":\"prog\",\"env\":[]";
	  put 4 bin prog data;
	  unit_req 5 relay-member install ",\"exec\":\"prog\",\"env\":[\"none.env\"]";
	  printf "%s\n" "{\"id\":6,\"op\":\"status\",\"lattice\":\"$L\",\"role\":\"relay-member\"}";
	  unit_req 7 relay-member remove; } >req &&
	ag_run 0 && check 1 ".error.code == \"not_found\"" && check 2 ".error.code == \"not_found\"" &&
	check 3 ".error.code == \"not_found\" and (.error.message | test(\"prog\"))" &&
	check 5 ".error.code == \"not_found\" and (.error.message | test(\"none.env\"))" &&
	check 6 ".error.code == \"not_found\"" &&
	check 7 ".ok == true and .removed == false and .backend == \"supervisor\"" &&
	! test -e root/etc/lattice/$L/units/relay-member.json
'

test_expect_success 'unit: install writes the record atomically; stop and status need no supervisor' '
	printf x >data && printf "A=1\n" >env &&
	{ hello; put 1 bin prog data; put 2 env relay-member.env env;
	  unit_req 3 relay-member install ",\"exec\":\"prog\",\"env\":[\"relay-member.env\"],\"args\":[\"--x\",\"y z\"]";
	  unit_req 4 relay-member install ",\"exec\":\"prog\",\"env\":[\"relay-member.env\"],\"args\":[\"--x\",\"y z\"]";
	  unit_req 5 relay-member stop;
	  printf "%s\n" "{\"id\":6,\"op\":\"status\",\"lattice\":\"$L\"}"; } >req &&
	ag_run 0 && check 3 ".ok == true and .changed == true and .backend == \"supervisor\"" &&
	check 4 ".changed == false" && check 5 ".ok == true and .state == \"down\" and .pid == 0" &&
	check 6 ".supervisor == false and .roles[\"relay-member\"].state == \"down\" and .roles[\"relay-member\"].last_exit == null and .roles[\"relay-member\"].log == []" &&
	jq -e ".exec == \"prog\" and .env == [\"relay-member.env\"] and .args == [\"--x\",\"y z\"]" \
		root/etc/lattice/$L/units/relay-member.json >/dev/null &&
	test "$(stat -c %a root/etc/lattice/$L/units/relay-member.json root/etc/lattice/$L/units)" = "600
700" && ! test -e root/run/lattice/$L/supervisor.pid && test -z "$(find root -name ".*")" &&
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"wipe\",\"lattice\":\"$L\",\"role\":\"relay-member\"}"; } >req &&
	ag_run 0 && check 1 ".removed == 1" && ! test -e root/etc/lattice/$L/units/relay-member.json &&
	test -f root/usr/local/lib/lattice/$L/bin/prog
'

test_expect_success 'metrics: only loopback, a real port and metric names; a closed port is io' '
	printf x >data && port=$(( 40000 + $$ % 20000 )) &&
	{ hello; put 1 bin prog data; unit_req 2 relay-member install ",\"exec\":\"prog\",\"env\":[]";
	  i=3; for extra in "\"port\":0" "\"port\":65536" "\"port\":80,\"address\":\"10.0.0.1\"" \
		"\"port\":80,\"address\":\"::1\"" "\"port\":80,\"address\":\"localhost\"" \
		"\"port\":80,\"names\":[]" "\"port\":80,\"names\":[\"a b\"]" "\"port\":80,\"names\":[\"1x\"]"; do
		case $extra in *names*) n="" ;; *) n=",\"names\":[\"x_up\"]" ;; esac
		printf "{\"id\":%s,\"op\":\"metrics\",\"lattice\":\"%s\",\"role\":\"relay-member\",%s%s}\n" $i "$L" "$extra" "$n"
		i=$((i + 1)); done
	  printf "{\"id\":20,\"op\":\"metrics\",\"lattice\":\"%s\",\"role\":\"tally-member\",\"port\":80,\"names\":[\"x\"]}\n" "$L"
	  printf "{\"id\":21,\"op\":\"metrics\",\"lattice\":\"%s\",\"role\":\"relay-member\",\"port\":%s,\"names\":[\"x\"]}\n" "$L" $port; } >req &&
	ag_run 0 && jq -e -s "[.[3:11][] | .error.code == \"bad_request\"] | all" out >/dev/null &&
	check 5 ".error.message | test(\"127.0.0.0/8\")" &&
	check 20 ".error.code == \"not_found\"" &&
	check 21 ".error.code == \"io\" and (.error.message | test(\"cannot connect to 127.0.0.1:$port\"))"
'

test_expect_success 'status: a corrupt status record is io, not a guess' '
	printf x >data &&
	{ hello; put 1 bin prog data; unit_req 2 relay-member install ",\"exec\":\"prog\",\"env\":[]"; } >req &&
	ag_run 0 && mkdir -p root/run/lattice/$L && printf "{\"state\":\"up\"" >root/run/lattice/$L/relay-member.status &&
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"status\",\"lattice\":\"$L\"}"; } >req &&
	ag_run 0 && check 1 ".error.code == \"io\" and (.error.message | test(\"corrupt\"))"
'

test_expect_success 'facts has every documented member with the right type' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"facts\"}"; } >req && ag_run 0 &&
	check 1 "(.os | type) == \"string\" and (.arch | type) == \"string\" and
		(.kernel | type) == \"string\" and (.init | type) == \"string\" and
		(.systemd_pid1 | type) == \"boolean\" and (.tdx | type) == \"boolean\" and
		(.disk_free | keys) == [\"/var/lib/lattice\"] and
		(.disk_free[\"/var/lib/lattice\"] | type) == \"number\" and .disk_free[\"/var/lib/lattice\"] >= 0 and
		(.time | type) == \"number\" and (.agent | startswith(\"lattice-agent \"))" &&
	check 1 ".arch == \"$(uname -m)\" and .kernel == \"$(uname -r)\""
'

test_expect_success 'stdout carries only replies; logs go to stderr' '
	{ hello; printf "%s\n" "{\"id\":1,\"op\":\"nosuch\"}" "{\"id\":2,\"op\":\"wipe\",\"lattice\":\"$L\"}"; } >req &&
	ag_run 0 && nreplies 3 && grep -q "^lattice-agent: " err && ! grep -q "^lattice-agent: " out
'

test_expect_success 'a relative LATTICE_AGENT_ROOT is refused' '
	hello >req && ! LATTICE_AGENT_ROOT=rel "$AGENT" serve <req >out 2>err &&
	grep -q "not an absolute path" err && ! test -s out
'

if unshare --mount true 2>/dev/null; then
test_expect_success 'ENOSPC: a put into a full filesystem says enospc and leaves the old file' '
	mkdir fs && printf "A=1\n" >small && head -c 200000 /dev/urandom >big &&
	{ hello; put 1 env a.env small; put 2 env a.env big; put 3 secret b.key big;
	  stat_req 4 env a.env; } >req &&
	unshare --mount sh -c "
		mount -t tmpfs -o size=64k tmpfs fs &&
		LATTICE_AGENT_ROOT=\$PWD/fs/root \"\$AGENT\" serve <req >out 2>err
		echo \$? >rc
		find fs -type f ! -path \"*/run/lattice/$L/hashes/*\" | sort >files
		cat fs/root/etc/lattice/$L/a.env >after 2>/dev/null
		umount fs" &&
	test "$(cat rc)" = 0 && only_protocol out && ! grep -q Sanitizer err &&
	check 1 ".ok == true" && check 2 ".ok == false and .error.code == \"enospc\"" &&
	check 3 ".error.code == \"enospc\"" &&
	check 4 ".files[\"a.env\"].sha256 == \"$(sha small)\"" &&
	test "$(cat files)" = "fs/root/etc/lattice/$L/a.env" && cmp small after
'
else
	echo "skip: ENOSPC test needs a mount namespace (unshare --mount)"
fi

test_expect_success 'the agent needs only libc and libcjson.so.1, found beside it' '
	readelf -d "$BUNDLE/lattice-agent" >dyn &&
	grep -q "R.*PATH.*\[\$ORIGIN\]" dyn &&
	sed -n "s/.*Shared library: \[\(.*\)\]/\1/p" dyn | LC_ALL=C sort >needed &&
	if grep -q libasan needed; then
		grep -v -e libasan -e libubsan -e libm.so -e libstdc -e libgcc_s -e libpthread -e libdl needed >needed.core
	else
		grep -v -e "^libm.so.6$" needed >needed.core
	fi &&
	printf "libc.so.6\nlibcjson.so.1\n" >want && test_cmp want needed.core &&
	! grep -e libcrypto -e libssh -e libgit2 -e libcurl -e libicu needed &&
	ldd "$BUNDLE/lattice-agent" | grep -q "libcjson.so.1 => $BUNDLE/libcjson.so.1" &&
	test "$(cat "$LC_BUILD/agent-bundle.sha256")" = \
		"$(cd "$BUNDLE" && sha256sum lattice-agent libcjson.so.1 | sha256sum | cut -d" " -f1)"
'

if unshare --mount true 2>/dev/null; then
test_expect_success 'the bundle runs with no system cJSON; the binary alone does not' '
	mkdir alone && cp "$BUNDLE/lattice-agent" alone/ &&
	unshare --mount sh -c "
		for f in \$(find /usr/lib -name \"libcjson.so*\" 2>/dev/null); do
			mount --bind /dev/null \"\$f\" || exit 9
		done
		\"$BUNDLE/lattice-agent\" version >bundled 2>bundled.err; echo \$? >bundled.rc
		alone/lattice-agent version >alone.out 2>alone.err; echo \$? >alone.rc" &&
	test "$(cat bundled.rc)" = 0 && grep -q "^lattice-agent " bundled &&
	test "$(cat alone.rc)" != 0 && grep -q libcjson alone.err && ! test -s alone.out
'
else
	echo "skip: the bundle test needs a mount namespace (unshare --mount)"
fi

test_done
