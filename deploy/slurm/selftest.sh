#!/bin/bash
# Self-test of deploy/slurm on a real one-node Slurm cluster.
#
# Installs Slurm and MUNGE if they are missing (Debian/Ubuntu, as root), starts
# munged, slurmctld and slurmd with every key, socket, state, spool and log in
# one temporary directory, submits a 3-shard sweep through submit.sh (a job
# array and the dependent merge job), and checks that the merged results.csv and
# figures are byte for byte those of a single run; the same for the training
# study at --short size. It also checks that a failing shard cancels the merge. Whatever way it ends (pass, failure, Ctrl-C,
# SIGTERM), it cancels its jobs, stops the daemons it started by their PIDs and
# removes the directory. Takes about a minute once the packages are installed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
flags=(--k 128..1024 --nc "128,never" --dist "normal,pos" --scaling tensor --trials 1 --m 16 --n 16)
shards=3

say() { echo "selftest: [${SECONDS}s] $*"; }
fail() {
	echo "selftest: FAIL: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	fail "needs root: it installs packages and runs slurmd and munged"
fi

tmp='' munge_pid='' ctld_pid='' slurmd_pid='' policy=''

# stop ends the process PID that this script started: SIGTERM, then SIGKILL
# after 10 s.
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
		# Job steps outlive slurmd: cancel every job of this private cluster
		# and wait until its steps are gone (their sockets in the spool).
		local jobs
		jobs=$(squeue -h -o %A 2>/dev/null)
		if [ -n "$jobs" ]; then
			# shellcheck disable=SC2086 # one job id per word
			scancel $jobs 2>/dev/null
		fi
		for _ in $(seq 200); do
			if [ -z "$(squeue -h -o %A 2>/dev/null)" ] &&
				! compgen -G "$tmp/spool/localhost_*" >/dev/null; then
				break
			fi
			sleep 0.1
		done
	fi
	stop "$slurmd_pid"
	stop "$ctld_pid"
	stop "$munge_pid"
	if [ -n "$tmp" ]; then
		# Anything still running from this cluster (a job step slurmd lost)
		# carries its SLURM_CONF in its environment.
		local p e
		for p in /proc/[0-9]*; do
			[ "${p#/proc/}" != $$ ] || continue
			while IFS= read -r -d '' e; do
				if [ "$e" = "SLURM_CONF=$tmp/slurm.conf" ]; then
					kill -KILL "${p#/proc/}" 2>/dev/null
					break
				fi
			done 2>/dev/null <"$p/environ"
		done
		rm -rf "$tmp"
	fi
	[ -z "$policy" ] || rm -f "$policy"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcsim-slurm.XXXXXX")
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"

# --- packages ---------------------------------------------------------------
need=()
for c in munged slurmctld slurmd sbatch; do
	command -v "$c" >/dev/null || need=(slurmctld slurmd slurm-client munge)
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	# Packages must not start their own daemons: forbid it while installing.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	export DEBIAN_FRONTEND=noninteractive
	{
		apt-get -q -o DPkg::Lock::Timeout=120 update &&
			apt-get -q -o DPkg::Lock::Timeout=120 install -y --no-install-recommends "${need[@]}"
	} >"$tmp/log/apt.out" 2>&1 || {
		tail -n 20 "$tmp/log/apt.out" >&2
		fail "could not install ${need[*]}"
	}
	if [ -n "$policy" ]; then
		rm -f "$policy"
		policy=
	fi
fi

# --- a one-node cluster in a temporary directory ----------------------------
# Nothing of an enclosing Slurm job or user setting may leak in.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(SLURM|SBATCH|SQUEUE|SINFO|SCONTROL)_' || true)
chmod 755 "$tmp" "$tmp/munge" # munged wants its socket directory (and the path to it) 755

# free_port prints a TCP port below the ephemeral range that nothing uses.
free_port() {
	local low used p hex
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	used=$(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % (low - 10000)))
		printf -v hex '%04X' "$p"
		if ! grep -qx "$hex" <<<"$used" && [ "$p" != "${1:-}" ]; then
			echo "$p"
			return
		fi
	done
	fail "no free TCP port"
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")
cpus=$(nproc)
[ "$cpus" -le 2 ] || cpus=2

head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 600 "$tmp/munge/munge.key"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=tcsimtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 State=UNKNOWN
PartitionName=selftest Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf

# logs prints the daemons' logs, for a failure.
logs() {
	local f
	for f in "$tmp"/log/*; do
		echo "--- $f" >&2
		tail -n 20 "$f" >&2
	done
}

# await runs CMD until it succeeds, for at most SECONDS.
await() {
	local seconds=$1 what=$2
	shift 2
	local end=$((SECONDS + seconds))
	until "$@" >/dev/null 2>&1; do
		if [ $SECONDS -ge $end ]; then
			logs
			fail "$what not within ${seconds} s"
		fi
		sleep 0.2
	done
}

munged -F --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
	--pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
	--log-file="$tmp/log/munged.log" >"$tmp/log/munged.out" 2>&1 &
munge_pid=$!
await 10 "munged ready" test -S "$tmp/munge/munge.socket"
slurmctld -D >"$tmp/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost >"$tmp/log/slurmd.out" 2>&1 &
slurmd_pid=$!
node_idle() { [ "$(sinfo -h -n localhost -o %t)" = idle ]; }
await 30 "node idle" node_idle
say "one-node cluster up (slurmctld :$ctld_port, slurmd :$slurmd_port, $cpus CPUs)"

# queue_empty: every job of the cluster has ended (and squeue could tell).
queue_empty() {
	local q
	q=$(squeue -h -o %A) || return 1
	[ -z "$q" ]
}

# states JOBID... prints the state of each job (array tasks one per line).
states() {
	local j
	for j in "$@"; do
		scontrol -o show job "$j" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
	done
}

# --- a sweep as a job array and its merge ------------------------------------
start=$SECONDS
read -r array merge < <("$repo/deploy/slurm/submit.sh" --parsable -n "$shards" "$tmp/run" sweep "${flags[@]}")
say "submitted array $array ($shards shards) and merge $merge"
await 120 "jobs finished" queue_empty
got=$(states "$array" "$merge" | sort | uniq -c | xargs)
if [ "$got" != "$((shards + 1)) COMPLETED" ]; then
	for f in "$tmp"/run/logs/*; do
		echo "--- $f" >&2
		cat "$f" >&2
	done
	fail "job states: $got (want $((shards + 1)) COMPLETED)"
fi
say "array and merge completed in $((SECONDS - start)) s"

"$tmp/run/bin/tcsim" sweep "${flags[@]}" --out "$tmp/single" >"$tmp/log/single.out" 2>&1 ||
	fail "single run failed: $(tail -n 1 "$tmp/log/single.out")"
# names DIR prints the figure names in DIR/plots.
names() {
	local f
	for f in "$1"/plots/*.png; do
		[ -e "$f" ] && echo "plots/${f##*/}"
	done
}
mapfile -t files < <(names "$tmp/single")
[ ${#files[@]} -gt 0 ] || fail "the single run drew no figures"
[ "$(names "$tmp/run/merged")" = "$(names "$tmp/single")" ] ||
	fail "merged figures differ from the single run's: $(names "$tmp/run/merged" | tr '\n' ' ')"
files+=(results.csv)
for f in "${files[@]}"; do
	cmp "$tmp/single/$f" "$tmp/run/merged/$f" >&2 || fail "$f: merged shards differ from a single run"
done
rows=$(($(wc -l <"$tmp/single/results.csv") - 1))
say "merged $shards shards = single run, byte for byte: results.csv ($rows rows) and $((${#files[@]} - 1)) figures"

# --- the training study (--short) as a job array and its merge ---------------
start=$SECONDS
read -r array merge < <("$repo/deploy/slurm/submit.sh" --parsable -n "$shards" "$tmp/train" training --short)
say "submitted training array $array ($shards shards) and merge $merge"
await 600 "training jobs finished" queue_empty
got=$(states "$array" "$merge" | sort | uniq -c | xargs)
if [ "$got" != "$((shards + 1)) COMPLETED" ]; then
	for f in "$tmp"/train/logs/*; do
		echo "--- $f" >&2
		cat "$f" >&2
	done
	fail "training job states: $got (want $((shards + 1)) COMPLETED)"
fi
say "training array and merge completed in $((SECONDS - start)) s"
"$tmp/train/bin/tcsim" experiments run training --short --out "$tmp/single-train" >"$tmp/log/single-train.out" 2>&1 ||
	fail "single training run failed: $(tail -n 1 "$tmp/log/single-train.out")"
n=0
for f in "$tmp"/single-train/*.csv "$tmp"/single-train/*.md "$tmp"/single-train/*.png; do
	cmp "$f" "$tmp/train/merged/${f##*/}" >&2 || fail "training ${f##*/}: merged shards differ from a single run"
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "the single training run wrote only $n files"
say "training: merged $shards shards = single run, byte for byte ($n files)"

# --- a failing shard cancels the merge ---------------------------------------
read -r array merge < <("$repo/deploy/slurm/submit.sh" --parsable -n 2 "$tmp/bad" sweep --k 100)
await 60 "failed jobs ended" queue_empty
got=$(states "$array" "$merge" | sort | uniq -c | xargs)
[ "$got" = "1 CANCELLED 2 FAILED" ] || fail "failing shards: job states $got (want 2 FAILED, 1 CANCELLED)"
[ ! -e "$tmp/bad/merged" ] || fail "the merge ran after failed shards"
say "failing shards: array FAILED, merge cancelled"
say "PASS"
