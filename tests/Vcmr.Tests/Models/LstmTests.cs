using TorchSharp;
using Vcmr.Models.Layers;
using Vcmr.Runtime;
using static TorchSharp.torch;

namespace Vcmr.Tests.Models;

public class LstmTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void FullLengthRowsMatchTorchsLstm(bool bidirectional, bool inference)
    {
        Seeding.Seed(1);
        using var grad = inference ? no_grad() : enable_grad();
        using var mine = new Lstm(5, 4, bidirectional);
        using var torchLstm = nn.LSTM(5, 4, batchFirst: true, bidirectional: bidirectional);
        torchLstm.load_state_dict(mine.state_dict()); // same names and shapes as torch.nn.LSTM
        using var scope = NewDisposeScope();
        var x = randn(3, 6, 5);
        var (outputs, last) = mine.forward(x, ones(3, 6));
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
        // forward pass's last state; padded outputs are zero (autograd path: masked steps; inference: packed steps)
        Seeding.Seed(2);
        using var grad = inference ? no_grad() : enable_grad();
        using var lstm = new Lstm(3, 4, bidirectional: true);
        using var scope = NewDisposeScope();
        var x = randn(3, 7, 3);
        // rows of 7, 3 and 5 steps: the inference path sorts them by length and puts them back
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
    public void ProjectionsOfAnInputsPartsSumToItsProjection()
    {
        Seeding.Seed(3);
        using var lstm = new Lstm(6, 2, bidirectional: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 6);
        var whole = lstm.Project(x, reverse: true);
        var parts = lstm.Project(x[.., .., ..4], true, 0, bias: true) + lstm.Project(x[.., .., 4..], true, 4, bias: false);
        Assert.True(whole.allclose(parts, 1e-6, 1e-6));
        Assert.Throws<ArgumentException>(() => lstm.Project(x, true, 1, bias: false));
    }
}
