using System.Globalization;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Training;
using TorchSharp;
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

/// <summary>A model read from a file, the format it was in, the epoch the file records (if any) and what the file was
/// ("reference checkpoint", "state dict", ...).</summary>
public sealed record LoadedModel<TModel>(TModel Model, WeightFormat Format, int? Epoch, string Layout) where TModel : nn.Module
{
    /// <summary>The model's kind and config.</summary>
    public ModelSpec Spec => ModelSpec.Of((IConfiguredModel)Model);
}

/// <summary>
/// Reads and writes the weights of any registered model kind in any <see cref="WeightFormat"/>: the model is rebuilt
/// from the config the file records (the suite's description, read by <see cref="ModelRegistry"/>; a reference's
/// model_cfg or safetensors metadata, read by the kind's <see cref="ReferenceMapping"/>) or from one the caller gives,
/// and the tensors are mapped by name (all or nothing, every mismatch named). PyTorch and safetensors files are written
/// in the reference's state-dict layout, so the reference's <c>load_state_dict(strict=True)</c> takes them; writes are
/// atomic.
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

    /// <summary>Reads a model from any format.</summary>
    /// <param name="config">replaces the config the file records (needed for a bare state dict, which has none).</param>
    /// <param name="kind">the model kind, when the user named one: the file must hold that kind, and a reference
    /// file is read by its mapping (otherwise the mapping that recognises the file).</param>
    public static LoadedModel<nn.Module> Load(string path, ModelSpec? config = null, string? kind = null)
    {
        if (config is not null && kind is not null && config.Kind != kind)
            throw new ArgumentException($"the config describes a '{config.Kind}' model, not '{kind}'");
        return Detect(path) switch
        {
            WeightFormat.Suite => LoadSuite(path, config, kind),
            WeightFormat.PyTorch => LoadPyTorch(path, config, kind),
            _ => LoadSafetensors(path, config, kind),
        };
    }

    /// <summary><see cref="Load(string, ModelSpec?, string?)"/> as <typeparamref name="TModel"/>; a file of another kind is
    /// an error naming it.</summary>
    public static LoadedModel<TModel> Load<TModel>(string path, ModelSpec? config = null) where TModel : nn.Module
    {
        var loaded = Load(path, config);
        if (loaded.Model is TModel typed) return new LoadedModel<TModel>(typed, loaded.Format, loaded.Epoch, loaded.Layout);
        string kind = ((IConfiguredModel)loaded.Model).Kind;
        loaded.Model.Dispose();
        throw new DataFormatException($"{path} holds a '{kind}' model, not a {typeof(TModel).Name}");
    }

    private static LoadedModel<nn.Module> LoadSuite(string path, ModelSpec? config, string? kind)
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
            config ??= Recorded(ModelConfigFiles.Parse(ckpt.ConfigJson, $"{path} (config)"), kind, path);
            var weights = ckpt.Tensors.Where(kv => kv.Key.StartsWith(Checkpoint.ModelPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[Checkpoint.ModelPrefix.Length..], kv => kv.Value);
            return new(Build(config, weights, path, reference: false), WeightFormat.Suite, ckpt.Epoch, "suite checkpoint");
        }
        finally
        {
            foreach (var t in ckpt.Tensors.Values) t.Dispose();
        }
    }

    private static LoadedModel<nn.Module> LoadPyTorch(string path, ModelSpec? config, string? kind)
    {
        using var content = TorchFile.Read(path);
        var root = content.Root as PyDict ?? throw new DataFormatException(
            $"{path} holds a {Describe(content.Root)}, not a state dict or a training checkpoint {{\"model\": state_dict, \"model_cfg\": ..., \"epoch\": ...}}");
        if (root.TryGetValue("model", out var model))
        {
            var stateDict = model as PyDict ?? throw new DataFormatException($"{path}: \"model\" holds a {Describe(model)}, not a state dict");
            var tensors = Tensors(stateDict, path);
            if (config is null)
            {
                if (!root.TryGetValue("model_cfg", out var cfg) || cfg is not PyDict cfgDict)
                    throw new DataFormatException($"{path} has no model_cfg dict: give the model's config (--config)");
                config = ReferenceMappings.Spec(new ReferenceFile(path, cfgDict, tensors), kind);
            }
            int? epoch = root.TryGetValue("epoch", out var e) && e is long l ? (int)l : null;
            return new(Build(config, tensors, path, reference: true), WeightFormat.PyTorch, epoch, "reference checkpoint");
        }
        if (root.ClassName is not (null or PyDict.OrderedDict))
            throw new DataFormatException($"{path} holds a pickled {root.ClassName} object, not a state dict: save model.state_dict() instead of the model");
        if (config is null)
            throw new DataFormatException($"{path} is a bare state dict without a model config: give the model's config (--config)");
        return new(Build(config, Tensors(root, path), path, reference: true), WeightFormat.PyTorch, null, "state dict");
    }

    private static LoadedModel<nn.Module> LoadSafetensors(string path, ModelSpec? config, string? kind)
    {
        using var content = SafetensorsFile.Read(path);
        var meta = content.Metadata;
        if (config is null)
        {
            if (meta.TryGetValue(SuiteConfigKey, out var suite)) config = Recorded(ModelConfigFiles.Parse(suite, $"{path} (metadata {SuiteConfigKey})"), kind, path);
            else if (meta.TryGetValue(ModelCfgKey, out var cfg))
            {
                string source = $"{path} (metadata {ModelCfgKey})";
                config = ReferenceMappings.Spec(new ReferenceFile(source, JsonFields.ReadObject(cfg, source, ModelConfigFiles.ToPyDict), content.Tensors), kind);
            }
            else throw new DataFormatException($"{path} has no model config in its metadata ({SuiteConfigKey} or {ModelCfgKey}): give the model's config (--config)");
        }
        int? epoch = meta.TryGetValue(EpochKey, out var e) && int.TryParse(e, CultureInfo.InvariantCulture, out int n) ? n : null;
        return new(Build(config, content.Tensors, path, reference: true), WeightFormat.Safetensors, epoch, "safetensors");
    }

    // The spec a file records, checked against the kind the user named.
    private static ModelSpec Recorded(ModelSpec spec, string? kind, string path) => kind is null || spec.Kind == kind ? spec
        : throw new DataFormatException($"{path} holds a '{spec.Kind}' model, not '{kind}'");

    // The model of the spec with the tensors loaded by name; reference-layout tensors pass through the kind's mapping.
    private static nn.Module Build(ModelSpec spec, IReadOnlyDictionary<string, Tensor> tensors, string path, bool reference)
    {
        nn.Module model;
        try
        {
            model = spec.Create();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{path}: the config describes an invalid '{spec.Kind}' model: {e.Message}", e);
        }
        try
        {
            var mapping = ReferenceMappings.Find(spec.Kind);
            StateDicts.Load(model, reference && mapping is not null ? mapping.FromReference(tensors, spec.Config) : tensors, path,
                $"the '{spec.Kind}' model of its config ({Summary(spec)})");
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

    /// <summary>A one-line description of a model's kind and config, for messages ("xml: VideoSub, hidden 256, ...").</summary>
    public static string Summary(ModelSpec spec) => ReferenceMappings.Find(spec.Kind) is { } m ? $"{spec.Kind}: {m.Summary(spec.Config)}" : spec.Kind;

    /// <summary>Writes <paramref name="model"/> (a registered kind) in <paramref name="format"/>, atomically. PyTorch: the
    /// reference's training-checkpoint layout (needs the kind's <see cref="ReferenceMapping"/>), or the bare state dict
    /// with <paramref name="stateDictOnly"/> (loadable with torch.load(weights_only=True) and TorchSharp.PyBridge's
    /// load_py). safetensors: the state dict with the suite's description (and the model_cfg, when mapped) as metadata.</summary>
    public static void Save(nn.Module model, string path, WeightFormat format, int epoch = 0, bool stateDictOnly = false)
    {
        var configured = model as IConfiguredModel
            ?? throw new ArgumentException($"{model.GetType().Name} is not a registered model kind (IConfiguredModel)", nameof(model));
        var mapping = ReferenceMappings.Find(configured.Kind);
        if (format == WeightFormat.PyTorch && !stateDictOnly && mapping is null)
            throw new ArgumentException($"model kind '{configured.Kind}' has no reference mapping, so it has no reference training checkpoint: " +
                "write the state dict alone (--state-dict-only), safetensors or a suite checkpoint");
        using var scope = NewDisposeScope();
        var stateDict = mapping?.ToReference(model) ?? model.state_dict();
        switch (format)
        {
            case WeightFormat.Suite:
                var tensors = model.state_dict().ToDictionary(kv => Checkpoint.ModelPrefix + kv.Key, kv => kv.Value);
                new Checkpoint(ModelRegistry.Describe(configured), epoch, double.NegativeInfinity, 0, tensors).Save(path);
                break;
            case WeightFormat.PyTorch:
                var dict = new PyDict(PyDict.OrderedDict);
                foreach (var (name, t) in stateDict) dict[name] = t;
                TorchFile.Write(path, stateDictOnly ? dict : new PyDict
                {
                    ["model"] = dict, ["model_cfg"] = mapping!.ToModelCfg(configured.Config), ["epoch"] = (long)epoch,
                });
                break;
            case WeightFormat.Safetensors:
                var metadata = new Dictionary<string, string>
                {
                    ["format"] = "pt",
                    [SuiteConfigKey] = ModelRegistry.Describe(configured),
                    [EpochKey] = epoch.ToString(CultureInfo.InvariantCulture),
                };
                if (mapping is not null) metadata[ModelCfgKey] = ModelConfigFiles.ToJson(mapping.ToModelCfg(configured.Config));
                SafetensorsFile.Write(path, stateDict, metadata);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown weight format");
        }
    }
}
