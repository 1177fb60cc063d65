using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>The NetCompiler diagnostics catalogue. Ranges: NC0001-NC0099 definitions, NC0100-NC0199 shapes,
/// NC9000+ generator faults. Every id is listed in AnalyzerReleases.Unshipped.md and has a test.</summary>
internal static class DiagnosticDescriptors
{
    private const string Definition = "NetCompiler.Definition";
    private const string Shape = "NetCompiler.Shape";

    public static readonly DiagnosticDescriptor NotPartial = new(
        "NC0001", "Network class must be partial",
        "'{0}' must be declared partial so NetCompiler can add its compiled members",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NoForward = new(
        "NC0002", "No [Forward] method",
        "'{0}' has no method marked [Forward]; add one that computes the output from the input",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnsupportedConstruct = new(
        "NC0003", "Unsupported construct in a network body",
        "{0} is not supported in a [Forward] or [Loss] body: {1}",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnknownOp = new(
        "NC0004", "Unknown op",
        "'{0}' is not an op NetCompiler can compile; use the ops in NetCompiler.Ops, layer Forward calls or [Module] methods",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor BadForwardSignature = new(
        "NC0005", "Unsupported [Forward] or [Loss] signature",
        "{0}",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NonConstantLoop = new(
        "NC0006", "Loop bounds must be compile-time constants",
        "The loop {0}; write bounds the compiler can evaluate (literals, constants, [Repeat] array lengths)",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor MultipleMethods = new(
        "NC0007", "More than one [Forward] or [Loss] method",
        "'{0}' has more than one [{1}] method",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor BadAttribute = new(
        "NC0008", "Invalid layer or parameter declaration",
        "{0}",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor ShapeMismatch = new(
        "NC0101", "Shape mismatch",
        "Shape mismatch in {0}: {1}",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NonPositiveDimension = new(
        "NC0102", "Dimension must be positive",
        "{0} has a non-positive dimension {1}; every dimension must be at least 1",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor LossShape = new(
        "NC0103", "Loss and output shapes disagree",
        "{0}",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NoGradient = new(
        "NC0104", "No gradient through Step",
        "'{0}' lies between parameters and the [Loss], but Step has no useful gradient, so the parameters before it would never train; use Sigmoid (or another smooth op), or train the network with a rule of its own and no [Loss]",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor TensorTooLarge = new(
        "NC0105", "Tensor too large",
        "{0} has shape {1}: more than {2} elements per sample",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InternalError = new(
        "NC9001", "NetCompiler internal error",
        "NetCompiler could not compile '{0}': {1}. Please report this with the definition.",
        "NetCompiler.Internal", DiagnosticSeverity.Error, true);
}
