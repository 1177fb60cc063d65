using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;
using NetCompiler.Generator.Parse;

namespace NetCompiler.Generator.Layers;

/// <summary><c>[Conv2D(in, out, kernel)] Conv2D c</c> or <c>[Conv2D(in, out, kh, kw)]</c> (PyTorch's <c>nn.Conv2d</c>):
/// <c>c.weight</c> [out, in / Groups, kh, kw] and <c>c.bias</c> [out] (<c>Bias = false</c> drops it), both
/// U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = in / Groups kh kw by default, as PyTorch; <c>Stride</c>,
/// <c>Padding</c>, <c>Dilation</c>, <c>Groups</c>. <c>c.Forward(x)</c> is the Conv2D op.</summary>
internal sealed class Conv2DLayer : LayerDefinition
{
    private Conv2DLayer() : base("Conv2D") { }

    public static readonly Conv2DLayer Instance = new();

    public override LayerDeclaration? Read(AttributeData conv, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var args = conv.ConstructorArguments;
        if (args.Length is not (3 or 4)) return null; // C# reports it
        var sizes = new int[4];
        string[] names = { "in channels", "out channels", args.Length == 3 ? "kernel" : "kernel height", "kernel width" };
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].Value is not int value) return null;
            if (value <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(conv, i, location), $"[Conv2D] '{field.Name}' {names[i]}", value));
                return null;
            }
            sizes[i] = value;
        }
        if (args.Length == 3) sizes[3] = sizes[2];
        int inputs = sizes[0], outputs = sizes[1], kh = sizes[2], kw = sizes[3];
        int stride = 1, padding = 0, dilation = 1, groups = 1;
        bool hasBias = true;
        string weightInit = "FanInUniform", biasInit = "FanInUniform";
        float std = 0.01f;
        foreach (var named in conv.NamedArguments)
        {
            switch (named.Key)
            {
                case "Stride": stride = named.Value.Value is int s ? s : 1; break;
                case "Padding": padding = named.Value.Value is int p ? p : 0; break;
                case "Dilation": dilation = named.Value.Value is int d ? d : 1; break;
                case "Groups": groups = named.Value.Value is int g ? g : 1; break;
                case "Bias": hasBias = named.Value.Value is true; break;
                case "WeightInit": weightInit = FieldDeclaration.InitName(named.Value) ?? ""; break;
                case "BiasInit": biasInit = FieldDeclaration.InitName(named.Value) ?? ""; break;
                case "Std": std = named.Value.Value is float f ? f : 0.01f; break;
            }
        }
        string layer = $"[Conv2D] '{field.Name}'";
        if (stride < 1) return Invalid(diagnostics, AttributeArguments.Named(conv, "Stride", location), $"{layer} has Stride = {stride}; it must be at least 1");
        if (dilation < 1) return Invalid(diagnostics, AttributeArguments.Named(conv, "Dilation", location), $"{layer} has Dilation = {dilation}; it must be at least 1");
        if (padding < 0) return Invalid(diagnostics, AttributeArguments.Named(conv, "Padding", location), $"{layer} has Padding = {padding}; it must not be negative");
        if (groups < 1) return Invalid(diagnostics, AttributeArguments.Named(conv, "Groups", location), $"{layer} has Groups = {groups}; it must be at least 1");
        if (inputs % groups != 0 || outputs % groups != 0)
            return Invalid(diagnostics, AttributeArguments.Named(conv, "Groups", location),
                $"{layer} has {inputs} input and {outputs} output channels, which must both be divisible by Groups = {groups}");
        if (FieldDeclaration.BadInit(conv, field, location, diagnostics)) return null;
        if (!FieldDeclaration.IsValidStd(std)) return BadStd(diagnostics, conv, field, std, location);
        long count = (long)outputs * (inputs / groups) * kh * kw;
        if (count > FieldDeclaration.MaxWeights)
            return Invalid(diagnostics, AttributeArguments.Of(conv, location), $"{layer} has {count} weights; the limit is {FieldDeclaration.MaxWeights} (1 GiB of floats)");
        int fanIn = inputs / groups * kh * kw, fanOut = outputs / groups * kh * kw;
        var parameters = new List<LayerParameter> { new("weight", new[] { outputs, inputs / groups, kh, kw }, weightInit, fanIn, fanOut, std, null) };
        if (hasBias) parameters.Add(new("bias", new[] { outputs }, biasInit, fanIn, fanOut, std, null));
        return new LayerDeclaration(this, parameters, new ConvolutionAttribute(stride, padding, dilation, groups));
    }

    public override string Bind(LayerDeclaration layer, string name)
    {
        var a = (ConvolutionAttribute)layer.Attributes;
        string bias = layer.Has("bias") ? $"parameters[{name} + \".bias\"]" : "null";
        return $"new global::NetCompiler.Conv2D(parameters[{name} + \".weight\"], {bias}, {a.Stride}, {a.Padding}, {a.Dilation}, {a.Groups})";
    }

    public override TraceValue Forward(LayerCall call)
    {
        int x = call.Tensor(0, "the input of " + call.Name);
        var inputs = call.Layer.Has("bias") ? new[] { x, call.Parameter("weight"), call.Parameter("bias") } : new[] { x, call.Parameter("weight") };
        return call.Node(OpKind.Conv2D, inputs, call.Layer.Attributes);
    }
}
