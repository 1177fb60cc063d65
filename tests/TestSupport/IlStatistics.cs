using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;

namespace NetCompiler.Tests.TestSupport;

/// <summary>What RyuJIT counts, before inlining, when it decides whether a method is too big to optimize (see
/// <see cref="JitLimits"/>): IL bytes, IL instructions, basic blocks, locals (arguments included) and references to
/// locals and arguments. Read from the method body's IL with the <see cref="OpCodes"/> table.</summary>
/// <param name="IlBytes">IL size in bytes.</param>
/// <param name="Instructions">IL instructions.</param>
/// <param name="BasicBlocks">An upper bound on the JIT's basic blocks: the method entry, every branch target and
/// every instruction after a branch, switch, return or throw, plus one per exception clause region.</param>
/// <param name="Locals">IL locals plus arguments (<c>this</c> included), as the JIT's variable table starts.</param>
/// <param name="LocalReferences">ldloc/stloc/ldloca and ldarg/starg/ldarga instructions.</param>
internal readonly record struct IlStatistics(int IlBytes, int Instructions, int BasicBlocks, int Locals, int LocalReferences)
{
    private static readonly Dictionary<short, OpCode> s_opCodes = LoadOpCodes();

    /// <summary>Counts <paramref name="method"/>'s IL.</summary>
    /// <exception cref="ArgumentException">The method has no IL body (abstract, extern, runtime-implemented).</exception>
    public static IlStatistics Of(MethodBase method)
    {
        var body = method.GetMethodBody() ?? throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} has no IL body.");
        byte[] il = body.GetILAsByteArray() ?? [];
        var blockStarts = new HashSet<int> { 0 };
        int instructions = 0, references = 0;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            var op = s_opCodes.TryGetValue(value, out var found)
                ? found
                : throw new InvalidOperationException($"Unknown IL opcode 0x{value:X} at {at} in {method.Name}.");
            int next = at + op.Size + OperandSize(op.OperandType, il, at + op.Size);
            instructions++;
            if (IsLocalReference(op)) references++;
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget: blockStarts.Add(next + (sbyte)il[at + op.Size]); break;
                case OperandType.InlineBrTarget: blockStarts.Add(next + BitConverter.ToInt32(il, at + op.Size)); break;
                case OperandType.InlineSwitch:
                    int cases = BitConverter.ToInt32(il, at + op.Size);
                    for (int c = 0; c < cases; c++) blockStarts.Add(next + BitConverter.ToInt32(il, at + op.Size + 4 + 4 * c));
                    break;
            }
            if (op.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw)
                blockStarts.Add(next);
            at = next;
        }
        blockStarts.Remove(il.Length);
        int locals = body.LocalVariables.Count + method.GetParameters().Length + (method.IsStatic ? 0 : 1);
        return new IlStatistics(il.Length, instructions, blockStarts.Count + 2 * body.ExceptionHandlingClauses.Count, locals, references);
    }

    private static bool IsLocalReference(OpCode op) =>
        op.Name is { } name && (name.StartsWith("ldloc", StringComparison.Ordinal) || name.StartsWith("stloc", StringComparison.Ordinal)
            || name.StartsWith("ldarg", StringComparison.Ordinal) || name.StartsWith("starg", StringComparison.Ordinal));

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,   // tokens, 32-bit branch targets, int32 and float32 immediates
    };

    private static Dictionary<short, OpCode> LoadOpCodes()
    {
        var table = new Dictionary<short, OpCode>();
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
            if (field.GetValue(null) is OpCode op) table[op.Value] = op;
        return table;
    }
}
