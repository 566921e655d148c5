using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace Vcmr.Checkpoints;

/// <summary>
/// Writes the values of PyValues.cs as a protocol-2 pickle, as torch.save lays it out: a tensor becomes
/// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)</c> whose storage is a
/// persistent id <c>('storage', torch.&lt;Type&gt;Storage, key, 'cpu', numel)</c>; <paramref name="storageKey"/> registers
/// the tensor's data and returns its key. A <see cref="PyDict"/> of class EasyDict is pickled as Python pickles a dict
/// subclass with a __dict__ (NEWOBJ, its items, then BUILD with the same items as attributes).
/// </summary>
internal sealed class PickleWriter(Stream stream, Func<Tensor, string> storageKey)
{
    public void WritePickle(object? value)
    {
        stream.Write([0x80, 2]); // PROTO 2
        Write(value);
        stream.WriteByte((byte)'.');
    }

    private void Write(object? value)
    {
        switch (value)
        {
            case null: Op('N'); break;
            case bool b: stream.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case int i: WriteLong(i); break;
            case long l: WriteLong(l); break;
            case BigInteger big: WriteBig(big); break;
            case double d: { Op('G'); Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteDoubleBigEndian(b, d); stream.Write(b); break; }
            case string s: WriteString(s); break;
            case PyTuple t:
                Op('(');
                foreach (var item in t.Items) Write(item);
                Op('t');
                break;
            case List<object?> list:
                Op(']');
                Op('(');
                foreach (var item in list) Write(item);
                Op('e');
                break;
            case IEnumerable<int> ints: Write(ints.Select(i => (object?)(long)i).ToList()); break;
            case PyDict dict: WriteDict(dict); break;
            case Tensor tensor: WriteTensor(tensor); break;
            default: throw new ArgumentException($"cannot pickle a {value.GetType().Name}");
        }
    }

    private void WriteDict(PyDict dict)
    {
        switch (dict.ClassName)
        {
            case null: Op('}'); break;
            case PyDict.OrderedDict: Global("collections", "OrderedDict"); Op(')'); Op('R'); break;
            case PyDict.EasyDict: Global("easydict", "EasyDict"); Op(')'); stream.WriteByte(0x81); break; // NEWOBJ
            default: throw new ArgumentException($"cannot pickle a dict of class {dict.ClassName}");
        }
        WriteItems(dict);
        if (dict.ClassName != PyDict.EasyDict) return;
        Op('}');
        WriteItems(dict);
        Op('b'); // BUILD: EasyDict keeps its items as attributes too
    }

    private void WriteItems(PyDict dict)
    {
        if (dict.Count == 0) return;
        Op('(');
        foreach (var (k, v) in dict)
        {
            WriteString(k);
            Write(v);
        }
        Op('u');
    }

    private void WriteTensor(Tensor tensor)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        Op('(');                                   // persistent id
        WriteString("storage");
        Global("torch", TorchStorage.Name(tensor.dtype));
        WriteString(storageKey(tensor));
        WriteString("cpu");
        WriteLong(tensor.numel());
        Op('t');
        Op('Q');                                   // BINPERSID
        WriteLong(0);                              // storage offset
        Write(new PyTuple(tensor.shape.Select(s => (object?)s).ToList()));
        Write(new PyTuple(ContiguousStrides(tensor.shape).Select(s => (object?)s).ToList()));
        Write(false);                              // requires_grad
        Global("collections", "OrderedDict");      // backward hooks: an empty OrderedDict
        Op(')');
        Op('R');
        Op('t');
        Op('R');
    }

    internal static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(1, shape[i]);
        }
        return strides;
    }

    private void WriteLong(long v)
    {
        Span<byte> b = stackalloc byte[4];
        if (v is >= 0 and < 256) { Op('K'); stream.WriteByte((byte)v); }
        else if (v is >= 0 and < 65536) { Op('M'); BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); stream.Write(b[..2]); }
        else if (v is >= int.MinValue and <= int.MaxValue) { Op('J'); BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); stream.Write(b); }
        else WriteBig(v);
    }

    private void WriteBig(BigInteger v)
    {
        var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: false);
        stream.WriteByte(0x8a); // LONG1
        stream.WriteByte(checked((byte)bytes.Length));
        stream.Write(bytes);
    }

    private void WriteString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)bytes.Length);
        Op('X');
        stream.Write(n);
        stream.Write(bytes);
    }

    private void Global(string module, string name)
    {
        Op('c');
        stream.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
    }

    private void Op(char op) => stream.WriteByte((byte)op);
}
