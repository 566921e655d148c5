using Vcmr.Models.Conquer;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>
/// CONQUER's entry in <see cref="ReferenceMappings"/>, over <see cref="ConquerReference"/>: train.py's model_cfg (nested
/// BERT, NetVLAD, scoring and localization settings) plus, when it lies beside the file, the run's opt.json (widths,
/// ctx_mode, similarity, loss weights); without it the state dict's shapes fill in what model_cfg does not say. The
/// state dicts map one to one (the suite's submodules keep the reference's names). Writing gives model_cfg only: a
/// reference inference.py also wants the run's opt.json (<see cref="ConquerReference.ToOptions"/>).
/// </summary>
public sealed class ConquerReferenceMapping : ReferenceMapping<ConquerConfig, ConquerModel>
{
    public override string Kind => ConquerModel.KindName;
    public override string Reference => "CONQUER, houzhijian/CONQUER d4af371";

    // model_config.json's sections no TVR baseline's model_cfg has
    public override bool Recognizes(ReferenceFile file) => file.HasCfgKey("netvlad_config") || file.HasCfgKey("moment_localization_config");

    public override ConquerConfig Config(ReferenceFile file)
    {
        string? options = ConquerReference.OptionsBeside(file.Path);
        return ConquerReference.FromReference(file.RequireModelCfg(), options is null ? null : ConquerReference.ReadOptions(options),
            file.StateDict.Count > 0 ? file.StateDict : null, options is null ? file.Path : $"{file.Path} with {options}");
    }

    public override PyDict ToModelCfg(ConquerConfig config) => ConquerReference.ToModelCfg(config);

    public override string Summary(ConquerConfig c) =>
        $"{c.Similarity}, {c.Context}{(c.UsesQueryWeights ? ", QDF" : "")}, visual {c.VisualDim}, text {c.TextDim}, query {c.QueryDim}, hidden {c.HiddenSize}";
}
