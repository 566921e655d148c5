using Vcmr.Data;
using Vcmr.Models.Conquer;
using static TorchSharp.torch;



namespace Vcmr.Checkpoints;

/// <summary>
/// How the reference CONQUER (houzhijian/CONQUER d4af371) describes a model. train.py saves
/// <c>{"model": state_dict, "model_cfg": model_config.json as a nested EasyDict, "epoch": n}</c>; the rest of the
/// model (input widths, ctx_mode, no_output_moe_weight, similarity_measure, loss weights) is in the run's options,
/// results_dir/opt.json, which inference.py reads beside the checkpoint. Both map to and from <see cref="ConquerConfig"/>.
/// Without opt.json the state dict's shapes give the widths, the context mode, QDF and the video scoring head (the
/// exclusive similarity); general and disjoint have the same weights, so that choice then defaults to general.
/// </summary>
public static class ConquerReference
{
    /// <summary>The name of the options file beside a reference checkpoint.</summary>
    public const string OptionsFile = "opt.json";

    private static readonly HashSet<string> ModelCfgKeys =
    [
        "initializer_range", "bert_config", "query_bert_config", "netvlad_config", "video_scoring_config", "moment_localization_config",
    ];

    private static readonly HashSet<string> BertKeys =
    [
        "attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob", "hidden_size", "initializer_range", "intermediate_size",
        "max_position_embeddings", "num_attention_heads", "num_hidden_layers", "type_vocab_size", "layer_norm_eps",
        "output_attentions", "output_hidden_states",
    ];

