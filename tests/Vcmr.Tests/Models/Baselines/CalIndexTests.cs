using Vcmr.Data;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Runtime;
using Vcmr.Tests.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

[Collection(SerialTorchCollection.Name)]
public class CalIndexTests
{
    private static readonly double[] Durations = [10.0, 25.5, 40.2];

    private static (ContextBatch Batch, Tensor[] Video, Tensor[] Sub) Corpus(CalConfig cfg)
    {
        var clips = Durations.Select(d => (int)Math.Ceiling(d / 1.5)).ToArray();
        var video = clips.Select(n => randn(n, cfg.VisualDim)).ToArray();
        var sub = clips.Select(n => randn(n, cfg.TextDim)).ToArray();
        int l = clips.Max();
        var mask = zeros(3, l);
        var v = zeros(3, l, cfg.VisualDim);
        var s = zeros(3, l, cfg.TextDim);
        for (int i = 0; i < 3; i++)
        {
            v[i].narrow(0, 0, clips[i]).copy_(video[i]);
            s[i].narrow(0, 0, clips[i]).copy_(sub[i]);
            mask[i].narrow(0, 0, clips[i]).fill_(1);
        }
        return (new ContextBatch(["a", "b", "c"], v, s, mask), video, sub);
    }

    [Theory]
    [InlineData(ProposalModelType.Cal)]
    [InlineData(ProposalModelType.Mcn)]
    public void RankingAllPairsIsTheBruteForceDistanceOrder(ProposalModelType type)
    {
        Seeding.Seed(11);
        var cfg = CalModelTests.Tiny with { ModelType = type, NormalizeVideo = true };
        using var model = new CalModel(cfg);
        model.eval();
        using var scope = NewDisposeScope();
        var (batch, video, sub) = Corpus(cfg);
        using var index = CalIndex.Build(model, [batch], name => Durations["abc".IndexOf(name[0])]);
        var query = model.EncodeQuery(new QueryBatch([0, 1], randn(2, 3, cfg.TextDim), ones(2, 3)));

        // brute force: every proposal's moment features as the training path builds them, through PairDistance
        var expected = new List<(int Video, Proposal P, float D)>[2] { [], [] };
        for (int v = 0; v < 3; v++)
            foreach (var p in index.Of(v).ToArray())
            {
                (double, double) tef = (p.Start / Durations[v], p.End / Durations[v]);
                var range = CalMoments.ProposalClips(p, (int)video[v].shape[0]);
                var mv = CalFeatures.Moment(video[v], range, CalFeatures.Context(video[v], true), tef, true, cfg.PoolLocal).unsqueeze(0);
                var ms = CalFeatures.Moment(sub[v], range, CalFeatures.Context(sub[v], true), tef, true, cfg.PoolLocal).unsqueeze(0);
                var moments = new MomentBatch(mv.expand(2, -1, -1), ms.expand(2, -1, -1), ones(2, mv.shape[1]));
                var d = model.PairDistance(query, moments).data<float>().ToArray();
                for (int q = 0; q < 2; q++) expected[q].Add((v, p, d[q]));
            }
        Assert.Equal(index.Proposals, expected[0].Count);
        var ranked = index.Rank(query, null, 10);
        for (int q = 0; q < 2; q++)
        {
            var best = expected[q].OrderBy(e => e.D).Take(10).ToList();
            Assert.Equal(10, ranked[q].Count);
            for (int j = 0; j < 10; j++)
            {
                Assert.Equal(best[j].D, ranked[q][j].Distance, 1e-5);
                Assert.Equal((best[j].Video, best[j].P), (ranked[q][j].Video, ranked[q][j].Proposal));
            }
        }
        // restricted to candidates: only their proposals, same distances, nearest first
        var restricted = index.Rank(query, [[2], [0, 1]], 1000);
        Assert.Equal(index.Of(2).Length, restricted[0].Count);
        Assert.All(restricted[0], r => Assert.Equal(2, r.Video));
        Assert.Equal(index.Of(0).Length + index.Of(1).Length, restricted[1].Count);
        Assert.Equal(restricted[1].OrderBy(r => r.Distance).Select(r => r.Distance), restricted[1].Select(r => r.Distance));
        var byPair = expected[1].ToDictionary(e => (e.Video, e.P), e => e.D);
        Assert.All(restricted[1], r => Assert.Equal(byPair[(r.Video, r.Proposal)], r.Distance, 1e-5));
    }
}
