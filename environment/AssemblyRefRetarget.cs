// Build-time fix for the model assembly's output folder: every assembly there that references FSharp.Core above the
// version the .NET Interactive kernel ships is lowered to that version, so a notebook loads exactly one FSharp.Core
// (the kernel's). MSBuild compiles this file as an inline task (KernelFSharpCore.targets); the tests compile it too,
// defining VCMR_METADATA_ONLY to leave the MSBuild task out. Why: environment/README.md.
// It targets what inline tasks compile against (netstandard2.0 APIs), so it reads the ECMA-335 tables by hand.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Vcmr.Environment
{
    /// <summary>One row of an assembly's AssemblyRef table.</summary>
    public sealed class AssemblyRefRow
    {
        public AssemblyRefRow(string name, Version version, long versionOffset)
        {
            Name = name;
            Version = version;
            VersionOffset = versionOffset;
        }

        /// <summary>The referenced assembly's simple name, e.g. FSharp.Core.</summary>
        public string Name { get; }

        /// <summary>The referenced version (major.minor.build.revision).</summary>
        public Version Version { get; }

        /// <summary>File offset of the row's four little-endian ushort version fields.</summary>
        public long VersionOffset { get; }
    }

    /// <summary>Reads and lowers the AssemblyRef rows of a managed PE file (ECMA-335 II.22.5, II.24.2).</summary>
    public static class AssemblyRefs
    {
        private const int AssemblyRefTable = 0x23;

        /// <summary>The AssemblyRef rows of <paramref name="pe"/>; empty for a PE file without CLI metadata (a native DLL).</summary>
        public static IReadOnlyList<AssemblyRefRow> Read(byte[] pe, string path)
        {
            if (pe.Length < 0x40 || pe[0] != (byte)'M' || pe[1] != (byte)'Z') throw new InvalidDataException($"{path}: not a PE file");
            long nt = U32(pe, 0x3C);
            if (U32(pe, nt) != 0x00004550) throw new InvalidDataException($"{path}: no PE signature");
            long coff = nt + 4, optional = coff + 20;
            int sectionCount = U16(pe, coff + 2);
            long sections = optional + U16(pe, coff + 16);
            long directories = optional + (U16(pe, optional) == 0x20b ? 112 : 96);
            uint cliRva = U32(pe, directories + 14 * 8);
            if (cliRva == 0) return Array.Empty<AssemblyRefRow>();
            long Offset(uint rva)
            {
                for (int i = 0; i < sectionCount; i++)
                {
                    long s = sections + i * 40L;
                    uint size = Math.Max(U32(pe, s + 8), U32(pe, s + 16)), va = U32(pe, s + 12);
                    if (rva >= va && rva < va + size) return rva - va + U32(pe, s + 20);
                }
                throw new InvalidDataException($"{path}: RVA 0x{rva:x} is in no section");
            }

            long metadata = Offset(U32(pe, Offset(cliRva) + 8));
            if (U32(pe, metadata) != 0x424A5342) throw new InvalidDataException($"{path}: no CLI metadata signature");
            long p = metadata + 16 + U32(pe, metadata + 12);
            int streamCount = U16(pe, p + 2);
            p += 4;
            long tables = -1, strings = -1;
            for (int i = 0; i < streamCount; i++)
            {
                long offset = metadata + U32(pe, p);
                string name = CString(pe, p + 8);
                if (name == "#~" || name == "#-") tables = offset;
                else if (name == "#Strings") strings = offset;
                p += 8 + ((name.Length + 4) & ~3);
            }
            if (tables < 0 || strings < 0) throw new InvalidDataException($"{path}: no #~ or #Strings stream");

            byte heapSizes = pe[tables + 6];
            ulong valid = U64(pe, tables + 8);
            var rows = new uint[64];
            long q = tables + 24;
            for (int t = 0; t < 64; t++)
                if ((valid >> t & 1) != 0) { rows[t] = U32(pe, q); q += 4; }
            if ((heapSizes & 0x20) != 0) q += 4; // extra data after the row counts
            var sizes = RowSizes(rows, heapSizes);
            for (int t = 0; t < AssemblyRefTable; t++) q += (long)rows[t] * sizes[t];

            int stringIndex = (heapSizes & 1) != 0 ? 4 : 2, blobIndex = (heapSizes & 4) != 0 ? 4 : 2;
            var result = new List<AssemblyRefRow>();
            for (uint r = 0; r < rows[AssemblyRefTable]; r++, q += sizes[AssemblyRefTable])
            {
                long nameField = q + 12 + blobIndex;
                uint nameIndex = stringIndex == 4 ? U32(pe, nameField) : U16(pe, nameField);
                var version = new Version(U16(pe, q), U16(pe, q + 2), U16(pe, q + 4), U16(pe, q + 6));
                result.Add(new AssemblyRefRow(CString(pe, strings + nameIndex), version, q));
            }
            return result;
        }

        /// <summary>
        /// Lowers every reference to <paramref name="name"/> above <paramref name="version"/> to it. The file is
        /// rewritten atomically (temp file + rename), which also breaks any hard link into the NuGet cache, and keeps
        /// its timestamp so that incremental copies still see it as up to date. Idempotent.
        /// </summary>
        /// <returns>What was done, for the build log; null when the file needed nothing.</returns>
        public static string? Lower(string assembly, string name, Version version)
        {
            byte[] pe = File.ReadAllBytes(assembly);
            var above = Read(pe, assembly).Where(r => r.Name == name && r.Version > version).ToList();
            if (above.Count == 0) return null;
            foreach (var row in above)
            {
                int[] parts = { version.Major, version.Minor, Math.Max(0, version.Build), Math.Max(0, version.Revision) };
                for (int i = 0; i < 4; i++)
                {
                    pe[row.VersionOffset + 2 * i] = (byte)(parts[i] & 0xff);
                    pe[row.VersionOffset + 2 * i + 1] = (byte)(parts[i] >> 8);
                }
            }
            DateTime stamp = File.GetLastWriteTimeUtc(assembly);
            string temp = assembly + ".tmp-" + Guid.NewGuid().ToString("N");
            File.WriteAllBytes(temp, pe);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, assembly, null); // rename(2): atomic, and a hard link into the cache is left alone
            return $"{assembly}: {name} {string.Join(", ", above.Select(r => r.Version).Distinct())} -> {version}";
        }

        // Row sizes of tables 0x00..0x23 (ECMA-335 II.22), from the row counts and the heap index sizes.
        private static int[] RowSizes(uint[] rows, byte heapSizes)
        {
            int s = (heapSizes & 1) != 0 ? 4 : 2, g = (heapSizes & 2) != 0 ? 4 : 2, b = (heapSizes & 4) != 0 ? 4 : 2;
            int Index(int table) => rows[table] < 0x10000 ? 2 : 4;
            int Coded(int bits, params int[] tables) => tables.Max(t => rows[t]) < (1u << (16 - bits)) ? 2 : 4;
            const int Module = 0x00, TypeRef = 0x01, TypeDef = 0x02, Field = 0x04, MethodDef = 0x06, Param = 0x08,
                InterfaceImpl = 0x09, MemberRef = 0x0A, DeclSecurity = 0x0E, StandAloneSig = 0x11, Event = 0x14,
                Property = 0x17, ModuleRef = 0x1A, TypeSpec = 0x1B, Assembly = 0x20, AssemblyRef = 0x23, File = 0x26,
                ExportedType = 0x27, ManifestResource = 0x28, GenericParam = 0x2A, MethodSpec = 0x2B, GenericParamConstraint = 0x2C;
            int typeDefOrRef = Coded(2, TypeDef, TypeRef, TypeSpec);
            int hasCustomAttribute = Coded(5, MethodDef, Field, TypeRef, TypeDef, Param, InterfaceImpl, MemberRef, Module, DeclSecurity,
                Property, Event, StandAloneSig, ModuleRef, TypeSpec, Assembly, AssemblyRef, File, ExportedType, ManifestResource,
                GenericParam, GenericParamConstraint, MethodSpec);
            int methodDefOrRef = Coded(1, MethodDef, MemberRef);
            return new[]
            {
                2 + s + 3 * g,                                                        // 0x00 Module
                Coded(2, Module, ModuleRef, AssemblyRef, TypeRef) + 2 * s,            // 0x01 TypeRef
                4 + 2 * s + typeDefOrRef + Index(Field) + Index(MethodDef),           // 0x02 TypeDef
                Index(Field),                                                         // 0x03 FieldPtr
                2 + s + b,                                                            // 0x04 Field
                Index(MethodDef),                                                     // 0x05 MethodPtr
                8 + s + b + Index(Param),                                             // 0x06 MethodDef
                Index(Param),                                                         // 0x07 ParamPtr
                4 + s,                                                                // 0x08 Param
                Index(TypeDef) + typeDefOrRef,                                        // 0x09 InterfaceImpl
                Coded(3, TypeDef, TypeRef, ModuleRef, MethodDef, TypeSpec) + s + b,   // 0x0A MemberRef
                2 + Coded(2, Field, Param, Property) + b,                             // 0x0B Constant
                hasCustomAttribute + Coded(3, MethodDef, MemberRef) + b,              // 0x0C CustomAttribute
                Coded(1, Field, Param) + b,                                           // 0x0D FieldMarshal
                2 + Coded(2, TypeDef, MethodDef, Assembly) + b,                       // 0x0E DeclSecurity
                6 + Index(TypeDef),                                                   // 0x0F ClassLayout
                4 + Index(Field),                                                     // 0x10 FieldLayout
                b,                                                                    // 0x11 StandAloneSig
                Index(TypeDef) + Index(Event),                                        // 0x12 EventMap
                Index(Event),                                                         // 0x13 EventPtr
                2 + s + typeDefOrRef,                                                 // 0x14 Event
                Index(TypeDef) + Index(Property),                                     // 0x15 PropertyMap
                Index(Property),                                                      // 0x16 PropertyPtr
                2 + s + b,                                                            // 0x17 Property
                2 + Index(MethodDef) + Coded(1, Event, Property),                     // 0x18 MethodSemantics
                Index(TypeDef) + 2 * methodDefOrRef,                                  // 0x19 MethodImpl
                s,                                                                    // 0x1A ModuleRef
                b,                                                                    // 0x1B TypeSpec
                2 + Coded(1, Field, MethodDef) + s + Index(ModuleRef),                // 0x1C ImplMap
                4 + Index(Field),                                                     // 0x1D FieldRVA
                8,                                                                    // 0x1E EncLog
                4,                                                                    // 0x1F EncMap
                16 + b + 2 * s,                                                       // 0x20 Assembly
                4,                                                                    // 0x21 AssemblyProcessor
                12,                                                                   // 0x22 AssemblyOS
                12 + 2 * b + 2 * s,                                                   // 0x23 AssemblyRef
            };
        }

        private static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, checked((int)o));
        private static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, checked((int)o));
        private static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, checked((int)o));

        private static string CString(byte[] b, long o)
        {
            int start = checked((int)o), end = Array.IndexOf(b, (byte)0, start);
            return Encoding.UTF8.GetString(b, start, end - start);
        }
    }

#if !VCMR_METADATA_ONLY
    /// <summary>MSBuild task: <see cref="AssemblyRefs.Lower"/> on every assembly given.</summary>
    public sealed class LowerAssemblyReference : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Assemblies { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required]
        public string Name { get; set; } = "";

        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        public override bool Execute()
        {
            foreach (var item in Assemblies)
            {
                try
                {
                    string? message = AssemblyRefs.Lower(item.ItemSpec, Name, System.Version.Parse(Version));
                    if (message != null) Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "kernel FSharp.Core: " + message);
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"lowering {Name} references in {item.ItemSpec} failed: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
