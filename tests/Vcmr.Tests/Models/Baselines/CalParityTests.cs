using System.Text.Json;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Baselines.Cal;
using Vcmr.Tests.Checkpoints;
using Vcmr.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models.Baselines;

/// <summary>The suite's CAL and MCN against the reference (TVRetrieval d99a9ea, baselines/clip_alignment_with_language)
/// on tests/fixtures/baselines-parity: training moments built from raw clips by the suite's moment code (the moments
/// the reference drew are recorded), their distances and loss; and the inference path (the reference's proposals,
/// per-proposal clip features and distances to every query) against the suite's decomposed proposal encoding.</summary>
[Collection(SerialTorchCollection.Name)]
public class CalParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Configs => new() { "cal-video-sub-tef", "mcn-video-sub-tef", "cal-video-lse" };

    private sealed class Case(CalModel model, SafetensorsContent data) : IDisposable
    {
        public CalModel Model { get; } = model;
        public SafetensorsContent Data { get; } = data;
        public Tensor this[string name] => Data.Tensors[name];
        public double[] Durations { get; } = JsonSerializer.Deserialize<double[]>(data.Metadata["durations"])!;
        public Tensor? Video(int v) => Model.Config.HasVideo ? this[$"video_feat/v{v}"] : null;
        public Tensor? Sub(int v) => Model.Config.HasSub ? this[$"sub_feat/v{v}"] : null;

        public void Dispose()
        {
            Model.Dispose();
            Data.Dispose();
        }
    }

    private static Case Load(string name)
    {
        var data = SafetensorsFile.Read(MeeParityTests.Fixture(name + ".safetensors"));
        using var ckpt = ReferenceCheckpoint.Read(MeeParityTests.Fixture(name + ".ckpt"));
        var type = name.StartsWith("mcn", StringComparison.Ordinal) ? ProposalModelType.Mcn : ProposalModelType.Cal;
        var config = CalReference.FromModelCfg(ckpt.ModelCfg, name, type) with
        {
            NormalizeVideo = data.Metadata["normalize_vfeat"] == "True",
            NormalizeSubtitle = data.Metadata["normalize_tfeat"] == "True",
        };
        var model = CalReference.Load(MeeParityTests.Fixture(name + ".ckpt"), type, config);
        model.eval();
        return new Case(model, data);
    }

    // The moments of each query, as the reference drew them: (positive, intra negative, inter negative).
    private static (MomentBatch Pos, MomentBatch Intra, MomentBatch Inter) Moments(Case c)
    {
        var cfg = c.Model.Config;
        var m = c["moments"];
        var videos = c["query_videos"].data<long>().ToArray();
        var rows = new List<Tensor>[3] { [], [], [] };
        var subRows = new List<Tensor>[3] { [], [], [] };
        for (int q = 0; q < videos.Length; q++)
        {
            int inter = (int)m[q, 6].item<float>();
            foreach (var (slot, v, st, ed) in new[] { (0, (int)videos[q], 0, 1), (1, (int)videos[q], 2, 3), (2, inter, 4, 5) })
            {
                double s = m[q, st].item<float>(), e = m[q, ed].item<float>(), dur = c.Durations[v];
                (double, double)? tef = cfg.UseTef ? (s / dur, e / dur) : null;
                foreach (var (clips, normalize, list) in new[] { (c.Video(v), cfg.NormalizeVideo, rows[slot]), (c.Sub(v), cfg.NormalizeSubtitle, subRows[slot]) })
                    if (clips is not null)
                        list.Add(CalFeatures.Moment(clips, CalMoments.TrainingClips(s, e, (int)clips.shape[0]), CalFeatures.Context(clips, normalize), tef, normalize, cfg.PoolLocal));
            }
        }
        MomentBatch Batch(int slot)
        {
            var video = rows[slot].Count > 0 ? CalFeatures.Pad(rows[slot]) : ((Tensor, Tensor)?)null;
            var sub = subRows[slot].Count > 0 ? CalFeatures.Pad(subRows[slot]) : ((Tensor, Tensor)?)null;
            return new MomentBatch(video?.Item1, sub?.Item1, (sub ?? video)!.Value.Item2);
        }
        return (Batch(0), Batch(1), Batch(2));
    }

    private static QueryBatch Queries(Case c) =>
        new(Enumerable.Range(0, (int)c["query_feat"].shape[0]).ToArray(), c["query_feat"].alias(), c["query_mask"].alias());

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainingDistancesAndLossMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        var (pos, intra, inter) = Moments(c);
        var query = c.Model.EncodeQuery(Queries(c));
        ParityAssert.Close(output, name, "query embeddings", query, c["query_embed"]);
        ParityAssert.Close(output, name, "positive distances", c.Model.PairDistance(query, pos), c["pos_dist"]);
        ParityAssert.Close(output, name, "intra-video negative distances", c.Model.PairDistance(query, intra), c["intra_dist"]);
        ParityAssert.Close(output, name, "inter-video negative distances", c.Model.PairDistance(query, inter), c["inter_dist"]);
        var (total, _, _) = c.Model.LossTerms(new CalTrainingBatch(Queries(c), pos, intra, inter));
        ParityAssert.Close(output, name, "loss", total, c["train_loss"]);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void ProposalDistancesMatchTheReference(string name)
    {
        using var c = Load(name);
        using var scope = NewDisposeScope();
        int videos = c.Durations.Length;
        var (inputs, proposals) = CalFeatures.ProposalInputs(c.Model.Config, Enumerable.Range(0, videos).Select(c.Video).ToList(),
            Enumerable.Range(0, videos).Select(c.Sub).ToList(), c.Durations);
        var (video, sub) = c.Model.EncodeProposals(inputs);
        var distances = CalModel.Distances(c.Model.EncodeQuery(Queries(c)), video, sub);
        int offset = 0;
        for (int v = 0; v < videos; v++)
        {
            // the reference sorts a video's proposals by length with an unstable sort: match them by (start, end)
            var reference = c[$"proposals/v{v}"];
            var order = Enumerable.Range(0, (int)reference.shape[0]).Select(i =>
                proposals[v].FindIndex(p => p.Start == reference[i, 0].item<float>() && p.End == reference[i, 1].item<float>())).ToArray();
            Assert.Equal(proposals[v].Count, order.Length);
            Assert.DoesNotContain(-1, order);
            var mine = distances.narrow(1, offset, proposals[v].Count).index_select(1, tensor(order.Select(i => (long)i).ToArray()));
            ParityAssert.Close(output, name, $"distances to the proposals of video {v} (Nq, P)", mine, c[$"distances/v{v}"]);
            offset += proposals[v].Count;
        }
    }
}
