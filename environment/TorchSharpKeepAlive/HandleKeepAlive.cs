using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace TorchSharpKeepAlive;

/// <summary>
/// TorchSharp's Tensor and Scalar free their native object in a finalizer, and its methods pass <c>x.Handle</c> to
/// native code without keeping <c>x</c> reachable afterwards (e.g. <c>add(Tensor)</c> calls <c>add(t, 1)</c> with a
/// temporary Scalar). Once the JIT has optimised a method, a GC started by another thread during the native call can
/// finalize that object and free what the call is reading: "Unknown scalar type", "Expected false to be true", or
/// silently wrong numbers. The rewrite makes every method that reads a finalizable object's handle, or calls native
/// code, keep <c>this</c>, its reference parameters and its reference locals alive until it returns (GC.KeepAlive
/// before each <c>ret</c>); an object whose handle is read from the stack (a temporary) is first stored in a new
/// local that is kept alive the same way. Nothing else changes.
/// </summary>
public static class HandleKeepAlive
{
    const string MarkerName = "VcmrHandlesKeptAlive";

    public readonly record struct Report(int Methods, int Temporaries);

    public static bool IsRewritten(ModuleDefinition module) => module.Types.Any(t => t.Name == MarkerName);

    public static Report Rewrite(ModuleDefinition module)
    {
        var finalizable = FinalizableTypes(module);
        var keepAlive = KeepAliveReference(module);
        int methods = 0, temporaries = 0;
        foreach (var type in module.GetTypes())
            foreach (var method in type.Methods)
            {
                if (!method.HasBody || HasTailCall(method.Body)) continue;
                var reads = HandleReads(method.Body, finalizable);
                if (reads.Count == 0 && !CallsNative(method.Body)) continue;
                temporaries += Rewrite(method, reads, keepAlive);
                methods++;
            }
        module.Types.Add(new TypeDefinition("", MarkerName,
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed, module.TypeSystem.Object));
        module.Attributes &= ~ModuleAttributes.StrongNameSigned;
        return new Report(methods, temporaries);
    }

    /// <summary>Types of this module that have a finalizer, or derive from one that has.</summary>
    static HashSet<TypeDefinition> FinalizableTypes(ModuleDefinition module)
    {
        var types = module.GetTypes().ToList();
        bool HasFinalizer(TypeDefinition? t) =>
            t is not null && (t.Methods.Any(m => m.Name == "Finalize" && m.IsVirtual && !m.HasParameters)
                              || (t.BaseType is { } b && b.Scope == module && HasFinalizer(b.Resolve())));
        return types.Where(HasFinalizer).ToHashSet();
    }

    static MethodReference KeepAliveReference(ModuleDefinition module)
    {
        var corlib = (AssemblyNameReference)module.TypeSystem.CoreLibrary;
        var gc = new TypeReference("System", "GC", module, corlib);
        var method = new MethodReference("KeepAlive", module.TypeSystem.Void, gc);
        method.Parameters.Add(new ParameterDefinition(module.TypeSystem.Object));
        return module.ImportReference(method);
    }

    /// <summary>Calls a P/Invoke of this module (handles gathered elsewhere, e.g. an array built by a lambda).</summary>
    static bool CallsNative(MethodBody body) => body.Instructions.Any(i =>
        (i.OpCode == OpCodes.Call || i.OpCode == OpCodes.Callvirt) && i.Operand is MethodReference m
        && m.DeclaringType.Scope == body.Method.Module && m.Resolve() is { IsPInvokeImpl: true });

    static bool HasTailCall(MethodBody body) => body.Instructions.Any(i => i.OpCode == OpCodes.Tail);

