using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>The NetCompiler diagnostics catalogue. Ranges: NC0001-NC0099 definitions, NC0100-NC0199 shapes and sizes, NC0200-NC0299 warnings,
/// NC9000+ generator faults. Every id is listed in AnalyzerReleases.Unshipped.md and has a test.</summary>
internal static class DiagnosticDescriptors
{
    private const string Definition = "NetCompiler.Definition";
    private const string Shape = "NetCompiler.Shape";
    private const string Usage = "NetCompiler.Usage";

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

    public static readonly DiagnosticDescriptor BadClass = new(
        "NC0009", "Network or module class must be top-level, non-generic, non-static and non-abstract",
        "'{0}' {1}; a [Network] or [Module] must be a top-level, non-generic, non-static, non-abstract class (its compiled members are fixed at build time)",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor RecursiveModule = new(
        "NC0010", "Recursive module",
        "Module field '{0}' of type {1} contains itself ({2}), so its parameters cannot be laid out; nest a different module type, or repeat layers with [Repeat(n)]",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor OpNotInScope = new(
        "NC0011", "Op not in scope",
        "'{0}' is an op of NetCompiler.Ops, but it is not in scope here; add 'using static NetCompiler.Ops;' to the file, or write 'Ops.{0}'",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor GeneratedMemberClash = new(
        "NC0012", "Member clashes with generated code",
        "'{0}' {1}",
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
        "{0} has shape {1}: more than {2} elements per sample (offsets in the compiled code are ints); use smaller dimensions, or split the computation into smaller tensors",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor NetworkTooLarge = new(
        "NC0106", "Network too large",
        "'{0}' has {1} parameters; one network holds at most {2} (a single .NET float array); use fewer or narrower layers",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor OperandDependsOnParameter = new(
        "NC0107", "Mask depends on a parameter",
        "{0} of '{1}' depends on the parameter '{2}', but no gradient flows into it, so that parameter would not train through it; build the mask from constants such as Triangle(rows, cols) and inputs (or pass it through Step), and check the order of the arguments: Where(mask, a, b)",
        Shape, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor UnusedField = new(
        "NC0201", "Layer or parameter never used",
        "'{0}' is declared but the [Forward] and [Loss] never use it, so its {1} parameters take memory and never train; use it or remove it",
        Usage, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor CrossEntropyProbabilities = new(
        "NC0202", "Cross-entropy target read as probabilities",
        "'{0}' compares logits {1} with the target '{2}', which has no [Shape] and so takes the logits' shape: it is read as probabilities over {3} classes (one-hot rows), not as class indices; declare the target [Shape({4})] for class indices, or [Shape({5})] to keep probabilities",
        Usage, DiagnosticSeverity.Warning, true);

    public static readonly DiagnosticDescriptor NotDecodable = new(
        "NC0013", "Network cannot be decoded token by token",
        "'{0}' asks for a decoder ([Network(Decoder = true)]), but {1}",
        Definition, DiagnosticSeverity.Error, true);

    public static readonly DiagnosticDescriptor InternalError = new(
        "NC9001", "NetCompiler internal error",
        "NetCompiler could not compile '{0}': {1}. Please report this with the definition.",
        "NetCompiler.Internal", DiagnosticSeverity.Error, true);
}
