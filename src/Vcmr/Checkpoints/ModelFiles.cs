using System.Globalization;
using System.Text;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Models.Xml;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>The file formats model weights move between.</summary>
public enum WeightFormat
{
    /// <summary>The suite's training checkpoint (<see cref="Checkpoint"/>): config, counters, model (and optimiser) tensors.</summary>
    Suite,
    /// <summary>A torch.save file: the reference's training checkpoint <c>{"model", "model_cfg", "epoch"}</c> or a bare state dict.</summary>
    PyTorch,
    /// <summary>safetensors: the state dict, with the config in the header's metadata.</summary>
    Safetensors,
}

/// <summary>A model read from a file, the format it was in, and the epoch the file records (if any).</summary>
public sealed record LoadedModel(XmlModel Model, WeightFormat Format, int? Epoch, string Layout);

/// <summary>
/// Reads and writes XML weights in any <see cref="WeightFormat"/>: the model is rebuilt from the config the file
/// records (the suite's description, the reference's model_cfg, or safetensors metadata) or from one the caller
/// gives, and the tensors are mapped by name (all or nothing, every mismatch named). PyTorch and safetensors files
/// are written in the reference's state-dict layout, so the reference's <c>load_state_dict(strict=True)</c> takes
/// them; writes are atomic.
/// </summary>
public static class ModelFiles
{
    /// <summary>safetensors metadata keys: the suite's model description, the reference's model_cfg as JSON, the epoch.</summary>
    public const string SuiteConfigKey = "vcmr_config", ModelCfgKey = "model_cfg", EpochKey = "epoch";

    /// <summary>The format of a file, from its first bytes.</summary>
    public static WeightFormat Detect(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        using var stream = File.OpenRead(path);
        var head = new byte[16];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var bytes = head.AsSpan(0, n);
        // safetensors first: its header length may start with 0x80 too (a 128-byte header)
        if (SafetensorsFile.LooksLike(bytes, stream.Length)) return WeightFormat.Safetensors;
        if (bytes.StartsWith("PK\x03\x04"u8) || TorchFile.IsPickle(bytes)) return WeightFormat.PyTorch;
        if (n >= 10 && bytes[0] == 9 && bytes[1..10].SequenceEqual("VCMRCKPT1"u8)) return WeightFormat.Suite;
        throw new DataFormatException($"{path} is not a model file: not a suite checkpoint, a PyTorch file (torch.save) or a safetensors file{(n == 0 ? " (it is empty)" : "")}");
    }

    /// <summary>Reads a model from any format. <paramref name="config"/>, when given, replaces the config the file
    /// records (needed for a bare state dict, which has none).</summary>
    public static LoadedModel Load(string path, XmlConfig? config = null) => Detect(path) switch
    {
        WeightFormat.Suite => LoadSuite(path, config),
        WeightFormat.PyTorch => LoadPyTorch(path, config),
        _ => LoadSafetensors(path, config),
    };

