using System;

namespace NetCompiler.Generator.Model;

// The parser's output: everything the later stages need, as plain equatable values.
// These records must stay equatable (no ISymbol, SyntaxNode, Location or Compilation) so the
// incremental generator can cache them.

/// <summary>The containing class of a network or module.</summary>
internal sealed record ClassInfo(string Namespace, string Name, string Accessibility, string FullName);

/// <summary>One node of the per-sample graph the [Forward]/[Loss] bodies were traced into.</summary>
/// <param name="Id">Position in <see cref="NetworkSpec.Nodes"/>; inputs always have smaller ids.</param>
/// <param name="Op">The operation.</param>
/// <param name="Inputs">Ids of the operands.</param>
/// <param name="Attributes">The op's typed attributes (<see cref="OpAttributes.None"/> when it has none).</param>
/// <param name="Label">What the node came from, e.g. the layer name, for messages.</param>
/// <param name="Source">The definition expression it came from (one line), for comments and messages.</param>
/// <param name="Location">Where that expression is.</param>
internal sealed record NodeSpec(int Id, OpKind Op, EquatableArray<int> Inputs, OpAttributes Attributes,
    string Label, string Source, LocationInfo? Location)
{
    /// <summary>For <see cref="OpKind.Param"/>: the index into <see cref="NetworkSpec.Parameters"/>.</summary>
    public int Parameter => ((ParameterAttribute)Attributes).Index;
}

/// <summary>What a value holds: float values, or integer ids (token ids, class indices) that only select rows.</summary>
internal enum DType
{
    Float32,
    Int32,
}

/// <summary>One parameter of the [Forward] method: a <c>Tensor</c> (values) or <c>Tokens</c> (ids), its per-sample shape,
/// and where it sits within a sample of the flat input buffer (inputs in declaration order).</summary>
internal sealed record InputSpec(string Name, EquatableArray<int> Shape, DType DType, int Offset, LocationInfo? Location)
{
    public int Size
    {
        get { int n = 1; foreach (int d in Shape) n *= d; return n; }
    }
}

/// <summary>A trainable parameter in the flat layout.</summary>
internal sealed record ParamSpec(string Name, EquatableArray<int> Shape, int Offset, string Init, int FanIn, int FanOut,
    float Std, EquatableArray<float> Values, LocationInfo? Location)
{
    // Written out only to compare Std by bits, as NodeSpec does.
    public bool Equals(ParamSpec? other) =>
        other is not null && Name == other.Name && Shape == other.Shape && Offset == other.Offset && Init == other.Init
        && FanIn == other.FanIn && FanOut == other.FanOut && BitwiseFloatComparer.Instance.Equals(Std, other.Std)
        && Values == other.Values && Equals(Location, other.Location);

    public override int GetHashCode() =>
        Hash.Combine(Name.GetHashCode(), Shape.GetHashCode(), Offset, Init.GetHashCode(), FanIn, FanOut,
            BitwiseFloatComparer.Instance.GetHashCode(Std), Values.GetHashCode(), Location?.GetHashCode() ?? 0);

    public int Length
    {
        get { int n = 1; foreach (int d in Shape) n *= d; return n; }
    }
}

/// <summary>A buffer in the flat buffer layout: non-trainable state a layer owns (batch normalization's running
/// statistics), initialized to zeros or ones, saved in checkpoints, updated by training-mode forward passes only.</summary>
internal sealed record BufferSpec(string Name, EquatableArray<int> Shape, int Offset, string Init, LocationInfo? Location)
{
    public int Length
    {
        get { int n = 1; foreach (int d in Shape) n *= d; return n; }
    }
}

/// <summary>How one field of a network or module class is bound to parameter storage by the generated constructor.</summary>
/// <param name="Field">The field name.</param>
/// <param name="ElementType">The fully qualified type of the field (of its elements, for an array).</param>
/// <param name="Count">0 for a single field, else the [Repeat] count of an array field.</param>
/// <param name="Create">The expression that creates the field's value (an element's), <c>{0}</c> standing for a C#
/// expression of its parameter-name prefix.</param>
internal sealed record FieldBinding(string Field, string ElementType, int Count, string Create);

/// <summary>A [Module] class: only its constructor is generated; its body is inlined where it is used.</summary>
internal sealed record ModuleSpec(ClassInfo Class, EquatableArray<FieldBinding> Fields, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A [Network] class traced into a graph.</summary>
internal sealed record NetworkSpec(
    ClassInfo Class,
    EquatableArray<FieldBinding> Fields,
    EquatableArray<ParamSpec> Parameters,
    EquatableArray<BufferSpec> Buffers,
    EquatableArray<NodeSpec> Nodes,
    EquatableArray<InputSpec> Inputs,
    EquatableArray<int> TargetShape,
    bool TargetShapeExplicit,
    DType TargetDType,
    int OutputNode,
    int LossNode,
    string ForwardMethod,
    string LossMethod,
    EquatableArray<DiagnosticInfo> Diagnostics,
    bool Decoder = false)
{
    public bool HasLoss => LossNode >= 0;

    /// <summary>The flat per-sample input shape: the one input's shape, or [floats per sample] for several.</summary>
    public EquatableArray<int> InputShape =>
        Inputs.Count == 1 ? Inputs[0].Shape : new EquatableArray<int>(new[] { InputSize });

    /// <summary>Floats per sample of the flat input buffer.</summary>
    public int InputSize
    {
        get { int n = 0; foreach (var input in Inputs) n += input.Size; return n; }
    }

    /// <summary>The file the network's [Forward] method is in (that of its input), or "": comments in the generated
    /// code name other files (modules declared elsewhere) explicitly; see <see cref="LocationInfo.Describe"/>.</summary>
    public string HomeFile
    {
        get
        {
            foreach (var node in Nodes)
                if (node.Op == OpKind.Input && node.Location is { } l) return l.FilePath;
            return "";
        }
    }
}

internal static class Hash
{
    public static int Combine(params int[] values)
    {
        int hash = 17;
        foreach (int v in values) hash = unchecked(hash * 31 + v);
        return hash;
    }
}

internal static class Shapes
{
    public static string Format(EquatableArray<int> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The most elements a tensor may have per sample (as for [Param] and [Dense] fields).</summary>
    public const int MaxElements = 1 << 28;

    /// <summary>The product of the dimensions, saturated just above 2 * <see cref="MaxElements"/> (it never overflows).</summary>
    public static long SaturatedSize(System.Collections.Generic.IEnumerable<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n = System.Math.Min(n * d, MaxElements * 2L + 1);
        return n;
    }

    public static int Size(EquatableArray<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n > int.MaxValue ? throw new OverflowException() : (int)n;
    }
}
