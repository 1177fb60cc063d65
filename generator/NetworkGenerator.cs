using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using NetCompiler.Generator.Autodiff;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Optimize;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator;

/// <summary>The incremental generator. This file only wires the stages:
/// Parse (semantic model -> equatable spec) -> Build IR (shapes) -> Differentiate -> Optimize (fusion)
/// -> Lower (memory plan, kernel plan: tiling and a strategy per op) -> Emit (prints the plan). Op knowledge is in
/// <c>Ops/</c>, one definition per op, which every stage reads through <see cref="Ops.OpRegistry"/>. The spec is the
/// cache boundary.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Parse: semantic model -> NetworkSpec. Re-runs when the compilation changes (a network may use modules
        // declared in other files), but its output compares by value, so an unrelated edit ends here as Unchanged.
        var networks = context.SyntaxProvider.ForAttributeWithMetadataName(
                "NetCompiler.NetworkAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => NetworkParser.ParseNetwork((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation))
            .WithTrackingName(TrackingNames.NetworkSpec);
        // IR, autodiff, fusion, lowering and emit: runs only for a new or modified spec.
        var networkSources = networks.Select(static (spec, _) => BuildNetwork(spec))
            .WithTrackingName(TrackingNames.NetworkSource);
        context.RegisterSourceOutput(networkSources, static (spc, output) => output.AddTo(spc));

        var modules = context.SyntaxProvider.ForAttributeWithMetadataName(
                "NetCompiler.ModuleAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => NetworkParser.ParseModule((INamedTypeSymbol)ctx.TargetSymbol))
            .WithTrackingName(TrackingNames.ModuleSpec);
        var moduleSources = modules.Select(static (spec, _) => BuildModule(spec))
            .WithTrackingName(TrackingNames.ModuleSource);
        context.RegisterSourceOutput(moduleSources, static (spc, output) => output.AddTo(spc));
    }

    private static GeneratedOutput BuildNetwork(NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        string? source = null;
        try
        {
            if (!diagnostics.Exists(d => d.IsError) && spec.OutputNode >= 0)
            {
                var graph = ShapeInference.Build(spec, diagnostics);
                if (graph is not null)
                {
                    var gradients = GradientPlan.Build(graph);
                    foreach (int step in gradients.BlockingSteps)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoGradient, graph[step].Spec.Location, graph[step].Spec.Source));
                    foreach (var (node, operand, parameter) in gradients.ParameterDependentOperands)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OperandDependsOnParameter, graph[node].Spec.Location,
                            graph[node].Definition.OperandName(operand), graph[node].Spec.Source, graph[parameter].Spec.Label));
                    if (gradients.BlockingSteps.Count == 0 && gradients.ParameterDependentOperands.Count == 0)
                    {
                        var fusion = Fusion.Build(graph);
                        var training = KernelPlan.Build(graph, gradients, fusion, MemoryPlan.Build(graph, gradients, fusion), ExecutionMode.Training);
                        var inference = KernelPlan.Build(graph, gradients, fusion, MemoryPlan.ForInference(graph, gradients, fusion), ExecutionMode.Inference);
                        var decoder = spec.Decoder ? Decoder(graph, diagnostics) : null;
                        if (!spec.Decoder || decoder is not null) source = NetworkEmitter.Emit(training, inference, decoder?.Step, decoder?.Encoder);
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            source = null;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, spec.Class.Name, e.GetType().Name + ": " + e.Message));
        }
        return new GeneratedOutput(spec.Class.Name, HintName(spec.Class), source, diagnostics.ToEquatableArray());
    }

    /// <summary>The plans of the decoder step and, for an encoder-decoder, of its encoder (<see cref="DecodeGraph"/>), or
    /// null after reporting why the network has none.</summary>
    private static (KernelPlan Step, KernelPlan? Encoder)? Decoder(Graph graph, List<DiagnosticInfo> diagnostics)
    {
        var decoder = DecodeGraph.Build(graph, diagnostics);
        if (decoder is null) return null;
        return (Plan(decoder.Graph), decoder.Encoder is { } encoder ? Plan(encoder) : null);

        KernelPlan Plan(Graph g)
        {
            var gradients = GradientPlan.Build(g);
            var fusion = Fusion.Build(g);
            return KernelPlan.Build(g, gradients, fusion, MemoryPlan.ForInference(g, gradients, fusion), ExecutionMode.Inference, decoder);
        }
    }

    private static GeneratedOutput BuildModule(ModuleSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        string? source = null;
        if (spec.Diagnostics.Count == 0)
        {
            try
            {
                source = ModuleEmitter.Emit(spec);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, spec.Class.Name, e.GetType().Name + ": " + e.Message));
            }
        }
        return new GeneratedOutput(spec.Class.Name, HintName(spec.Class), source, diagnostics.ToEquatableArray());
    }

    private static string HintName(ClassInfo cls) => cls.FullName.Replace('<', '_').Replace('>', '_') + ".g.cs";
}

/// <summary>Names of the pipeline's tracked steps (<c>WithTrackingName</c>), for incremental-caching tests and
/// timing. Every value that flows out of these steps has value equality and holds no Roslyn object.</summary>
public static class TrackingNames
{
    /// <summary>A [Network] class parsed into its spec (one step per syntax tree holding networks).</summary>
    public const string NetworkSpec = nameof(NetworkSpec);

    /// <summary>A network spec lowered and emitted: hint name, source text and diagnostics (one step per network).</summary>
    public const string NetworkSource = nameof(NetworkSource);

    /// <summary>A [Module] class parsed into its spec.</summary>
    public const string ModuleSpec = nameof(ModuleSpec);

    /// <summary>A module spec emitted (its constructor).</summary>
    public const string ModuleSource = nameof(ModuleSource);

    /// <summary>All of the above.</summary>
    public static readonly string[] All = { NetworkSpec, NetworkSource, ModuleSpec, ModuleSource };
}
