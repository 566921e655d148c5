using System.Globalization;
using System.Text;
using Vcmr.Data;
using Vcmr.Models.Xml;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>
/// How the reference XML (jayleicn/TVRetrieval, baselines/crossmodal_moment_localization) describes a model: the
/// <c>model_cfg</c> EasyDict that train.py saves beside the state dict, mapped to and from <see cref="XmlConfig"/>,
/// and the one state-dict entry the reference has and the suite does not (model_xml.py always creates
/// <c>modular_vector_mapping</c>, even with --no_modular, where it is unused). <see cref="Mapping"/> is what
/// <see cref="ModelFiles"/> reads and writes XML's reference files through.
/// </summary>
public static class XmlReference
{
    /// <summary>XML's entry in <see cref="ReferenceMappings"/>.</summary>
    public sealed class Mapping : ReferenceMapping<XmlConfig, XmlModel>
    {
        // model_cfg keys only XML's train.py saves, and the first-layer names of its state dict
        private static readonly string[] OwnKeys = ["cross_att", "merge_two_stream", "span_predictor_type", "n_heads", "lw_neg_ctx", "no_modular"];

        public override string Kind => XmlModel.KindName;
        public override string Reference => "XML, jayleicn/TVRetrieval baselines/crossmodal_moment_localization";
        public override bool Recognizes(ReferenceFile file) => OwnKeys.Any(file.HasCfgKey)
            || (file.HasTensorUnder("query_pos_embed.") && (file.HasTensorUnder("video_encoder1.") || file.HasTensorUnder("sub_encoder1.")));
        public override XmlConfig Config(ReferenceFile file) => FromModelCfg(file.RequireModelCfg(), file.Path);
        public override PyDict ToModelCfg(XmlConfig config) => XmlReference.ToModelCfg(config);
        public override IReadOnlyDictionary<string, Tensor> ToReference(XmlModel model) => ToReferenceStateDict(model);
        public override IReadOnlyDictionary<string, Tensor> FromReference(IReadOnlyDictionary<string, Tensor> tensors, XmlConfig config) =>
            FromReferenceStateDict(tensors, config);
        public override string Summary(XmlConfig config) => XmlReference.Summary(config);
    }

    /// <summary>A one-line description of a config, for messages.</summary>
    public static string Summary(XmlConfig c) => new StringBuilder()
        .Append($"{c.ContextMode}{(c.UseTef ? "+tef" : "")}, hidden {c.HiddenSize}, {c.Heads} heads, visual {c.VisualDim}, text {c.TextDim}")
        .Append(c.UsesCrossAttention ? ", cross-attention" : "").Append(c.Modular ? ", modular" : ", max-pooled query")
        .Append(c.StackedConvKernelSizes is { } k ? $", stacked ConvSE [{string.Join(", ", k)}]" : $", ConvSE {c.ConvKernelSize}")
        .ToString();

    private const string ModularWeight = "modular_vector_mapping.weight";

    // model_cfg keys that do not change XML's computation: RNN-encoder options, the unused positional-encoding type,
    // cross_att_drop (the reference builds cross-attention with `drop`), and per-epoch training state.
    private static readonly HashSet<string> Inert =
    [
        "add_pe_rnn", "pe_type", "cross_att_drop", "use_hard_negative", "use_self_attention", "max_position_embeddings",
    ];

    private static readonly string[] Mapped =
    [
        "merge_two_stream", "cross_att", "span_predictor_type", "encoder_type", "visual_input_size", "sub_input_size",
        "query_input_size", "hidden_size", "stack_conv_predictor_conv_kernel_sizes", "conv_kernel_size", "conv_stride",
        "max_ctx_l", "max_desc_l", "input_drop", "drop", "n_heads", "initializer_range", "ctx_mode", "margin",
        "ranking_loss_type", "lw_neg_q", "lw_neg_ctx", "lw_st_ed", "hard_pool_size", "no_modular",
    ];

