using System.Collections.Concurrent;
using Vcmr.Inference;
using Vcmr.Models;

namespace Vcmr.Experiments;

/// <summary>The inference settings a model kind runs with by default (span window, fusion, top videos), by kind and
/// config; a kind without an entry runs with TVR's (XML's) settings.</summary>
public static class InferencePresets
{
    private static readonly ConcurrentDictionary<string, Func<object, CorpusInferenceOptions>> _presets = new(StringComparer.Ordinal);

    /// <summary>Sets the preset of <paramref name="kind"/> (a later call replaces it).</summary>
    public static void Register(string kind, Func<object, CorpusInferenceOptions> preset) => _presets[kind] = preset;

    /// <summary>The preset of a model's kind for its config.</summary>
    public static CorpusInferenceOptions For(IConfiguredModel model) =>
        _presets.TryGetValue(model.Kind, out var preset) ? preset(model.Config) : CorpusInferenceOptions.Tvr;
}
