#!/bin/sh
# t0230-render.sh - render k8s|nomad: one workload per member, secrets only in Secrets and Variables, disruption budgets that keep a majority, kubectl's own decoding; touches no host.
. "$(dirname "$0")/lib.sh"

# Two simulated lattices: the demo's seven hosts, and the Quickstart's
# example (eleven hosts, seven unseal members) made simulated.
LOCAL=$REPO/manifests/local.toml
ACME=$TRASH/acme-sim.toml
sed -e 's/^chain_id = 1$/chain_id = 1\ntdx = "simulate"/' -e '/^mrtd_file/d' \
	"$REPO/manifests/acme.toml" >"$ACME"
(cd "$TRASH" && mkdir local acme &&
	(cd local && "$LATTICECTL" gen-config -q -m "$LOCAL" >/dev/null 2>&1) &&
	(cd acme && "$LATTICECTL" gen-config -q -m "$ACME" >/dev/null 2>&1))
fresh() { # $1: local or acme
	cp -a "$TRASH/$1/secrets" "$TRASH/$1/state" .
}

# "host role" for every member a manifest lists (ssh comes before roles).
members() {
	awk '/^\[\[hosts\]\]/ { ssh = "" }
	     /^ssh *=/ { s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s); ssh = s }
	     /^roles *=/ { s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s)
		n = split(s, a, ","); for (i = 1; i <= n; i++) { gsub(/[ "]/, "", a[i]); print ssh, a[i] } }' "$1" |
		sort
}

# How many members of a committee of n, of DKG threshold t ($2, 0 for
# none), may be down and leave a majority and t up.
max_down() {
	keep=$(($1 / 2 + 1))
	[ "${2:-0}" -le "$keep" ] || keep=$2
	if [ "$1" -le 1 ]; then echo "$1"; else echo $(($1 - keep)); fi
}

# Every secret in the store as one line each: its hex, and its file's base64.
secret_values() {
	find secrets -type f ! -name '*.json' ! -name master.seed | while read -r f; do
		head -n 1 "$f"
		base64 -w 0 "$f"; echo
	done
}

IMG="--image registry.example/lattice-roles:1"

test_expect_success 'render needs the secrets, and says how to make them' '
	lc_run 1 render k8s -m "$LOCAL" $IMG &&
	grep -q "no secrets in" err && grep -q "^hint: .*gen-config" err && test ! -s out
'

test_expect_success 'an unknown format is a usage error with a suggestion' '
	fresh local &&
	lc_run 2 render k8 -m "$LOCAL" $IMG &&
	grep -q "unknown format .k8. (did you mean .k8s.?)" err && test ! -s out &&
	lc_run 2 render yaml -m "$LOCAL" $IMG && grep -q "unknown format .yaml." err &&
	lc_run 2 render -m "$LOCAL" $IMG && grep -q "render takes 1 operand" err
'

test_expect_success 'every role needs an image; an unknown role in --image is named' '
	fresh local &&
	lc_run 2 render k8s -m "$LOCAL" && grep -q "no container image for zipnet-server, " err &&
	lc_run 2 render k8s -m "$LOCAL" --image zipnet-server=a:1 &&
	grep -q "no container image for zipnet-aggregator, unseal-member" err &&
	lc_run 2 render nomad -m "$LOCAL" --image tally-membr=a:1 $IMG &&
	grep -q "unknown role .tally-membr. (did you mean .tally-member.?)" err &&
	lc_run 2 render k8s -m "$LOCAL" $IMG --cpu lots && grep -q "cpu wants a number" err
'

test_expect_success 'a lattice whose DKG shares live on its hosts is refused, and why' '
	lc_run 1 render k8s -m "$REPO/manifests/acme.toml" $IMG &&
	grep -q "cannot render lattice .acme.ethereum.mainnet.: .*never leave" err &&
	grep -q "^hint: .*latticectl up" err && test ! -s out
'

test_expect_success 'k8s: one StatefulSet per member, with its own Secret and env ConfigMap' '
	fresh local &&
	lc_run 0 render k8s -m "$LOCAL" --image registry.example/lattice-roles:1 \
		--image tally-member=registry.example/tally:2 &&
	jq -e ".apiVersion == \"v1\" and .kind == \"List\"" out >/dev/null &&
	members "$LOCAL" >want &&
	jq -r ".items[] | select(.kind == \"StatefulSet\") |
		\"\(.metadata.annotations[\"latticectl/host\"]) \(.metadata.labels.role)\"" out |
		sort >got &&
	test_cmp want got &&
	test "$(wc -l <want)" -eq 19 &&
	jq -e "[.items[] | select(.kind == \"StatefulSet\") | .spec.replicas == 1 and
		.spec.updateStrategy.type == \"OnDelete\" and
		.spec.template.spec.volumes[0].secret.secretName == .metadata.name and
		(.spec.template.spec.containers[0].envFrom[1].configMapRef.name ==
		 .metadata.name + \"-env\") and
		.spec.selector.matchLabels.member == .spec.template.metadata.labels.member and
		.spec.template.metadata.labels.organism != null] | all" out >/dev/null &&
	jq -e "[.items[] | select(.kind == \"StatefulSet\")] | map(.metadata.name) |
		length == (unique | length)" out >/dev/null &&
	jq -e "[.items[] | select(.kind == \"Secret\")] | length == 19" out >/dev/null &&
	jq -e "[.items[] | select(.kind == \"StatefulSet\" and .metadata.labels.role ==
		\"tally-member\") | .spec.template.spec.containers[0].image] |
		unique == [\"registry.example/tally:2\"]" out >/dev/null
'

test_expect_success 'k8s: each committee s disruption budget keeps a majority and its DKG threshold up' '
	for dir in local acme; do
		mkdir $dir && (cd $dir && fresh $dir) || return 1
	done &&
	(cd local && "$LATTICECTL" render k8s -m "$LOCAL" $IMG) >local.json &&
	(cd acme && "$LATTICECTL" render k8s -m "$ACME" $IMG) >acme.json &&
	for f in local.json acme.json; do
		jq -r ".items[] | select(.kind == \"PodDisruptionBudget\") |
			\"\(.spec.selector.matchLabels.role) \(.spec.maxUnavailable)\"" $f >pdbs &&
		test "$(wc -l <pdbs)" -eq 7 || return 1
		while read -r role k; do
			n=$(jq "[.items[] | select(.kind == \"StatefulSet\" and
				.metadata.labels.role == \"$role\")] | length" $f) &&
			t=0 && { [ $f != acme.json ] || [ $role != unseal-member ] || t=5; } &&
			test "$k" -eq "$(max_down "$n" $t)" &&
			{ test "$n" -eq 1 || test $((2 * k)) -lt "$n"; } || {
				echo "$f: $role: maxUnavailable $k for $n members"; return 1; }
		done <pdbs || return 1
	done &&
	grep -qx "unseal-member 2" pdbs && grep -qx "zipnet-aggregator 1" pdbs &&
	grep -qx "tally-member 1" pdbs
'

test_expect_success 'k8s: a secret value is only in its own member s Secret' '
	fresh local &&
	lc_run 0 render k8s -m "$LOCAL" $IMG && mv out plain.json &&
	lc_run 0 --json render k8s -m "$LOCAL" $IMG && cmp plain.json out &&
	secret_values >values && test "$(wc -l <values)" -gt 60 &&
	jq "del(.items[] | select(.kind == \"Secret\"))" out >public.json &&
	! grep -F -f values public.json &&
	L=demo.local.devnet &&
	jq -e ".items[] | select(.kind == \"Secret\" and .metadata.labels.role ==
		\"zipnet-aggregator\") | .data | keys == [\"zipnet-aggregator.peer\"]" out &&
	jq -j ".items[] | select(.metadata.name == \"demo-local-devnet-unseal-member-h2\" and
		.kind == \"Secret\") | .data[\"unseal-member.dkg\"] | @base64d" out >share &&
	test_cmp secrets/$L/dkg/unseal/h2.share share &&
	jq -j ".items[] | select(.metadata.name == \"demo-local-devnet-tally-member-h5\" and
		.kind == \"Secret\") | .data[\"tally-member.ecdsa\"] | @base64d" out >key &&
	test_cmp secrets/$L/tally/h5.secp256k1 key
'

test_expect_success 'k8s: the env files name the mounted Secret s files, as up writes them' '
	fresh local &&
	lc_run 0 render k8s -m "$LOCAL" $IMG &&
	jq -e "[.items[] | select(.kind == \"StatefulSet\") |
		.spec.template.spec.containers[0].volumeMounts[0].mountPath ==
		\"/var/lib/lattice/demo.local.devnet/secrets\"] | all" out >/dev/null &&
	jq -r ".items[] | select(.kind == \"ConfigMap\" and (.metadata.name | endswith(\"-env\")))
		| .metadata.name as \$n | .data | to_entries[] | select(.key | endswith(\"_FILE\"))
		| \"\(\$n | rtrimstr(\"-env\")) \(.value)\"" out >files &&
	test "$(wc -l <files)" -ge 19 &&
	while read -r name path; do
		case $path in /var/lib/lattice/demo.local.devnet/secrets/*) ;; *) return 1 ;; esac
		key=${path##*/} &&
		jq -e --arg n "$name" --arg k "$key" ".items[] | select(.kind == \"Secret\" and
			.metadata.name == \$n) | .data | has(\$k)" out >/dev/null ||
			{ echo "$name: $key not in its Secret"; return 1; }
	done <files &&
	jq -e ".items[] | select(.metadata.name == \"demo-local-devnet-common\") |
		.data.LATTICE_INSTANCE == \"demo.local.devnet\" and
		(.data.LATTICE_CONFIG_HEX | test(\"^4c544346\"))" out >/dev/null &&
	jq -e ".items[] | select(.metadata.name == \"demo-local-devnet-zipnet-aggregator-h7-env\")
		| .data | has(\"ZIPNET_COMMITTEE_SECRET_FILE\") | not" out >/dev/null
'

# kubectl decodes offline: "label --local" parses every object, and
# "set env --local" decodes one into kubectl's compiled-in API types, so
# a field that kubectl would drop (a misspelt or misplaced one) shows up
# as a difference between the object and kubectl's re-encoding of it.
# The kubeconfig points at a closed loopback port; --local never uses it.
KUBECTL=$(command -v kubectl || true)
kc() {
	HOME=$TRASH KUBECONFIG=$TRASH/kubeconfig "$KUBECTL" "$@" </dev/null
}
cat >"$TRASH/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
EOF
# Every scalar of an object with its path, for comparing.
leaves() {
	jq -c '[paths(scalars) as $p | [$p, getpath($p)]] | .[]' "$1" | sort
}
# The objects of kind $2 in the List $1, as a List in objs.json.
kind_list() {
	jq "{apiVersion: \"v1\", kind: \"List\",
		items: [.items[] | select(.kind $2)]}" "$1" >objs.json
}
# Every field of objs.json's items that kubectl's re-encoding typed.json
# (a stream of objects) lost or changed, as "NAME PATH", but for paths
# through $1 (a field the command itself set).
lost_fields() {
	jq -n -r --arg skip "$1" --slurpfile t typed.json --slurpfile o objs.json '
		($t | map({key: .metadata.name, value: .}) | from_entries) as $by |
		$o[0].items[] | .metadata.name as $n | . as $obj | ($by[$n] // {}) as $typed |
		$obj | paths(scalars) as $p | select(($p | index([$skip])) | not) |
		select(($typed | try getpath($p) catch null) != ($obj | getpath($p))) |
		"\($n) \($p | map(tostring) | join("."))"'
}
# Whether kubectl decodes every object of the List in $1 and, for the
# workloads and Services, loses no field on the way; each kind in one
# call (kubectl is slow to start).
kube_decodes() {
	n=$(jq ".items | length" "$1") &&
	kc label --local -f "$1" lattice-check=1 -o name >names &&
	test "$(wc -l <names)" -eq "$n" || return 1
	kind_list "$1" '== "StatefulSet"' &&
	kc set env --local -f objs.json LATTICE_CHECK=1 -o json >typed.json &&
	lost_fields - >lost && test ! -s lost || { cat lost; return 1; }
	kind_list "$1" '== "Service"' &&
	kc set selector --local -f objs.json \
		"lattice=$(jq -r ".items[0].spec.selector.lattice" objs.json)" -o json >typed.json &&
	lost_fields selector >lost && test ! -s lost || { cat lost; return 1; }
	# The rest have no pod template: kubectl must say so of each by its
	# type, so it decoded each into the type of its kind.
	kind_list "$1" '| IN("StatefulSet", "Service", "PodDisruptionBudget") | not' &&
	! kc set env --local -f objs.json X=1 -o json >/dev/null 2>msg &&
	no_template msg objs.json || { cat msg; return 1; }
	kind_list "$1" '== "PodDisruptionBudget"' &&
	! kc set env --local -f objs.json X=1 -o json >/dev/null 2>msg &&
	no_template msg objs.json && return 0
	# Kubernetes before 1.21 has no policy/v1: said of one PDB alone.
	jq ".items[0]" objs.json >obj.json &&
	! kc set env --local -f obj.json X=1 -o json 2>msg &&
	grep -q "no kind \"PodDisruptionBudget\" is registered for version \"policy/v1\"" msg ||
		{ cat msg; return 1; }
	echo "note: this kubectl predates policy/v1 (Kubernetes 1.21); PDB checked with jq"
}
# Whether the messages in $1 say of every object in the List $2 that it
# has no pod template, naming its kind.
no_template() {
	for kind in $(jq -r ".items[].kind" "$2" | sort -u); do
		test "$(grep -c "does not have a pod template: \*v1[a-z0-9]*\.$kind\$" "$1")" = \
			"$(jq "[.items[] | select(.kind == \"$kind\")] | length" "$2")" || return 1
	done
}
if [ -z "$KUBECTL" ]; then
	echo "skip: no kubectl (Debian: kubernetes-client); the structure is checked with jq above"
else
	test_once_per_run 'k8s: kubectl decodes every object, and drops no field of the workloads' '
		fresh local &&
		lc_run 0 render k8s -m "$LOCAL" $IMG && kube_decodes out &&
		rm -rf secrets state && fresh acme &&
		lc_run 0 render k8s -m "$ACME" $IMG && kube_decodes out
	' "kubectl checks output this build's render makes in the other tests"

	test_once_per_run 'k8s: the kubectl check catches a misspelt field, a wrong type, a foreign kind' '
		fresh local &&
		lc_run 0 render k8s -m "$LOCAL" $IMG &&
		jq "(.items[] | select(.kind == \"StatefulSet\") | .spec) |= (.updateStrategyy =
			.updateStrategy | del(.updateStrategy))" out >misspelt.json &&
		! kube_decodes misspelt.json &&
		jq "(.items[] | select(.kind == \"StatefulSet\") | .spec.replicas) |= \"one\"" \
			out >type.json &&
		! kube_decodes type.json &&
		jq "(.items[] | select(.kind == \"ConfigMap\") | .kind) |= \"ConfigMapp\"" \
			out >kind.json &&
		! kube_decodes kind.json
	' "kubectl checks output this build's render makes in the other tests"
fi

test_expect_success 'k8s -o DIR: the Secrets apart, 0600, in a 0700 directory' '
	fresh local &&
	lc_run 0 render k8s -m "$LOCAL" $IMG -o out.d && test ! -s out &&
	grep -q "render: 19 members of lattice demo.local.devnet for Kubernetes in out.d" err &&
	test "$(stat -c %a out.d out.d/demo-local-devnet.json out.d/demo-local-devnet.secrets.json)" = \
		"$(printf "700\n644\n600")" &&
	jq -e "[.items[].kind] | (index(\"Secret\") == null) and length == 72 - 19" \
		out.d/demo-local-devnet.json >/dev/null &&
	jq -e "[.items[].kind] | unique == [\"Secret\"] and length == 19" \
		out.d/demo-local-devnet.secrets.json >/dev/null &&
	secret_values >values && ! grep -F -f values out.d/demo-local-devnet.json
'

test_expect_success '-o DIR inside a git work tree that does not ignore it is refused' '
	git init -q repo && fresh local && cd repo &&
	lc_run 1 render k8s -m "$LOCAL" $IMG --secrets-dir ../secrets --state-dir ../state -o rendered &&
	grep -q "refusing to keep secrets in .*rendered" err && grep -q "^hint: .*-o DIR" err &&
	test ! -e rendered/demo-local-devnet.secrets.json &&
	echo /rendered/ >.gitignore &&
	lc_run 0 render k8s -m "$LOCAL" $IMG --secrets-dir ../secrets --state-dir ../state -o rendered
'

test_expect_success 'nomad: one job per member, its secrets in its own Variable only' '
	fresh local &&
	lc_run 0 render nomad -m "$LOCAL" $IMG &&
	members "$LOCAL" >want &&
	jq -r ".Jobs[].Job.Meta | \"\(.host) \(.role)\"" out | sort >got &&
	test_cmp want got &&
	jq -e "(.Jobs | length) == 19 and (.Variables | length) == 19" out >/dev/null &&
	jq -e "[.Jobs[].Job | (.ID | type) == \"string\" and .Type == \"service\" and
		(.TaskGroups | length) == 1 and .TaskGroups[0].Count == 1 and
		.Update.MaxParallel == 1 and .Update.Canary == 0 and
		.TaskGroups[0].Update.MaxParallel == 1 and .TaskGroups[0].Migrate.MaxParallel == 1 and
		(.TaskGroups[0].Tasks | length) == 1 and .TaskGroups[0].Tasks[0].Driver == \"docker\" and
		(.TaskGroups[0].Tasks[0].Config.image | type) == \"string\" and
		(.TaskGroups[0].Tasks[0].Resources.CPU | type) == \"number\" and
		(.TaskGroups[0].Tasks[0].KillTimeout | type) == \"number\"] | all" out >/dev/null &&
	jq -e "[.Jobs[].Job.ID] | length == (unique | length)" out >/dev/null &&
	secret_values >values &&
	jq .Jobs out >jobs.json && ! grep -F -f values jobs.json &&
	jq -r ".Jobs[].Job | .ID as \$id | .TaskGroups[0] | .Name as \$g | .Tasks[0] |
		.Name as \$t | .Templates[] | \"nomad/jobs/\(\$id)/\(\$g)/\(\$t) \(.EmbeddedTmpl)\"" \
		out >tmpls &&
	test "$(wc -l <tmpls)" -ge 19 &&
	while read -r path tmpl; do
		case $tmpl in "{{ with nomadVar \"$path\" }}"*) ;; *) echo "$path: $tmpl"; return 1 ;; esac
		kind=$(echo "$tmpl" | sed -n "s/.*}}{{ \.\([a-z_]*\)\.Value .*/\1/p") &&
		jq -e --arg p "$path" --arg k "$kind" \
			"[.Variables[] | select(.Path == \$p) | .Items | has(\$k)] == [true]" \
			out >/dev/null || { echo "$path: no item $kind"; return 1; }
	done <tmpls
'

test_expect_success 'nomad: a secret file lands where the env file says' '
	fresh local &&
	lc_run 0 render nomad -m "$LOCAL" $IMG &&
	jq -e "[.Jobs[].Job.TaskGroups[0].Tasks[0] |
		(.Config.volumes[0] | split(\":\")) as \$v |
		\$v[0] == \"secrets\" and
		([.Env | to_entries[] | select(.key | endswith(\"_FILE\")) | .value] |
			map(startswith(\$v[1] + \"/\")) | all) and
		([.Env | to_entries[] | select(.key | endswith(\"_FILE\")) | .value | split(\"/\") | last]
			- [.Templates[].DestPath | ltrimstr(\"secrets/\")] | length) == 0] | all" \
		out >/dev/null &&
	jq -e "[.Jobs[].Job.TaskGroups[0].Tasks[0] | select(.Name == \"unseal-member\") |
		[.Templates[].DestPath] | sort] | unique ==
		[[\"secrets/unseal-member.committee\", \"secrets/unseal-member.dkg\",
		  \"secrets/unseal-member.peer\"]]" out >/dev/null
'

test_expect_success 'nomad -o DIR: jobs in rollout order, Variables 0600' '
	fresh local &&
	lc_run 0 render nomad -m "$LOCAL" $IMG -o n.d &&
	test "$(ls n.d/jobs | wc -l)" -eq 19 && test "$(ls n.d/variables | wc -l)" -eq 19 &&
	ls n.d/jobs | head -n 1 | grep -qx "01-demo-local-devnet-zipnet-server-h4.json" &&
	ls n.d/jobs | tail -n 1 | grep -qx "19-demo-local-devnet-tally-member-h6.json" &&
	test -z "$(find n.d/variables -type f ! -perm 0600)" &&
	test -z "$(find n.d/jobs -type f ! -perm 0644)" &&
	for f in n.d/jobs/*.json; do jq -e ".Job.ID" "$f" >/dev/null || return 1; done &&
	secret_values >values && ! cat n.d/jobs/*.json | grep -F -f values &&
	cat n.d/variables/*.json | grep -c -F -f values >hits && test "$(cat hits)" -gt 0
'

test_expect_success 'render touches no host and writes nothing into state' '
	fresh local &&
	find state secrets -type f -exec sha256sum {} + | sort >before &&
	lc_run 0 render k8s -m "$LOCAL" $IMG &&
	lc_run 0 render nomad -m "$LOCAL" $IMG &&
	find state secrets -type f -exec sha256sum {} + | sort >after &&
	test_cmp before after && test ! -e state/demo.local.devnet/journal
'

test_done
