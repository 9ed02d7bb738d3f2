# majority.awk - reads "time host state" samples, sorted by time, of the
# watchers of one committee; prints a line and fails where more than max
# members (-v max=N, default 1: a committee of three) were certainly down
# at once.  A member is certainly not up only between two of its own
# consecutive samples that both say so: a watcher that lags (a busy
# machine) leaves its last sample stale, and a stale sample proves
# nothing about the time after it.
{
	t = $1; h = $2; s = $3
	if (s != "up") {
		if (!(h in from)) from[h] = t
		last[h] = t
	} else if (h in from) {
		if (last[h] > from[h]) { n++; a[n] = from[h]; b[n] = last[h]; who[n] = h }
		delete from[h]
	}
}
END {
	if (max == "") max = 1
	for (h in from)
		if (last[h] > from[h]) { n++; a[n] = from[h]; b[n] = last[h]; who[n] = h }
	# The most intervals that overlap are all open at the start of one
	# of them; one member's intervals never overlap each other.
	for (i = 1; i <= n; i++) {
		c = 0; list = ""
		for (j = 1; j <= n; j++)
			if (a[j] <= a[i] && a[i] <= b[j]) { c++; list = list " " who[j] " " a[j] "-" b[j] }
		if (c > max) { print c " members down at once:" list; bad = 1 }
	}
	exit bad
}
