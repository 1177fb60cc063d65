using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[BatchNorm(c)] BatchNorm n</c> (PyTorch's <c>nn.BatchNorm1d(c)</c> / <c>nn.BatchNorm2d(c)</c>):
/// <c>n.weight</c> [c] ones, <c>n.bias</c> [c] zeros unless <c>Bias = false</c>, the buffers <c>n.running_mean</c> [c]
/// zeros and <c>n.running_var</c> [c] ones, <c>Momentum</c> 0.1, <c>Epsilon</c> 1e-5; <c>Forward(x)</c> is the
/// BatchNorm op over channel axis 0. PyTorch's <c>num_batches_tracked</c> is not kept: it only matters when the
/// momentum is None (a cumulative average), which this layer does not offer.</summary>
internal sealed class BatchNormLayer : LayerDefinition
{
    private readonly int _rank;

    private BatchNormLayer(string name, int rank) : base(name) => _rank = rank;

    public static readonly BatchNormLayer Instance = new("BatchNorm", 0);

    /// <summary><c>[BatchNorm2D(c)] BatchNorm2D n</c> (PyTorch's <c>nn.BatchNorm2d</c>): the same layer over per-sample
    /// [C, H, W] only.</summary>
    public static readonly BatchNormLayer TwoD = new("BatchNorm2D", 3);

    public override LayerDeclaration? Read(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = attribute.ConstructorArguments;
        if (args.Length != 1 || args[0].Value is not int channels) return null; // C# reports it
        if (channels <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, 0, location), $"[{Name}] '{field.Name}' channels", channels));
            return null;
        }
        float epsilon = 1e-5f, momentum = 0.1f;
        bool bias = true;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Epsilon" && named.Value.Value is float e) epsilon = e;
            if (named.Key == "Momentum" && named.Value.Value is float m) momentum = m;
            if (named.Key == "Bias") bias = named.Value.Value is true;
        }
        if (!(epsilon >= 0f) || float.IsInfinity(epsilon))
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "Epsilon", location),
                $"[{Name}] '{field.Name}' has Epsilon = {epsilon.ToString(CultureInfo.InvariantCulture)}; it must be finite and not negative");
        if (!(momentum >= 0f && momentum <= 1f))
            return Invalid(diagnostics, AttributeArguments.Named(attribute, "Momentum", location),
                $"[{Name}] '{field.Name}' has Momentum = {momentum.ToString(CultureInfo.InvariantCulture)}; it must be in [0, 1]");
        var parameters = new List<LayerParameter> { new("weight", new[] { channels }, "Ones", channels, channels, 0f, null) };
        if (bias) parameters.Add(new("bias", new[] { channels }, "Zeros", channels, channels, 0f, null));
        var buffers = new[] { new LayerBuffer("running_mean", new[] { channels }, "Zeros"), new LayerBuffer("running_var", new[] { channels }, "Ones") };
        return new LayerDeclaration(this, parameters, new BatchNormSettings(momentum, epsilon, _rank), buffers);
    }

    public override string Bind(LayerDeclaration layer, string name)
    {
        var settings = (BatchNormSettings)layer.Attributes;
        return $"new global::{RuntimeType}(parameters[{name} + \".weight\"], {(layer.Has("bias") ? $"parameters[{name} + \".bias\"]" : "null")}, " +
               $"parameters.Buffer({name} + \".running_mean\"), parameters.Buffer({name} + \".running_var\"), {SourceWriter.Float(settings.Momentum)}, {SourceWriter.Float(settings.Epsilon)})";
    }

    public override TraceValue Forward(LayerCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input of " + call.Name), call.Parameter("weight"), call.Buffer("running_mean"), call.Buffer("running_var") };
        if (call.Layer.Has("bias")) inputs.Add(call.Parameter("bias"));
        return call.Node(OpKind.BatchNorm, inputs.ToArray(), call.Layer.Attributes);
    }
}
