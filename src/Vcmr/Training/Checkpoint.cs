using System.Text;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// A checkpoint: the model's description (<c>{"model": kind, "config": {...}}</c>, see <see cref="ModelRegistry"/>),
/// counters and named tensors (model weights under "model.", and for a training checkpoint the optimiser state under
/// "optim." and the torch RNG under "rng.torch") in one binary file, written atomically (temp file + rename). A
/// weights-only checkpoint (<see cref="SaveWeights"/>, or an import) rebuilds or initialises a model but cannot resume
/// training.
/// </summary>
public sealed record Checkpoint(string ConfigJson, int Epoch, double BestScore, int BadEpochs, Dictionary<string, Tensor> Tensors)
{
    private const string Magic = "VCMRCKPT1";

    /// <summary>Prefix of model tensors.</summary>
    public const string ModelPrefix = "model.";
    /// <summary>Prefix of the optimiser state.</summary>
    public const string OptimizerPrefix = "optim.";
    /// <summary>The torch RNG state of a training checkpoint.</summary>
    public const string RngKey = "rng.torch";

    /// <summary>True for a checkpoint a trainer wrote (it can resume training).</summary>
    public bool HasTrainingState => Tensors.ContainsKey(RngKey);

    /// <summary>The model kind the description names.</summary>
    public string Kind(string where) => ModelRegistry.Parse(ConfigJson, where).Kind.Name;

    /// <summary>The model's state dict under <see cref="ModelPrefix"/> (the tensors themselves, not copies).</summary>
    public static Dictionary<string, Tensor> ModelTensors(nn.Module model) =>
        model.state_dict().ToDictionary(kv => ModelPrefix + kv.Key, kv => kv.Value);

    /// <summary>Writes the weights of <paramref name="model"/> with its kind and config (no training state).</summary>
    public static void SaveWeights(string path, IConfiguredModel model) =>
        new Checkpoint(ModelRegistry.Describe(model), 0, double.NegativeInfinity, 0, ModelTensors(AsModule(model))).Save(path);

    public void Save(string path) => AtomicFile.WriteStream(path, stream =>
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(ConfigJson);
        w.Write(Epoch);
        w.Write(BestScore);
        w.Write(BadEpochs);
        w.Write(Tensors.Count);
        foreach (var (name, t) in Tensors)
        {
            using var c = t.detach().cpu().contiguous();
            w.Write(name);
            w.Write((int)c.dtype);
            w.Write(c.shape.Length);
            foreach (var s in c.shape) w.Write(s);
            var bytes = c.bytes;
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    });

    /// <summary>Loads the model weights of a checkpoint into <paramref name="model"/>; a checkpoint of another kind,
    /// config or shape is an error naming the file, the kinds and the first mismatching tensor.</summary>
    public static void LoadWeights(string path, IConfiguredModel model)
    {
        var ckpt = Load(path);
        try
        {
            ckpt.CopyWeightsInto(path, AsModule(model));
        }
        finally
        {
            ckpt.DisposeTensors();
        }
    }

    /// <summary>Builds the model a checkpoint describes (its kind, with its config; fields the config lacks keep their
    /// defaults) and loads its weights, on <paramref name="device"/> (default CPU).</summary>
    public static nn.Module LoadModel(string path, Device? device = null)
    {
        var ckpt = Load(path);
        try
        {
            var model = ModelRegistry.Create(ckpt.ConfigJson, $"checkpoint '{path}'");
            ckpt.CopyWeightsInto(path, model);
            if (device is not null) model.to(device);
            model.eval();
            return model;
        }
        finally
        {
            ckpt.DisposeTensors();
        }
    }

    /// <summary><see cref="LoadModel(string, Device?)"/> as <typeparamref name="TModel"/>; another kind is an error naming it.</summary>
    public static TModel LoadModel<TModel>(string path, Device? device = null) where TModel : nn.Module
    {
        var model = LoadModel(path, device);
        if (model is TModel typed) return typed;
        string kind = ((IConfiguredModel)model).Kind;
        model.Dispose();
        throw new InvalidDataException($"checkpoint '{path}' holds a '{kind}' model, not a {typeof(TModel).Name}");
    }

