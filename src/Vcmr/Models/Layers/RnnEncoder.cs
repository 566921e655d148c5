using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.utils.rnn;

namespace Vcmr.Models.Layers;

/// <summary>TVR's RNNEncoder (utils/model_utils.py) with a one-layer LSTM, batch first: libtorch's fused LSTM over
/// a packed sequence, held as <c>rnn</c> so that state-dict names read <c>&lt;encoder&gt;.rnn.weight_ih_l0</c> (and
/// <c>*_reverse</c>) as the reference's do; torch's initialisation, U(-1/sqrt(H), 1/sqrt(H)).</summary>
/// <remarks>Packed as the reference packs it: each row's forward pass ends at its last real step, its backward pass
/// starts there, padded steps cost nothing and their outputs are zero.</remarks>
public sealed class RnnEncoder : nn.Module
{
    private readonly LSTM rnn;

    public RnnEncoder(int inputSize, int hiddenSize, bool bidirectional) : base(nameof(RnnEncoder))
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "must be >= 1");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "must be >= 1");
        (InputSize, OutputSize) = (inputSize, hiddenSize * (bidirectional ? 2 : 1));
        rnn = nn.LSTM(inputSize, hiddenSize, batchFirst: true, bidirectional: bidirectional);
        RegisterComponents();
    }

    public int InputSize { get; }

    /// <summary>Width of the outputs and of the last state: the hidden size per direction.</summary>
    public int OutputSize { get; }

    /// <summary>Outputs (N, L, OutputSize), zero at padded steps as pad_packed_sequence leaves them, and the last
    /// state (N, OutputSize): torch's h_n, [forward at each row's last real step; backward at step 0].</summary>
    /// <param name="x">(N, L, InputSize).</param>
    /// <param name="mask">(N, L) float 1/0, each row a prefix of ones (at least one).</param>
    public (Tensor Outputs, Tensor Last) forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var lengths = mask.sum(1).to(int64).cpu();
        using var packed = pack_padded_sequence(x, lengths, batch_first: true, enforce_sorted: false);
        var (packedOutputs, h, _) = rnn.call(packed);
        using var packedOut = packedOutputs;
        var (outputs, _) = pad_packed_sequence(packedOut, batch_first: true, total_length: x.shape[1]);
        var last = h.transpose(0, 1).reshape(x.shape[0], OutputSize); // h_n is (directions, N, H)
        return (outputs.MoveToOuterDisposeScope(), last.MoveToOuterDisposeScope());
    }
}
