using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class SynthPlanTests
{
    // 200 videos of planted events: enough to hit the edge cases (one-clip events, a last clip of a few hundredths of a second).
    private static readonly List<SynthVideo> Plan =
        SynthPlan.Create(new SynthOptions(TrainVideos: 150, ValVideos: 30, TestVideos: 20), new Random(7));

    [Fact]
    public void EventsTileTheClipsAndEachMomentLabelsExactlyItsEvent()
    {
        foreach (var v in Plan)
        {
            Assert.Equal((int)Math.Ceiling(v.Entry.Duration / ClipLabels.ClipLength), v.Clips);
            Assert.Equal(0, v.Events[0].Start);
            Assert.Equal(v.Clips - 1, v.Events[^1].End);
            for (int i = 1; i < v.Events.Count; i++) Assert.Equal(v.Events[i - 1].End + 1, v.Events[i].Start);
            Assert.InRange(v.Events.Select(e => e.Speaker).Distinct().Count(), 1, SynthPlan.CastSize); // a video's cast speaks
            foreach (var e in v.Events)
            {
                Assert.InRange(e.MomentStart, 0, e.MomentEnd);
                Assert.InRange(e.MomentEnd, e.MomentStart, v.Entry.Duration);
                Assert.Equal((e.Start, e.End), ClipLabels.FromSeconds(e.MomentStart, e.MomentEnd, v.Clips));
                Assert.NotEqual(e.Visual[0], e.Visual[1]);
            }
        }
    }

    [Fact]
    public void SubtitleLinesCoverExactlyTheSpeechClipsOfTheirEvent()
    {
        foreach (var v in Plan)
        {
            Assert.Equal(v.SpeechMask, TvrSubtitles.ClipMask(v.Subtitles, v.Clips));
            foreach (var line in v.Subtitles)
            {
                Assert.InRange(line.End, line.Start, v.Entry.Duration);
                var (first, end) = line.Clips;
                var e = v.Events.Single(e => e.Start <= first && first <= e.End);
                Assert.InRange(end - 1, first, e.End); // a sentence never crosses an event boundary
                Assert.StartsWith(SynthText.Speakers[e.Speaker] + " : ", line.Text);
                Assert.Contains(SynthText.Topics[e.Topic], line.Text);
            }
        }
    }

    [Fact]
    public void QueriesNameTheConceptsOfAnEventWithTheirMoment()
    {
        foreach (var v in Plan.Where(v => v.Split != "test_public"))
            foreach (var q in v.Queries)
            {
                var a = q.Annotation;
                var e = v.Events.Single(e => e.MomentStart == a.Start && e.MomentEnd == a.End);
                Assert.Equal(a.Desc.TrimEnd('.').Split(' ').Length, q.Tokens.Length);
                var named = q.Tokens.Where(t => t != SynthText.Filler).ToHashSet();
                var visual = e.Visual.ToHashSet();
                int[] dialogue = [SynthText.SpeakerId(e.Speaker), SynthText.TopicId(e.Topic)];
                // characters heard somewhere in the video: a v query may name one of them (a video-level cue only)
                var heard = v.Events.Where(x => v.SpeechMask.AsSpan(x.Start, x.End - x.Start + 1).Contains(1f))
                    .Select(x => SynthText.SpeakerId(x.Speaker)).ToHashSet();
                Assert.Equal(a.Type != QueryType.T, named.Overlaps(visual));
                Assert.Equal(a.Type != QueryType.V, named.IsSupersetOf(dialogue));
                Assert.Equal(a.Type != QueryType.V, named.Contains(SynthText.TopicId(e.Topic)));
                Assert.Subset(visual.Concat(dialogue).Concat(heard).ToHashSet(), named);
                Assert.True(named.Count(t => t >= SynthText.SpeakerId(0) && t < SynthText.TopicId(0)) <= 1, a.Desc);
                if (a.Type != QueryType.V) Assert.Contains(1f, v.SpeechMask.AsSpan(e.Start, e.End - e.Start + 1).ToArray());
            }
        Assert.All(Plan.Where(v => v.Split == "test_public").SelectMany(v => v.Queries), q => Assert.False(q.Annotation.HasGroundTruth));
    }
}
