#!/usr/bin/env python3
"""Train tcsim's default GPT in PyTorch on a real GPU, with every Linear GEMM
through torch._scaled_mm on E4M3 operands, to cross-check what `tcsim train`
predicts for fast accumulation.

The model, initial weights and data order are tcsim's: the weights come from
`tcsim train --steps 0 --save-batch` (nanoGPT names, PyTorch layout), the batch
offsets from `tcsim train --export-batches`, so every arm of one seed starts
from the same weights and sees the same batches as the simulated runs.

Arms (the GEMM of each Linear layer's fprop, dgrad and wgrad):
  fp32        FP32 operands, FP32 accumulation (TF32 off)
  bf16        BF16 operands, FP32 accumulation, FP32 output
  fp8-fast    E4M3 per-tensor scaling, use_fast_accum=True in all three GEMMs
  fp8-nofast  the same with use_fast_accum=False (cuBLAS promotes every 128)
  fp8-te      fast accumulation in fprop only (Transformer Engine's default)
Attention, LayerNorm, softmax, embeddings and the tied LM head stay in FP32,
as in tcsim's recipes. Optimiser and schedule follow tcsim (AdamW with
decoupled decay on matrices and embeddings, betas 0.9/0.99, eps 1e-8,
clip 1.0, linear warmup for steps/10 then cosine to lr/10).

Usage (on the GPU machine; see README.md beside this file):
  python3 crosscheck.py --data Opticks.txt --inputs DIR --arms fp32,bf16,fp8-fast,fp8-nofast,fp8-te \
      --seeds 1,2,3 --steps 100 --out losses.csv
  python3 crosscheck.py --check-grads DIR/batch-1.safetensors --data Opticks.txt   (CPU, float64)

--device cpu runs everything on the CPU; FP8 arms then need torch.float8 types
and torch._scaled_mm, which only GPUs of compute capability 8.9 and later
have, so on a CPU only fp32, bf16 and the gradient check run.
"""

import argparse
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    """A minimal safetensors reader (F64, F32, I64): name -> numpy array, metadata."""
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        a = np.frombuffer(b[8 + n + lo : 8 + n + hi], dtype=DTYPES[t["dtype"]])
        out[name] = a.reshape(t["shape"])
    return out, meta


# ---------------------------------------------------------------- GEMMs


def e4m3_scale(t):
    """Per-tensor scale so that amax maps to E4M3's largest finite 448."""
    amax = t.abs().max().float().clamp(min=1e-30)
    return (448.0 / amax).to(torch.float32)


def fp8_mm(a, b_t, fast, fmt=None):
    """a (m x k) @ b_t.T (b_t is n x k) on E4M3 operands with per-tensor scales:
    torch._scaled_mm wants the second operand column-major, which b_t.t() is."""
    fmt = fmt or torch.float8_e4m3fn
    sa, sb = e4m3_scale(a), e4m3_scale(b_t)
    qa = (a.float() * sa).to(fmt).contiguous()
    qb = (b_t.float() * sb).to(fmt).contiguous()
    return torch._scaled_mm(
        qa, qb.t(), scale_a=(1 / sa).reshape(()), scale_b=(1 / sb).reshape(()),
        out_dtype=torch.float32, use_fast_accum=fast)


def bf16_mm(a, b_t):
    x, y = a.to(torch.bfloat16), b_t.to(torch.bfloat16).t()
    try:
        return torch.mm(x, y, out_dtype=torch.float32)  # FP32 output, as the datapath gives
    except (TypeError, RuntimeError):  # older PyTorch: BF16 output
        return torch.mm(x, y).float()


class Gemm:
    """How one arm runs a Linear layer's three GEMMs. Each mm(a, b_t) is a @ b_t.T."""

    def __init__(self, arm):
        self.arm = arm
        fast = {"fp8-fast": (True, True, True), "fp8-nofast": (False, False, False),
                "fp8-te": (True, False, False)}
        self.fast = fast.get(arm)
        if arm not in ("fp32", "bf16", "float64") and self.fast is None:
            raise SystemExit(f"crosscheck: unknown arm {arm!r}")

    def mm(self, kind, a, b_t):
        if self.arm in ("fp32", "float64"):
            return a @ b_t.t()
        if self.arm == "bf16":
            return bf16_mm(a, b_t)
        return fp8_mm(a, b_t, self.fast[kind])


class LinearFn(torch.autograd.Function):
    """y = x W^T (+ b) with fprop, dgrad and wgrad through the arm's GEMM."""

    @staticmethod
    def forward(ctx, x, w, b, gemm):
        ctx.save_for_backward(x, w)
        ctx.gemm = gemm
        y = gemm.mm(0, x, w)  # fprop: K = in
        return y if b is None else y + b

    @staticmethod
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        g = ctx.gemm
        dx = g.mm(1, dy, w.t().contiguous())  # dgrad: dY (n x out) @ W (out x in), K = out
        dw = g.mm(2, dy.t().contiguous(), x.t().contiguous())  # wgrad: dY^T X, K = tokens
        return dx, dw, dy.sum(0), None


# ---------------------------------------------------------------- model


