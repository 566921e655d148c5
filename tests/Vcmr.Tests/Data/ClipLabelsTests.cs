using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class ClipLabelsTests
{
    [Theory]
    [InlineData(16.48, 33.87, 41, 10, 22)] // val desc_id 90200: floor(10.99)=10, ceil(22.58)-1=22
    [InlineData(0, 2.29, 10, 0, 1)]
    [InlineData(3.0, 4.5, 10, 2, 2)] // end exactly on a boundary: clip 3 starts at 4.5 and is not covered
    [InlineData(3.1, 3.2, 10, 2, 2)] // inside one clip
    [InlineData(0, 0, 10, 0, 0)] // degenerate: ed clamped up to st
    [InlineData(140, 170, 100, 93, 99)] // cut at max_ctx_l: ed clamped to L-1
    [InlineData(160, 170, 100, 99, 99)] // start beyond the cut: st clamped to L-1
    public void KnownAnswers(double st, double ed, int clips, int expectedSt, int expectedEd) =>
        Assert.Equal((expectedSt, expectedEd), ClipLabels.FromSeconds(st, ed, clips));

    [Fact]
    public void DecodedSpanCoversTheMomentWithinOneClip()
    {
        var rng = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            double st = rng.NextDouble() * 100, ed = st + 0.01 + rng.NextDouble() * 40;
            var (s, e) = ClipLabels.FromSeconds(st, ed, 200);
            var (ds, de) = ClipLabels.ToSeconds(s, e);
            Assert.InRange(st - ds, 0, 1.5);
            Assert.InRange(de - ed, 0, 1.5);
        }
    }
}
