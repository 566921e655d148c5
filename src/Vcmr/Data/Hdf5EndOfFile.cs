using System.Buffers.Binary;

namespace Vcmr.Data;

/// <summary>
/// The end-of-file address an HDF5 file's superblock records (base address + "end of file address", HDF5 file
/// format specification, section II.A): a file shorter than that was cut off, e.g. by an interrupted download. The
/// HDF5 library refuses such files on open; PureHDF does not look, so a cut file opens, lists its keys and fails at
/// the first read past the end. The superblock sits at offset 0, 512, 1024, 2048, ... (after an optional user block).
/// </summary>
internal static class Hdf5EndOfFile
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];
    private const int MaxSuperblock = 96;

    /// <summary>The recorded end of the file in bytes, or null when there is no superblock or it records none.</summary>
    public static long? Read(Stream stream)
    {
        Span<byte> block = stackalloc byte[MaxSuperblock];
        for (long offset = 0; offset < stream.Length; offset = offset == 0 ? 512 : offset * 2)
        {
            stream.Position = offset;
            int n = stream.ReadAtLeast(block, MaxSuperblock, throwOnEndOfStream: false);
            if (n < Signature.Length + 1 || !block[..Signature.Length].SequenceEqual(Signature)) continue;
            var sb = block[..n];
            int version = sb[8];
            // v0/v1: sizes of offsets at byte 13; base address at 24 (v0) or 28 (v1), then the free-space and the
            // end-of-file addresses. v2/v3: size of offsets at byte 9; base address at 12, then the superblock
            // extension and the end-of-file addresses.
            (int sizeAt, int baseAt) = version switch { 0 => (13, 24), 1 => (13, 28), 2 or 3 => (9, 12), _ => (-1, -1) };
            if (sizeAt < 0 || sb.Length <= sizeAt) return null;
            int size = sb[sizeAt];
            if (size is not (2 or 4 or 8) || sb.Length < baseAt + 3 * size) return null;
            ulong baseAddress = Address(sb.Slice(baseAt, size)), eof = Address(sb.Slice(baseAt + 2 * size, size));
            ulong undefined = size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
            if (eof == undefined || baseAddress == undefined) return null;
            return (long)Math.Min(baseAddress + eof, long.MaxValue);
        }
        return null;
    }

    private static ulong Address(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
    };
}
