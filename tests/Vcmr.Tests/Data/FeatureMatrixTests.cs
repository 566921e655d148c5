using Vcmr.Data;

namespace Vcmr.Tests.Data;

public class FeatureMatrixTests
{
    [Fact]
    public void NormalisationIsXOverNormPlusEpsilonAndKeepsZeroRows()
    {
        var m = new FeatureMatrix([3, 4, 0, 0], 2, 2).L2NormalizeRows();
        Assert.Equal(3 / (5 + 1e-5), m.Data[0], 6);
        Assert.Equal(4 / (5 + 1e-5), m.Data[1], 6);
        Assert.Equal([0f, 0f], m.Data[2..]);
    }

    [Fact]
    public void TruncateKeepsFirstRows()
    {
        var m = new FeatureMatrix([1, 2, 3, 4, 5, 6], 3, 2);
        Assert.Equal(new FeatureMatrix([1, 2, 3, 4], 2, 2).Data, m.Truncate(2).Data);
        Assert.Same(m, m.Truncate(5));
    }

    [Fact]
    public void TefAppendsNormalisedClipSpan()
    {
        var m = new FeatureMatrix([7, 8], 2, 1).AppendTef();
        Assert.Equal(3, m.Cols);
        Assert.Equal([7f, 0f, 0.5f, 8f, 0.5f, 1f], m.Data);
    }
}
