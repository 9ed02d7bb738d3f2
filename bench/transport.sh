#!/bin/sh
# transport.sh - push to N real test hosts: the agent, a 20 MB binary, an env
# and a secret file; first run, unchanged run, and plain parallel ssh+scp of
# the same bytes for comparison; latticectl's peak memory.  Figures only.
#   bench/transport.sh [N ...]      (default: 7 33 100; needs root)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup tr 2910 "$O/latticectl" "$O/agent-bundle/lattice-agent"
head -c 20000000 /dev/urandom >"$W/bin20"
head -c 100000000 /dev/urandom >"$W/bin100"
echo "LATTICE_INSTANCE=bench.local.devnet" >"$W/env"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/secret"

# The lattice's name is the transport bench's own; extra hosts carry tally-member.
manifest() {
	bench_manifest "$1" '"tally-member"' | sed 's/^name = .*/name = "bench.local.devnet"/'
}
run3() {
	"$L" -q -j 32 agent all put bin sim-organism "$1" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" >/dev/null &&
	"$L" -q -j 32 agent all put env sim.env "$W/env" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" >/dev/null &&
	"$L" -q -j 32 agent all put secret sim.seed "$W/secret" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" >/dev/null
}

for n in ${*:-7 33 100}; do
	scripts/testhosts down >/dev/null 2>&1 || true
	rm -rf "$W/hosts" "$W/state"
	scripts/testhosts up "$n" >/dev/null
	manifest "$n" >"$W/m.toml"
	cd "$W"
	t0=$(ms); run3 "$W/bin20"; t1=$(ms)
	t2=$(ms); run3 "$W/bin20"; t3=$(ms)
	# Plain parallel ssh+scp of the same bytes, 32 at a time, into each
	# host's own /var/lib/lattice (test hosts share /tmp, where the copies
	# would overwrite each other), then sync: the agent fsyncs each file.
	scp_all() {
		seq 1 "$n" | xargs -P 32 -I{} sh -c "scp -q -F '$W/hosts/ssh_config' '$W/bin20' h{}:/var/lib/lattice/bin20 &&
			ssh -F '$W/hosts/ssh_config' h{} 'cat >/var/lib/lattice/env' <'$W/env' &&
			ssh -F '$W/hosts/ssh_config' h{} 'cat >/var/lib/lattice/secret' <'$W/secret'" >/dev/null
		sync
	}
	scp_all; t4=$(ms)
	t5=$(ms); scp_all; t6=$(ms)
	m20=$(/usr/bin/time -f %M "$L" -q -j 32 agent all put bin big20 "$W/bin20" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" 2>&1 >/dev/null | tail -n 1)
	m100=$(/usr/bin/time -f %M "$L" -q -j 32 agent all put bin big100 "$W/bin100" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" 2>&1 >/dev/null | tail -n 1)
	cd - >/dev/null
	echo "N=$n: first run $(( (t1 - t0) / 1000000 )) ms, unchanged $(( (t3 - t2) / 1000000 )) ms, plain ssh+scp+sync $(( (t6 - t5) / 1000000 )) ms (first $(( (t4 - t3) / 1000000 )) ms); peak RSS ${m20} KiB (20 MB file), ${m100} KiB (100 MB file)"
done
