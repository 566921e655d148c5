using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>PyTorch's legacy typed-storage class names (what torch.save records for a tensor's storage) and dtypes.</summary>
internal static class TorchStorage
{
    private static readonly (string Name, ScalarType Type)[] Types =
    [
        ("FloatStorage", ScalarType.Float32), ("DoubleStorage", ScalarType.Float64), ("HalfStorage", ScalarType.Float16),
        ("BFloat16Storage", ScalarType.BFloat16), ("LongStorage", ScalarType.Int64), ("IntStorage", ScalarType.Int32),
        ("ShortStorage", ScalarType.Int16), ("CharStorage", ScalarType.Int8), ("ByteStorage", ScalarType.Byte),
        ("BoolStorage", ScalarType.Bool),
    ];

    public static ScalarType? DType(string name) => Types.Where(t => t.Name == name).Select(t => (ScalarType?)t.Type).FirstOrDefault();

    public static string Name(ScalarType type) => Types.Where(t => t.Type == type).Select(t => t.Name).FirstOrDefault()
        ?? throw new ArgumentException($"dtype {type} has no PyTorch storage type");

    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentException($"dtype {type} has no PyTorch storage type"),
    };
}
