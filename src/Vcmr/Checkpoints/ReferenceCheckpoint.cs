using TorchSharp;
using Vcmr.Data;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>
/// A training checkpoint as a TVR train.py writes it: <c>torch.save({"model": state_dict, "model_cfg": EasyDict,
/// "epoch": n})</c> (zip format, or the pickle format of PyTorch &lt; 1.6). Owns the tensors it read.
/// </summary>
public sealed class ReferenceCheckpoint : IDisposable
{
    private readonly TorchFileContent _content;

    private ReferenceCheckpoint(TorchFileContent content, PyDict modelCfg, Dictionary<string, Tensor> stateDict, int? epoch) =>
        (_content, ModelCfg, StateDict, Epoch) = (content, modelCfg, stateDict, epoch);

    public PyDict ModelCfg { get; }
    public IReadOnlyDictionary<string, Tensor> StateDict { get; }
    public int? Epoch { get; }

    /// <summary>Reads a reference training checkpoint; anything else is an error naming the file.</summary>
    public static ReferenceCheckpoint Read(string path)
    {
        var content = TorchFile.Read(path);
        try
        {
            var root = content.Root as PyDict;
            if (root is null || !root.TryGetValue("model", out var model))
                throw new DataFormatException($"{path} holds a {Describe(content.Root)}, not a training checkpoint {{\"model\": state_dict, \"model_cfg\": ..., \"epoch\": ...}}");
            var stateDict = model as PyDict ?? throw new DataFormatException($"{path}: \"model\" holds a {Describe(model)}, not a state dict");
            if (!root.TryGetValue("model_cfg", out var cfg) || cfg is not PyDict cfgDict)
                throw new DataFormatException($"{path} has no model_cfg dict");
            int? epoch = root.TryGetValue("epoch", out var e) && e is long l ? (int)l : null;
            return new ReferenceCheckpoint(content, cfgDict, Tensors(stateDict, path), epoch);
        }
        catch
        {
            content.Dispose();
            throw;
        }
    }

    /// <summary>Reads a reference checkpoint, builds the model its model_cfg describes (<paramref name="build"/>) and
    /// loads the state dict into it by name, all or nothing (<see cref="StateDicts.Load"/>).</summary>
    public static TModel LoadModel<TModel>(string path, Func<PyDict, TModel> build, string modelName) where TModel : nn.Module
    {
        using var ckpt = Read(path);
        var model = build(ckpt.ModelCfg);
        try
        {
            StateDicts.Load(model, ckpt.StateDict, path, $"the suite's {modelName} of its model_cfg");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes a checkpoint in train.py's layout, atomically: the reference's inference.py and
    /// <c>Model(ckpt["model_cfg"]).load_state_dict(ckpt["model"], strict=True)</c> take it.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict, PyDict modelCfg, int epoch)
    {
        var dict = new PyDict(PyDict.OrderedDict);
        foreach (var (name, t) in stateDict) dict[name] = t;
        TorchFile.Write(path, new PyDict { ["model"] = dict, ["model_cfg"] = modelCfg, ["epoch"] = (long)epoch });
    }

    /// <summary>The state dict's tensors; a DataParallel model's "module." prefix is dropped (the reference's
    /// train.py wraps the model in DataParallel when it trains on several GPUs).</summary>
    internal static Dictionary<string, Tensor> Tensors(PyDict stateDict, string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in stateDict)
            tensors[name] = value as Tensor ?? throw new DataFormatException($"{path}: state dict entry '{name}' holds a {Describe(value)}, not a tensor");
        const string parallel = "module.";
        return tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith(parallel, StringComparison.Ordinal))
            ? tensors.ToDictionary(kv => kv.Key[parallel.Length..], kv => kv.Value) : tensors;
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PyDict { ClassName: { } c } => $"{c} object",
        PyCall call => $"{call.Callable} object",
        _ => value.GetType().Name,
    };

    public void Dispose() => _content.Dispose();
}
