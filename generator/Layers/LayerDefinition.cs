using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary>Everything the generator knows about one layer that users declare as one word (<c>[Dense(in, out)] Dense
/// d;</c>): its attribute and runtime class, how the attribute is read and checked (diagnostics at the argument), the
/// parameters it owns (PyTorch's names and layouts), the constructor call that binds the runtime object to them, and
/// what its <c>Forward</c> traces to: the graph ops of <c>Ops/</c>, so a layer adds no op of its own. Every place that
/// handles layers asks <see cref="LayerRegistry"/>.</summary>
internal abstract class LayerDefinition
{
    protected LayerDefinition(string name) => Name = name;

    /// <summary>The layer's name: its attribute is <c>NetCompiler.{Name}Attribute</c>, its runtime class <c>NetCompiler.{Name}</c>.</summary>
    public string Name { get; }

    public string AttributeName => $"NetCompiler.{Name}Attribute";

    public string RuntimeType => $"NetCompiler.{Name}";

    /// <summary>Reads the attribute on <paramref name="field"/>; null after reporting why it is invalid (or when the C#
    /// compiler reports it: wrong argument types).</summary>
    public abstract LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics);

    /// <summary>The C# expression that creates the runtime object over the parameter store <c>parameters</c>;
    /// <paramref name="name"/> is a C# expression for the layer's parameter-name prefix.</summary>
    public abstract string Bind(LayerDeclaration layer, string name);

    /// <summary>Traces <c>layer.Forward(...)</c> into graph nodes.</summary>
    public abstract TraceValue Forward(LayerCall call);

    /// <summary>Reports NC0008 with <paramref name="message"/> and refuses the declaration.</summary>
    protected static LayerDeclaration? Invalid(List<DiagnosticInfo> diagnostics, LocationInfo? location, string message)
    {
        FieldDeclaration.Invalid(diagnostics, location, message);
        return null;
    }

    /// <summary>Reports an invalid standard deviation at the attribute's <c>Std</c> and refuses the declaration.</summary>
    protected static LayerDeclaration? BadStd(List<DiagnosticInfo> diagnostics, AttributeData attribute, IFieldSymbol field, float std, LocationInfo? location)
    {
        FieldDeclaration.BadStd(diagnostics, attribute, field, std, location);
        return null;
    }
}

/// <summary>A layer as declared on one field: its definition and the parameters it owns, in layout order.</summary>
internal sealed class LayerDeclaration
{
    public LayerDeclaration(LayerDefinition definition, IReadOnlyList<LayerParameter> parameters, OpAttributes? attributes = null,
        IReadOnlyList<LayerBuffer>? buffers = null)
    {
        Definition = definition; Parameters = parameters; Attributes = attributes ?? OpAttributes.None;
        Buffers = buffers ?? System.Array.Empty<LayerBuffer>();
    }

    public LayerDefinition Definition { get; }

    /// <summary>What the layer's op takes besides its tensors (a normalization's epsilon), from the attribute.</summary>
    public OpAttributes Attributes { get; }

    public IReadOnlyList<LayerParameter> Parameters { get; }

    /// <summary>The non-trainable state it owns (batch normalization's running statistics), in layout order.</summary>
    public IReadOnlyList<LayerBuffer> Buffers { get; }

    public bool Has(string suffix) => Parameters.Any(p => p.Suffix == suffix);
}

/// <summary>One parameter a layer owns: <c>layer.{Suffix}</c>, its shape, its initializer (and the fans and standard
/// deviation it uses), or explicit values.</summary>
internal sealed class LayerParameter
{
    public LayerParameter(string suffix, int[] shape, string init, int fanIn, int fanOut, float std, float[]? values)
    {
        Suffix = suffix; Shape = shape; Init = init; FanIn = fanIn; FanOut = fanOut; Std = std; Values = values;
    }

    public string Suffix { get; }
    public int[] Shape { get; }
    public string Init { get; }
    public int FanIn { get; }
    public int FanOut { get; }
    public float Std { get; }
    public float[]? Values { get; }
}

/// <summary>One buffer a layer owns: <c>layer.{Suffix}</c> (PyTorch's name), its shape and its fill (<c>Zeros</c> or
/// <c>Ones</c>).</summary>
internal sealed record LayerBuffer(string Suffix, int[] Shape, string Init);

/// <summary>A call <c>layer.Forward(arguments)</c> met while tracing: the layer's name and declaration, the evaluated
/// arguments, and the parameter nodes and graph node it adds.</summary>
internal sealed class LayerCall
{
    private readonly BodyTracer _tracer;

    public LayerCall(BodyTracer tracer, string name, LayerDeclaration layer, IReadOnlyList<TraceValue> arguments, SyntaxNode syntax)
    {
        _tracer = tracer; Name = name; Layer = layer; Arguments = arguments; Syntax = syntax;
    }

    /// <summary>The layer's parameter-name prefix, e.g. <c>blocks.0.up</c>.</summary>
    public string Name { get; }

    public LayerDeclaration Layer { get; }

    public IReadOnlyList<TraceValue> Arguments { get; }

    public SyntaxNode Syntax { get; }

    /// <summary>Argument <paramref name="i"/> as a graph node (a number becomes a constant).</summary>
    public int Tensor(int i, string what) => _tracer.RequireTensor(Arguments[i], Syntax, what);

    /// <summary>The node of the layer's parameter <c>{Name}.{suffix}</c>.</summary>
    public int Parameter(string suffix) => _tracer.ParameterNode(Name + "." + suffix, Syntax);

    /// <summary>The node of the layer's buffer <c>{Name}.{suffix}</c>.</summary>
    public int Buffer(string suffix) => _tracer.BufferNode(Name + "." + suffix);

    /// <summary>Adds the layer's node, labelled with the layer's name, and returns it as the call's value.</summary>
    public TraceValue Node(OpKind op, int[] inputs, OpAttributes attributes) =>
        new TensorValue(_tracer.AddNode(op, inputs, attributes, Name, Syntax));
}