    /// <summary>The ConquerConfig of a reference model_cfg and, when given, the run's opt.json options; without
    /// options the state dict's shapes (<paramref name="stateDict"/>) fill in what model_cfg does not say.</summary>
    public static ConquerConfig FromReference(PyDict modelCfg, PyDict? options, IReadOnlyDictionary<string, Tensor>? stateDict, string source)
    {
        var unknown = modelCfg.Keys.Where(k => !ModelCfgKeys.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new DataFormatException($"{source}: model_cfg has key{(unknown.Count > 1 ? "s" : "")} CONQUER's model_config.json does not have: {string.Join(", ", unknown)} (known: {string.Join(", ", ModelCfgKeys)})");
        var cfg = new PyConfigReader(modelCfg, source);
        var bert = Bert(cfg.Dict("bert_config"));
        var query = Bert(cfg.Dict("query_bert_config"));
        foreach (var (key, a, b) in new (string, object, object)[]
        {
            ("hidden_size", bert.Hidden, query.Hidden), ("num_attention_heads", bert.Heads, query.Heads), ("num_hidden_layers", bert.Layers, query.Layers),
            ("intermediate_size", bert.Intermediate, query.Intermediate), ("hidden_dropout_prob", bert.Dropout, query.Dropout),
            ("attention_probs_dropout_prob", bert.AttentionDropout, query.AttentionDropout), ("layer_norm_eps", bert.Eps, query.Eps),
        })
            if (!a.Equals(b)) cfg.Dict("query_bert_config").Fail(key, $"{b} differs from bert_config.{key} {a}: the suite builds every CONQUER transformer from one set of these");
        var netvlad = cfg.Dict("netvlad_config");
        if (netvlad.Int("hidden_size", bert.Hidden) != bert.Hidden) netvlad.Fail("hidden_size", $"must equal bert_config.hidden_size {bert.Hidden} (NetVLAD pools the encoded query)");
        int scoringHidden = Scoring(cfg.Dict("video_scoring_config"), bert.Hidden);
        var (convChannels, kernel) = Conv(cfg.Dict("moment_localization_config"), bert.Hidden);

        var paper = ConquerConfig.Paper;
        var config = paper with
        {
            HiddenSize = bert.Hidden, Heads = bert.Heads, Layers = bert.Layers, IntermediateSize = bert.Intermediate,
            Dropout = bert.Dropout, AttentionDropout = bert.AttentionDropout, LayerNormEps = bert.Eps,
            InitializerRange = cfg.Double("initializer_range", paper.InitializerRange),
            MaxContextLength = bert.MaxPositions, MaxQueryLength = query.MaxPositions,
            NetVladClusters = netvlad.Int("text_cluster", paper.NetVladClusters),
            MoeDropout = netvlad.Double("moe_dropout_prob", paper.MoeDropout),
            VideoScoringHidden = scoringHidden, ConvChannels = convChannels, ConvKernelSize = kernel,
        };
        config = options is not null ? WithOptions(config, new PyConfigReader(options, source, OptionsFile))
            : stateDict is not null ? FromShapes(config, stateDict) : config;
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"{source}: the reference's settings describe an invalid CONQUER: {e.Message}", e);
        }
    }

    private sealed record BertSettings(int Hidden, int Heads, int Layers, int Intermediate, double Dropout, double AttentionDropout, double Eps, int MaxPositions);

    private static BertSettings Bert(PyConfigReader r)
    {
        r.Require("hidden_act", "gelu", "the suite's BERT layers use GELU");
        r.Require("type_vocab_size", 2L, "CONQUER's token types are 0 (visual) and 1 (subtitle, query)");
        var p = ConquerConfig.Paper;
        return new BertSettings(r.Int("hidden_size", p.HiddenSize), r.Int("num_attention_heads", p.Heads), r.Int("num_hidden_layers", p.Layers),
            r.Int("intermediate_size", p.IntermediateSize), r.Double("hidden_dropout_prob", p.Dropout),
            r.Double("attention_probs_dropout_prob", p.AttentionDropout), r.Double("layer_norm_eps", p.LayerNormEps),
            r.Int("max_position_embeddings", p.MaxContextLength));
    }

    private static int Scoring(PyConfigReader r, int hidden)
    {
        var l1 = r.Dict("linear_1_cfg");
        var l2 = r.Dict("linear_2_cfg");
        if (l1.Int("in_features", hidden) != hidden) l1.Fail("in_features", $"must equal the hidden size {hidden}");
        int mid = l1.Int("out_features", ConquerConfig.Paper.VideoScoringHidden);
        if (l2.Int("in_features", mid) != mid) l2.Fail("in_features", $"must equal linear_1_cfg.out_features {mid}");
        l2.Require("out_features", 1L, "the head gives one logit per video");
        l1.Require("bias", false, "the reference's video scoring layers have no bias");
        l2.Require("bias", false, "the reference's video scoring layers have no bias");
        return mid;
    }

    private static (int Channels, int Kernel) Conv(PyConfigReader r, int hidden)
    {
        var c1 = r.Dict("conv_cfg_1");
        var c2 = r.Dict("conv_cfg_2");
        if (c1.Int("in_channels", hidden) != hidden) c1.Fail("in_channels", $"must equal the hidden size {hidden}");
        int channels = c1.Int("out_channels", ConquerConfig.Paper.ConvChannels);
        int kernel = c1.Int("kernel_size", ConquerConfig.Paper.ConvKernelSize);
        if (c1.Int("padding", kernel / 2) != kernel / 2) c1.Fail("padding", $"must be kernel_size / 2 = {kernel / 2} (ConvSE keeps the clip axis)");
        c1.Require("stride", 1L, "ConvSE keeps the clip axis");
        c1.Require("bias", false, "ConvSE's convolutions have no bias");
        if (c2.Int("in_channels", channels) != channels) c2.Fail("in_channels", $"must equal conv_cfg_1.out_channels {channels}");
        c2.Require("out_channels", 1L, "ConvSE gives one logit per clip");
        c2.Require("kernel_size", 1L, "the suite's ConvSE reads out with a 1-wide kernel");
        c2.Require("stride", 1L, "ConvSE keeps the clip axis");
        c2.Require("padding", 0L, "a 1-wide kernel needs no padding");
        c2.Require("bias", false, "ConvSE's convolutions have no bias");
        return (channels, kernel);
    }

    private static ConquerConfig WithOptions(ConquerConfig c, PyConfigReader o)
    {
        if (o.Int("hidden_dim", c.HiddenSize) != c.HiddenSize)
            o.Fail("hidden_dim", $"must equal model_cfg.bert_config.hidden_size {c.HiddenSize}");
        if (o.Int("max_ctx_len", c.MaxContextLength) != c.MaxContextLength)
            o.Fail("max_ctx_len", $"must equal model_cfg.bert_config.max_position_embeddings {c.MaxContextLength} (the suite pads videos to the position table)");
        if (o.Int("max_desc_len", c.MaxQueryLength) != c.MaxQueryLength)
            o.Fail("max_desc_len", $"must equal model_cfg.query_bert_config.max_position_embeddings {c.MaxQueryLength}");
        int negatives = o.Int("neg_video_num", c.NegativeVideos);
        double nms = o.Double("nms_thd", -1);
        return c with
        {
            VisualDim = o.Int("visual_dim", c.VisualDim), TextDim = o.Int("text_dim", c.TextDim), QueryDim = o.Int("query_dim", c.QueryDim),
            Context = o.String("ctx_mode", "visual_sub") switch
            {
                "visual_sub" => ConquerContext.VisualSub,
                "visual" => ConquerContext.Visual,
                "sub" => throw o.Error("ctx_mode", "'sub' is not supported: the reference's encoder then reads the visual features as subtitles"),
                var other => throw o.Error("ctx_mode", $"'{other}' is not visual_sub or visual"),
            },
            QueryDependentFusion = !o.Bool("no_output_moe_weight", false),
            Similarity = o.String("similarity_measure", "general") switch
            {
                "general" => SimilarityMeasure.General,
                "exclusive" => SimilarityMeasure.Exclusive,
                "disjoint" => SimilarityMeasure.Disjoint,
                var other => throw o.Error("similarity_measure", $"'{other}' is not general, exclusive or disjoint"),
            },
            LossWeightStartEnd = o.Double("lw_st_ed", c.LossWeightStartEnd),
            LossWeightVideoCe = o.Double("lw_video_ce", c.LossWeightVideoCe),
            SharedNormalization = negatives > 0,
            NegativeVideos = negatives > 0 ? negatives : c.NegativeVideos,
            ExtendPool = o.Int("use_extend_pool", c.ExtendPool),
            MinSpan = o.Int("min_pred_l", c.MinSpan), MaxSpan = o.Int("max_pred_l", c.MaxSpan),
            TopVideos = o.Int("max_vcmr_video", c.TopVideos), MaxBeforeNms = o.Int("max_before_nms", c.MaxBeforeNms),
            NmsThreshold = nms == -1 ? null : nms,
        };
    }

    private const string VisualLinear = "encoder.videoEncoder.img_linear.net.1.weight", SubLinear = "encoder.videoEncoder.text_linear.net.1.weight",
        OneModalLinear = "encoder.videoEncoder.linear.net.1.weight", QueryLinear = "encoder.queryEncoder.linear.net.1.weight";

    private static ConquerConfig FromShapes(ConquerConfig c, IReadOnlyDictionary<string, Tensor> s)
    {
        int In(string key) => (int)s[key].shape[1];
        var config = c with
        {
            QueryDim = s.ContainsKey(QueryLinear) ? In(QueryLinear) : c.QueryDim,
            QueryDependentFusion = s.Keys.Any(k => k.StartsWith("query_weight.", StringComparison.Ordinal)),
            Similarity = s.Keys.Any(k => k.StartsWith("video_scoring_head.", StringComparison.Ordinal)) ? SimilarityMeasure.Exclusive : SimilarityMeasure.General,
        };
        if (s.ContainsKey(VisualLinear))
            return config with { Context = ConquerContext.VisualSub, VisualDim = In(VisualLinear), TextDim = s.ContainsKey(SubLinear) ? In(SubLinear) : c.TextDim };
        return s.ContainsKey(OneModalLinear) ? config with { Context = ConquerContext.Visual, VisualDim = In(OneModalLinear) } : config;
    }

    /// <summary>model_config.json as train.py saves it for <paramref name="c"/> (nested EasyDicts, the file's key order).</summary>
    public static PyDict ToModelCfg(ConquerConfig c)
    {
        PyDict Bert(int maxPositions) => new(PyDict.EasyDict)
        {
            ["attention_probs_dropout_prob"] = c.AttentionDropout, ["hidden_act"] = "gelu", ["hidden_dropout_prob"] = c.Dropout,
            ["hidden_size"] = (long)c.HiddenSize, ["initializer_range"] = c.InitializerRange, ["intermediate_size"] = (long)c.IntermediateSize,
            ["max_position_embeddings"] = (long)maxPositions, ["num_attention_heads"] = (long)c.Heads, ["num_hidden_layers"] = (long)c.Layers,
            ["type_vocab_size"] = 2L, ["layer_norm_eps"] = c.LayerNormEps, ["output_attentions"] = false, ["output_hidden_states"] = false,
        };
        PyDict Layer(params (string Key, object? Value)[] items)
        {
            var d = new PyDict(PyDict.EasyDict);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }
        return new PyDict(PyDict.EasyDict)
        {
            ["initializer_range"] = c.InitializerRange,
            ["bert_config"] = Bert(c.MaxContextLength),
            ["netvlad_config"] = Layer(("hidden_size", (long)c.HiddenSize), ("text_cluster", (long)c.NetVladClusters), ("moe_dropout_prob", c.MoeDropout)),
            ["query_bert_config"] = Bert(c.MaxQueryLength),
            ["video_scoring_config"] = Layer(
                ("linear_1_cfg", Layer(("in_features", (long)c.HiddenSize), ("out_features", (long)c.VideoScoringHidden), ("bias", false))),
                ("linear_2_cfg", Layer(("in_features", (long)c.VideoScoringHidden), ("out_features", 1L), ("bias", false)))),
            ["moment_localization_config"] = Layer(
                ("conv_cfg_1", Layer(("in_channels", (long)c.HiddenSize), ("out_channels", (long)c.ConvChannels), ("kernel_size", (long)c.ConvKernelSize),
                    ("stride", 1L), ("padding", (long)(c.ConvKernelSize / 2)), ("bias", false))),
                ("conv_cfg_2", Layer(("in_channels", (long)c.ConvChannels), ("out_channels", 1L), ("kernel_size", 1L), ("stride", 1L), ("padding", 0L), ("bias", false)))),
        };
    }

    /// <summary>The model's keys of the opt.json train.py saves beside the checkpoint, for <paramref name="c"/>.</summary>
    public static PyDict ToOptions(ConquerConfig c) => new()
    {
        ["max_ctx_len"] = (long)c.MaxContextLength, ["max_desc_len"] = (long)c.MaxQueryLength, ["clip_length"] = 1.5,
        ["ctx_mode"] = c.Context switch
        {
            ConquerContext.Visual => "visual",
            ConquerContext.Sub => throw new ArgumentException("ConquerConfig.Context: Sub has no reference equivalent (the reference cannot run subtitles alone)"),
            _ => "visual_sub",
        },
        ["visual_dim"] = (long)c.VisualDim, ["text_dim"] = (long)c.TextDim, ["query_dim"] = (long)c.QueryDim, ["hidden_dim"] = (long)c.HiddenSize,
        ["no_output_moe_weight"] = !c.QueryDependentFusion, ["lw_st_ed"] = c.LossWeightStartEnd, ["lw_video_ce"] = c.LossWeightVideoCe,
        ["use_extend_pool"] = (long)c.ExtendPool, ["neg_video_num"] = (long)c.TrainingNegatives,
        ["use_interal_vr_scores"] = c.Similarity == SimilarityMeasure.General,
        ["similarity_measure"] = c.Similarity.ToString().ToLowerInvariant(),
        ["min_pred_l"] = (long)c.MinSpan, ["max_pred_l"] = (long)c.MaxSpan, ["max_before_nms"] = (long)c.MaxBeforeNms,
        ["max_vcmr_video"] = (long)c.TopVideos, ["nms_thd"] = c.NmsThreshold ?? -1.0,
    };

    /// <summary>results_dir/opt.json beside a reference checkpoint, or null when there is none.</summary>
    public static string? OptionsBeside(string checkpointPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!, OptionsFile) is var p && File.Exists(p) ? p : null;

    /// <summary>Reads the options of a run (opt.json); errors name the file.</summary>
    public static PyDict ReadOptions(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"options file {path} does not exist", path);
        return JsonFields.ReadObject(File.ReadAllText(path), path, ModelConfigFiles.ToPyDict);
    }

    /// <summary>A reference training checkpoint (train.py's <c>{"model", "model_cfg", "epoch"}</c>) as a suite model, with
    /// the run's options from <paramref name="optionsPath"/> (null: from the state dict's shapes). Every problem (not a
    /// PyTorch file, no model_cfg, an unknown setting, a tensor the model lacks or has in another shape) is one error
    /// naming the file.</summary>
    public static (ConquerModel Model, int? Epoch) Load(string path, string? optionsPath)
    {
        using var content = TorchFile.Read(path);
        var root = content.Root as PyDict;
        if (root is null || !root.TryGetValue("model", out var m) || m is not PyDict stateDict
            || !root.TryGetValue("model_cfg", out var mc) || mc is not PyDict modelCfg)
            throw new DataFormatException($"{path} is not a CONQUER training checkpoint: train.py saves {{\"model\": state_dict, \"model_cfg\": model_config, \"epoch\": n}}");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in stateDict)
            tensors[name] = value as Tensor ?? throw new DataFormatException($"{path}: state dict entry '{name}' is not a tensor");
        var config = FromReference(modelCfg, optionsPath is null ? null : ReadOptions(optionsPath), tensors,
            optionsPath is null ? path : $"{path} with {optionsPath}");
        var model = new ConquerModel(config);
        try
        {
            StateDicts.Load(model, tensors, path, $"CONQUER of its config ({config.Similarity}, {config.Context}{(config.UsesQueryWeights ? ", QDF" : "")}, visual {config.VisualDim}, hidden {config.HiddenSize})");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, root.TryGetValue("epoch", out var e) && e is long epoch ? (int)epoch : null);
    }
}
