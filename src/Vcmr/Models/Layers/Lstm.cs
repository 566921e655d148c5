using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>
/// One-layer LSTM (uni- or bidirectional, batch first) over zero-padded batches with a 1/0 prefix mask per row: the
/// same result as torch.nn.LSTM on a packed sequence (TVR's RNNEncoder, utils/model_utils.py), so each row's forward
/// pass ends at its last real step and its backward pass starts there. Parameter names and shapes are
/// torch.nn.LSTM's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, and *_reverse), gates in torch's order
/// (input, forget, cell, output), initialised as torch does: U(-1/sqrt(H), 1/sqrt(H)).
/// </summary>
/// <remarks>The input projection is its own step (<see cref="Project(Tensor, bool, long, bool)"/>) so that a caller whose input is a
/// concatenation of parts (ExCL's [clip encoding; query]) can project each part once where it is shared and add them,
/// and only the recurrence runs per (query, video) pair.</remarks>
public sealed class Lstm : nn.Module
{
    private readonly Parameter weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0;
    private readonly Parameter? weight_ih_l0_reverse, weight_hh_l0_reverse, bias_ih_l0_reverse, bias_hh_l0_reverse;

    public int InputSize { get; }
    public int HiddenSize { get; }
    public bool Bidirectional { get; }
    /// <summary>Width of the outputs and of the last state: HiddenSize per direction.</summary>
    public int OutputSize => HiddenSize * (Bidirectional ? 2 : 1);

