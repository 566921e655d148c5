using Vcmr.Evaluation;

namespace Vcmr.Tests.Evaluation;

public class PythonFormatTests
{
    // Expected values from CPython 3: round(x, 2) and repr.
    [Theory]
    [InlineData(2.675, 2.67)]          // binary value is just below the tie
    [InlineData(12.125, 12.12)]        // exact tie, to even
    [InlineData(12.375, 12.38)]        // exact tie, to even
    [InlineData(33.33333333333333, 33.33)]
    [InlineData(66.66666666666666, 66.67)]
    [InlineData(0.005, 0.01)]          // binary value is just above the tie
    [InlineData(100.0, 100.0)]
    [InlineData(-12.125, -12.12)]
    public void Round2MatchesCPython(double x, double expected) => Assert.Equal(expected, PythonFormat.Round2(x));

    [Theory]
    [InlineData(100.0, "100.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(74.32, "74.32")]
    [InlineData(double.NaN, "NaN")]
    public void ReprMatchesPython(double x, string expected) => Assert.Equal(expected, PythonFormat.Repr(x));
}
