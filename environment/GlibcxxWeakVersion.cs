// Build-time fix for TorchSharp's native library on hosts with an older libstdc++ (Debian 12, Ubuntu 22.04).
// MSBuild compiles this file as an inline task (TorchSharpNative.targets); the tests compile it too, to
// inspect the build output with the same ELF reader (defining VCMR_ELF_ONLY to leave the MSBuild task out). See environment/README.md for the why.
// It targets what inline tasks compile against (netstandard2.0 APIs).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Vcmr.Environment
{
    /// <summary>One version requirement (an ELF <c>Vernaux</c> entry) of a shared library.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string library, string version, ushort flags, long flagsOffset)
        {
            Library = library;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The library the version is required from (vn_file), e.g. libstdc++.so.6.</summary>
        public string Library { get; }

        /// <summary>The version name (vna_name), e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }

        /// <summary>vna_flags; bit 0x2 (VER_FLG_WEAK) makes a missing version a warning for the loader.</summary>
        public ushort Flags { get; }

        /// <summary>File offset of the two-byte vna_flags field.</summary>
        public long FlagsOffset { get; }

        public bool IsWeak => (Flags & ElfVersions.VerFlagWeak) != 0;
    }

    /// <summary>Reads the symbol-version sections of a little-endian ELF64 file (.gnu.version_r, .gnu.version_d).</summary>
    public static class ElfVersions
    {
        public const ushort VerFlagWeak = 0x2;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Every version the file requires from other libraries.</summary>
        public static IReadOnlyList<ElfVersionNeed> ReadNeeds(byte[] elf, string path)
        {
            var result = new List<ElfVersionNeed>();
            foreach (var (offset, count, strtab) in Sections(elf, path, ShtGnuVerneed))
            {
                long vn = offset;
                for (int i = 0; i < count; i++)
                {
                    ushort cnt = U16(elf, vn + 2);
                    string file = CString(elf, strtab + U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int j = 0; j < cnt; j++)
                    {
                        string name = CString(elf, strtab + U32(elf, aux + 8));
                        result.Add(new ElfVersionNeed(file, name, U16(elf, aux + 4), aux + 4));
                        aux += U32(elf, aux + 12);
                    }
                    vn += U32(elf, vn + 12);
                }
            }
            return result;
        }

        /// <summary>Every version the file defines (what a library such as libstdc++ provides).</summary>
        public static IReadOnlyList<string> ReadDefinitions(byte[] elf, string path)
        {
            var result = new List<string>();
            foreach (var (offset, count, strtab) in Sections(elf, path, ShtGnuVerdef))
            {
                long vd = offset;
                for (int i = 0; i < count; i++)
                {
                    long aux = vd + U32(elf, vd + 12);
                    result.Add(CString(elf, strtab + U32(elf, aux)));
                    vd += U32(elf, vd + 16);
                }
            }
            return result;
        }

        /// <summary>
        /// The libstdc++ the dynamic loader gives this process (read from /proc/self/maps), else the first
        /// found in the usual library folders; null when none is found (not Linux).
        /// </summary>
        public static string? FindHostLibStdCxx()
        {
            const string maps = "/proc/self/maps";
            if (File.Exists(maps))
            {
                string? mapped = File.ReadLines(maps)
                    .Select(l => l.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
                    .FirstOrDefault(p => p != null && p.StartsWith("/") && Path.GetFileName(p).StartsWith("libstdc++.so"));
                if (mapped != null && File.Exists(mapped)) return mapped;
            }
            string[] folders = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                                 "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" };
            return folders.Select(f => Path.Combine(f, "libstdc++.so.6")).FirstOrDefault(File.Exists);
        }

        /// <summary>True when the host libstdc++ exists and does not define <paramref name="version"/>.</summary>
        public static bool HostLacks(string version, string? hostLibStdCxx)
        {
            if (hostLibStdCxx == null) return false;
            return !ReadDefinitions(File.ReadAllBytes(hostLibStdCxx), hostLibStdCxx).Contains(version);
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement named <paramref name="version"/> when the host lacks it. The file
        /// is rewritten atomically (temp file + rename), which also breaks any hard link into the NuGet cache,
        /// and keeps its timestamp so that incremental copies still see it as up to date.
        /// </summary>
        /// <returns>What was done, for the build log.</returns>
        public static string WeakenIfHostLacks(string library, string version, string? hostLibStdCxx)
        {
            byte[] elf = File.ReadAllBytes(library);
            var need = ReadNeeds(elf, library).FirstOrDefault(n => n.Version == version);
            if (need == null) return $"{library} does not require {version}: nothing to do";
            if (!HostLacks(version, hostLibStdCxx)) return $"host libstdc++ ({hostLibStdCxx}) provides {version}: nothing to do";
            if (need.IsWeak) return $"{version} is already weak in {library}";

            ushort flags = (ushort)(need.Flags | VerFlagWeak);
            elf[need.FlagsOffset] = (byte)(flags & 0xff);
            elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
            DateTime stamp = File.GetLastWriteTimeUtc(library);
            string temp = library + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, elf);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, library, null); // rename(2): atomic, and a hard link into the cache is left alone
            return $"marked {version} weak in {library} (host libstdc++ {hostLibStdCxx} lacks it)";
        }

        private static IEnumerable<(long Offset, uint Count, long StrTab)> Sections(byte[] elf, string path, uint type)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path}: not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path}: only little-endian ELF64 is supported");
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (U32(elf, sh + 4) != type) continue;
                uint link = U32(elf, sh + 40);
                long strtab = (long)U64(elf, shoff + (long)link * shentsize + 24);
                yield return ((long)U64(elf, sh + 24), U32(elf, sh + 44), strtab);
            }
        }

        private static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, checked((int)o));
        private static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, checked((int)o));
        private static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, checked((int)o));

        private static string CString(byte[] b, long o)
        {
            int start = checked((int)o), end = Array.IndexOf(b, (byte)0, start);
            return Encoding.ASCII.GetString(b, start, end - start);
        }
    }

#if !VCMR_ELF_ONLY
    /// <summary>MSBuild task: <see cref="ElfVersions.WeakenIfHostLacks"/> on one library in the build output.</summary>
    public sealed class WeakenMissingGlibcxxVersion : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string Library { get; set; } = "";

        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        public override bool Execute()
        {
            try
            {
                string message = ElfVersions.WeakenIfHostLacks(Library, Version, ElfVersions.FindHostLibStdCxx());
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "TorchSharp native fix: " + message);
                return true;
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError($"TorchSharp native fix failed on {Library}: {e.Message}");
                return false;
            }
        }
    }
#endif
}
