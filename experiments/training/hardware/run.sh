#!/usr/bin/env bash
# One call on the GPU machine: the PyTorch arms on the GPU and the matching
# simulated arms (tcsim train) on its CPU cores at the same time.
# Usage: run.sh DIR OUT STEPS SEEDS   (DIR holds tcsim, Opticks.txt, crosscheck.py,
# batch-SEED.safetensors and order-SEED.safetensors; results go to OUT)
set -u
dir=$1 out=$2 steps=$3 seeds=$4
cd "$dir" || exit 1
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'; nproc; } >"$out/machine.txt" 2>&1
declare -A recipe=([fp32]="--recipe fp32" [bf16]="--recipe bf16" [fast]="--recipe fast" [nofast]="--recipe fast --nc 128" [te]="--recipe te")
mkdir -p sim
for s in ${seeds//,/ }; do
	for arm in fp32 bf16 fast nofast te; do
		# shellcheck disable=SC2086
		GOMAXPROCS=1 timeout -s INT 530 ./tcsim train ${recipe[$arm]} --steps "$steps" --seed "$s" --log-every 20 --no-shadow \
			--data Opticks.txt --out "sim/$arm-$s" >"sim/$arm-$s.log" 2>&1 &
	done
done
PYTHONUNBUFFERED=1 python3 crosscheck.py --data Opticks.txt --inputs . --seeds "$seeds" --steps "$steps" \
	--arms fp32,bf16,fp8-fast,fp8-nofast,fp8-te --out "$out/h200_losses.csv" 2>&1 | tee "$out/h200.log"
wait
for f in sim/*/log.csv; do a=${f#sim/}; a=${a%/log.csv}; sed "1d;s/^/${a%-*},${a##*-},/" "$f"; done >"$out/sim_losses.csv"
tail -n 3 sim/*.log >"$out/sim.log" 2>&1
