using TorchSharp;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>TVR's RNNEncoder (utils/model_utils.py) with an LSTM: the module that holds it as <c>rnn</c>, so state-dict
/// names read <c>&lt;encoder&gt;.rnn.weight_ih_l0</c> as the reference's do.</summary>
public sealed class RnnEncoder : nn.Module
{
    private readonly Lstm rnn;

    public RnnEncoder(int inputSize, int hiddenSize, bool bidirectional) : base(nameof(RnnEncoder))
    {
        rnn = new Lstm(inputSize, hiddenSize, bidirectional);
        RegisterComponents();
    }

    public Lstm Rnn => rnn;
    public int OutputSize => rnn.OutputSize;

    /// <summary>See <see cref="Lstm.forward"/>: outputs (N, L, OutputSize) and last state (N, OutputSize).</summary>
    public (Tensor Outputs, Tensor Last) forward(Tensor x, Tensor mask) => rnn.forward(x, mask);
}
