using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Vcmr.Data;

namespace Vcmr.Checkpoints;

/// <summary>
/// Reads one pickle (protocols 2 to 5, the binary opcodes torch.save and pickle.dump emit) into the values of
/// PyValues.cs without running any code: a global is only a name, and what calling it means is decided by
/// <paramref name="call"/> (torch's tensor rebuild functions, say); anything else stays a <see cref="PyCall"/>.
/// Objects built with NEWOBJ (dict subclasses such as EasyDict, or a whole pickled module) become a
/// <see cref="PyDict"/> named by their class. Errors name the source and the byte offset.
/// </summary>
internal sealed class PickleReader(Stream stream, string source, Func<object?, object?> persistentLoad, Func<PyGlobal, IReadOnlyList<object?>, object?> call)
{
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _offset;

    public object? Load()
    {
        while (true)
        {
            long at = _offset;
            byte op = ReadByte();
            try
            {
                if (op == '.') return _stack.Count == 1 ? Pop() : throw Error($"STOP with {_stack.Count} values on the stack");
                Step(op);
            }
            catch (Exception e) when (e is InvalidCastException or ArgumentOutOfRangeException or InvalidOperationException)
            {
                throw new DataFormatException($"{source}: malformed pickle at byte {at} (opcode 0x{op:x2}): {e.Message}", e);
            }
        }
    }

