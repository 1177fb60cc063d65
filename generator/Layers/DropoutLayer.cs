using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[Dropout(p)] Dropout d</c> (PyTorch's <c>nn.Dropout(p)</c>): no parameters; <c>Forward(x)</c> is the
/// Dropout op.</summary>
internal sealed class DropoutLayer : LayerDefinition
{
    private DropoutLayer() : base("Dropout") { }

    public static readonly DropoutLayer Instance = new();

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 1 || args[0].Value is not float p) return null; // C# reports it
        if (!(p >= 0f && p < 1f))
            return Invalid(diagnostics, AttributeArguments.Positional(attribute, 0, location),
                $"[Dropout] '{field.Name}' has probability {p.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1)");
        return new LayerDeclaration(this, new LayerParameter[0], new ScalarAttribute(p));
    }

    public override string Bind(LayerDeclaration layer, string name) =>
        $"new global::NetCompiler.Dropout({SourceWriter.Float(((ScalarAttribute)layer.Attributes).Value)})";

    public override TraceValue Forward(LayerCall call) =>
        call.Node(OpKind.Dropout, new[] { call.Tensor(0, "the input of " + call.Name) }, call.Layer.Attributes);
}
