using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>A call <c>Ops.Name(arguments)</c> met while tracing a body, as an op definition's
/// <see cref="Ops.OpDefinition.Build"/> sees it: the evaluated arguments, helpers that require a tensor or a
/// compile-time number (reporting a diagnostic at the call otherwise), and the node it adds.</summary>
internal sealed class OpCall
{
    private readonly BodyTracer _tracer;

    public OpCall(BodyTracer tracer, string name, IReadOnlyList<TraceValue> arguments, SyntaxNode syntax)
    {
        _tracer = tracer; Name = name; Arguments = arguments; Syntax = syntax;
    }

    /// <summary>The method called (an op may have several names, e.g. Swish and Silu).</summary>
    public string Name { get; }

    public IReadOnlyList<TraceValue> Arguments { get; }

    public SyntaxNode Syntax { get; }

    /// <summary>Argument <paramref name="i"/> as a graph node (a number becomes a constant).</summary>
    public int Tensor(int i, string what) => _tracer.RequireTensor(Arguments[i], Syntax, what);

    /// <summary>Argument <paramref name="i"/> as a compile-time number.</summary>
    public float Number(int i, string what) => _tracer.RequireNumber(Arguments[i], Syntax, what);

    /// <summary>Argument <paramref name="i"/> as a compile-time flag (a <c>bool</c>; a default <c>false</c> arrives as 0).</summary>
    public bool Flag(int i, string what) => Arguments[i] switch
    {
        BoolValue b => b.Value,
        NumberValue { Value: 0 or 1 } n => n.Value == 1,
        var other => _tracer.RequireNumber(other, Syntax, what) != 0,   // reports a non-constant at the call
    };

    /// <summary>Reports NC0003 at the call (<paramref name="what"/> is not supported: <paramref name="why"/>); throw the
    /// result to stop tracing.</summary>
    public System.Exception Unsupported(string what, string why) => _tracer.Unsupported(Syntax, what, why);

    /// <summary>Adds the op's node and returns it as the call's value.</summary>
    public TraceValue Node(OpKind op, int[] inputs, OpAttributes attributes) =>
        new TensorValue(_tracer.AddNode(op, inputs, attributes, Name, Syntax));
}
