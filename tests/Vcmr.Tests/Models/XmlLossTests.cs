using Vcmr.Data;
using Vcmr.Models.Xml;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models;

public class XmlLossTests
{
    private static readonly float[,] S = { { 0.9f, 0.5f, 0.2f }, { 0.1f, 0.3f, 0.7f }, { 0.4f, 0.6f, 0.8f } };

    private static TrainingBatch Labels() => new(
        new QueryBatch(new[] { 0, 1, 2 }, zeros(3, 1, 1), ones(3, 1)),
        new ContextBatch(new[] { "a", "b", "c" }, null, null, ones(3, 4)),
        tensor(new long[] { 0, 1, 2 }), tensor(new long[] { 1, 2, 3 }));

    [Fact]
    public void HardestNegativeHingeLossMatchesHandComputation()
    {
        using var scope = NewDisposeScope();
        var outputs = new XmlOutputs(zeros(3, 4), zeros(3, 4), tensor(S));
        var cfg = XmlConfig.Paper with { HardNegativeStartEpoch = 0, HardPoolSize = 1 };
        var parts = XmlLoss.Compute(cfg, outputs, Labels(), epoch: 0, new Random(1));
        // rows: hardest negatives 0.5, 0.7, 0.6 -> hinge 0, 0.5, 0; columns: 0.4, 0.6, 0.7 -> 0, 0.4, 0
        Assert.Equal(0.5 / 3, parts[XmlLoss.NegContext], 5);
        Assert.Equal(0.4 / 3, parts[XmlLoss.NegQuery], 5);
        Assert.Equal(2 * Math.Log(4), parts[XmlLoss.StartEnd], 5); // uniform logits over 4 clips
        Assert.Equal(0.01 * 2 * Math.Log(4) + 0.3, parts.Total.item<float>(), 5);
    }

    [Fact]
    public void LseLossMatchesHandComputation()
    {
        using var scope = NewDisposeScope();
        var outputs = new XmlOutputs(zeros(3, 4), zeros(3, 4), tensor(S));
        var cfg = XmlConfig.Paper with { HardNegativeStartEpoch = 0, HardPoolSize = 1, RankingLoss = RankingLoss.Lse };
        var parts = XmlLoss.Compute(cfg, outputs, Labels(), epoch: 0, new Random(1));
        double expected = (Math.Log(1 + Math.Exp(0.5 - 0.9)) + Math.Log(1 + Math.Exp(0.7 - 0.3)) + Math.Log(1 + Math.Exp(0.6 - 0.8))) / 3;
        Assert.Equal(expected, parts[XmlLoss.NegContext], 5);
    }

    [Fact]
    public void RandomNegativesNeverPickThePositiveAndCoverEveryOtherColumn()
    {
        using var scope = NewDisposeScope();
        var scores = rand(6, 6);
        var rng = new Random(7);
        var seen = new HashSet<(int, float)>();
        for (int k = 0; k < 300; k++)
        {
            var neg = XmlLoss.NegativeScores(scores, hard: false, pool: 20, rng).data<float>().ToArray();
            for (int i = 0; i < 6; i++)
            {
                Assert.NotEqual(scores[i, i].item<float>(), neg[i]);
                seen.Add((i, neg[i]));
            }
        }
        Assert.Equal(30, seen.Count);
    }

    [Fact]
    public void NegativeSamplingIsDeterministicGivenTheRng()
    {
        using var scope = NewDisposeScope();
        var scores = rand(8, 8);
        var a = XmlLoss.NegativeScores(scores, false, 20, new Random(3));
        var b = XmlLoss.NegativeScores(scores, false, 20, new Random(3));
        Assert.True(a.allclose(b, 0, 0));
    }
}
