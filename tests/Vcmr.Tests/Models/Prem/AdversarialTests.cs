using Vcmr.Models.Prem;
using Vcmr.Runtime;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Prem;

/// <summary>The relevant-content adversarial training: which segments it learns from and its loss.</summary>
public class AdversarialTests
{
    [Fact]
    public void PositivesAreEverySegmentAboveTheIouThreshold()
    {
        // moment [2, 4]: [2, 5] and [1, 4] have IoU 3/4, [3, 4] 2/3, [1, 5] 3/5, [2, 3] 2/3
        Assert.Equal(new[] { (1, 4), (2, 4), (2, 5) }, AdversarialSegments.Positives(2, 4, 8, 0.7));
        // clipped at the video's end: [2, 5] does not exist in a 5-clip video
        Assert.Equal(new[] { (1, 4), (2, 4) }, AdversarialSegments.Positives(2, 4, 5, 0.7));
        // against brute force over every span, for several moments and thresholds
        foreach (var (st, ed, thr) in new[] { (0, 0, 0.7), (3, 9, 0.7), (5, 30, 0.5), (0, 19, 0.3), (10, 12, 0.0) })
        {
            var all = from i in Enumerable.Range(0, 40) from j in Enumerable.Range(i, 40 - i)
                      where AdversarialSegments.Iou(i, j, st, ed) > thr select (i, j);
            Assert.Equal(all, AdversarialSegments.Positives(st, ed, 40, thr));
        }
    }

    [Fact]
    public void NegativesAreTheTopSpansOfEachVideoUnderTheWindow()
    {
        using var scope = NewDisposeScope();
        // P_st = [.1, .6, .2, .1], P_ed = [.1, .1, .7, .1]; spans 0 <= j - i < 2: (1, 2) .42, (2, 2) .14, (1, 1) .06, ...
        var st = log(tensor(new[] { .1f, .6f, .2f, .1f })).view(1, 4);
        var ed = log(tensor(new[] { .1f, .1f, .7f, .1f })).view(1, 4);
        var (s, e, valid) = AdversarialSegments.TopSpans(st, ed, 0, 2, 3);
        Assert.Equal(new long[] { 1, 2, 1 }, s.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 2, 1 }, e.data<long>().ToArray());
        Assert.True(valid.all().item<bool>());
        // a 2-clip video (2 padded clips) with a window of 1 <= j - i < 3 has one real span: the other slots are not real
        var padded = Vcmr.Models.Layers.Masking.MaskLogits(zeros(1, 4), tensor(new float[] { 1, 1, 0, 0 }).view(1, 4));
        var (s2, e2, v2) = AdversarialSegments.TopSpans(padded, padded, 1, 3, 3);
        Assert.Equal(new[] { true, false, false }, v2.data<bool>().ToArray());
        Assert.Equal((0L, 1L), (s2[0, 0].item<long>(), e2[0, 0].item<long>()));
    }

    [Fact]
    public void ABatchsSegmentsArePositivesOfTheGroundTruthAndTopMomentsOfEachNegative()
    {
        using var scope = NewDisposeScope();
        // one query, ground truth + 2 negatives of 6 clips; the moment is [1, 2]
        var cfg = PremLocalizerConfig.Paper with { MinSpan = 0, MaxSpan = 2, AdversarialNegativesPerVideo = 2 };
        var st = full(1, 3, 6, -5f);
        var ed = full(1, 3, 6, -5f);
        st[0, 1, 3] = tensor(5f); ed[0, 1, 4] = tensor(5f); // negative 1 predicts (3, 4)
        st[0, 2, 0] = tensor(5f); ed[0, 2, 0] = tensor(5f); // negative 2 predicts (0, 0)
        var mask = ones(1, 3, 6);
        using var seg = AdversarialSegments.Sample(cfg, st, ed, mask, tensor(new long[] { 1 }), tensor(new long[] { 2 }), new Random(0));
        var rows = seg.Rows.data<long>().ToArray();
        var spans = seg.Start.data<long>().Zip(seg.End.data<long>().ToArray()).ToArray();
        var labels = seg.Labels.data<float>().ToArray();
        // positives of [1, 2] at 0.7: only [1, 2] itself ([0, 2], [1, 3] have IoU 2/3), on row 0
        Assert.Equal((0L, (1L, 2L), 1f), (rows[0], spans[0], labels[0]));
        Assert.Equal(1, labels.Count(l => l == 1));
        // negatives: rows 1 and 2 (query 0's videos 1 and 2), the best span first
        Assert.Equal(new long[] { 1, 1, 2, 2 }, rows[1..]);
        Assert.Equal((3L, 4L), spans[1]);
        Assert.Equal((0L, 0L), spans[3]);
        Assert.All(labels[1..], l => Assert.Equal(0f, l));
    }

    [Fact]
    public void ThePositiveCapDrawsUniformlyAndIsSeeded()
    {
        using var scope = NewDisposeScope();
        var cfg = PremLocalizerConfig.Paper with { AdversarialPositives = 3 };
        Segments Draw(int seed) => AdversarialSegments.Sample(cfg, zeros(1, 1, 40), zeros(1, 1, 40), ones(1, 1, 40),
            tensor(new long[] { 5 }), tensor(new long[] { 24 }), new Random(seed));
        using var a = Draw(1);
        using var b = Draw(1);
        Assert.Equal(3, a.Count);
        Assert.Equal(a.Start.data<long>().ToArray(), b.Start.data<long>().ToArray());
        var all = AdversarialSegments.Positives(5, 24, 40, 0.7);
        Assert.All(a.Start.data<long>().Zip(a.End.data<long>().ToArray()), s => Assert.Contains(((int)s.First, (int)s.Second), all));
    }

    [Fact]
    public void TheAdversarialLossIsTheMeanBinaryCrossEntropyWeightedByPointEight()
    {
        Seeding.Seed(5);
        using var model = new PremLocalizer(PremTestData.Localizer);
        model.eval(); // no dropout: the parts are recomputed below
        using var scope = NewDisposeScope();
        using var batch = PremTestData.CandidateBatch(2, 3);
        var step = new TrainingStep(0, 0, new Random(9));
        var parts = model.Loss(batch, step);
        // recompute: the same forward, the same segments (same random stream), BCE by hand
        var (st, ed, fused) = model.Forward(batch);
        using var seg = AdversarialSegments.Sample(model.Config, st, ed, batch.Videos.Mask.view(st.shape), batch.StartLabels, batch.EndLabels, new Random(9));
        var z = model.AdversarialLogits(fused, seg).data<float>().ToArray();
        var y = seg.Labels.data<float>().ToArray();
        double bce = z.Zip(y, (zi, yi) => yi == 1 ? Math.Log(1 + Math.Exp(-zi)) : Math.Log(1 + Math.Exp(zi))).Average();
        Assert.Equal(bce, parts[PremLocalizer.AdversarialPart], 4);
        double boundary = PremLocalizer.BoundaryLoss(st, ed, batch.StartLabels, batch.EndLabels, shared: true).item<float>();
        Assert.Equal(boundary, parts[PremLocalizer.Boundary], 4);
        Assert.Equal(0.8, parts.Parts.Single(p => p.Name == PremLocalizer.AdversarialPart).Weight);
        Assert.Equal(boundary + 0.8 * bce, parts.Total.item<float>(), 3);
    }
}
