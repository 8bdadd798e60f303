#!/bin/sh
# Runs the matcher comparison of detect/BENCH.md, one library and size per
# process, one at a time (the big ones need GBs). Sizes the issue says do
# not fit are skipped: cloudflare beyond 10k rows; at 1M rows only
# dlprelay, anknown and petar-nfa are run.
set -e
cd "$(dirname "$0")"
go build -o /tmp/aho-compare .
for rows in 10000 100000 1000000; do
	for lib in dlprelay cloudflare coregx petar-dfa petar-nfa anknown; do
		case "$lib/$rows" in
		cloudflare/100000 | cloudflare/1000000) continue ;;
		coregx/1000000 | petar-dfa/1000000) continue ;;
		esac
		/tmp/aho-compare "$lib" "$rows" || echo "$lib rows=$rows: exit $?"
	done
done