    internal void CopyWeightsInto(string path, nn.Module model)
    {
        var target = (IConfiguredModel)model;
        var (kind, config) = ModelRegistry.Parse(ConfigJson, $"checkpoint '{path}'");
        var weights = Tensors.Where(kv => kv.Key.StartsWith(ModelPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[ModelPrefix.Length..], kv => kv.Value);
        string mismatch = FirstMismatch(model, weights);
        if (kind.Name != target.Kind)
            throw new InvalidDataException($"checkpoint '{path}' holds a '{kind.Name}' model, not '{target.Kind}': {mismatch}");
        string saved = ModelRegistry.Describe(new Described(kind.Name, config)), wanted = ModelRegistry.Describe(target);
        if (saved != wanted)
            throw new InvalidDataException($"checkpoint '{path}' was written for another config of '{kind.Name}' ({ConfigDifference(saved, wanted)}): {mismatch}");
        if (mismatch.Length > 0 && !mismatch.StartsWith("every tensor", StringComparison.Ordinal))
            throw new InvalidDataException($"checkpoint '{path}' does not match the '{kind.Name}' model: {mismatch}");
        using var noGrad = no_grad();
        model.load_state_dict(weights, strict: true);
    }

    // The first tensor, in the model's order, that the checkpoint lacks or holds with another shape or dtype, else the
    // first checkpoint tensor the model lacks.
    private static string FirstMismatch(nn.Module model, Dictionary<string, Tensor> weights)
    {
        var state = model.state_dict();
        foreach (var (name, t) in state)
        {
            if (!weights.TryGetValue(name, out var w)) return $"first mismatching tensor '{name}' (missing from the checkpoint)";
            if (!w.shape.SequenceEqual(t.shape) || w.dtype != t.dtype)
                return $"first mismatching tensor '{name}' (checkpoint {Describe(w)}, model {Describe(t)})";
        }
        var extra = weights.Keys.FirstOrDefault(k => !state.ContainsKey(k));
        return extra is null ? "every tensor matches" : $"first mismatching tensor '{extra}' (not in the model)";
    }

    private static string Describe(Tensor t) => $"{t.dtype} [{string.Join(", ", t.shape)}]";

    private static string ConfigDifference(string saved, string wanted)
    {
        var a = saved.Split('\n');
        var b = wanted.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return $"saved {a[i].Trim().TrimEnd(',')}, model {b[i].Trim().TrimEnd(',')}";
        return "the descriptions differ in length";
    }

    private sealed record Described(string Kind, object Config) : IConfiguredModel;

    private static nn.Module AsModule(IConfiguredModel model) => model as nn.Module
        ?? throw new ArgumentException($"{model.GetType().Name} is not a torch module", nameof(model));

    private void DisposeTensors()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }

    /// <summary>Reads a checkpoint; a file that is not one, is truncated or holds a tensor record that cannot be (an
    /// unknown dtype, a negative or oversized shape, a byte count that does not fit its shape) is an error naming the
    /// file and the tensor.</summary>
    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist", path);
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a Vcmr checkpoint (bad header)");
            var config = r.ReadString();
            int epoch = r.ReadInt32();
            double best = r.ReadDouble();
            int bad = r.ReadInt32();
            int n = r.ReadInt32();
            if (n < 0) throw new InvalidDataException($"checkpoint '{path}' is corrupt: {n} tensors");
            for (int i = 0; i < n; i++)
            {
                var name = r.ReadString();
                tensors[name] = ReadTensor(r, path, name);
            }
            return new Checkpoint(config, epoch, best, bad, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException($"checkpoint '{path}' is corrupt or truncated: {e.Message}", e);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    private const int MaxRank = 64;

    private static Tensor ReadTensor(BinaryReader r, string path, string name)
    {
        string where = $"checkpoint '{path}' is corrupt: tensor '{name}'";
        int code = r.ReadInt32();
        var dtype = (ScalarType)code;
        if (!Enum.IsDefined(dtype)) throw new InvalidDataException($"{where} has dtype code {code}, which is no torch dtype");
        int rank = r.ReadInt32();
        if (rank is < 0 or > MaxRank) throw new InvalidDataException($"{where} has rank {rank}");
        var shape = new long[rank];
        long numel = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = r.ReadInt64();
            if (shape[d] < 0) throw new InvalidDataException($"{where} has shape [{string.Join(", ", shape[..(d + 1)])}...]: a negative size");
            numel = numel == 0 || shape[d] == 0 ? 0 : numel <= long.MaxValue / shape[d] ? numel * shape[d]
                : throw new InvalidDataException($"{where} has shape [{string.Join(", ", shape[..(d + 1)])}...]: too many elements");
        }
        int count = r.ReadInt32();
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (count < 0 || count > left) throw new InvalidDataException($"{where} claims {count} bytes, {left} are left in the file");
        long size;
        try
        {
            using var probe = empty(0, dtype);
            size = probe.ElementSize;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{where} has dtype {dtype}, which this torch cannot hold ({e.Message.Split('\n')[0]})", e);
        }
        if (numel > long.MaxValue / Math.Max(1, size) || numel * size != count)
            throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] of {dtype} needs {numel} x {size} bytes, the file holds {count}");
        var t = empty(shape, dtype);
        t.bytes = r.ReadBytes(count);
        return t;
    }
}
