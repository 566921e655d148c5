using System.CommandLine;
using System.Text.Json;
using TorchSharp;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models;
using Vcmr.Models.Baselines.Cal;

namespace Vcmr.Cli;

/// <summary>
/// The <c>--kind</c> option: a model kind registered in <see cref="ModelRegistry"/>, or <c>mcn</c>. MCN is CAL's network
/// on mean-pooled moments: the registered kind 'cal' with <see cref="CalConfig.ModelType"/> Mcn (the reference's train.py
/// takes it from its command line, so a reference file cannot say which it is; a suite file records it).
/// </summary>
internal static class KindOption
{
    public const string Mcn = "mcn";

    /// <summary>Every name --kind takes.</summary>
    public static IReadOnlyList<string> Names => [.. ModelRegistry.Kinds.Append(Mcn).Order(StringComparer.Ordinal)];

    public static Option<string?> Create(string description) =>
        new("--kind") { Description = $"{description} (one of: {string.Join(", ", Names)})" };

    /// <summary>Throws naming --kind and the names it takes unless <paramref name="kind"/> is null or one of them.</summary>
    public static void Check(string? kind)
    {
        if (kind is not null && !Names.Contains(kind))
            throw new ArgumentException($"--kind '{kind}' is not a registered model kind (registered: {string.Join(", ", Names)})");
    }

    /// <summary>The registered kind a --kind name reads files as (mcn: cal).</summary>
    public static string? Registered(string? kind) => kind == Mcn ? CalModel.KindName : kind;

    /// <summary>The paper preset a --kind name stands for.</summary>
    public static ModelSpec Paper(string kind) => kind == Mcn ? new ModelSpec(CalModel.KindName, CalConfig.Mcn) : ModelSpec.Paper(kind);

    /// <summary><paramref name="spec"/>, read from <paramref name="file"/> as <see cref="Registered"/> says, as the --kind
    /// name asks: with --kind mcn a reference file's CAL is MCN, and a suite file (<paramref name="recordsModelType"/>)
    /// that records CAL is an error naming it.</summary>
    public static ModelSpec Fit(ModelSpec spec, string? kind, string file, bool recordsModelType)
    {
        if (kind != Mcn || spec.Config is not CalConfig cal || cal.ModelType == ProposalModelType.Mcn) return spec;
        if (recordsModelType) throw new DataFormatException($"{file} holds a 'cal' model of ModelType {cal.ModelType}, not '{Mcn}'");
        return spec with { Config = cal with { ModelType = ProposalModelType.Mcn } };
    }

    /// <summary>The model in <paramref name="path"/> (any format), with the config <paramref name="config"/> gives or the
    /// file records, as the --kind name asks.</summary>
    public static LoadedModel<torch.nn.Module> Load(string path, FileInfo? config, string? kind)
    {
        var given = config is null ? null
            : Fit(ModelConfigFiles.Read(config.FullName, Registered(kind)), kind, config.FullName, RecordsModelType(config.FullName));
        var loaded = ModelFiles.Load(path, given, Registered(kind));
        var fitted = Fit(loaded.Spec, kind, path, given is null && ModelFiles.Detect(path) == WeightFormat.Suite);
        if (fitted == loaded.Spec) return loaded;
        loaded.Model.Dispose();
        return ModelFiles.Load(path, fitted);
    }

    /// <summary>True when the config file is the suite's description {"model": kind, "config": {...}} and its config sets
    /// ModelType (a reference model_cfg cannot; a description without it leaves it to --kind).</summary>
    public static bool RecordsModelType(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String
                && root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty(nameof(CalConfig.ModelType), out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
