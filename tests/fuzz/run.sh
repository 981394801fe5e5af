#!/bin/sh
# Runs libFuzzer targets: run.sh SECONDS TARGET...  (from the project root;
# see tests/fuzz/fuzz.mk).  Each target fuzzes build/fuzz/corpus/<name>, a
# copy of its seed corpus that keeps growing from run to run, for SECONDS
# (FUZZ_FRESH=1: a fresh copy of the seeds, for short smoke runs); its log is
# build/fuzz/logs/<name>.log.
# Exits non-zero when any target crashed, leaked, timed out or found an
# invariant violated (the crasher is in build/fuzz/artifacts/).
set -u
secs=$1
shift
failed=""
mkdir -p build/fuzz/artifacts build/fuzz/logs
for t in "$@"; do
	corpus=build/fuzz/corpus/$t
	if [ "${FUZZ_FRESH:-0}" = 1 ]; then
		corpus=build/fuzz/smoke-corpus/$t
		rm -rf "$corpus"
	fi
	log=build/fuzz/logs/$t.log
	mkdir -p "$corpus"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -R "tests/fuzz/corpus/$t/." "$corpus/"
	fi
	dict=""
	if [ -f "tests/fuzz/$t.dict" ]; then
		dict="-dict=tests/fuzz/$t.dict"
	fi
	start=$(date +%s)
	"build/fuzz/$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 $dict \
		-artifact_prefix="build/fuzz/artifacts/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	units=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz %-14s ok    %10s execs in %4ss, corpus %s\n' "$t" "${execs:-?}" \
			"$((end - start))" "$units"
	else
		printf 'fuzz %-14s FAIL  (exit %s after %ss; log %s)\n' "$t" "$rc" \
			"$((end - start))" "$log"
		grep -E 'invariant violated|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|Test unit written' \
			"$log" | head -n 5 | sed 's/^/    /'
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
