using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>What a field of a network or module declares: a dense layer, a raw parameter or a sub-module,
/// possibly repeated. Read from the field's attributes.</summary>
internal sealed class FieldDeclaration
{
    public string Name = "";
    public string Kind = "";              // "Dense", "Param" or "Module"
    public int Count;                     // 0 = single field, else [Repeat] count
    public int Inputs, Outputs;           // Dense
    public bool HasBias;
    public string WeightInit = "Xavier", BiasInit = "Zeros";
    public float[]? Weights, Biases;
    public float Std = 0.01f;
    public int[] Shape = new int[0];      // Param
    public INamedTypeSymbol? ModuleType;  // Module
    public LocationInfo? Location;

    /// <summary>The largest [Repeat] count: every copy is traced and emitted, so generation time grows with it (the fuzz
    /// test measured 6.7 s for [Repeat(1982)] of the zoo's residual block); 1,024 copies cover the deepest published stacks.</summary>
    public const int MaxRepeat = 1024;

    /// <summary>The most weights of one [Dense] or [Param] field (1 GiB of floats); offsets in the generated code are ints.</summary>
    public const int MaxWeights = Shapes.MaxElements;

    private static readonly string[] InitNames = { "Zeros", "Ones", "Xavier", "He", "Normal", "FanInUniform" };

