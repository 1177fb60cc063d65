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
/// -> Lower (memory plan, kernels) -> Emit. The spec is the cache boundary.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider.ForAttributeWithMetadataName(
                "NetCompiler.NetworkAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => NetworkParser.ParseNetwork((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation))
            .WithTrackingName(TrackingNames.NetworkSpec);
        context.RegisterSourceOutput(networks, static (spc, spec) => EmitNetwork(spc, spec));

        var modules = context.SyntaxProvider.ForAttributeWithMetadataName(
                "NetCompiler.ModuleAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, _) => NetworkParser.ParseModule((INamedTypeSymbol)ctx.TargetSymbol))
            .WithTrackingName(TrackingNames.ModuleSpec);
        context.RegisterSourceOutput(modules, static (spc, spec) => EmitModule(spc, spec));
    }

    private static void EmitNetwork(SourceProductionContext context, NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
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
                    if (gradients.BlockingSteps.Count > 0) return;
                    var fusion = Fusion.Build(graph);
                    var memory = MemoryPlan.Build(graph, gradients, fusion);
                    string source = NetworkEmitter.Emit(graph, gradients, fusion, memory);
                    context.AddSource(HintName(spec.Class), SourceText.From(source, System.Text.Encoding.UTF8));
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, spec.Class.Name, e.GetType().Name + ": " + e.Message));
        }
        finally
        {
            foreach (var d in diagnostics) context.ReportDiagnostic(d.ToDiagnostic());
        }
    }

    private static void EmitModule(SourceProductionContext context, ModuleSpec spec)
    {
        foreach (var d in spec.Diagnostics) context.ReportDiagnostic(d.ToDiagnostic());
        if (spec.Diagnostics.Count > 0) return;
        try
        {
            context.AddSource(HintName(spec.Class), SourceText.From(ModuleEmitter.Emit(spec), System.Text.Encoding.UTF8));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, spec.Class.Name, e.GetType().Name + ": " + e.Message).ToDiagnostic());
        }
    }

    private static string HintName(ClassInfo cls) => cls.FullName.Replace('<', '_').Replace('>', '_') + ".g.cs";
}

/// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
public static class TrackingNames
{
    public const string NetworkSpec = nameof(NetworkSpec);
    public const string ModuleSpec = nameof(ModuleSpec);
}
