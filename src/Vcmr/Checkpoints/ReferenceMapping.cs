using System.Collections.Concurrent;
using TorchSharp;
using Vcmr.Data;
using Vcmr.Models;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>What a reference file holds for a <see cref="ReferenceMapping"/> to read: its path (a kind whose reference
/// keeps settings in a second file, such as CONQUER's opt.json, finds it beside this one), the model_cfg dict (null
/// for a bare state dict) and the state dict by the reference's names (empty for a config file).</summary>
public sealed record ReferenceFile(string Path, PyDict? ModelCfg, IReadOnlyDictionary<string, Tensor> StateDict)
{
    /// <summary>A config file alone (a JSON of model_cfg keys): no tensors.</summary>
    public static ReferenceFile Config(string source, PyDict modelCfg) => new(source, modelCfg, new Dictionary<string, Tensor>());

    /// <summary>The model_cfg, or an error naming the file when it has none.</summary>
    public PyDict RequireModelCfg() => ModelCfg ?? throw new DataFormatException($"{Path} has no model_cfg: give the model's config (--config)");

    public bool HasCfgKey(string key) => ModelCfg?.ContainsKey(key) == true;

    public bool HasTensorUnder(string prefix) => StateDict.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
}

/// <summary>
/// How a registered model kind's reference implementation stores it: the model_cfg its train.py saves beside the
/// state dict, mapped to and from the kind's config record, and the state-dict entries in which the two differ (most
/// kinds: none, since submodules keep the reference's names). <see cref="ModelFiles"/> reads and writes every kind's
/// PyTorch and safetensors files through this; derive from <see cref="ReferenceMapping{TConfig, TModel}"/> and register
/// it in <see cref="ReferenceMappings"/> (docs/model-seams.md, "Reference checkpoints").
/// </summary>
public abstract class ReferenceMapping
{
    /// <summary>The model kind (<see cref="ModelRegistry"/>) this maps.</summary>
    public abstract string Kind { get; }

    /// <summary>The reference it maps to, for messages: "XML (jayleicn/TVRetrieval, model_xml.py)".</summary>
    public abstract string Reference { get; }

    /// <summary>True when a file with no kind given looks like this kind's (its model_cfg keys or tensor names); when
    /// no or several kinds recognise a file, the user names the kind.</summary>
    public abstract bool Recognizes(ReferenceFile file);

    /// <summary>The config the file describes; an unknown key or unsupported setting is a <see cref="DataFormatException"/>
    /// naming the file and the key.</summary>
    public abstract object ConfigOf(ReferenceFile file);

    /// <summary>The model_cfg the reference's train.py would have saved for <paramref name="config"/>.</summary>
    public abstract PyDict ToModelCfg(object config);

    /// <summary>The model's state dict in the reference's layout (what the reference's load_state_dict(strict=True) takes).</summary>
    public abstract IReadOnlyDictionary<string, Tensor> ToReference(nn.Module model);

    /// <summary>A reference state dict in the suite's layout, for <paramref name="config"/>.</summary>
    public abstract IReadOnlyDictionary<string, Tensor> FromReference(IReadOnlyDictionary<string, Tensor> tensors, object config);

    /// <summary>A one-line description of a config, for messages.</summary>
    public abstract string Summary(object config);
}

/// <summary>A <see cref="ReferenceMapping"/> of one config and model type: override the typed members; state dicts map
/// one to one unless <see cref="ToReference(TModel)"/>/<see cref="FromReference(IReadOnlyDictionary{string, Tensor}, TConfig)"/>
/// say otherwise.</summary>
public abstract class ReferenceMapping<TConfig, TModel> : ReferenceMapping where TConfig : class where TModel : nn.Module
{
    public abstract TConfig Config(ReferenceFile file);
    public abstract PyDict ToModelCfg(TConfig config);
    public virtual IReadOnlyDictionary<string, Tensor> ToReference(TModel model) => model.state_dict();
    public virtual IReadOnlyDictionary<string, Tensor> FromReference(IReadOnlyDictionary<string, Tensor> tensors, TConfig config) => tensors;
    public virtual string Summary(TConfig config) => Kind;

    public sealed override object ConfigOf(ReferenceFile file) => Config(file);
    public sealed override PyDict ToModelCfg(object config) => ToModelCfg(Typed(config));
    public sealed override IReadOnlyDictionary<string, Tensor> ToReference(nn.Module model) => ToReference(model as TModel
        ?? throw new ArgumentException($"the {Kind} reference mapping takes a {typeof(TModel).Name}, not a {model.GetType().Name}", nameof(model)));
    public sealed override IReadOnlyDictionary<string, Tensor> FromReference(IReadOnlyDictionary<string, Tensor> tensors, object config) =>
        FromReference(tensors, Typed(config));
    public sealed override string Summary(object config) => Summary(Typed(config));

    private TConfig Typed(object config) => config as TConfig
        ?? throw new ArgumentException($"the {Kind} reference mapping takes a {typeof(TConfig).Name}, not a {config.GetType().Name}", nameof(config));
}

/// <summary>The reference mappings by model kind. A kind without one still converts between the suite's formats
/// (its own names; safetensors with the suite's description) but not to or from a reference training checkpoint.</summary>
public static class ReferenceMappings
{
    private static readonly ConcurrentDictionary<string, ReferenceMapping> _mappings = new(StringComparer.Ordinal);

    static ReferenceMappings()
    {
        Register(new XmlReference.Mapping());
        Register(new ConquerReferenceMapping());
    }

    /// <summary>Registers <paramref name="mapping"/> for its kind (which must be registered in <see cref="ModelRegistry"/>);
    /// another mapping for a kind that has one is an error.</summary>
    public static void Register(ReferenceMapping mapping)
    {
        ModelRegistry.Get(mapping.Kind);
        var stored = _mappings.GetOrAdd(mapping.Kind, mapping);
        if (stored.GetType() != mapping.GetType())
            throw new ArgumentException($"model kind '{mapping.Kind}' already has the reference mapping {stored.GetType().Name}", nameof(mapping));
    }

    /// <summary>The kinds with a mapping, in name order.</summary>
    public static IReadOnlyList<string> Kinds => _mappings.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The mapping of <paramref name="kind"/>, or null when it has none.</summary>
    public static ReferenceMapping? Find(string kind) => _mappings.GetValueOrDefault(kind);

    /// <summary>The mapping of <paramref name="kind"/>, or one naming the kinds that have one.</summary>
    public static ReferenceMapping Get(string kind) => Find(kind)
        ?? throw new ArgumentException($"model kind '{kind}' has no reference mapping, so it cannot be read from or written as a reference training checkpoint (kinds with one: {string.Join(", ", Kinds)})");

    /// <summary>The mapping of a reference file: <paramref name="kind"/> when given, else the one mapping that
    /// recognises the file (none or several is an error naming the file and asking for the kind).</summary>
    public static ReferenceMapping Resolve(ReferenceFile file, string? kind)
    {
        if (kind is not null)
        {
            ModelRegistry.Get(kind);
            return Get(kind);
        }
        var matches = _mappings.Values.Where(m => m.Recognizes(file)).OrderBy(m => m.Kind, StringComparer.Ordinal).ToList();
        return matches.Count == 1 ? matches[0] : throw new DataFormatException(matches.Count == 0
            ? $"{file.Path}: cannot tell which model it holds (no reference mapping recognises its model_cfg keys or tensor names; known: {Describe(_mappings.Values)}): give the model kind (--kind)"
            : $"{file.Path}: could hold {Describe(matches)}: give the model kind (--kind)");
    }

    /// <summary>The spec a reference file describes (its mapping's config), with the kind resolved as <see cref="Resolve"/> does.</summary>
    public static ModelSpec Spec(ReferenceFile file, string? kind)
    {
        var mapping = Resolve(file, kind);
        return new ModelSpec(mapping.Kind, mapping.ConfigOf(file));
    }

    private static string Describe(IEnumerable<ReferenceMapping> mappings) =>
        string.Join(", ", mappings.OrderBy(m => m.Kind, StringComparer.Ordinal).Select(m => $"{m.Kind} ({m.Reference})"));
}
