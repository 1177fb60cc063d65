using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Layers;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>What a field of a network or module declares: a dense layer, a raw parameter or a sub-module,
/// possibly repeated. Read from the field's attributes.</summary>
internal sealed class FieldDeclaration
{
    public string Name = "";
    public string Kind = "";              // a layer's name (see LayerRegistry), "Param" or "Module"
    public int Count;                     // 0 = single field, else [Repeat] count
    public LayerDeclaration? Layer;       // a layer
    public string WeightInit = "Xavier";  // Param
    public float[]? Weights;
    public float Std = 0.01f;
    public int[] Shape = new int[0];
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
        LayerDefinition? layer = null;
        var location = LocationInfo.From(field.Locations.FirstOrDefault());
        foreach (var a in field.GetAttributes())
        {
            string? name = a.AttributeClass?.ToDisplayString();
            if (LayerRegistry.ForAttribute(name) is { } definition)
            {
                if (layer is not null)
                    return Invalid(diagnostics, AttributeArguments.Of(a, location), $"Field '{field.Name}' has both [{layer.Name}] and [{definition.Name}]; a field is one layer");
                (dense, layer) = (a, definition);
            }
            else if (name == "NetCompiler.ParamAttribute") param = a;
            else if (name == "NetCompiler.RepeatAttribute") repeat = a;
        }
        var type = field.Type;
        int count = 0;
        if (dense is not null && param is not null)
            return Invalid(diagnostics, AttributeArguments.Of(param, location), $"Field '{field.Name}' has both [{layer!.Name}] and [Param]; a field is one layer or one parameter");
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
            if (typeName != layer!.RuntimeType)
                return Invalid(diagnostics, location, $"[{layer.Name}] field '{field.Name}' must have type {layer.Name} (or {layer.Name}[] with [Repeat]), not {field.Type.ToDisplayString()}");
            decl.Layer = layer.Read(dense, field, location, diagnostics);
            if (decl.Layer is null) return null;
            decl.Kind = layer.Name;
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
            var attribute = field.GetAttributes().FirstOrDefault(a => IsFieldAttribute(a.AttributeClass?.ToDisplayString()));
            if (attribute is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, LocationInfo.From(field.Locations.FirstOrDefault()),
                    $"Field '{field.Name}' is static, but [{attribute.AttributeClass!.Name.Replace("Attribute", "")}] fields must be instance fields: each network instance owns its parameters"));
        }
    }

    /// <summary>Whether an attribute declares a network field: a layer's, [Param] or [Repeat].</summary>
    public static bool IsFieldAttribute(string? name) =>
        name is "NetCompiler.ParamAttribute" or "NetCompiler.RepeatAttribute" || LayerRegistry.ForAttribute(name) is not null;

    public static bool IsModule(ITypeSymbol type) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.ModuleAttribute");

    /// <summary>How the generated constructor binds this field: its element type and the expression creating an
    /// element, with <c>{0}</c> standing for the element's parameter-name expression.</summary>
    public FieldBinding ToBinding() => Kind switch
    {
        "Param" => new FieldBinding(Name, "global::NetCompiler.Tensor", Count, "parameters[{0}]"),
        "Module" => new FieldBinding(Name, "global::" + ModuleType!.ToDisplayString(), Count, $"new global::{ModuleType.ToDisplayString()}(parameters, {{0}} + \".\")"),
        _ => new FieldBinding(Name, "global::" + Layer!.Definition.RuntimeType, Count, Layer.Definition.Bind(Layer, "{0}")),
    };

    internal static FieldDeclaration? Invalid(List<DiagnosticInfo> diagnostics, LocationInfo? location, string message)
    {
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, location, message));
        return null;
    }

    internal static bool IsValidStd(float std) => std >= 0 && !float.IsInfinity(std); // false for NaN too

    internal static FieldDeclaration? BadStd(List<DiagnosticInfo> diagnostics, AttributeData attribute, IFieldSymbol field, float std, LocationInfo? location) =>
        Invalid(diagnostics, AttributeArguments.Named(attribute, "Std", location),
            $"'{field.Name}' has Std = {std.ToString(System.Globalization.CultureInfo.InvariantCulture)}; the standard deviation of Init.Normal must be a finite number, 0 or more");

    /// <summary>The initializer's name, or null for a value outside the Init enum (such as <c>(Init)99</c>).</summary>
    internal static string? InitName(TypedConstant value) =>
        value.Value is int i && i >= 0 && i < InitNames.Length ? InitNames[i] : null;

    /// <summary>NC0008 at the first WeightInit, BiasInit or Init argument that is not an Init value.</summary>
    internal static bool BadInit(AttributeData attribute, IFieldSymbol field, LocationInfo? location, List<DiagnosticInfo> diagnostics)
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

    internal static float[]? Floats(TypedConstant value) =>
        value.Kind == TypedConstantKind.Array ? value.Values.Select(v => v.Value is float f ? f : 0f).ToArray() : null;
}
