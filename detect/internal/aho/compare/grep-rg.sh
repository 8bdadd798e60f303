#!/bin/sh
# grep-rg.sh [ROWS...]: the same patterns and text as the Go comparison
# (go run . LIB ROWS), matched by GNU grep -F -f and ripgrep rg -F -f,
# against detect/internal/aho. grep and rg compile their pattern set on
# every run, so each is also run on an empty file and that time is taken
# off, and they read the 4 MiB text many times over (grep 8 times, 32 MiB;
# rg, much faster, 128 times, 512 MiB) so that scanning dominates: MB/s is
# scanning only; "total" includes the compile. Times are
# the median of 3 runs, in CPU seconds (the machine may be shared); ours
# is the median of 3 scans in one process, per CPU second too.
# Needs: go, grep, rg (Debian packages grep and ripgrep), awk, GNU time.
set -e
cd "$(dirname "$0")"
command -v rg >/dev/null || { echo "rg not found (apt-get install ripgrep)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/compare" .
: >"$dir/empty"

# median3 CMD...: median CPU seconds (user + system) of 3 runs of CMD,
# output discarded. CPU time, not wall time: the machine may be shared.
median3() {
	for i in 1 2 3; do
		/usr/bin/time -f "%U %S" -o "$dir/time" "$@" >/dev/null 2>&1 || true
		tail -n 1 "$dir/time" | awk '{printf "%.4f\n", $1+$2}'
	done | sort -n | sed -n 2p
}

for rows in ${@:-10000 100000}; do
	"$dir/compare" -patterns "$dir/p" -text "$dir/t1" "$rows"
	for i in 1 2 3 4 5 6 7 8; do cat "$dir/t1"; done >"$dir/t8"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do cat "$dir/t8"; done >"$dir/t128"
	ours=$("$dir/compare" dlprelay "$rows" | sed 's/.*cpu= *\([0-9.]*\)MB.*/\1/')
	echo "rows=$rows patterns=$(wc -l <"$dir/p") text=4 MiB; detect/internal/aho: $ours MB/s"
	for tool in grep rg; do
		if [ $tool = grep ]; then
			set -- grep -F -c -f "$dir/p"
			text=$dir/t8
		else
			set -- rg -F -c --no-mmap -j1 -f "$dir/p"
			text=$dir/t128
		fi
		size=$(wc -c <"$text")
		t0=$(median3 "$@" "$dir/empty")
		t1=$(median3 "$@" "$text")
		echo "$tool $t0 $t1 $size $ours" | awk '{
			scan = $3 - $2; if (scan <= 0) scan = 0.0001
			mbs = $4 / scan / 1e6
			printf "  %-4s compile %.2fs, total %.2fs, scan %.1f MB/s; ours/%s = %.2fx\n", $1, $2, $3, mbs, $1, $5 / mbs
		}'
	done
done
