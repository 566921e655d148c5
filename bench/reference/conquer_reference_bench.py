"""Times the reference CONQUER (houzhijian/CONQUER d4af371) the way bench/Vcmr.Benchmarks times the suite's.

Usage: python3 conquer_reference_bench.py CONQUER_CHECKOUT train|inference [STEPS_OR_QUERIES] [--threads N] [--similarity S]

train:     STEPS (default 3) training steps after one warm-up, at the paper shape: 16 queries x 4 videos
           (neg_video_num 3), 100 clips, 30 tokens, visual 4352, hidden 768; train.py's build_optimizer (AdamW).
inference: QUERIES (default 40) queries through inference.py's compute_query2ctx_info loop body: eval_query_bsz 5
           queries x (ground-truth video + top 10) videos, the model, per-video softmax, the r * P_st * P_ed product
           under the span mask, the sort and the top 200 per query (general similarity with first-stage scores), and
           the SVMR probabilities of the ground-truth video.
Inputs are random (features L2-normalised per clip as the loader does). Prints one JSON line with the seconds.
Needs Debian's python3-torch (1.13) and python3-easydict; imports the reference code from the checkout.
"""
import argparse
import json
import sys
import time
import types

import numpy as np
import torch
from easydict import EasyDict


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout")
    parser.add_argument("mode", choices=["train", "inference"])
    parser.add_argument("count", type=int, nargs="?")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--similarity", default="general", choices=["general", "exclusive", "disjoint"])
    args = parser.parse_args()
    sys.path.insert(0, args.checkout)
    sys.modules.setdefault("torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=None))
    sys.modules.setdefault("tqdm", types.SimpleNamespace(tqdm=None, trange=None))
    from model.conquer import CONQUER
    from train import build_optimizer
    from inference import generate_min_max_length_mask

    torch.set_num_threads(args.threads)
    torch.manual_seed(2018)
    with open(f"{args.checkout}/config/model_config.json") as f:
        cfg = EasyDict(json.load(f))
    model = CONQUER(cfg, similarity_measure=args.similarity)
    L, LQ = 100, 30

    def part(n, dim, token_id, normalize=False):
        feat = torch.randn(n, L, dim)
        if normalize:
            feat = feat / (feat.norm(dim=-1, keepdim=True) + 1e-5)
        return dict(feat=feat, feat_mask=torch.ones(n, L), feat_pos_id=torch.arange(L).repeat(n, 1),
                    feat_token_id=torch.full((n, L), token_id, dtype=torch.long))

    def batch(nq, per_query):
        return dict(query=dict(feat=torch.randn(nq, LQ, 768), feat_mask=torch.ones(nq, LQ),
                               feat_pos_id=torch.arange(LQ).repeat(nq, 1), feat_token_id=torch.ones(nq, LQ, dtype=torch.long)),
                    visual=part(nq * per_query, 4352, 0, normalize=True), sub=part(nq * per_query, 768, 1),
                    st_ed_indices=torch.stack([torch.randint(0, 50, (nq,)), torch.randint(50, 100, (nq,))], 1))

    times = []
    if args.mode == "train":
        steps = args.count or 3
        model.train()
        optimizer = build_optimizer(model, EasyDict(wd=0.01, lr=1e-4, lr_mul=1))
        for step in range(steps + 1):
            b = batch(16, 4)
            start = time.perf_counter()
            loss, _ = model(b)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step > 0:
                times.append(time.perf_counter() - start)
        result = dict(mode="train", steps=steps, seconds_per_step=float(np.mean(times)), queries_per_s=16 / float(np.mean(times)))
    else:
        queries = args.count or 40
        model.eval()
        bsz, top_k = 5, 10
        mask = torch.from_numpy(generate_min_max_length_mask((1, top_k, L, L), min_l=0, max_l=24))
        with torch.no_grad():
            for i in range(queries // bsz + 1):
                b = batch(bsz, 1 + top_k)
                vr_scores = torch.rand(bsz, top_k)
                start = time.perf_counter()
                _, begin, end = model.get_pred_from_raw_query(b)
                svmr_st, svmr_ed = torch.softmax(begin[:, 0], -1).numpy(), torch.softmax(end[:, 0], -1).numpy()
                st, ed = torch.softmax(begin[:, 1:], -1), torch.softmax(end[:, 1:], -1)
                scores = torch.einsum("qvm,qv,qvn->qvmn", st, vr_scores, ed) * mask
                flat_sorted, flat_indices = torch.sort(scores.reshape(bsz, -1), dim=1, descending=True)
                flat_sorted[:, :200].numpy(), flat_indices[:, :200].numpy()
                if i > 0:
                    times.append(time.perf_counter() - start)
        per_query = float(np.sum(times)) / (len(times) * bsz)
        result = dict(mode="inference", queries=len(times) * bsz, seconds_per_query=per_query, queries_per_s=1 / per_query)
    result.update(threads=args.threads, similarity=args.similarity, torch=torch.__version__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
