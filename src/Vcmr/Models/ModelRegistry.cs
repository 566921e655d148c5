using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using Vcmr.Models.Conquer;
using Vcmr.Models.Xml;

namespace Vcmr.Models;

/// <summary>A model the suite can save and rebuild: its kind (a registry name) and its config record.</summary>
public interface IConfiguredModel
{
    /// <summary>The name it is registered under in <see cref="ModelRegistry"/> ("xml").</summary>
    string Kind { get; }

    /// <summary>Its config record, which <see cref="ModelRegistry"/> serialises beside every checkpoint and rebuilds
    /// the model from.</summary>
    object Config { get; }
}

/// <summary>One registered model kind: its name, config type and factory.</summary>
public sealed record ModelKind(string Name, Type ConfigType, Type ModelType, Func<object, torch.nn.Module> Create);

/// <summary>
/// Model kinds by name, so that a checkpoint or a config file rebuilds the right model. A model's description is the
/// JSON <c>{"model": kind, "config": {...}}</c> (config.json and every checkpoint header): config fields by name,
/// enums as names, and a field the file lacks (it was written before the field existed) keeps the record's default.
/// </summary>
public static class ModelRegistry
{
    private static readonly ConcurrentDictionary<string, ModelKind> _kinds = new(StringComparer.Ordinal);

    static ModelRegistry()
    {
        Register<XmlConfig, XmlModel>(XmlModel.KindName, c => new XmlModel(c));
        Register<ConquerConfig, ConquerModel>(ConquerModel.KindName, c => new ConquerModel(c));
        Register<Baselines.Mee.MeeConfig, Baselines.Mee.MeeModel>(Baselines.Mee.MeeModel.KindName, c => new Baselines.Mee.MeeModel(c));
        Register<Baselines.Cal.CalConfig, Baselines.Cal.CalModel>(Baselines.Cal.CalModel.KindName, c => new Baselines.Cal.CalModel(c));
        Register<Baselines.Excl.ExclConfig, Baselines.Excl.ExclModel>(Baselines.Excl.ExclModel.KindName, c => new Baselines.Excl.ExclModel(c));
        Register<Prem.PremRetrieverConfig, Prem.PremRetriever>(Prem.PremRetriever.KindName, c => new Prem.PremRetriever(c));
        Register<Prem.PremLocalizerConfig, Prem.PremLocalizer>(Prem.PremLocalizer.KindName, c => new Prem.PremLocalizer(c));
    }

    private static readonly JsonSerializerOptions Write = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    private static readonly JsonSerializerOptions Read = new(Write) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>Registers a kind (again with the same types is a no-op; another model under a taken name is an error).</summary>
    public static ModelKind Register<TConfig, TModel>(string kind, Func<TConfig, TModel> create)
        where TConfig : class where TModel : torch.nn.Module, IConfiguredModel
    {
        var entry = new ModelKind(kind, typeof(TConfig), typeof(TModel), c => create((TConfig)c));
        var stored = _kinds.GetOrAdd(kind, entry);
        if (stored.ConfigType != typeof(TConfig) || stored.ModelType != typeof(TModel))
            throw new ArgumentException($"model kind '{kind}' is already registered for {stored.ModelType.Name} ({stored.ConfigType.Name})", nameof(kind));
        return stored;
    }

    public static IReadOnlyCollection<string> Kinds => _kinds.Keys.Order(StringComparer.Ordinal).ToList();

    public static ModelKind Get(string kind) => _kinds.TryGetValue(kind, out var k) ? k
        : throw new KeyNotFoundException($"model kind '{kind}' is not registered (known: {string.Join(", ", Kinds)})");

    /// <summary>The description <c>{"model": kind, "config": {...}}</c> of <paramref name="model"/>.</summary>
    public static string Describe(IConfiguredModel model)
    {
        var kind = Get(model.Kind);
        if (!kind.ConfigType.IsInstanceOfType(model.Config))
            throw new ArgumentException($"model kind '{model.Kind}' has config {kind.ConfigType.Name}, not {model.Config.GetType().Name}", nameof(model));
        return JsonSerializer.Serialize(new { model = model.Kind, config = model.Config }, Write);
    }

    /// <summary>Reads a description back; <paramref name="where"/> (a file name) starts every error message.</summary>
    public static (ModelKind Kind, object Config) Parse(string description, string where)
    {
        try
        {
            using var doc = JsonDocument.Parse(description);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var name) || name.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{where}: the model description has no \"model\" kind name");
            if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: the description of model '{name.GetString()}' has no \"config\" object");
            var kind = _kinds.TryGetValue(name.GetString()!, out var k) ? k
                : throw new InvalidDataException($"{where}: model kind '{name.GetString()}' is not registered (known: {string.Join(", ", Kinds)})");
            return (kind, config.Deserialize(kind.ConfigType, Read)
                ?? throw new InvalidDataException($"{where}: the config of model '{kind.Name}' is null"));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: the model description is not a valid config ({e.Message})", e);
        }
    }

    /// <summary>A new model of <paramref name="kind"/> built from <paramref name="config"/>.</summary>
    public static torch.nn.Module Create(ModelKind kind, object config) => kind.Create(config);

    /// <summary>The model a description (config.json, a checkpoint header) describes, with fresh weights.</summary>
    public static torch.nn.Module Create(string description, string where)
    {
        var (kind, config) = Parse(description, where);
        try
        {
            return kind.Create(config);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }
    }
}
