#!/bin/bash
# Run a tcsim study on a Slurm cluster: build tcsim once, submit one array task
# per shard, and a merge job that runs when every shard has succeeded.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: deploy/slurm/submit.sh [-n SHARDS] [-c CPUS] [--parsable] RUNDIR STUDY [FLAGS...]

Build tcsim into RUNDIR/bin, submit a Slurm job array of SHARDS tasks (task i
runs shard i/SHARDS of STUDY with FLAGS into RUNDIR/shard-i) and a job that,
after all of them succeeded, merges them into RUNDIR/merged: the bytes a single
run would have written, figures included. If a shard fails, the merge job is
cancelled; rerun the failed shards with the sbatch line printed below
(--array=LIST) and submit the merge again. Logs go to RUNDIR/logs.

RUNDIR must be new or empty and on a filesystem every node sees. Run from a
login node with Go; partition, account and time limit come from sbatch's own
variables (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ...).

Studies:
  sweep     tcsim sweep FLAGS ('tcsim help sweep'; not --out, --shard or --resume)
  training  the training study, 'tcsim experiments run training FLAGS'
            (FLAGS: none for the full study, --reduced or --short; not --out
            or --shard); merged by 'tcsim experiments merge training'.
            It has 122 jobs at full size (about 95 CPU-minutes): up to
            that many shards help.

Options:
  -n SHARDS   array tasks (default 8)
  -c CPUS     CPUs per task (default 1)
  --parsable  print only the two job ids: ARRAY_ID MERGE_ID

Examples:
  deploy/slurm/submit.sh -n 16 -c 4 /scratch/$USER/k64k sweep --k 128..65536 --trials 8
  deploy/slurm/submit.sh -n 32 -c 1 /scratch/$USER/training training
  squeue --me; ls /scratch/$USER/k64k/merged
EOF
}

die() {
	echo "submit.sh: $*" >&2
	exit 2
}

shards=8 cpus=1 parsable=false
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-n) [ $# -ge 2 ] || die "-n wants a number"; shards=$2; shift 2 ;;
	-c) [ $# -ge 2 ] || die "-c wants a number"; cpus=$2; shift 2 ;;
	--parsable) parsable=true; shift ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || die "want RUNDIR and STUDY (see --help)"
rundir=$1 study=$2
shift 2
case $shards in '' | *[!0-9]* | 0*) die "-n $shards: want a positive number of shards" ;; esac
case $cpus in '' | *[!0-9]* | 0*) die "-c $cpus: want a positive number of CPUs" ;; esac
case $study in
sweep | training) ;;
*) die "unknown study '$study' (known: sweep, training)" ;;
esac
for f in "$@"; do
	case $f in
	--out | --out=* | --shard | --shard=* | --resume | --resume=*)
		die "$f is set per shard by the job scripts; leave it out" ;;
	esac
done
if [ -e "$rundir" ] && [ -n "$(ls -A "$rundir")" ]; then
	die "$rundir is not empty; give a new directory for each run"
fi
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
mkdir -p "$rundir/bin" "$rundir/logs"
rundir=$(cd "$rundir" && pwd -P)

# undo removes what this script made in RUNDIR and exits 1 with MESSAGE.
undo() {
	rm -rf "${rundir:?}/bin" "${rundir:?}/logs"
	rmdir "$rundir" 2>/dev/null || true
	echo "submit.sh: $*" >&2
	exit 1
}

# One build for every task: shards of different builds must not be merged.
(cd "$repo" && go build -o "$rundir/bin/tcsim" ./cmd/tcsim) || undo "building tcsim failed"

array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
	--output="$rundir/logs/shard-%a.out" \
	"$here/shard.sbatch" "$rundir" "$shards" "$study" "$@") ||
	undo "sbatch refused the array; nothing was submitted"
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
	--output="$rundir/logs/merge.out" \
	"$here/merge.sbatch" "$rundir" "$shards" "$study") || {
	scancel "$array"
	undo "sbatch refused the merge job; cancelled the array $array"
}
merge=${merge%%;*}

flags=
[ $# -eq 0 ] || printf -v flags ' %q' "$@"
if $parsable; then
	echo "$array $merge"
	exit 0
fi
cat <<EOF
submitted job array $array: $shards shards of tcsim $study -> $rundir/shard-*
submitted job $merge: merge and figures after they all succeed -> $rundir/merged
watch:          squeue -j $array,$merge
rerun shards:   sbatch --array=LIST --cpus-per-task=$cpus --output=$rundir/logs/shard-%a.out $here/shard.sbatch $rundir $shards $study$flags
merge again:    sbatch --output=$rundir/logs/merge.out $here/merge.sbatch $rundir $shards $study
EOF
