using TorchSharp;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Experiments;
using Vcmr.Inference;
using static TorchSharp.torch;

namespace Vcmr.Cli;

/// <summary>A first stage given on the command line as a model file: a retriever of the suite (any format
/// <see cref="ModelFiles"/> reads), run on the corpus read with its own kind's options.</summary>
internal static class FirstStageFile
{
    /// <summary>The candidates of each (split, top K) asked for, in order.</summary>
    public static List<VideoCandidates> Candidates(string path, ITvrCorpus corpus, Device device, TextWriter console, params (string Split, int TopK)[] runs)
    {
        var loaded = ModelFiles.Load(path);
        using var retriever = loaded.Model;
        RetrieverStage stage;
        try
        {
            stage = AnyModel.Retriever(retriever);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--first-stage {path}: {e.Message}", e);
        }
        retriever.to(device).eval();
        console.WriteLine($"first stage: {path}, {ModelFiles.Summary(loaded.Spec)}");
        using var data = TvrData.Open(corpus, device, RunPresets.Features(loaded.Spec, corpus));
        return [.. runs.Select(r => stage.Retrieve(data, r.Split, r.TopK))];
    }
}
