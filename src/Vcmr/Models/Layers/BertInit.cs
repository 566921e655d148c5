using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vcmr.Models.Layers;

/// <summary>BERT's weight initialisation (init_weights of the TVR, CONQUER and HuggingFace code): Linear and Embedding
/// weights N(0, range), Linear biases 0, LayerNorm (1, 0); convolutions keep torch's default.</summary>
public static class BertInit
{
    public static void Apply(nn.Module model, double initializerRange)
    {
        using var _ = no_grad();
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Linear l:
                    nn.init.normal_(l.weight!, 0, initializerRange);
                    if (l.bias is not null) nn.init.zeros_(l.bias);
                    break;
                case Embedding e:
                    nn.init.normal_(e.weight!, 0, initializerRange);
                    break;
                case LayerNorm n:
                    nn.init.ones_(n.weight!);
                    nn.init.zeros_(n.bias!);
                    break;
            }
        }
    }
}