    public Lstm(int inputSize, int hiddenSize, bool bidirectional) : base(nameof(Lstm))
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "must be >= 1");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "must be >= 1");
        (InputSize, HiddenSize, Bidirectional) = (inputSize, hiddenSize, bidirectional);
        double bound = 1 / Math.Sqrt(hiddenSize);
        Parameter P(params long[] shape) => new(empty(shape).uniform_(-bound, bound));
        (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) = (P(4 * hiddenSize, inputSize), P(4 * hiddenSize, hiddenSize), P(4 * hiddenSize), P(4 * hiddenSize));
        if (bidirectional)
            (weight_ih_l0_reverse, weight_hh_l0_reverse, bias_ih_l0_reverse, bias_hh_l0_reverse) =
                (P(4 * hiddenSize, inputSize), P(4 * hiddenSize, hiddenSize), P(4 * hiddenSize), P(4 * hiddenSize));
        RegisterComponents();
    }

    /// <summary>Outputs (N, L, OutputSize), zero at padded steps as pad_packed_sequence leaves them, and the last
    /// state (N, OutputSize): [forward h at each row's last real step; backward h at step 0], torch's h_n.</summary>
    /// <param name="x">(N, L, InputSize).</param>
    /// <param name="mask">(N, L) float 1/0, each row a prefix of ones (at least one).</param>
    public (Tensor Outputs, Tensor Last) forward(Tensor x, Tensor mask) =>
        Recur(Project(x, reverse: false), Bidirectional ? Project(x, reverse: true) : null, mask);

    /// <summary>x W_ih^T + b_ih + b_hh of one direction, (..., 4H): the part of each step that reads the input.</summary>
    public Tensor Project(Tensor x, bool reverse) => Project(x, reverse, 0, bias: true);

    /// <summary>The projection of the input columns [<paramref name="column"/>, column + x's width) alone, with the
    /// biases when <paramref name="bias"/>: the projections of an input's parts sum to the input's projection.</summary>
    public Tensor Project(Tensor x, bool reverse, long column, bool bias)
    {
        var (wih, bih, bhh) = reverse
            ? (weight_ih_l0_reverse ?? throw new InvalidOperationException("this LSTM is unidirectional"), bias_ih_l0_reverse!, bias_hh_l0_reverse!)
            : (weight_ih_l0, bias_ih_l0, bias_hh_l0);
        long width = x.shape[^1];
        if (column < 0 || column + width > InputSize)
            throw new ArgumentException($"input columns [{column}, {column + width}) are outside the LSTM's {InputSize} inputs");
        using var w = wih.narrow(1, column, width);
        if (!bias) return nn.functional.linear(x, w);
        using var b = bih + bhh;
        return nn.functional.linear(x, w, b);
    }

    /// <summary>The recurrence on projected inputs (<see cref="Project(Tensor, bool, long, bool)"/>, or a sum of
    /// projections of the input's parts): see <see cref="forward"/>.</summary>
    /// <param name="forwardInput">(N, L, 4H) projected input of the forward direction.</param>
    /// <param name="reverseInput">(N, L, 4H) of the backward direction; null for a unidirectional LSTM.</param>
    /// <remarks>As a packed sequence runs: the rows are sorted by length, so that the rows still running at any step
    /// are a prefix, and each step computes only those; no work is spent on padding.</remarks>
    public (Tensor Outputs, Tensor Last) Recur(Tensor forwardInput, Tensor? reverseInput, Tensor mask)
    {
        if ((reverseInput is not null) != Bidirectional)
            throw new ArgumentException($"a {(Bidirectional ? "bidirectional" : "unidirectional")} LSTM needs {(Bidirectional ? "both directions'" : "one direction's")} projected inputs");
        using var scope = NewDisposeScope();
        var lengths = mask.sum(1).to(int64).cpu().data<long>().ToArray();
        var order = Enumerable.Range(0, lengths.Length).OrderByDescending(i => lengths[i]).ToArray(); // stable
        var sorted = order.Select(i => lengths[i]).ToArray();
        var perm = tensor(order.Select(i => (long)i).ToArray(), device: forwardInput.device);
        var (outputs, last) = Direction(forwardInput.index_select(0, perm), weight_hh_l0, sorted, reverse: false);
        if (reverseInput is not null)
        {
            var (outB, lastB) = Direction(reverseInput.index_select(0, perm), weight_hh_l0_reverse!, sorted, reverse: true);
            (outputs, last) = (cat([outputs, outB], 2), cat([last, lastB], 1));
        }
        var inverse = perm.argsort();
        return (outputs.index_select(0, inverse).MoveToOuterDisposeScope(), last.index_select(0, inverse).MoveToOuterDisposeScope());
    }

    // Rows sorted by length, longest first: at step t the rows still running are a prefix. A finished row keeps its
    // last state (the forward pass's h_n); the backward pass meets a row's last real step with the zero state the row
    // has kept until then. Outputs of padded steps are zero, as pad_packed_sequence leaves them.
    private (Tensor Outputs, Tensor Last) Direction(Tensor input, Tensor whh, long[] lengths, bool reverse)
    {
        long n = input.shape[0], l = input.shape[1], hs = HiddenSize;
        var h = zeros(n, hs, dtype: input.dtype, device: input.device);
        var c = zeros(n, hs, dtype: input.dtype, device: input.device);
        var outputs = new Tensor[l];
        var whhT = whh.t();
        for (long s = 0; s < l; s++)
        {
            long t = reverse ? l - 1 - s : s;
            long active = lengths.Count(len => len > t);
            if (active == 0)
            {
                outputs[t] = zeros(n, hs, dtype: input.dtype, device: input.device);
                continue;
            }
            // each step's temporaries go at once (autograd keeps what backward needs)
            using var stepScope = NewDisposeScope();
            var gates = addmm(input[.., t].narrow(0, 0, active), h.narrow(0, 0, active), whhT, 1, 1);
            var sig = sigmoid(gates);                                            // input, forget, (cell), output
            var cNew = (sig.narrow(1, hs, hs) * c.narrow(0, 0, active)).addcmul(sig.narrow(1, 0, hs), tanh(gates.narrow(1, 2 * hs, hs)), 1);
            var hNew = sig.narrow(1, 3 * hs, hs) * tanh(cNew);
            outputs[t] = (active == n ? hNew : cat([hNew, zeros(n - active, hs, dtype: input.dtype, device: input.device)], 0)).MoveToOuterDisposeScope();
            var hNext = (active == n ? hNew.alias() : cat([hNew, h.narrow(0, active, n - active)], 0)).MoveToOuterDisposeScope(); // not the output's handle
            var cNext = (active == n ? cNew : cat([cNew, c.narrow(0, active, n - active)], 0)).MoveToOuterDisposeScope();
            h.Dispose();
            c.Dispose();
            (h, c) = (hNext, cNext);
        }
        return (stack(outputs, 1), h);
    }
}
