# watch.bash FILE HOST - run on a test host (bash -s): every 20 ms, until
# killed, one "time host state" line (time in ns; state as FILE, a role's
# .status, says, or nothing) for majority.awk.  Builtins only: a watcher
# forking several programs per sample took a core of its own from the
# rollout it watched.
f=$1 h=$2
# A pipe open at both ends on fd 3: read -t on it is a sleep without a fork.
exec 3<> <(:)
while :; do
	j= s=
	read -r -d '' j 2>/dev/null <"$f"
	j=${j// /}
	case $j in
	*'"state":"'*) s=${j#*'"state":"'} s=${s%%'"'*} ;;
	esac
	echo "${EPOCHREALTIME/./}000 $h $s"
	read -t 0.02 -u 3
done