    private static LoadedModel LoadSuite(string path, XmlConfig? config)
    {
        Checkpoint ckpt;
        try
        {
            ckpt = Checkpoint.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(e.Message, e);
        }
        try
        {
            config ??= ModelConfigFiles.Parse(ckpt.ConfigJson, $"{path} (config)");
            var weights = ckpt.Tensors.Where(kv => kv.Key.StartsWith(Checkpoint.ModelPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[Checkpoint.ModelPrefix.Length..], kv => kv.Value);
            return new LoadedModel(Build(config, weights, path), WeightFormat.Suite, ckpt.Epoch, "suite checkpoint");
        }
        finally
        {
            foreach (var t in ckpt.Tensors.Values) t.Dispose();
        }
    }

    private static LoadedModel LoadPyTorch(string path, XmlConfig? config)
    {
        using var content = TorchFile.Read(path);
        var root = content.Root as PyDict ?? throw new DataFormatException(
            $"{path} holds a {Describe(content.Root)}, not a state dict or a training checkpoint {{\"model\": state_dict, \"model_cfg\": ..., \"epoch\": ...}}");
        if (root.TryGetValue("model", out var model))
        {
            var stateDict = model as PyDict ?? throw new DataFormatException($"{path}: \"model\" holds a {Describe(model)}, not a state dict");
            if (config is null)
            {
                if (!root.TryGetValue("model_cfg", out var cfg) || cfg is not PyDict cfgDict)
                    throw new DataFormatException($"{path} has no model_cfg dict: give the model's config (--config)");
                config = XmlReference.FromModelCfg(cfgDict, path);
            }
            int? epoch = root.TryGetValue("epoch", out var e) && e is long l ? (int)l : null;
            return new LoadedModel(Build(config, Tensors(stateDict, path), path, reference: true), WeightFormat.PyTorch, epoch, "reference checkpoint");
        }
        if (root.ClassName is not (null or PyDict.OrderedDict))
            throw new DataFormatException($"{path} holds a pickled {root.ClassName} object, not a state dict: save model.state_dict() instead of the model");
        if (config is null)
            throw new DataFormatException($"{path} is a bare state dict without a model config: give the model's config (--config)");
        return new LoadedModel(Build(config, Tensors(root, path), path, reference: true), WeightFormat.PyTorch, null, "state dict");
    }

    private static LoadedModel LoadSafetensors(string path, XmlConfig? config)
    {
        using var content = SafetensorsFile.Read(path);
        var meta = content.Metadata;
        if (config is null)
        {
            if (meta.TryGetValue(SuiteConfigKey, out var suite)) config = ModelConfigFiles.Parse(suite, $"{path} (metadata {SuiteConfigKey})");
            else if (meta.TryGetValue(ModelCfgKey, out var cfg)) config = ModelConfigFiles.Parse(cfg, $"{path} (metadata {ModelCfgKey})");
            else throw new DataFormatException($"{path} has no model config in its metadata ({SuiteConfigKey} or {ModelCfgKey}): give the model's config (--config)");
        }
        int? epoch = meta.TryGetValue(EpochKey, out var e) && int.TryParse(e, CultureInfo.InvariantCulture, out int n) ? n : null;
        return new LoadedModel(Build(config, content.Tensors, path, reference: true), WeightFormat.Safetensors, epoch, "safetensors");
    }

    private static XmlModel Build(XmlConfig config, IReadOnlyDictionary<string, Tensor> tensors, string path, bool reference = false)
    {
        var model = new XmlModel(config);
        try
        {
            StateDicts.Load(model, reference ? XmlReference.FromReferenceStateDict(tensors, config) : tensors, path,
                $"the XML model of its config ({Summary(config)})");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The state dict's tensors; a DataParallel model's "module." prefix is dropped (the reference's
    /// train.py wraps the model in DataParallel when it trains on several GPUs).</summary>
    private static Dictionary<string, Tensor> Tensors(PyDict stateDict, string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in stateDict)
            tensors[name] = value as Tensor ?? throw new DataFormatException($"{path}: state dict entry '{name}' holds a {Describe(value)}, not a tensor");
        const string parallel = "module.";
        return tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith(parallel, StringComparison.Ordinal))
            ? tensors.ToDictionary(kv => kv.Key[parallel.Length..], kv => kv.Value) : tensors;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PyDict { ClassName: { } c } => $"{c} object",
        PyCall call => $"{call.Callable} object",
        _ => value.GetType().Name,
    };

    /// <summary>A one-line description of a config, for messages.</summary>
    public static string Summary(XmlConfig c) => new StringBuilder()
        .Append($"{c.ContextMode}{(c.UseTef ? "+tef" : "")}, hidden {c.HiddenSize}, {c.Heads} heads, visual {c.VisualDim}, text {c.TextDim}")
        .Append(c.UsesCrossAttention ? ", cross-attention" : "").Append(c.Modular ? ", modular" : ", max-pooled query")
        .Append(c.StackedConvKernelSizes is { } k ? $", stacked ConvSE [{string.Join(", ", k)}]" : $", ConvSE {c.ConvKernelSize}")
        .ToString();

    /// <summary>Writes <paramref name="model"/> in <paramref name="format"/>, atomically. PyTorch: the reference's
    /// training-checkpoint layout, or the bare state dict with <paramref name="stateDictOnly"/> (loadable with
    /// torch.load(weights_only=True) and TorchSharp.PyBridge's load_py).</summary>
    public static void Save(XmlModel model, string path, WeightFormat format, int epoch = 0, bool stateDictOnly = false)
    {
        using var scope = NewDisposeScope();
        switch (format)
        {
            case WeightFormat.Suite:
                var tensors = model.state_dict().ToDictionary(kv => Checkpoint.ModelPrefix + kv.Key, kv => kv.Value);
                new Checkpoint(ModelRegistry.Describe(model), epoch, double.NegativeInfinity, 0, tensors).Save(path);
                break;
            case WeightFormat.PyTorch:
                var stateDict = new PyDict(PyDict.OrderedDict);
                foreach (var (name, t) in XmlReference.ToReferenceStateDict(model)) stateDict[name] = t;
                TorchFile.Write(path, stateDictOnly ? stateDict : new PyDict
                {
                    ["model"] = stateDict, ["model_cfg"] = XmlReference.ToModelCfg(model.Config), ["epoch"] = (long)epoch,
                });
                break;
            case WeightFormat.Safetensors:
                SafetensorsFile.Write(path, XmlReference.ToReferenceStateDict(model), new Dictionary<string, string>
                {
                    ["format"] = "pt",
                    [SuiteConfigKey] = ModelRegistry.Describe(model),
                    [ModelCfgKey] = ModelConfigFiles.ToJson(XmlReference.ToModelCfg(model.Config)),
                    [EpochKey] = epoch.ToString(CultureInfo.InvariantCulture),
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown weight format");
        }
    }
}
