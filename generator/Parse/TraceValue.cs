using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Parse;

/// <summary>What an expression evaluates to while a body is traced at compile time.</summary>
internal abstract class TraceValue
{
    public abstract string Describe();
}

/// <summary>A tensor: a node of the graph being built.</summary>
internal sealed class TensorValue : TraceValue
{
    public TensorValue(int node) => Node = node;
    public int Node { get; }
    public override string Describe() => "a tensor";
}

/// <summary>The tensors of a <c>Split</c> (a <c>Tensor[]</c> in C#): read by a constant index, deconstructed
/// (<c>var (q, k, v) = ...</c>) or iterated with <c>foreach</c>; its <c>Length</c> is a compile-time number.</summary>
internal sealed class TensorListValue : TraceValue
{
    public TensorListValue(IReadOnlyList<int> nodes) => Nodes = nodes;
    public IReadOnlyList<int> Nodes { get; }
    public override string Describe() => $"{Nodes.Count} tensors";
}

/// <summary>A compile-time number (loop counters, scalar arguments, literals).</summary>
internal sealed class NumberValue : TraceValue
{
    public NumberValue(double value) => Value = value;
    public double Value { get; }
    public override string Describe() => "the number " + Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>C#'s <c>null</c>: an optional tensor left out (a convolution without bias). Ops read it where they take
/// one; anywhere else it is refused as not a tensor.</summary>
internal sealed class NullValue : TraceValue
{
    public static readonly NullValue Instance = new();
    private NullValue() { }
    public override string Describe() => "null";
}

/// <summary>A compile-time boolean (loop conditions).</summary>
internal sealed class BoolValue : TraceValue
{
    public BoolValue(bool value) => Value = value;
    public bool Value { get; }
    public override string Describe() => Value ? "true" : "false";
}

/// <summary>An instance of the network or of a module, identified by its parameter-name prefix.</summary>
internal sealed class InstanceValue : TraceValue
{
    public InstanceValue(INamedTypeSymbol type, string prefix) { Type = type; Prefix = prefix; }
    public INamedTypeSymbol Type { get; }
    public string Prefix { get; }
    public override string Describe() => "module " + Type.Name;
}

/// <summary>A layer (dense, embedding, ...); <see cref="Name"/> is its parameter prefix (e.g. <c>block.up</c>).</summary>
internal sealed class LayerValue : TraceValue
{
    public LayerValue(string name, Layers.LayerDeclaration layer) { Name = name; Layer = layer; }
    public string Name { get; }
    public Layers.LayerDeclaration Layer { get; }
    public override string Describe() => "layer " + Name;
}

/// <summary>A [Repeat] array field; elements are addressed by a constant index.</summary>
internal sealed class ArrayValue : TraceValue
{
    public ArrayValue(FieldDeclaration field, string name) { Field = field; Name = name; }
    public FieldDeclaration Field { get; }
    public string Name { get; }
    public int Length => Field.Count;
    public override string Describe() => "array " + Name;
}