class GPT:
    def __init__(self, weights, n_head, gemm, dtype, device):
        self.p = {k: torch.tensor(v, dtype=dtype, device=device, requires_grad=True)
                  for k, v in weights.items()}
        self.n_layer = 1 + max(int(k.split(".")[2]) for k in self.p if k.startswith("transformer.h."))
        self.n_head, self.gemm = n_head, gemm

    def linear(self, x, name):
        w, b = self.p[name + ".weight"], self.p.get(name + ".bias")
        return LinearFn.apply(x, w, b, self.gemm)

    def ln(self, x, name):
        d = x.shape[-1]
        return F.layer_norm(x, (d,), self.p[name + ".weight"], self.p.get(name + ".bias"), 1e-5)

    def loss(self, idx, tgt):
        B, T = idx.shape
        p = self.p
        x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][:T]
        d = x.shape[-1]
        hd = d // self.n_head
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        for l in range(self.n_layer):
            h = f"transformer.h.{l}."
            a = self.ln(x, h + "ln_1").reshape(B * T, d)
            qkv = self.linear(a, h + "attn.c_attn").reshape(B, T, 3, self.n_head, hd)
            q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            att = att.masked_fill(~mask, float("-inf")).softmax(-1)
            y = (att @ v).transpose(1, 2).reshape(B * T, d)
            x = x + self.linear(y, h + "attn.c_proj").reshape(B, T, d)
            m = self.ln(x, h + "ln_2").reshape(B * T, d)
            m = F.gelu(self.linear(m, h + "mlp.c_fc"))  # exact erf form
            x = x + self.linear(m, h + "mlp.c_proj").reshape(B, T, d)
        x = self.ln(x, "transformer.ln_f")
        logits = x @ p["transformer.wte.weight"].t()  # tied LM head, FP32
        return F.cross_entropy(logits.reshape(B * T, -1), tgt.reshape(-1))


def lr_at(step, steps, lr, min_lr, warmup):
    """tcsim's schedule (sim/train Hyper.LRAt)."""
    if step < warmup:
        return lr * (step + 1) / (warmup + 1)
    if step >= steps or steps <= warmup:
        return min_lr
    ratio = (step - warmup) / (steps - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (lr - min_lr)


def weights_of(batchfile):
    t, _ = read_safetensors(batchfile)
    return {k: v for k, v in t.items() if k.startswith("transformer.")}, t


def batch(data, offsets, ctx, device):
    o = np.asarray(offsets)[:, None] + np.arange(ctx)[None, :]
    x = torch.from_numpy(data[o].astype(np.int64)).to(device)
    y = torch.from_numpy(data[o + 1].astype(np.int64)).to(device)
    return x, y


def train(arm, seed, args, data, device):
    weights, _ = weights_of(f"{args.inputs}/batch-{seed}.safetensors")
    order, meta = read_safetensors(f"{args.inputs}/order-{seed}.safetensors")
    ctx, split = int(meta["ctx"]), int(meta["split"])
    train_data, val_data = data[:split], data[split:]
    model = GPT(weights, args.heads, Gemm(arm), torch.float32, device)
    decay = [v for k, v in model.p.items() if v.dim() == 2]
    no_decay = [v for k, v in model.p.items() if v.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.99), eps=1e-8)
    warmup, min_lr = args.steps // 10, args.lr / 10
    vx, vy = batch(val_data, order["val.offsets"], ctx, device)
    rows = []

    def val_loss():
        with torch.no_grad():
            return float(model.loss(vx, vy))

    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, min_lr, warmup)
        x, y = batch(train_data, order["batch.offsets"][step], ctx, device)
        loss = model.loss(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = float(torch.nn.utils.clip_grad_norm_(list(model.p.values()), 1.0))
        opt.step()
        done = step + 1
        if done % args.log_every == 0 or done == args.steps:
            rows.append((arm, seed, done, float(loss), val_loss(), gn))
    return rows


def check_grads(path, data_path, heads):
    """float64 loss and gradients against tcsim's `--recipe exact --save-batch` file."""
    weights, t = weights_of(path)
    model = GPT(weights, heads, Gemm("float64"), torch.float64, "cpu")
    x, y = torch.from_numpy(t["batch.x"].copy()), torch.from_numpy(t["batch.y"].copy())
    loss = model.loss(x, y)
    loss.backward()
    worst = 0.0
    for k, v in model.p.items():
        want = torch.from_numpy(t["grad." + k].copy())
        worst = max(worst, float((v.grad - want).abs().max() / want.abs().max().clamp(min=1e-300)))
    print(f"loss torch {float(loss):.15f} tcsim {float(t['loss'][0]):.15f}; "
          f"largest gradient difference {worst:.3g} of the tensor's largest entry")
    return abs(float(loss) - float(t["loss"][0])) < 1e-12 and worst < 1e-9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="the text tcsim trained on")
    ap.add_argument("--inputs", help="folder with batch-SEED.safetensors and order-SEED.safetensors")
    ap.add_argument("--arms", default="fp32,bf16,fp8-fast,fp8-nofast,fp8-te")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--out", default="losses.csv")
    ap.add_argument("--check-grads", metavar="BATCHFILE")
    args = ap.parse_args()
    data = np.frombuffer(open(args.data, "rb").read(), dtype=np.uint8)
    if args.check_grads:
        sys.exit(0 if check_grads(args.check_grads, args.data, args.heads) else 1)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    with open(args.out, "w") as f:
        f.write("arm,seed,step,train_loss,val_loss,grad_norm\n")
        for seed in [int(s) for s in args.seeds.split(",")]:
            for arm in args.arms.split(","):
                t0 = time.time()
                try:
                    rows = train(arm, seed, args, data, args.device)
                except Exception as e:  # one failing arm must not lose the others
                    print(f"{arm} seed {seed}: FAILED: {e!r}", flush=True)
                    continue
                for r in rows:
                    f.write("%s,%d,%d,%.9g,%.9g,%.6g\n" % r)
                f.flush()
                print(f"{arm} seed {seed}: val loss {rows[-1][4]:.4f} ({time.time() - t0:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
