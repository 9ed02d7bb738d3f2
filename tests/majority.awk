# majority.awk - reads "time host state" samples, sorted by time, of the
# watchers of a 3-member committee; prints a line and fails where two
# members were certainly down at once.  A member is certainly not up
# only between two of its own consecutive samples that both say so:
# a watcher that lags (a busy machine) leaves its last sample stale,
# and a stale sample proves nothing about the time after it.
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
	for (h in from)
		if (last[h] > from[h]) { n++; a[n] = from[h]; b[n] = last[h]; who[n] = h }
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (who[i] != who[j] && a[i] <= b[j] && a[j] <= b[i]) {
				print "majority down: " who[i] " " a[i] "-" b[i] " and " who[j] " " a[j] "-" b[j]
				bad = 1
			}
	exit bad
}