    /// <summary>Classifies <paramref name="field"/>; null when it is not a network field (ordinary user state)
    /// or is invalid (then a diagnostic is added).</summary>
    public static FieldDeclaration? Read(IFieldSymbol field, List<DiagnosticInfo> diagnostics)
    {
        AttributeData? dense = null, param = null, repeat = null;
        foreach (var a in field.GetAttributes())
        {
            switch (a.AttributeClass?.ToDisplayString())
            {
                case "NetCompiler.DenseAttribute": dense = a; break;
                case "NetCompiler.ParamAttribute": param = a; break;
                case "NetCompiler.RepeatAttribute": repeat = a; break;
            }
        }
        var location = LocationInfo.From(field.Locations.FirstOrDefault());
        var type = field.Type;
        int count = 0;
        if (dense is not null && param is not null)
            return Invalid(diagnostics, AttributeArguments.Of(param, location), $"Field '{field.Name}' has both [Dense] and [Param]; a field is one layer or one parameter");
        if (repeat is not null && type is not IArrayTypeSymbol)
            return Invalid(diagnostics, AttributeArguments.Of(repeat, location),
                $"[Repeat] on '{field.Name}' needs an array field (Dense[], Tensor[] or an array of a module), not {type.ToDisplayString()}");
        if (type is IArrayTypeSymbol array)
        {
            if (repeat is null)
            {
                if (dense is null && param is null && !IsModule(array.ElementType)) return null;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, location,
                    $"Array field '{field.Name}' needs [Repeat(count)] to say how many copies it holds"));
                return null;
            }
            count = repeat.ConstructorArguments.Length == 1 && repeat.ConstructorArguments[0].Value is int c ? c : 0;
            if (count <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(repeat, 0, location),
                    $"[Repeat] on '{field.Name}'", count));
                return null;
            }
            if (count > MaxRepeat)
            {
                // Every copy is traced and emitted: a huge count would stall the build (65,536 copies of a small module
                // take seconds; int.MaxValue would never finish), so it is an error at the attribute.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, AttributeArguments.Positional(repeat, 0, location),
                    $"[Repeat({count})] on '{field.Name}' asks for more than {MaxRepeat} copies; every copy is compiled into the generated code, so use fewer, wider layers"));
                return null;
            }
            type = array.ElementType;
        }
        var decl = new FieldDeclaration { Name = field.Name, Count = count, Location = location };
        string typeName = type.ToDisplayString();
        if (dense is not null)
        {
            if (typeName != "NetCompiler.Dense")
                return Invalid(diagnostics, location, $"[Dense] field '{field.Name}' must have type Dense (or Dense[] with [Repeat]), not {field.Type.ToDisplayString()}");
            var args = dense.ConstructorArguments;
            if (args.Length != 2 || args[0].Value is not int inputs || args[1].Value is not int outputs) return null; // C# reports it
            var attrLocation = AttributeArguments.Of(dense, location);
            if (inputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(dense, 0, location), $"[Dense] '{field.Name}' inputs", inputs)); return null; }
            if (outputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(dense, 1, location), $"[Dense] '{field.Name}' outputs", outputs)); return null; }
            decl.Kind = "Dense"; decl.Inputs = inputs; decl.Outputs = outputs; decl.HasBias = true;
            foreach (var named in dense.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Bias": decl.HasBias = named.Value.Value is true; break;
                    case "WeightInit": decl.WeightInit = InitName(named.Value) ?? ""; break;
                    case "BiasInit": decl.BiasInit = InitName(named.Value) ?? ""; break;
                    case "Weights": decl.Weights = Floats(named.Value); break;
                    case "Biases": decl.Biases = Floats(named.Value); break;
                    case "Std": decl.Std = named.Value.Value is float s ? s : 0.01f; break;
                }
            }
            if (BadInit(dense, field, location, diagnostics)) return null;
            if (!IsValidStd(decl.Std)) return BadStd(diagnostics, dense, field, decl.Std, location);
            long weights = (long)inputs * outputs; // long: Dense(65536, 65536) must not wrap to 0
            if (weights > MaxWeights) return Invalid(diagnostics, attrLocation, $"[Dense({inputs}, {outputs})] '{field.Name}' has {weights} weights; the limit is {MaxWeights} (1 GiB of floats): use narrower layers");
            if (decl.Weights is not null && decl.Weights.Length != weights)
                return Invalid(diagnostics, AttributeArguments.Named(dense, "Weights", location), $"[Dense({inputs}, {outputs})] '{field.Name}' has {decl.Weights.Length} Weights; it needs {weights} ([outputs, inputs], row-major)");
            if (decl.Biases is not null && (!decl.HasBias || decl.Biases.Length != outputs))
                return Invalid(diagnostics, AttributeArguments.Named(dense, "Biases", location), decl.HasBias
                    ? $"[Dense({inputs}, {outputs})] '{field.Name}' has {decl.Biases.Length} Biases; it needs {outputs}"
                    : $"[Dense] '{field.Name}' sets Biases but Bias = false");
            return decl;
        }
        if (param is not null)
        {
            if (typeName != "NetCompiler.Tensor")
                return Invalid(diagnostics, location, $"[Param] field '{field.Name}' must have type Tensor (or Tensor[] with [Repeat]), not {field.Type.ToDisplayString()}");
            var attrLocation = AttributeArguments.Of(param, location);
            var shape = AttributeArguments.Dimensions(param);
            for (int i = 0; i < shape.Length; i++)
                if (shape[i] <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(param, i, location), $"[Param] '{field.Name}'", shape[i])); return null; }
            decl.Kind = "Param"; decl.Shape = shape; decl.WeightInit = "Xavier";
            foreach (var named in param.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Init": decl.WeightInit = InitName(named.Value) ?? ""; break;
                    case "Values": decl.Weights = Floats(named.Value); break;
                    case "Std": decl.Std = named.Value.Value is float s ? s : 0.01f; break;
                }
            }
            if (BadInit(param, field, location, diagnostics)) return null;
            if (!IsValidStd(decl.Std)) return BadStd(diagnostics, param, field, decl.Std, location);
            long size = Shapes.SaturatedSize(shape); // saturating: a rank-3 shape of huge dimensions must not wrap
            if (size > MaxWeights) return Invalid(diagnostics, attrLocation, $"[Param] '{field.Name}' has shape [{string.Join(", ", shape)}], more than {MaxWeights} elements (1 GiB of floats)");
            if (decl.Weights is not null && decl.Weights.Length != size)
                return Invalid(diagnostics, AttributeArguments.Named(param, "Values", location), $"[Param] '{field.Name}' has {decl.Weights.Length} Values; its shape [{string.Join(", ", shape)}] needs {size}");
            return decl;
        }
        if (type is INamedTypeSymbol named2 && IsModule(named2))
        {
            decl.Kind = "Module"; decl.ModuleType = named2;
            return decl;
        }
        return null;
    }

    /// <summary>NC0008 for each static field that declares a layer or a parameter: parameters belong to a network
    /// instance (the layout walks instance fields only, so such a field would be silently left out).</summary>
    public static void CheckStaticFields(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared))
        {
            var attribute = field.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() is
                "NetCompiler.DenseAttribute" or "NetCompiler.ParamAttribute" or "NetCompiler.RepeatAttribute");
            if (attribute is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, LocationInfo.From(field.Locations.FirstOrDefault()),
                    $"Field '{field.Name}' is static, but [{attribute.AttributeClass!.Name.Replace("Attribute", "")}] fields must be instance fields: each network instance owns its parameters"));
        }
    }

    public static bool IsModule(ITypeSymbol type) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.ModuleAttribute");

    public FieldBinding ToBinding() =>
        new(Name, Kind, Count, ModuleType is null ? "" : "global::" + ModuleType.ToDisplayString(), HasBias);

    private static FieldDeclaration? Invalid(List<DiagnosticInfo> diagnostics, LocationInfo? location, string message)
    {
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, location, message));
        return null;
    }

    private static bool IsValidStd(float std) => std >= 0 && !float.IsInfinity(std); // false for NaN too

    private static FieldDeclaration? BadStd(List<DiagnosticInfo> diagnostics, AttributeData attribute, IFieldSymbol field, float std, LocationInfo? location) =>
        Invalid(diagnostics, AttributeArguments.Named(attribute, "Std", location),
            $"'{field.Name}' has Std = {std.ToString(System.Globalization.CultureInfo.InvariantCulture)}; the standard deviation of Init.Normal must be a finite number, 0 or more");

    /// <summary>The initializer's name, or null for a value outside the Init enum (such as <c>(Init)99</c>).</summary>
    private static string? InitName(TypedConstant value) =>
        value.Value is int i && i >= 0 && i < InitNames.Length ? InitNames[i] : null;

    /// <summary>NC0008 at the first WeightInit, BiasInit or Init argument that is not an Init value.</summary>
    private static bool BadInit(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        foreach (var named in attribute.NamedArguments)
            if (named.Key is "WeightInit" or "BiasInit" or "Init" && InitName(named.Value) is null)
            {
                Invalid(diagnostics, AttributeArguments.Named(attribute, named.Key, location),
                    $"'{field.Name}' has {named.Key} = {named.Value.Value}, which is not an Init value ({string.Join(", ", InitNames)})");
                return true;
            }
        return false;
    }

    private static float[]? Floats(TypedConstant value) =>
        value.Kind == TypedConstantKind.Array ? value.Values.Select(v => v.Value is float f ? f : 0f).ToArray() : null;
}
