using Vcmr.Models.Baselines.Cal;
using Vcmr.Models.Xml;

namespace Vcmr.Checkpoints;

/// <summary>
/// How the reference CAL/MCN (jayleicn/TVRetrieval, baselines/clip_alignment_with_language, CALWithSub) describes a
/// model: the model_cfg its train.py saves, mapped to and from <see cref="CalConfig"/>, and its checkpoints read into
/// and written from <see cref="CalModel"/> by state-dict name. The model_cfg records neither CAL versus MCN (the
/// reference's --model_type only changes the data) nor the feature normalisation: the caller gives the first, the
/// second keeps the suite's defaults.
/// </summary>
public static class CalReference
{
    private static readonly string[] CalKeys =
    [
        "visual_input_size", "textual_input_size", "query_feat_size", "visual_hidden_size", "output_size", "embedding_size",
        "lstm_hidden_size", "margin", "loss_type", "inter_loss_weight", "ctx_mode",
    ];

    /// <summary>The CalConfig a reference model_cfg describes (train.py's CALWithSub model_config). The model_cfg
    /// does not say CAL or MCN (the reference's --model_type only changes the data): <paramref name="modelType"/>.</summary>
    public static CalConfig FromModelCfg(PyDict cfg, string source, ProposalModelType modelType = ProposalModelType.Cal)
    {
        var r = new PyConfigReader(cfg, source);
        ReferenceConfigs.RejectUnknown(cfg, source, "CAL", CalKeys);
        var paper = CalConfig.Paper;
        var (mode, tef) = ReferenceConfigs.ContextMode(r, source, "ctx_mode", "video_sub_tef");
        int extra = tef ? 2 : 0;
        int text = r.Int("query_feat_size", paper.TextDim);
        bool video = mode != ContextMode.Sub, sub = mode != ContextMode.Video;
        // train.py: visual_input_size = 2 x vid_feat_size [+ 2], textual_input_size = 2 x sub_feat_size [+ 2]
        int visual = paper.VisualDim;
        if (video)
        {
            int size = r.Int("visual_input_size", 2 * paper.VisualDim + extra) - extra;
            if (size <= 0 || size % 2 != 0) r.Fail("visual_input_size", $"{size + extra} is not 2 x a feature width{(tef ? " + 2 (tef)" : "")}");
            visual = size / 2;
        }
        if (sub && r.Int("textual_input_size", 2 * text + extra) != 2 * text + extra)
            r.Fail("textual_input_size", $"{cfg["textual_input_size"]}, but the suite reads queries and subtitles at one width: 2 x query_feat_size {text}{(tef ? " + 2 (tef)" : "")} = {2 * text + extra}");
        var config = paper with
        {
            ModelType = modelType, ContextMode = mode, UseTef = tef, VisualDim = visual, TextDim = text,
            HiddenSize = r.Int("visual_hidden_size", paper.HiddenSize),
            OutputSize = r.Int("output_size", paper.OutputSize),
            LstmHiddenSize = r.Int("lstm_hidden_size", paper.LstmHiddenSize),
            Margin = r.Double("margin", paper.Margin),
            LossType = r.String("loss_type", "hinge") switch
            {
                "hinge" => RankingLoss.Hinge,
                "lse" => RankingLoss.Lse,
                var other => throw r.Error("loss_type", $"'{other}' is not 'hinge' or 'lse'"),
            },
            InterLossWeight = r.Double("inter_loss_weight", paper.InterLossWeight),
        };
        return ReferenceConfigs.Valid(source, config.Validate);
    }

    public static PyDict ToModelCfg(CalConfig c) => new(PyDict.EasyDict)
    {
        ["visual_input_size"] = (long)(c.HasVideo ? c.VideoInputDim : c.UseTef ? 2 : 0),
        ["textual_input_size"] = (long)(c.HasSub ? c.SubInputDim : c.UseTef ? 2 : 0),
        ["query_feat_size"] = (long)c.TextDim,
        ["visual_hidden_size"] = (long)c.HiddenSize,
        ["output_size"] = (long)c.OutputSize,
        ["embedding_size"] = (long)c.TextDim,
        ["lstm_hidden_size"] = (long)c.LstmHiddenSize,
        ["margin"] = c.Margin,
        ["loss_type"] = c.LossType == RankingLoss.Hinge ? "hinge" : "lse",
        ["inter_loss_weight"] = c.InterLossWeight,
        ["ctx_mode"] = ReferenceConfigs.ContextModeName(c.ContextMode, c.UseTef),
    };

    public static CalModel Load(string path, ProposalModelType modelType = ProposalModelType.Cal, CalConfig? config = null) =>
        ReferenceCheckpoint.LoadModel(path, cfg => new CalModel(config ?? FromModelCfg(cfg, path, modelType)), "CAL");

    public static void Save(CalModel model, string path, int epoch = 0) =>
        ReferenceCheckpoint.Write(path, model.state_dict(), ToModelCfg(model.Config), epoch);
}
