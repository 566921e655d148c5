using TorchSharp;
using Vcmr.Models.Layers;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models;

public class RnnEncoderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StateDictNamesAreTheReferences(bool bidirectional)
    {
        using var encoder = new RnnEncoder(5, 4, bidirectional);
        var names = encoder.state_dict().Keys.Order().ToArray();
        var expected = new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }
            .SelectMany(n => bidirectional ? new[] { n, n + "_reverse" } : [n]).Select(n => "rnn." + n).Order();
        Assert.Equal(expected, names);
        Assert.Equal(bidirectional ? 8 : 4, encoder.OutputSize);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void FullLengthRowsMatchAnUnpackedLstm(bool bidirectional, bool inference)
    {
        Seeding.Seed(1);
        using var grad = inference ? no_grad() : enable_grad();
        using var encoder = new RnnEncoder(5, 4, bidirectional);
        using var torchLstm = nn.LSTM(5, 4, batchFirst: true, bidirectional: bidirectional);
        torchLstm.load_state_dict(encoder.state_dict().ToDictionary(kv => kv.Key["rnn.".Length..], kv => kv.Value));
        using var scope = NewDisposeScope();
        var x = randn(3, 6, 5);
        var (outputs, last) = encoder.forward(x, ones(3, 6));
        var (expected, h, _) = torchLstm.forward(x);
        Assert.True(outputs.allclose(expected, 1e-5, 1e-6));
        // h_n is (directions, N, H): [forward at the end; backward at the start]
        Assert.True(last.allclose(cat(Enumerable.Range(0, (int)h.shape[0]).Select(d => h[d]).ToArray(), 1), 1e-5, 1e-6));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void APaddedRowGivesWhatItGivesAlone(bool inference)
    {
        // a packed sequence's semantics: padding neither reaches the real steps of the backward pass nor moves the
        // forward pass's last state; padded outputs are zero; rows come back in their own order
        Seeding.Seed(2);
        using var grad = inference ? no_grad() : enable_grad();
        using var lstm = new RnnEncoder(3, 4, bidirectional: true);
        using var scope = NewDisposeScope();
        var x = randn(3, 7, 3);
        // rows of 7, 3 and 5 steps, not sorted by length
        var mask = tensor(new float[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0 }, [3, 7]);
        var (outputs, last) = lstm.forward(x * mask.unsqueeze(2), mask);
        var (alone, aloneLast) = lstm.forward(x[1..2, ..3], ones(1, 3));
        Assert.True(outputs[1, ..3].allclose(alone[0], 1e-6, 1e-6));
        Assert.True(last[1].allclose(aloneLast[0], 1e-6, 1e-6));
        Assert.Equal(0, outputs[1, 3..].abs().sum().item<float>());
        var (third, thirdLast) = lstm.forward(x[2..3, ..5], ones(1, 5));
        Assert.True(outputs[2, ..5].allclose(third[0], 1e-6, 1e-6));
        Assert.True(last[2].allclose(thirdLast[0], 1e-6, 1e-6));
    }

    [Fact]
    public void TheOutputKeepsTheInputsLengthWhenEveryRowIsShorter()
    {
        using var lstm = new RnnEncoder(3, 2, bidirectional: true);
        using var scope = NewDisposeScope();
        var mask = tensor(new float[] { 1, 1, 0, 0, 1, 0, 0, 0 }, [2, 4]);
        var (outputs, _) = lstm.forward(randn(2, 4, 3) * mask.unsqueeze(2), mask);
        Assert.Equal(new long[] { 2, 4, 4 }, outputs.shape);
        Assert.Equal(0, outputs[.., 2..].abs().sum().item<float>());
    }
}