    /// <summary>Instructions that turn a finalizable object on the stack into its handle: the Handle getter, or a
    /// load of one of the type's IntPtr fields.</summary>
    static List<Instruction> HandleReads(MethodBody body, HashSet<TypeDefinition> finalizable)
    {
        bool Finalizable(TypeReference t) => t.Scope == body.Method.Module && finalizable.Contains(t.Resolve());
        return body.Instructions.Where(i =>
            (i.OpCode == OpCodes.Call || i.OpCode == OpCodes.Callvirt) && i.Operand is MethodReference m
                && m.Name == "get_Handle" && m.HasThis && Finalizable(m.DeclaringType)
            || i.OpCode == OpCodes.Ldfld && i.Operand is FieldReference f
                && f.FieldType.FullName == "System.IntPtr" && Finalizable(f.DeclaringType)).ToList();
    }

    static int Rewrite(MethodDefinition method, List<Instruction> reads, MethodReference keepAlive)
    {
        var body = method.Body;
        body.SimplifyMacros();
        var il = body.GetILProcessor();
        var held = new List<Action<ILProcessor, Instruction>>();
        if (method.HasThis && !method.DeclaringType.IsValueType)
            held.Add((p, at) => p.InsertBefore(at, p.Create(OpCodes.Ldarg, body.ThisParameter)));
        foreach (var parameter in method.Parameters.Where(p => IsPlainReference(p.ParameterType)))
            held.Add((p, at) => p.InsertBefore(at, p.Create(OpCodes.Ldarg, parameter)));
        foreach (var local in body.Variables.Where(v => IsPlainReference(v.VariableType) && !v.IsPinned).ToList())
            held.Add((p, at) => p.InsertBefore(at, p.Create(OpCodes.Ldloc, local)));

        int temporaries = 0;
        var originalLocals = body.Variables.ToHashSet();
        foreach (var read in reads.Where(r => !LoadsHeldValue(r.Previous, body, originalLocals)))
        {
            var temp = new VariableDefinition(method.Module.TypeSystem.Object);
            body.Variables.Add(temp);
            InsertKeepingLabels(il, read, OpCodes.Dup, null);
            il.InsertAfter(read, il.Create(OpCodes.Stloc, temp));
            held.Add((p, at) => p.InsertBefore(at, p.Create(OpCodes.Ldloc, temp)));
            temporaries++;
        }

        foreach (var ret in body.Instructions.Where(i => i.OpCode == OpCodes.Ret).ToList())
        {
            // the original ret becomes the first load, so branches to it and handler ends still land there
            var end = il.Create(OpCodes.Ret);
            il.InsertAfter(ret, end);
            foreach (var load in held)
            {
                load(il, end);
                il.InsertBefore(end, il.Create(OpCodes.Call, keepAlive));
            }
            var first = ret.Next;
            ret.OpCode = first.OpCode;
            ret.Operand = first.Operand;
            il.Remove(first);
        }
        body.OptimizeMacros();
        return temporaries;
    }

    /// <summary>Puts a new instruction in front of <paramref name="at"/> while branches that target
    /// <paramref name="at"/> land on the new one: <paramref name="at"/> becomes the new instruction and a copy of it
    /// follows. Returns the copy.</summary>
    static Instruction InsertKeepingLabels(ILProcessor il, Instruction at, OpCode opCode, object? operand)
    {
        var copy = il.Create(OpCodes.Nop);
        copy.OpCode = at.OpCode;
        copy.Operand = at.Operand;
        at.OpCode = opCode;
        at.Operand = operand;
        il.InsertAfter(at, copy);
        return copy;
    }

    /// <summary>True when the object is loaded from <c>this</c>, a parameter or an original local that is held anyway.</summary>
    static bool LoadsHeldValue(Instruction? previous, MethodBody body, HashSet<VariableDefinition> originalLocals) =>
        previous?.OpCode == OpCodes.Ldarg && previous.Operand is ParameterDefinition p
            && (p == body.ThisParameter || IsPlainReference(p.ParameterType))
        || previous?.OpCode == OpCodes.Ldloc && previous.Operand is VariableDefinition v
            && originalLocals.Contains(v) && IsPlainReference(v.VariableType) && !v.IsPinned;

    static bool IsPlainReference(TypeReference t) =>
        !t.IsValueType && !t.IsByReference && !t.IsPointer && !t.IsGenericParameter && !t.IsFunctionPointer
        && t.MetadataType != MetadataType.Void;
}
