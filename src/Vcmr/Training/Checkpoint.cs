using System.Text;
using static TorchSharp.torch;

namespace Vcmr.Training;

/// <summary>
/// A training checkpoint: config JSON, counters and named tensors (model, optimiser, torch RNG state) in one
/// binary file, written atomically (temp file + rename).
/// </summary>
public sealed record Checkpoint(string ConfigJson, int Epoch, double BestScore, int BadEpochs, Dictionary<string, Tensor> Tensors)
{
    private const string Magic = "VCMRCKPT1";

    public void Save(string path)
    {
        var tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
        {
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
        }
        File.Move(tmp, path, overwrite: true);
    }

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
