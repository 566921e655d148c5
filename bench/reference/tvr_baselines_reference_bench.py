"""Times the reference TVR models (jayleicn/TVRetrieval d99a9ea: baselines/mixture_embedding_experts,
clip_alignment_with_language, excl and crossmodal_moment_localization, XML) the way the suite's
`baselines-steps` and `xml-train` benchmarks (bench/Vcmr.Benchmarks) time their own.

Usage: python3 tvr_baselines_reference_bench.py TVR_CHECKOUT train|inference mee|cal|excl|xml [COUNT] [--threads N]

A checkout is the repository's tree at d99a9ea, e.g.
  git --git-dir=<TVRetrieval clone>/.git archive d99a9ea | tar -x -C /tmp/tvr-ref

Shapes are the reference's defaults for its TVR runs (`scripts/train.sh tvr video_sub resnet_i3d`), inputs random:
train      COUNT (default 3) steps after one warm-up, batch 128 (bsz), queries of 30 tokens x 768.
           mee:  MEE video_sub (vid_input_size 3072, text 768, output 256, margin 0.2), the clip features as its
                 loader gives them (mean-pooled per video); Adam lr 1e-4.
           cal:  CALWithSub video_sub_tef (clip inputs [clip; video context; tef]: 6146 and 1538 wide, hidden, output
                 and LSTM 256, margin 0.1, inter_loss_weight 0.4 as the suite's default), positive, intra- and
                 inter-video negative moments of 16 clips (max_pred_l); SGD lr 0.05, momentum 0.95.
           excl: EXCL video_sub (hidden 128, drop 0.1), videos of 100 clips (max_ctx_l), 3072 + 768 wide; Adam lr 1e-3.
           xml:  XML video_sub as train.py builds it (hidden 256, 4 heads, cross-attention, modular queries, conv
                 span predictor, hinge ranking loss), videos of 100 clips, 3072 + 768 wide; BertAdam lr 1e-4 with
                 weight decay 0.01 off biases and LayerNorms, warm-up 0.01 of 1,000 steps (the suite's xml-train).
inference  mee:  COUNT (default 1000) queries against 2,179 videos (TVR val): every video's embedding in blocks of
                 200 (eval_ctx_bsz), the queries in one block (eval_query_bsz 1000), the score matrix and its top 100.
           excl: COUNT (default 5) queries, each over 100 candidate videos of 100 clips, as inference_with_vcmr.py's
                 loop runs them: the model on the 100 (query, video) pairs, then the start and end softmax.
Prints one JSON line with the seconds. Needs Debian's python3-torch and python3-easydict; imports the reference
model code from the checkout.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from easydict import EasyDict

BSZ, LQ, L, DV, DT = 128, 30, 100, 3072, 768
VIDEOS, TOP = 2179, 100


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout")
    parser.add_argument("mode", choices=["train", "inference"])
    parser.add_argument("model", choices=["mee", "cal", "excl", "xml"])
    parser.add_argument("count", type=int, nargs="?")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, args.checkout)
    torch.set_num_threads(args.threads)
    torch.manual_seed(2018)
    model, step_inputs = build(args.model)
    if args.mode == "train":
        result = train(model, step_inputs, args.model, args.count or 3)
    elif args.model == "mee":
        result = infer_mee(model, args.count or 1000)
    elif args.model == "excl":
        result = infer_excl(model, args.count or 5)
    else:
        raise SystemExit("inference cal: not scripted (see bench/README.md)")
    result.update(model=args.model, threads=args.threads, torch=torch.__version__)
    print(json.dumps(result))


def query(n):
    return torch.randn(n, LQ, DT), torch.ones(n, LQ)


def build(name):
    """The model at its TVR configuration, its optimizer, and a function giving one random training batch."""
    if name == "mee":
        from baselines.mixture_embedding_experts import model_components
        from baselines.mixture_embedding_experts.model import MEE
        # NetVLAD ends with view() on a transposed difference: PyTorch >= 1.5 keeps that layout and view() refuses it
        # (the reference asks for 1.4). Contiguous normalize() results restore the old layout, values unchanged, as
        # tests/fixtures/baselines-parity/make_fixture.py does.
        normalize = torch.nn.functional.normalize
        model_components.F.normalize = lambda *a, **k: normalize(*a, **k).contiguous()
        model = MEE(EasyDict(ctx_mode="video_sub", text_input_size=DT, vid_input_size=DV, output_size=256, margin=0.2))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

        def batch():
            q, m = query(BSZ)
            return dict(query_feat=q, query_mask=m, video_feat=torch.randn(BSZ, DV), sub_feat=torch.randn(BSZ, DT))
    elif name == "cal":
        from baselines.clip_alignment_with_language.model import CALWithSub
        dv, ds, m_clips = 2 * DV + 2, 2 * DT + 2, 16
        model = CALWithSub(EasyDict(visual_input_size=dv, textual_input_size=ds, query_feat_size=DT, visual_hidden_size=256,
                                    output_size=256, embedding_size=DT, lstm_hidden_size=256, margin=0.1, loss_type="hinge",
                                    inter_loss_weight=0.4, ctx_mode="video_sub_tef"))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.95)

        def batch():
            q, m = query(BSZ)
            inputs = dict(query_feat=q, query_mask=m)
            for kind in ["pos", "intra_neg", "inter_neg"]:
                for stream, d in [("video", dv), ("sub", ds)]:
                    inputs[f"{kind}_moment_{stream}_feat"] = torch.randn(BSZ, m_clips, d)
                    inputs[f"{kind}_moment_{stream}_mask"] = torch.ones(BSZ, m_clips)
            return inputs
    elif name == "xml":
        from baselines.crossmodal_moment_localization.model_xml import XML
        from baselines.crossmodal_moment_localization.optimization import BertAdam
        model = XML(EasyDict(
            merge_two_stream=True, cross_att=True, span_predictor_type="conv", encoder_type="transformer", add_pe_rnn=False,
            pe_type="cosine", visual_input_size=DV, sub_input_size=DT, query_input_size=DT, hidden_size=256,
            stack_conv_predictor_conv_kernel_sizes=-1, conv_kernel_size=5, conv_stride=1, max_ctx_l=L, max_desc_l=LQ,
            input_drop=0.1, cross_att_drop=0.1, drop=0.1, n_heads=4, initializer_range=0.02, ctx_mode="video_sub",
            margin=0.1, ranking_loss_type="hinge", lw_neg_q=1, lw_neg_ctx=1, lw_st_ed=0.01, use_hard_negative=False,
            hard_pool_size=20, use_self_attention=True, no_modular=False))
        no_decay = ["bias", "LayerNorm.bias", "LayerNorm.weight"]
        named = list(model.named_parameters())
        optimizer = BertAdam([{"params": [p for n, p in named if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
                              {"params": [p for n, p in named if any(nd in n for nd in no_decay)], "weight_decay": 0.0}],
                             lr=1e-4, weight_decay=0.01, warmup=0.01, t_total=1000, schedule="warmup_linear")

        def batch():
            q, m = query(BSZ)
            return dict(query_feat=q, query_mask=m, video_feat=torch.randn(BSZ, L, DV), video_mask=torch.ones(BSZ, L),
                        sub_feat=torch.randn(BSZ, L, DT), sub_mask=torch.ones(BSZ, L), tef_feat=None, tef_mask=None,
                        st_ed_indices=torch.stack([torch.randint(0, 50, (BSZ,)), torch.randint(50, 100, (BSZ,))], 1))
    else:
        from baselines.excl.model import EXCL
        model = EXCL(EasyDict(visual_input_size=DV, query_input_size=DT, sub_input_size=DT, hidden_size=128, drop=0.1,
                              ctx_mode="video_sub", initializer_range=0.02))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def batch():
            q, m = query(BSZ)
            return dict(query_feat=q, query_mask=m, video_feat=torch.randn(BSZ, L, DV), video_mask=torch.ones(BSZ, L),
                        sub_feat=torch.randn(BSZ, L, DT), sub_mask=torch.ones(BSZ, L), tef_feat=None, tef_mask=None,
                        st_ed_indices=torch.stack([torch.randint(0, 50, (BSZ,)), torch.randint(50, 100, (BSZ,))], 1))
    return model, (optimizer, batch)


def train(model, step_inputs, name, steps):
    optimizer, batch = step_inputs
    model.train()
    times = []
    for step in range(steps + 1):
        inputs = batch()
        start = time.perf_counter()
        out = model(**inputs)
        loss = out[0] if isinstance(out, tuple) else out
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step > 0:
            times.append(time.perf_counter() - start)
    sec = float(np.mean(times))
    return dict(mode="train", steps=steps, seconds_per_step=sec, queries_per_s=BSZ / sec)


def infer_mee(model, queries):
    model.eval()
    video, sub = torch.randn(VIDEOS, DV), torch.randn(VIDEOS, DT)
    q, _ = query(queries)
    with torch.no_grad():
        start = time.perf_counter()
        encoded = [model.encode_context(video[i:i + 200], sub[i:i + 200]) for i in range(0, VIDEOS, 200)]
        encoded_video = torch.cat([e[0] for e in encoded])
        encoded_sub = torch.cat([e[1] for e in encoded])
        scores = model.get_score_from_pooled_query_with_encoded_ctx(model.query_pooling(q), encoded_video, encoded_sub)
        top_scores, top_videos = torch.topk(scores, TOP, dim=1)
        top_scores.numpy(), top_videos.numpy()
        sec = time.perf_counter() - start
    return dict(mode="inference", queries=queries, videos=VIDEOS, seconds=sec)


def infer_excl(model, queries):
    model.eval()
    times = []
    with torch.no_grad():
        for i in range(queries + 1):
            q, _ = query(1)
            inputs = dict(query_feat=q.repeat(TOP, 1, 1), query_mask=torch.ones(TOP, LQ),
                          video_feat=torch.randn(TOP, L, DV), video_mask=torch.ones(TOP, L),
                          sub_feat=torch.randn(TOP, L, DT), sub_mask=torch.ones(TOP, L), tef_feat=None, tef_mask=None,
                          st_ed_indices=torch.zeros(TOP, 2).long())
            start = time.perf_counter()
            _, _, st, ed = model(**inputs)
            torch.softmax(st, 1).numpy(), torch.softmax(ed, 1).numpy()
            if i > 0:
                times.append(time.perf_counter() - start)
    per_query = float(np.mean(times))
    return dict(mode="inference", queries=queries, candidates=TOP, seconds_per_query=per_query)


if __name__ == "__main__":
    main()
