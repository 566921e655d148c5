using System.CommandLine;
using Vcmr.Checkpoints;
using Vcmr.Data;

namespace Vcmr.Cli;

/// <summary><c>vcmr convert INPUT OUTPUT [--to suite|pytorch|safetensors] [--config FILE] [--kind K] [--state-dict-only]</c>:
/// the weights of any registered model kind from one format to another.</summary>
internal static class ConvertCommand
{
    public static Command Create(TextWriter console)
    {
        var input = new Argument<FileInfo>("input") { Description = "a suite checkpoint, a PyTorch file (the reference's training checkpoint or a state dict) or a safetensors file; the format is read from the file" };
        var output = new Argument<FileInfo>("output") { Description = "the file to write (written whole or not at all)" };
        var to = new Option<WeightFormat?>("--to") { Description = "output format; default from the output's extension: .safetensors, .pt/.pth/.bin (PyTorch); .ckpt needs --to suite or --to pytorch" };
        var config = new Option<FileInfo?>("--config") { Description = "model config JSON (the suite's config.json, or the reference's model_cfg keys) to use instead of the one the input records; needed for a bare state dict" };
        var kind = KindOption.Create("the model kind the input holds; needed when a reference file could be several kinds");
        var stateDictOnly = new Option<bool>("--state-dict-only") { Description = "PyTorch output: the bare state dict (torch.load(weights_only=True), TorchSharp.PyBridge load_py) instead of the reference's {model, model_cfg, epoch} checkpoint" };
        var command = new Command("convert", "Convert model weights between the suite's checkpoints, PyTorch files (reference checkpoints, state dicts) and safetensors.")
        {
            input, output, to, config, kind, stateDictOnly,
        };
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(to), parse.GetValue(config),
            parse.GetValue(stateDictOnly), console, parse.GetValue(kind)));
        return command;
    }

    internal static int Run(FileInfo input, FileInfo output, WeightFormat? to, FileInfo? config, bool stateDictOnly, TextWriter console,
        string? kind = null) =>
        CommandLine.Guard(console, () =>
        {
            KindOption.Check(kind);
            CommandLine.CheckInput(input, "input");
            if (config != null) CommandLine.CheckInput(config, "--config");
            CommandLine.CheckOutput(output, "output", config == null ? [(input, "input")] : [(input, "input"), (config, "--config")]);
            var format = to ?? FormatOf(output);
            if (stateDictOnly && format != WeightFormat.PyTorch)
                throw new ArgumentException($"--state-dict-only applies to PyTorch output, not {format}");
            var loaded = KindOption.Load(input.FullName, config, kind);
            using var model = loaded.Model;
            console.WriteLine($"read {input.FullName}: {loaded.Layout}{(loaded.Epoch is { } e ? $", epoch {e}" : "")}, " +
                $"{ModelFiles.Summary(loaded.Spec)}{(config is null ? "" : $", config from {config.FullName}")}");
            ModelFiles.Save(model, output.FullName, format, loaded.Epoch ?? 0, stateDictOnly);
            console.WriteLine($"written {output.FullName}: {Describe(format, stateDictOnly)}");
            return CommandLine.Success;
        });

    internal static WeightFormat FormatOf(FileInfo output) => output.Extension.ToLowerInvariant() switch
    {
        ".safetensors" => WeightFormat.Safetensors,
        ".pt" or ".pth" or ".bin" => WeightFormat.PyTorch,
        ".ckpt" => throw new ArgumentException($"{output.FullName}: '.ckpt' is used by both the suite and the reference's train.py; give --to suite or --to pytorch"),
        var ext => throw new ArgumentException($"{output.FullName}: cannot tell the format from '{ext}'; give --to suite, pytorch or safetensors"),
    };

    private static string Describe(WeightFormat format, bool stateDictOnly) => format switch
    {
        WeightFormat.Suite => "suite checkpoint (config, epoch and model tensors; no optimiser state)",
        WeightFormat.PyTorch when stateDictOnly => "PyTorch state dict (reference names)",
        WeightFormat.PyTorch => "PyTorch checkpoint {model, model_cfg, epoch} as the reference's train.py writes (load with its inference.py, or build the model from ckpt[\"model_cfg\"] and load_state_dict(ckpt[\"model\"]))",
        _ => "safetensors (reference names; the config in the metadata as vcmr_config, and model_cfg where the kind has a reference mapping)",
    };
}
