using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using NetCompiler.Generator.Diagnostics;

namespace NetCompiler.Generator.Model;

/// <summary>What one network or module contributes to the compilation: its generated file (null when it has errors)
/// and its diagnostics, as plain values, so the emit step's result is cached and compared by content.</summary>
internal sealed record GeneratedOutput(string ClassName, string HintName, string? Source, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public void AddTo(SourceProductionContext context)
    {
        foreach (var d in Diagnostics) context.ReportDiagnostic(d.ToDiagnostic());
        if (Source is null) return;
        try
        {
            context.AddSource(HintName, SourceText.From(Source, System.Text.Encoding.UTF8));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // E.g. a hint name used twice; reported, never thrown (a throw would be CS8785 and drop all output).
            context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, ClassName, e.GetType().Name + ": " + e.Message).ToDiagnostic());
        }
    }
}