    /// <summary>The XmlConfig a reference model_cfg describes. Keys absent from <paramref name="cfg"/> keep the paper
    /// defaults; unknown keys and settings the suite's XML does not implement are one error naming the keys.</summary>
    public static XmlConfig FromModelCfg(PyDict cfg, string source)
    {
        var unknown = cfg.Keys.Where(k => !Inert.Contains(k) && !Mapped.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new DataFormatException($"{source}: model_cfg has key{(unknown.Count > 1 ? "s" : "")} the suite's XML does not know: {string.Join(", ", unknown)} (known: {string.Join(", ", Mapped.Concat(Inert))})");
        var r = new PyConfigReader(cfg, source);
        var paper = XmlConfig.Paper;
        var (mode, tef) = ParseContextMode(r.String("ctx_mode", "video_sub"), source);
        bool video = mode != ContextMode.Sub, sub = mode != ContextMode.Video, both = video && sub;
        r.Require("span_predictor_type", "conv", "the suite's XML has the ConvSE ('conv') span predictor only");
        r.Require("encoder_type", "transformer", "the suite's XML has the self-attention ('transformer') encoder only");
        r.Require("conv_stride", 1L, "ConvSE keeps the clip axis (stride 1)");
        bool merge = r.Bool("merge_two_stream", true), cross = r.Bool("cross_att", true);
        if (both && !merge) r.Fail("merge_two_stream", "False with two streams (separate start/end predictors per stream) is not implemented by the suite's XML");
        if (!both && merge) r.Fail("merge_two_stream", $"True with ctx_mode '{cfg["ctx_mode"]}': the reference cannot run one stream with merged predictors (train with --no_merge_two_stream)");
        if (!both && cross) r.Fail("cross_att", $"True with ctx_mode '{cfg["ctx_mode"]}': cross-attention needs both streams (the reference asserts this)");
        int extra = tef ? 2 : 0;
        int text = r.Int("query_input_size", paper.TextDim);
        if (sub && r.Int("sub_input_size", text + extra) != text + extra)
            r.Fail("sub_input_size", $"{cfg["sub_input_size"]}, but the suite reads queries and subtitles at one width: query_input_size {text}{(tef ? " + 2 (tef)" : "")} = {text + extra}");
        // config.py adds the tef columns to visual_input_size only with video, and leaves it None without video
        int visual = r.Int("visual_input_size", paper.VisualDim + (video ? extra : 0)) - (video ? extra : 0);
        var stacked = r.Stacked("stack_conv_predictor_conv_kernel_sizes");
        var config = paper with
        {
            VisualDim = visual, TextDim = text, UseTef = tef, ContextMode = mode,
            HiddenSize = r.Int("hidden_size", paper.HiddenSize),
            Heads = r.Int("n_heads", paper.Heads),
            InputDropout = r.Double("input_drop", paper.InputDropout),
            Dropout = r.Double("drop", paper.Dropout),
            MaxContextLength = r.Int("max_ctx_l", paper.MaxContextLength),
            MaxQueryLength = r.Int("max_desc_l", paper.MaxQueryLength),
            InitializerRange = r.Double("initializer_range", paper.InitializerRange),
            Modular = !r.Bool("no_modular", false),
            CrossAttention = cross,
            ConvKernelSize = r.Int("conv_kernel_size", paper.ConvKernelSize),
            StackedConvKernelSizes = stacked,
            RankingLoss = r.String("ranking_loss_type", "hinge") switch
            {
                "hinge" => RankingLoss.Hinge,
                "lse" => RankingLoss.Lse,
                var other => throw r.Error("ranking_loss_type", $"'{other}' is not 'hinge' or 'lse'"),
            },
            Margin = r.Double("margin", paper.Margin),
            LossWeightNegQuery = r.Double("lw_neg_q", paper.LossWeightNegQuery),
            LossWeightNegContext = r.Double("lw_neg_ctx", paper.LossWeightNegContext),
            LossWeightStartEnd = r.Double("lw_st_ed", paper.LossWeightStartEnd),
            HardPoolSize = r.Int("hard_pool_size", paper.HardPoolSize),
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: model_cfg describes an invalid model: {e.Message}", e);
        }
    }

    /// <summary>The model_cfg train.py would have saved for <paramref name="config"/> (an EasyDict, keys in
    /// train.py's order), so the reference's inference.py can build the model from a converted checkpoint.</summary>
    public static PyDict ToModelCfg(XmlConfig config)
    {
        int extra = config.UseTef ? 2 : 0;
        return new PyDict(PyDict.EasyDict)
        {
            ["merge_two_stream"] = config.StreamCount == 2,
            ["cross_att"] = config.UsesCrossAttention,
            ["span_predictor_type"] = "conv",
            ["encoder_type"] = "transformer",
            ["add_pe_rnn"] = false,
            ["pe_type"] = "cosine",
            // config.py adds the 2 tef columns to each stream's input size; without video the model ignores the size
            ["visual_input_size"] = (long)(config.VisualDim + (config.HasVideo ? extra : 0)),
            ["sub_input_size"] = (long)(config.TextDim + (config.HasSub ? extra : 0)),
            ["query_input_size"] = (long)config.TextDim,
            ["hidden_size"] = (long)config.HiddenSize,
            ["stack_conv_predictor_conv_kernel_sizes"] = config.StackedConvKernelSizes is { } sizes ? sizes.Select(k => (object?)(long)k).ToList() : -1L,
            ["conv_kernel_size"] = (long)config.ConvKernelSize,
            ["conv_stride"] = 1L,
            ["max_ctx_l"] = (long)config.MaxContextLength,
            ["max_desc_l"] = (long)config.MaxQueryLength,
            ["input_drop"] = config.InputDropout,
            ["cross_att_drop"] = config.Dropout,
            ["drop"] = config.Dropout,
            ["n_heads"] = (long)config.Heads,
            ["initializer_range"] = config.InitializerRange,
            ["ctx_mode"] = ContextModeName(config),
            ["margin"] = config.Margin,
            ["ranking_loss_type"] = config.RankingLoss == RankingLoss.Hinge ? "hinge" : "lse",
            ["lw_neg_q"] = config.LossWeightNegQuery,
            ["lw_neg_ctx"] = config.LossWeightNegContext,
            ["lw_st_ed"] = config.LossWeightStartEnd,
            ["use_hard_negative"] = false,
            ["hard_pool_size"] = (long)config.HardPoolSize,
            ["use_self_attention"] = true,
            ["no_modular"] = !config.Modular,
        };
    }

    /// <summary>The suite's state dict in the reference's layout: adds the reference-only entries (zeros, since the
    /// reference never reads them) so that the reference's load_state_dict(strict=True) accepts it.</summary>
    public static Dictionary<string, Tensor> ToReferenceStateDict(XmlModel model)
    {
        var dict = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        if (!model.Config.Modular) dict[ModularWeight] = zeros(model.Config.StreamCount, model.Config.HiddenSize);
        return dict;
    }

    /// <summary>A reference state dict without the entries the suite's XML does not have (for <paramref name="config"/>).</summary>
    public static IReadOnlyDictionary<string, Tensor> FromReferenceStateDict(IReadOnlyDictionary<string, Tensor> tensors, XmlConfig config) =>
        config.Modular ? tensors : tensors.Where(kv => kv.Key != ModularWeight).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static string ContextModeName(XmlConfig config) => config.ContextMode switch
    {
        ContextMode.Video => "video",
        ContextMode.Sub => "sub",
        _ => "video_sub",
    } + (config.UseTef ? "_tef" : "");

    private static (ContextMode Mode, bool Tef) ParseContextMode(string name, string source)
    {
        bool tef = name.EndsWith("_tef", StringComparison.Ordinal);
        return (tef ? name[..^4] : name) switch
        {
            "video" => (ContextMode.Video, tef),
            "sub" => (ContextMode.Sub, tef),
            "video_sub" => (ContextMode.VideoSub, tef),
            _ => throw new DataFormatException($"{source}: model_cfg.ctx_mode '{name}' is not one of video, sub, video_sub (each optionally with _tef)"),
        };
    }
}
