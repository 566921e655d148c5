using Vcmr.Models.Baselines.Mee;

namespace Vcmr.Checkpoints;

/// <summary>
/// How the reference MEE (jayleicn/TVRetrieval, baselines/mixture_embedding_experts) describes a model: the model_cfg
/// its train.py saves beside the state dict, mapped to and from <see cref="MeeConfig"/>, and its checkpoints read into
/// and written from <see cref="MeeModel"/> by state-dict name. Settings the model_cfg does not record (feature
/// normalisation, max_desc_l, max_ctx_l) keep the suite's defaults.
/// </summary>
public static class MeeReference
{
    private static readonly string[] MeeKeys = ["ctx_mode", "text_input_size", "vid_input_size", "output_size", "margin"];

    /// <summary>The MeeConfig a reference model_cfg describes (model.py's mee_base_cfg keys, as train.py sets them).</summary>
    public static MeeConfig FromModelCfg(PyDict cfg, string source)
    {
        var r = new PyConfigReader(cfg, source);
        ReferenceConfigs.RejectUnknown(cfg, source, "MEE", MeeKeys);
        var paper = MeeConfig.Paper;
        var (mode, _) = ReferenceConfigs.ContextMode(r, source, "ctx_mode", "video"); // MEE reads no tef; mee_base_cfg's default mode is video
        var config = paper with
        {
            ContextMode = mode,
            TextDim = r.Int("text_input_size", paper.TextDim),
            VisualDim = r.Int("vid_input_size", paper.VisualDim),
            OutputSize = r.Int("output_size", paper.OutputSize),
            Margin = r.Double("margin", paper.Margin),
        };
        return ReferenceConfigs.Valid(source, config.Validate);
    }

    public static PyDict ToModelCfg(MeeConfig c) => new(PyDict.EasyDict)
    {
        ["ctx_mode"] = ReferenceConfigs.ContextModeName(c.ContextMode, tef: false),
        ["text_input_size"] = (long)c.TextDim,
        ["vid_input_size"] = (long)c.VisualDim,
        ["output_size"] = (long)c.OutputSize,
        ["margin"] = c.Margin,
    };

    /// <summary>A MEE from a reference checkpoint (its model_cfg, or <paramref name="config"/> when given).</summary>
    public static MeeModel Load(string path, MeeConfig? config = null) =>
        ReferenceCheckpoint.LoadModel(path, cfg => new MeeModel(config ?? FromModelCfg(cfg, path)), "MEE");

    public static void Save(MeeModel model, string path, int epoch = 0) =>
        ReferenceCheckpoint.Write(path, model.state_dict(), ToModelCfg(model.Config), epoch);
}
