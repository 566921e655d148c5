using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>The initialisation TVR's XML and CONQUER apply in reset_parameters (BERT's): Linear and Embedding weights
/// N(0, range) with zero biases, LayerNorm (1, 0); every other module (Conv1d, NetVLAD's clusters) keeps its own.</summary>
public static class BertInit
{
    public static void Apply(nn.Module root, double range)
    {
        using var _ = no_grad();
        foreach (var (_, m) in root.named_modules())
        {
            switch (m)
            {
                case Linear l:
                    nn.init.normal_(l.weight!, 0, range);
                    if (l.bias is not null) nn.init.zeros_(l.bias);
                    break;
                case Embedding e:
                    nn.init.normal_(e.weight!, 0, range);
                    break;
                case LayerNorm n:
                    nn.init.ones_(n.weight!);
                    nn.init.zeros_(n.bias!);
                    break;
            }
        }
    }
}
