namespace Vcmr.Tests.Training;

/// <summary>Tests that compare runs bit for bit: the torch RNG is process-global, so nothing may run beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchCollection
{
    public const string Name = "serial-torch";
}
