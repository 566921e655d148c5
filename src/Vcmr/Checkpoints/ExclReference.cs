using Vcmr.Models.Baselines.Excl;
using Vcmr.Models.Xml;

namespace Vcmr.Checkpoints;

/// <summary>
/// How the reference ExCL (jayleicn/TVRetrieval, baselines/excl) describes a model: the model_cfg its train.py saves,
/// mapped to and from <see cref="ExclConfig"/>, and its checkpoints read into and written from <see cref="ExclModel"/>
/// by state-dict name.
/// </summary>
public static class ExclReference
{
    private static readonly string[] ExclKeys =
        ["visual_input_size", "sub_input_size", "query_input_size", "hidden_size", "drop", "ctx_mode", "initializer_range"];

    /// <summary>The ExclConfig a reference model_cfg describes (train.py's model_config; config.py adds the 2 tef
    /// columns to vid_feat_size and sub_feat_size).</summary>
    public static ExclConfig FromModelCfg(PyDict cfg, string source)
    {
        var r = new PyConfigReader(cfg, source);
        ReferenceConfigs.RejectUnknown(cfg, source, "ExCL", ExclKeys);
        var paper = ExclConfig.Paper;
        var (mode, tef) = ReferenceConfigs.ContextMode(r, source, "ctx_mode", "video_sub");
        int extra = tef ? 2 : 0;
        int text = r.Int("query_input_size", paper.TextDim);
        if (mode != ContextMode.Video && r.Int("sub_input_size", text + extra) != text + extra)
            r.Fail("sub_input_size", $"{cfg["sub_input_size"]}, but the suite reads queries and subtitles at one width: query_input_size {text}{(tef ? " + 2 (tef)" : "")} = {text + extra}");
        var config = paper with
        {
            ContextMode = mode, UseTef = tef, TextDim = text,
            VisualDim = mode == ContextMode.Sub ? paper.VisualDim : r.Int("visual_input_size", paper.VisualDim + extra) - extra,
            HiddenSize = r.Int("hidden_size", paper.HiddenSize),
            Dropout = r.Double("drop", paper.Dropout),
            InitializerRange = r.Double("initializer_range", paper.InitializerRange),
        };
        return ReferenceConfigs.Valid(source, config.Validate);
    }

    public static PyDict ToModelCfg(ExclConfig c) => new(PyDict.EasyDict)
    {
        ["visual_input_size"] = (long)c.VideoInputDim,
        ["sub_input_size"] = (long)c.SubInputDim,
        ["query_input_size"] = (long)c.TextDim,
        ["hidden_size"] = (long)c.HiddenSize,
        ["drop"] = c.Dropout,
        ["ctx_mode"] = ReferenceConfigs.ContextModeName(c.ContextMode, c.UseTef),
        ["initializer_range"] = c.InitializerRange,
    };

    public static ExclModel Load(string path, ExclConfig? config = null) =>
        ReferenceCheckpoint.LoadModel(path, cfg => new ExclModel(config ?? FromModelCfg(cfg, path)), "ExCL");

    public static void Save(ExclModel model, string path, int epoch = 0) =>
        ReferenceCheckpoint.Write(path, model.state_dict(), ToModelCfg(model.Config), epoch);
}
