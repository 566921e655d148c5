using System.Text;
using TorchSharp;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// A training checkpoint: config JSON, counters and named tensors (model, optimiser, torch RNG state) in one
/// binary file, written atomically (temp file + rename).
/// </summary>
public sealed record Checkpoint(string ConfigJson, int Epoch, double BestScore, int BadEpochs, Dictionary<string, Tensor> Tensors)
{
    private const string Magic = "VCMRCKPT1";

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

    /// <summary>Loads only the model weights of a checkpoint into <paramref name="model"/> (for inference), after checking
    /// that it was written for <paramref name="configJson"/>; the message names the file and the mismatch.</summary>
    public static void LoadWeights(string path, torch.nn.Module model, string configJson)
    {
        var ckpt = Load(path);
        try
        {
            ckpt.CopyWeightsInto(path, model, configJson);
        }
        finally
        {
            foreach (var t in ckpt.Tensors.Values) t.Dispose();
        }
    }

    internal void CopyWeightsInto(string path, torch.nn.Module model, string configJson)
    {
        if (ConfigJson != configJson)
            throw new InvalidDataException($"checkpoint '{path}' was written for another config/model:\n{ConfigJson}");
        var weights = Tensors.Where(kv => kv.Key.StartsWith(ModelPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[ModelPrefix.Length..], kv => kv.Value);
        var (missing, unexpected) = model.load_state_dict(weights, strict: false);
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"checkpoint '{path}' does not match the model: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
    }

    /// <summary>Prefix of model tensors; optimiser state is under "optim.", the torch RNG under "rng.torch".</summary>
    public const string ModelPrefix = "model.";

    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist", path);
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new InvalidDataException($"'{path}' is not a Vcmr checkpoint (bad header)");
            var config = r.ReadString();
            int epoch = r.ReadInt32();
            double best = r.ReadDouble();
            int bad = r.ReadInt32();
            int n = r.ReadInt32();
            var tensors = new Dictionary<string, Tensor>();
            for (int i = 0; i < n; i++)
            {
                var name = r.ReadString();
                var dtype = (ScalarType)r.ReadInt32();
                var shape = new long[r.ReadInt32()];
                for (int d = 0; d < shape.Length; d++) shape[d] = r.ReadInt64();
                var bytes = r.ReadBytes(r.ReadInt32());
                var t = empty(shape, dtype);
                t.bytes = bytes;
                tensors[name] = t;
            }
            return new Checkpoint(config, epoch, best, bad, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"checkpoint '{path}' is corrupt or truncated: {e.Message}", e);
        }
    }
}