    private void Step(byte op)
    {
        switch (op)
        {
            case 0x80: ReadByte(); break;                                   // PROTO
            case 0x95: Read(8); break;                                      // FRAME (the frame's bytes follow inline)
            case (byte)'(': _marks.Push(_stack.Count); break;               // MARK
            case (byte)')': Push(new PyTuple([])); break;                   // EMPTY_TUPLE
            case (byte)']': Push(new List<object?>()); break;               // EMPTY_LIST
            case (byte)'}': Push(new PyDict()); break;                      // EMPTY_DICT
            case (byte)'N': Push(null); break;                              // NONE
            case 0x88: Push(true); break;                                   // NEWTRUE
            case 0x89: Push(false); break;                                  // NEWFALSE
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;   // BININT
            case (byte)'K': Push((long)ReadByte()); break;                                     // BININT1
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break; // BININT2
            case 0x8a: Push(Long(Read(ReadByte()))); break;                                    // LONG1
            case 0x8b: Push(Long(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4)))))); break; // LONG4
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;          // BINFLOAT
            case (byte)'X': Push(Utf8(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))); break; // BINUNICODE
            case 0x8c: Push(Utf8(ReadByte())); break;                                          // SHORT_BINUNICODE
            case 0x8d: Push(Utf8(BinaryPrimitives.ReadUInt64LittleEndian(Read(8)))); break;    // BINUNICODE8
            case (byte)'T': Push(Encoding.Latin1.GetString(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4)))))); break; // BINSTRING
            case (byte)'U': Push(Encoding.Latin1.GetString(Read(ReadByte()))); break;          // SHORT_BINSTRING
            case (byte)'B': Push(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4))))); break; // BINBYTES
            case (byte)'C': Push(Read(ReadByte())); break;                                     // SHORT_BINBYTES
            case 0x8e: Push(Read(Length(BinaryPrimitives.ReadUInt64LittleEndian(Read(8))))); break; // BINBYTES8
            case (byte)'t': Push(new PyTuple(PopMark())); break;            // TUPLE
            case 0x85: Push(new PyTuple(PopN(1))); break;                   // TUPLE1
            case 0x86: Push(new PyTuple(PopN(2))); break;                   // TUPLE2
            case 0x87: Push(new PyTuple(PopN(3))); break;                   // TUPLE3
            case (byte)'l': Push(PopMark()); break;                         // LIST
            case (byte)'a': Top<List<object?>>(1).Add(Pop()); break;        // APPEND
            case (byte)'e': { var items = PopMark(); Top<List<object?>>(1).AddRange(items); break; } // APPENDS
            case (byte)'d': { var d = new PyDict(); SetItems(d, PopMark()); Push(d); break; }      // DICT
            case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(Top<PyDict>(1), [k, v]); break; } // SETITEM
            case (byte)'u': { var items = PopMark(); SetItems(Top<PyDict>(1), items); break; }     // SETITEMS
            case (byte)'q': _memo[ReadByte()] = Peek(); break;              // BINPUT
            case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Read(4))] = Peek(); break; // LONG_BINPUT
            case 0x94: _memo[_memo.Count] = Peek(); break;                  // MEMOIZE
            case (byte)'h': Push(Memo(ReadByte())); break;                  // BINGET
            case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))); break; // LONG_BINGET
            case (byte)'c': Push(new PyGlobal(Line(), Line())); break;      // GLOBAL
            case 0x93: { var name = (string)Pop()!; Push(new PyGlobal((string)Pop()!, name)); break; } // STACK_GLOBAL
            case (byte)'R': { var args = ((PyTuple)Pop()!).Items; Push(Call(Pop(), args)); break; }    // REDUCE
            case 0x81: { var args = ((PyTuple)Pop()!).Items; Push(NewObject(Pop(), args)); break; }    // NEWOBJ
            case (byte)'b': { var state = Pop(); Top<PyDict>(1).State = state; break; }                // BUILD
            case (byte)'Q': Push(persistentLoad(Pop())); break;             // BINPERSID
            case (byte)'P': Push(persistentLoad(Line())); break;            // PERSID
            case (byte)'0': Pop(); break;                                   // POP
            case (byte)'1': PopMark(); break;                               // POP_MARK
            case (byte)'2': Push(Peek()); break;                            // DUP
            default: throw Error($"pickle opcode 0x{op:x2} ('{(char)op}') is not supported (torch.save writes protocol 2)");
        }
    }

    private object? Call(object? callable, IReadOnlyList<object?> args)
    {
        if (callable is not PyGlobal g) throw Error($"REDUCE on a {Describe(callable)}, not a global");
        if (g.ToString() == PyDict.OrderedDict && args.Count == 0) return new PyDict(PyDict.OrderedDict);
        // protocol 2 pickles Python 3 bytes as _codecs.encode(str, 'latin1')
        if (g is { Module: "_codecs", Name: "encode" } && args is [string text, "latin1"]) return Encoding.Latin1.GetBytes(text);
        return call(g, args);
    }

    private PyDict NewObject(object? cls, IReadOnlyList<object?> args) =>
        cls is PyGlobal g ? new PyDict(g.ToString()) { State = args.Count > 0 ? new PyTuple(args) : null }
            : throw Error($"NEWOBJ on a {Describe(cls)}, not a class");

    private void SetItems(PyDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Error("SETITEMS with an odd number of values");
        for (int i = 0; i < items.Count; i += 2)
            dict[items[i] as string ?? throw Error($"dict key {Describe(items[i])} is not a string")] = items[i + 1];
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        _ => value.GetType().Name,
    };

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Error($"memo key {key} was never stored");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Error("stack underflow");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private T Top<T>(int depth) where T : class =>
        _stack.Count >= depth && _stack[^depth] is T t ? t : throw Error($"expected a {typeof(T).Name} on the stack");

    private List<object?> PopN(int n)
    {
        if (_stack.Count < n) throw Error("stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n);
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("no MARK to pop to");
        return PopN(_stack.Count - _marks.Pop());
    }

    private static object Long(byte[] bytes)
    {
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private int Length(long n) => n is >= 0 and <= int.MaxValue ? (int)n : throw Error($"length {n} is out of range");

    private int Length(ulong n) => n <= int.MaxValue ? (int)n : throw Error($"length {n} is out of range");

    private string Utf8(ulong n) => Encoding.UTF8.GetString(Read(Length(n)));

    private string Line()
    {
        var bytes = new List<byte>();
        for (byte b; (b = ReadByte()) != '\n';) bytes.Add(b);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private byte ReadByte()
    {
        int b = stream.ReadByte();
        if (b < 0) throw Error("ends before the pickle's STOP (truncated?)");
        _offset++;
        return (byte)b;
    }

    private byte[] Read(int n)
    {
        var buffer = new byte[n];
        int got = stream.ReadAtLeast(buffer, n, throwOnEndOfStream: false);
        if (got < n) throw Error($"ends inside a {n}-byte field (truncated?)");
        _offset += n;
        return buffer;
    }

    private DataFormatException Error(string what) => new($"{source}: {what} (pickle byte {_offset})");
}
