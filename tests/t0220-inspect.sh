#!/bin/sh
# t0220-inspect.sh - `latticectl inspect`: decode a LatticeConfig; reject every kind of damage clearly.
. "$(dirname "$0")/lib.sh"

(cd "$TRASH" && cp "$REPO/manifests/local.toml" lattice.toml &&
	"$LATTICECTL" gen-config -q 2>/dev/null | sed -n 's/^LatticeConfig: //p' >hex &&
	"$LATTICECTL" gen-config -q 2>/dev/null | sed -n 's/^lattice_id: *//p' >id)
HEX=$(cat "$TRASH/hex")
ID=$(cat "$TRASH/id")

# The hex with the byte at offset $1 replaced by $2 (two hex digits).
patch_byte() {
	printf "%s" "$HEX" | sed "s/^\(.\{$(($1 * 2))\}\)../\1$2/"
}

test_expect_success 'inspect decodes every field' '
	test -n "$HEX" &&
	lc_run 0 inspect "$HEX" &&
	grep -q "^lattice_id: *$ID$" out && grep -q "^lattice: *demo.local.devnet$" out &&
	grep -q "^chain_id: *31337$" out && grep -q "^tdx: *SIMULATED" out &&
	grep -q "^unseal.threshold: *2-of-3$" out && grep -q "^offer.threshold: *2-of-3$" out &&
	grep -q "^unseal.mrtd: *[0-9a-f]\{96\} (SIMULATED)$" out &&
	grep -q "^relay.proposer_endpoint: *http://127.0.0.1:18550/$" out &&
	grep -q "^tally.settlement_addr: *0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359$" out &&
	test $(grep -c "^[a-z]*\.id: *[0-9a-f]\{64\}$" out) -eq 6
'

test_expect_success 'inspect --json, from a hex file, with 0x and upper case' '
	lc_run 0 --json inspect "$HEX" &&
	jq -e ".lattice_id == \"$ID\" and .organisms.unseal.threshold == \"2-of-3\" and .tdx == \"simulate\"" out &&
	printf "  0x%s\n" "$HEX" | tr a-f A-F >cfg.hex && lc_run 0 inspect cfg.hex &&
	grep -q "^lattice_id: *$ID$" out
'

test_expect_success 'inspect reads the raw bytes from a file' '
	printf "%s" "$HEX" | sed "s/../\\\\x&/g" | xargs -0 printf >cfg.bin &&
	head -c 4 cfg.bin | grep -q LTCF &&
	lc_run 0 inspect cfg.bin && grep -q "^lattice_id: *$ID$" out
'

test_expect_success 'a wrong version is rejected' '
	lc_run 1 inspect "$(patch_byte 4 02)" &&
	grep -q "unsupported LatticeConfig version 2 (this latticectl reads version 1)" err
'

test_expect_success 'a foreign input is rejected' '
	lc_run 1 inspect "$ID" && grep -q "not a LatticeConfig: it does not start with the magic" err &&
	grep -q "^hint: check that you pasted the LatticeConfig hex, not the lattice_id" err
'

test_expect_success 'a truncated input is rejected' '
	lc_run 1 inspect "$(printf "%s" "$HEX" | head -c 200)" &&
	grep -q "invalid LatticeConfig: truncated in" err &&
	lc_run 1 inspect "$(printf "%s" "$HEX" | head -c $((${#HEX} - 2)))" &&
	grep -q "truncated in checksum" err
'

test_expect_success 'trailing bytes are rejected' '
	lc_run 1 inspect "${HEX}00" && grep -q "1 unexpected bytes after the end" err
'

test_expect_success 'a flipped bit is rejected' '
	b=$(printf "%s" "$HEX" | cut -c 81-82) &&
	lc_run 1 inspect "$(patch_byte 40 $(printf "%02x" $((0x$b ^ 1))))" &&
	grep -q "the checksum does not match (the bytes were altered or mis-copied)" err
'

test_expect_success 'not hex, odd length, empty' '
	lc_run 1 inspect "4c54zz" && grep -q "is not a hex digit" err &&
	lc_run 1 inspect "4c5" && grep -q "odd number of digits" err &&
	lc_run 1 inspect "" && grep -q "not a LatticeConfig" err &&
	lc_run 2 inspect && lc_run 2 inspect a b
'

test_done
