using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Vcmr.Notebooks.Tests;

/// <summary>
/// What an assembly uses from FSharp.Core (its type and member references into it, with their signatures) and what
/// an FSharp.Core defines, both as "Type::Member signature" keys, so that a test can check statically that every
/// reference resolves in the kernel's FSharp.Core rather than failing with MissingMethodException in a notebook.
/// </summary>
internal static class FSharpCoreUsage
{
    private const string FSharpCore = "FSharp.Core";

    /// <summary>The FSharp.Core types and members <paramref name="assembly"/> references.</summary>
    public static (IReadOnlyList<string> Types, IReadOnlyList<string> Members) References(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var reader = pe.GetMetadataReader();
        var provider = new SignatureNames(reader);
        var types = reader.TypeReferences.Where(t => Scope(reader, t) == FSharpCore).Select(t => provider.Name(t)).ToList();
        var members = new List<string>();
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            TypeReferenceHandle? parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => (TypeReferenceHandle)member.Parent,
                HandleKind.TypeSpecification => GenericTypeOf(reader, (TypeSpecificationHandle)member.Parent),
                _ => null,
            };
            if (parent is not { } type || Scope(reader, type) != FSharpCore) continue;
            string signature = member.GetKind() == MemberReferenceKind.Method
                ? Signature(member.DecodeMethodSignature(provider, null))
                : member.DecodeFieldSignature(provider, null);
            members.Add($"{provider.Name(type)}::{reader.GetString(member.Name)} {signature}");
        }
        return (types, members);
    }

    /// <summary>The types FSharp.Core defines (forwarded ones included), each with its members' keys.</summary>
    public static IReadOnlyDictionary<string, HashSet<string>> Definitions(string fsharpCore)
    {
        using var pe = new PEReader(File.OpenRead(fsharpCore));
        var reader = pe.GetMetadataReader();
        var provider = new SignatureNames(reader);
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            string name = provider.Name(handle);
            var members = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in type.GetMethods().Select(reader.GetMethodDefinition))
                members.Add($"{name}::{reader.GetString(m.Name)} {Signature(m.DecodeSignature(provider, null))}");
            foreach (var f in type.GetFields().Select(reader.GetFieldDefinition))
                members.Add($"{name}::{reader.GetString(f.Name)} {f.DecodeSignature(provider, null)}");
            result[name] = members;
        }
        foreach (var handle in reader.ExportedTypes) // forwarded types count as defined
        {
            var exported = reader.GetExportedType(handle);
            string ns = reader.GetString(exported.Namespace);
            result.TryAdd((ns.Length > 0 ? ns + "." : "") + reader.GetString(exported.Name), []);
        }
        return result;
    }

    /// <summary>
    /// Whether the member <paramref name="key"/> is defined on the type it names. Compilers name the declaring type in a
    /// member reference, and the runtime binds it there, so base types are not searched.
    /// </summary>
    public static bool Resolves(IReadOnlyDictionary<string, HashSet<string>> definitions, string key) =>
        definitions.TryGetValue(key[..key.IndexOf("::", StringComparison.Ordinal)], out var members) && members.Contains(key);

    private static string Signature(MethodSignature<string> signature) =>
        $"{(signature.Header.IsInstance ? "instance " : "")}{signature.ReturnType} <{signature.GenericParameterCount}>({string.Join(", ", signature.ParameterTypes)})";

    // The assembly a type reference resolves to (following nested types out to the outermost one).
    private static string? Scope(MetadataReader reader, TypeReferenceHandle handle)
    {
        var scope = reader.GetTypeReference(handle).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference) scope = reader.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
        return scope.Kind == HandleKind.AssemblyReference ? reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) : null;
    }

    private static TypeReferenceHandle? GenericTypeOf(MetadataReader reader, TypeSpecificationHandle spec)
    {
        var blob = reader.GetBlobReader(reader.GetTypeSpecification(spec).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return null;
        blob.ReadSignatureTypeCode();
        var handle = blob.ReadTypeHandle();
        return handle.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)handle : null;
    }

    /// <summary>Types as full names ("Ns.Outer/Inner", "!0", "T[]", "G`1&lt;a&gt;"), the same whichever assembly names them.</summary>
    private sealed class SignatureNames(MetadataReader reader) : ISignatureTypeProvider<string, object?>
    {
        public string Name(TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            string name = reader.GetString(type.Name);
            if (type.GetDeclaringType() is { IsNil: false } outer) return Name(outer) + "/" + name;
            string ns = reader.GetString(type.Namespace);
            return ns.Length > 0 ? ns + "." + name : name;
        }

        public string Name(TypeReferenceHandle handle)
        {
            var type = reader.GetTypeReference(handle);
            string name = reader.GetString(type.Name);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference) return Name((TypeReferenceHandle)type.ResolutionScope) + "/" + name;
            string ns = reader.GetString(type.Namespace);
            return ns.Length > 0 ? ns + "." + name : name;
        }

        public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) => Name(handle);
        public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind) => Name(handle);
        public string GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType + " pinned";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(", ", typeArguments)}>";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => $"method {signature.ReturnType}({string.Join(", ", signature.ParameterTypes)})";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => $"{unmodifiedType} {(isRequired ? "modreq" : "modopt")}({modifier})";
    }
}
