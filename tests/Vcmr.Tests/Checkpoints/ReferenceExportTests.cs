using System.Diagnostics;
using Vcmr.Checkpoints;
using Vcmr.Data;
using Vcmr.Models.Xml;
using Vcmr.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vcmr.Tests.Checkpoints;

/// <summary>
/// The other direction of the parity fixture: a model the suite made, exported to PyTorch, is loaded by the reference
/// code itself (XML(model_cfg) + load_state_dict(strict=True), and torch.load(weights_only=True) of the bare state
/// dict) and computes what the suite computed. Needs Python with torch and easydict (VCMR_PYTHON, default python3)
/// and a TVRetrieval checkout at d99a9ea (VCMR_TVR_CHECKOUT); skips without them.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public class ReferenceExportTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(XmlParityTests.Configs), MemberType = typeof(XmlParityTests))]
    public void TheReferenceLoadsTheSuitesExportStrictlyAndAgrees(string name)
    {
        string? checkout = System.Environment.GetEnvironmentVariable("VCMR_TVR_CHECKOUT");
        Skip.If(string.IsNullOrEmpty(checkout), "VCMR_TVR_CHECKOUT (a jayleicn/TVRetrieval checkout at d99a9ea) is not set");
        string python = System.Environment.GetEnvironmentVariable("VCMR_PYTHON") is { Length: > 0 } p ? p : "python3";
        Skip.IfNot(Run(python, "-c \"import torch, easydict\"").Code == 0, $"{python} cannot import torch and easydict");

        string dir = ModelFilesTests.TempDir();
        using var fixture = SafetensorsFile.Read(XmlParityTests.Fixture(name + ".safetensors"));
        var config = ModelFiles.Load<XmlModel>(XmlParityTests.Fixture(name + ".ckpt")).Model.Config;
        using var model = ModelFilesTests.Perturbed(config, 11); // the suite's own weights, not the reference's
        model.eval();
        using var scope = NewDisposeScope();
        var data = fixture.Tensors;
        var ids = Enumerable.Range(0, (int)data["query_feat"].shape[0]).ToArray();
        var queryBatch = new QueryBatch(ids, data["query_feat"], data["query_mask"]);
        var context = new ContextBatch(ids.Select(i => $"v{i}").ToArray(), data.GetValueOrDefault("video_feat"), data.GetValueOrDefault("sub_feat"), data["ctx_mask"]);
        var labels = data["st_ed_indices"];
        var train = model.Forward(new TrainingBatch(queryBatch, context, labels[.., 0], labels[.., 1]));
        var queries = model.EncodeQueries(queryBatch);
        var encoded = model.EncodeContext(context);
        var candidates = arange(ids.Length).unsqueeze(0).expand(ids.Length, ids.Length).contiguous();
        var (st, ed, _) = model.Localize(queries, encoded, candidates);
        var expected = data.Where(kv => !kv.Key.Contains("logits") && !kv.Key.Contains("scores") && !kv.Key.Contains("loss") && !kv.Key.StartsWith("neg_"))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        expected["train_video_scores"] = train.VideoScores;
        expected["train_st_logits"] = train.StartLogits;
        expected["train_ed_logits"] = train.EndLogits;
        expected["corpus_video_scores"] = model.ScoreVideos(queries, encoded);
        expected["corpus_st_logits"] = st;
        expected["corpus_ed_logits"] = ed;
        string expectedPath = Path.Combine(dir, "expected.safetensors"), ckpt = Path.Combine(dir, "model.ckpt"), stateDict = Path.Combine(dir, "model.pt");
        SafetensorsFile.Write(expectedPath, expected);
        ModelFiles.Save(model, ckpt, WeightFormat.PyTorch, epoch: 3);
        ModelFiles.Save(model, stateDict, WeightFormat.PyTorch, stateDictOnly: true);

        string script = Path.Combine(RepoPaths.Root, "tests", "fixtures", "xml-parity", "check_export.py");
        var (code, text) = Run(python, $"\"{script}\" \"{checkout}\" \"{ckpt}\" \"{stateDict}\" \"{expectedPath}\"");
        output.WriteLine(text);
        Assert.True(code == 0, text);
    }

    private static (int Code, string Output) Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
