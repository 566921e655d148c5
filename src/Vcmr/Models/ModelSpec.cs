using TorchSharp;

namespace Vcmr.Models;

/// <summary>
/// A model described but not built: a registered kind and its config record (what a config file or a checkpoint's
/// header says). <see cref="ModelRegistry.Describe"/> takes it as it takes the model itself.
/// </summary>
public sealed record ModelSpec(string Kind, object Config) : IConfiguredModel
{
    /// <summary>The registered kind whose config type is <paramref name="config"/>'s; none or several is an error.</summary>
    public static ModelSpec Of(object config)
    {
        var kinds = ModelRegistry.Kinds.Select(ModelRegistry.Get).Where(k => k.ConfigType == config.GetType()).ToList();
        return kinds.Count == 1 ? new ModelSpec(kinds[0].Name, config)
            : throw new ArgumentException(kinds.Count == 0 ? $"no registered model kind has config {config.GetType().Name}"
                : $"config {config.GetType().Name} belongs to several kinds ({string.Join(", ", kinds.Select(k => k.Name))}): name the kind", nameof(config));
    }

    /// <summary>The paper preset of a registered kind: its config record's defaults (the paper's / reference's values).</summary>
    public static ModelSpec Paper(string kind) => new(kind, Activator.CreateInstance(ModelRegistry.Get(kind).ConfigType)
        ?? throw new InvalidOperationException($"model kind '{kind}' has no default config"));

    /// <summary>The spec of a built model.</summary>
    public static ModelSpec Of(IConfiguredModel model) => new(model.Kind, model.Config);

    /// <summary>A new model of this kind and config, with fresh weights; an invalid config is an
    /// <see cref="ArgumentException"/> naming the key.</summary>
    public torch.nn.Module Create() => ModelRegistry.Create(ModelRegistry.Get(Kind), Config);
}
