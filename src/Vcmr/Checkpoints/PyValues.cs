using System.Collections;

namespace Vcmr.Checkpoints;

// The Python values a torch.save file holds, as the suite reads and writes them. Scalars map to .NET types: None ->
// null, bool, int -> long (BigInteger beyond 64 bits), float -> double, str -> string, bytes -> byte[], list ->
// List<object?>, tuple -> PyTuple, dict (and dict subclasses such as OrderedDict or EasyDict) -> PyDict, tensors ->
// TorchSharp tensors.

/// <summary>A Python dict with string keys in insertion order. <see cref="ClassName"/> is null for a plain dict,
/// else the dict subclass pickled (<c>collections.OrderedDict</c> for state dicts, <c>easydict.EasyDict</c> for the
/// reference's model_cfg), or the class of another pickled object whose attributes are <see cref="State"/>.</summary>
public sealed class PyDict(string? className = null) : IEnumerable<KeyValuePair<string, object?>>
{
    public const string OrderedDict = "collections.OrderedDict";
    public const string EasyDict = "easydict.EasyDict";

    private readonly List<string> _order = [];
    private readonly Dictionary<string, object?> _items = new(StringComparer.Ordinal);

    public string? ClassName { get; } = className;

    /// <summary>What the pickle's BUILD gave the object (its __dict__ or __setstate__ argument), if anything.</summary>
    public object? State { get; set; }

    public int Count => _order.Count;
    public IEnumerable<string> Keys => _order;

    public object? this[string key]
    {
        get => _items.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);
        set
        {
            if (!_items.ContainsKey(key)) _order.Add(key);
            _items[key] = value;
        }
    }

    public bool TryGetValue(string key, out object? value) => _items.TryGetValue(key, out value);

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        _order.Select(k => new KeyValuePair<string, object?>(k, _items[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A Python tuple.</summary>
public sealed record PyTuple(IReadOnlyList<object?> Items);

/// <summary>A class or function a pickle names (module and qualified name).</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>The result of calling a global the reader does not interpret (kept so errors can name it).</summary>
public sealed record PyCall(PyGlobal Callable, IReadOnlyList<object?> Args)
{
    public override string ToString() => $"{Callable}(...)";
}
