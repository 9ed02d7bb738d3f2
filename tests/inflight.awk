# inflight.awk - reads "role host outcome" lines, the restart records of
# one run's journal in order; prints "committees N", the most committees
# with a restart under way at once, "<role> N" for each role, the most of
# its members restarting at once, and "open N", the restarts begun that
# never ended (done or failed).
$3 == "begin" {
	if (!busy[$1]++) roles++
	open++
	if (busy[$1] > most[$1]) most[$1] = busy[$1]
	if (roles > committees) committees = roles
	next
}
$3 == "done" || $3 == "failed" {
	if (busy[$1] > 0 && !--busy[$1]) roles--
	open--
}
END {
	print "committees " committees + 0
	for (r in most) print r " " most[r]
	print "open " open + 0
}
