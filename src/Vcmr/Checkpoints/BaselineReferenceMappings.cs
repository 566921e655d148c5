using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Baselines.Mee;

namespace Vcmr.Checkpoints;

/// <summary>MEE's entry in <see cref="ReferenceMappings"/> (jayleicn/TVRetrieval baselines/mixture_embedding_experts),
/// over <see cref="MeeReference"/>; the state dicts map one to one. Recognised by its NetVLAD query pooling.</summary>
public sealed class MeeReferenceMapping : ReferenceMapping<MeeConfig, MeeModel>
{
    public override string Kind => MeeModel.KindName;
    public override string Reference => "MEE, jayleicn/TVRetrieval baselines/mixture_embedding_experts";
    public override bool Recognizes(ReferenceFile file) => file.HasTensorUnder("query_pooling.");
    public override MeeConfig Config(ReferenceFile file) => MeeReference.FromModelCfg(file.RequireModelCfg(), file.Path);
    public override PyDict ToModelCfg(MeeConfig config) => MeeReference.ToModelCfg(config);
    public override string Summary(MeeConfig c) => $"{c.ContextMode}, visual {c.VisualDim}, text {c.TextDim}, output {c.OutputSize}";
}

/// <summary>CAL's entry in <see cref="ReferenceMappings"/> (baselines/clip_alignment_with_language), over
/// <see cref="CalReference"/>. The reference's train.py takes CAL or MCN from its command line, not from model_cfg, and
/// both have the same state dict: a file read through the mapping is CAL; <see cref="CalReference.Load"/> takes MCN.</summary>
public sealed class CalReferenceMapping : ReferenceMapping<CalConfig, CalModel>
{
    public override string Kind => CalModel.KindName;
    public override string Reference => "CAL/MCN, jayleicn/TVRetrieval baselines/clip_alignment_with_language";
    public override bool Recognizes(ReferenceFile file) => file.HasTensorUnder("query_lstm.") || file.HasTensorUnder("video_moment_mlp.") || file.HasTensorUnder("sub_moment_mlp.");
    public override CalConfig Config(ReferenceFile file) => CalReference.FromModelCfg(file.RequireModelCfg(), file.Path);
    public override PyDict ToModelCfg(CalConfig config) => CalReference.ToModelCfg(config);
    public override string Summary(CalConfig c) => $"{c.ModelType}, {c.ContextMode}{(c.UseTef ? "+tef" : "")}, hidden {c.HiddenSize}";
}

/// <summary>ExCL's entry in <see cref="ReferenceMappings"/> (baselines/excl), over <see cref="ExclReference"/>.</summary>
public sealed class ExclReferenceMapping : ReferenceMapping<ExclConfig, ExclModel>
{
    public override string Kind => ExclModel.KindName;
    public override string Reference => "ExCL, jayleicn/TVRetrieval baselines/excl";
    // its start heads are MLPs (Sequential "0", "2"); XML's are convolutions beside a query position embedding
    public override bool Recognizes(ReferenceFile file) => !file.HasTensorUnder("query_pos_embed.")
        && (file.HasTensorUnder("video_st_predictor.0.") || file.HasTensorUnder("sub_st_predictor.0."));
    public override ExclConfig Config(ReferenceFile file) => ExclReference.FromModelCfg(file.RequireModelCfg(), file.Path);
    public override PyDict ToModelCfg(ExclConfig config) => ExclReference.ToModelCfg(config);
    public override string Summary(ExclConfig c) => $"{c.ContextMode}{(c.UseTef ? "+tef" : "")}, hidden {c.HiddenSize}";
}
