using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>Suppresses "field is never assigned" (CS0649) and "non-nullable field is uninitialized" (CS8618) on the
/// layer, parameter and module fields of a network or module: the generated constructor assigns them. Without this, a
/// definition with an NC error (for which nothing is generated) also drew one of these warnings per field, burying the
/// error that matters, and module arrays needed <c>= null!</c>.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeneratedFieldSuppressor : DiagnosticSuppressor
{
    private static readonly SuppressionDescriptor NeverAssigned = new(
        "NCS0649", "CS0649", "NetCompiler's generated constructor assigns this layer, parameter or module field.");

    private static readonly SuppressionDescriptor Uninitialized = new(
        "NCS8618", "CS8618", "NetCompiler's generated constructor assigns this layer, parameter or module field.");

    public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions { get; } = ImmutableArray.Create(NeverAssigned, Uninitialized);

    public override void ReportSuppressions(SuppressionAnalysisContext context)
    {
        foreach (var diagnostic in context.ReportedDiagnostics)
        {
            var tree = diagnostic.Location.SourceTree;
            if (tree is null) continue;
            var node = tree.GetRoot(context.CancellationToken).FindNode(diagnostic.Location.SourceSpan);
            var model = context.GetSemanticModel(tree);
            if (model.GetDeclaredSymbol(node, context.CancellationToken) is not IFieldSymbol field || !IsBound(field)) continue;
            context.ReportSuppression(Suppression.Create(diagnostic.Id == "CS0649" ? NeverAssigned : Uninitialized, diagnostic));
        }
    }

    /// <summary>A field of a [Network] or [Module] class that is a layer, a parameter or a module (array).</summary>
    private static bool IsBound(IFieldSymbol field)
    {
        if (field.IsStatic || !IsCompiled(field.ContainingType)) return false;
        if (field.GetAttributes().Any(a => Parse.FieldDeclaration.IsFieldAttribute(a.AttributeClass?.ToDisplayString()))) return true;
        var type = field.Type is IArrayTypeSymbol array ? array.ElementType : field.Type;
        return type is INamedTypeSymbol named && named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.ModuleAttribute");
    }

    private static bool IsCompiled(INamedTypeSymbol type) => type.GetAttributes().Any(a =>
        a.AttributeClass?.ToDisplayString() is "NetCompiler.NetworkAttribute" or "NetCompiler.ModuleAttribute");
}
