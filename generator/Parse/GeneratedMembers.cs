using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>The members the emitter adds to a network or module class, so that a user member that would collide with
/// one (CS0102/CS0111 in the generated file, or a constructor that skips parameter initialization) is reported as
/// NC0012 at the user's declaration instead.</summary>
internal static class GeneratedMembers
{
    /// <summary>Names of generated fields, properties and constants of a network (any user member so named collides).</summary>
    private static readonly HashSet<string> DataNames = new()
    {
        "InputSize", "OutputSize", "TargetSize", "Parameters", "TileRows", "ValueWorkspaceSize", "GradientWorkspaceSize", "InferenceWorkspaceSize",
        "_values", "_gradients", "_inference", "_caller", "_chunks",
        "DecodeContext", "DecodeRowSize", "DecodeTokenCount", "DecodeCacheSize", "DecodeWorkspaceSize", "_decode", "_kvCache",   // a decoder's
    };

    /// <summary>Private kernels: ForwardSample, ForwardTile and their parts (ForwardTilePart0, ...), the parts of a long
    /// inline SGD step, the workspace helpers, and so on.</summary>
    private static readonly string[] KernelPrefixes = { "ForwardSample", "ForwardTile", "LossSample", "LossTile", "BackwardSample", "BackwardTile", "InferSample", "InferTile", "SgdStepPart",
        "FillConstants", "FillInferenceConstants", "EnsureBatchWorkspace", "DecodeStep", "FillDecodeConstants" };

    private const string Span = "System.ReadOnlySpan<float>";

    /// <summary>Public methods of a network, by name and parameter types (a user overload with other parameters is fine).</summary>
    private static readonly (string Name, string[] Parameters)[] NetworkMethods =
    {
        ("Infer", new[] { Span, "System.Span<float>", "int" }),
        ("ComputeGradients", new[] { Span, Span, "int" }),
        ("TrainStep", new[] { Span, Span, "int", "float" }),
        ("TrainStep", new[] { Span, Span, "int", "NetCompiler.Optimizer" }),
        ("Train", new[] { Span, Span, "int", "NetCompiler.ParameterStore?", "NetCompiler.Optimizer?", "float" }),
        ("CreateReplica", new string[0]),
        ("Decode", new[] { "System.ReadOnlySpan<int>", "System.ReadOnlySpan<int>", "System.ReadOnlySpan<int>", "System.Span<float>" }),   // a decoder's
        ("Prefill", new[] { "System.ReadOnlySpan<int>", "System.ReadOnlySpan<int>", "System.ReadOnlySpan<int>" }),   // a decoder's
    };

    public static void Check(INamedTypeSymbol type, bool isNetwork, List<DiagnosticInfo> diagnostics)
    {
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || member.DeclaringSyntaxReferences.Length == 0) continue;
            string? clash = member switch
            {
                IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } =>
                    $"declares a constructor, but NetCompiler generates the constructors of a {(isNetwork ? "network (they initialize and bind its parameters)" : "module (the network binds its layers through them)")}; remove it, and set up other state in field initializers",
                // A method may overload a generated method, but not share its parameter types, nor the name of a field.
                IMethodSymbol { MethodKind: MethodKind.Ordinary } m when isNetwork && (DataNames.Contains(m.Name) || IsKernel(m.Name)
                    || NetworkMethods.Any(g => g.Name == m.Name && g.Parameters.SequenceEqual(m.Parameters.Select(p => p.Type.ToDisplayString())))) =>
                    $"declares '{m.Name}({string.Join(", ", m.Parameters.Select(p => p.Type.ToDisplayString()))})', which clashes with a member NetCompiler generates for every network; rename yours",
                IMethodSymbol => null,
                _ when isNetwork && (DataNames.Contains(member.Name) || IsKernel(member.Name) || NetworkMethods.Any(g => g.Name == member.Name)) =>
                    $"declares '{member.Name}', which clashes with a member NetCompiler generates for every network; rename yours",
                _ => null,
            };
            if (clash is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedMemberClash, LocationInfo.From(member.Locations.FirstOrDefault()), type.Name, clash));
        }
    }

    private static bool IsKernel(string name) => KernelPrefixes.Any(name.StartsWith);
}
