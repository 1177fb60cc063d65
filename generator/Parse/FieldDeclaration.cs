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

    /// <summary>The largest [Repeat] count: every copy is traced and emitted.</summary>
    public const int MaxRepeat = 4096;

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
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeLocation(repeat, location),
                    $"[Repeat] on '{field.Name}'", count));
                return null;
            }
            if (count > MaxRepeat)
            {
                // Every copy is traced and emitted: a huge count would stall the build (65,536 copies of a small module
                // take seconds; int.MaxValue would never finish), so it is an error at the attribute.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, AttributeLocation(repeat, location),
                    $"[Repeat({count})] on '{field.Name}' asks for more than {MaxRepeat} copies"));
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
            var attrLocation = AttributeLocation(dense, location);
            if (inputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, attrLocation, $"[Dense] '{field.Name}' inputs", inputs)); return null; }
            if (outputs <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, attrLocation, $"[Dense] '{field.Name}' outputs", outputs)); return null; }
            decl.Kind = "Dense"; decl.Inputs = inputs; decl.Outputs = outputs; decl.HasBias = true;
            foreach (var named in dense.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Bias": decl.HasBias = named.Value.Value is true; break;
                    case "WeightInit": decl.WeightInit = InitName(named.Value); break;
                    case "BiasInit": decl.BiasInit = InitName(named.Value); break;
                    case "Weights": decl.Weights = Floats(named.Value); break;
                    case "Biases": decl.Biases = Floats(named.Value); break;
                    case "Std": decl.Std = named.Value.Value is float s ? s : 0.01f; break;
                }
            }
            long weights = (long)inputs * outputs; // long: Dense(65536, 65536) must not wrap to 0
            if (weights > 1 << 28) return Invalid(diagnostics, attrLocation, $"[Dense({inputs}, {outputs})] '{field.Name}' has {weights} weights; the limit is {1 << 28}");
            if (decl.Weights is not null && decl.Weights.Length != weights)
                return Invalid(diagnostics, attrLocation, $"[Dense({inputs}, {outputs})] '{field.Name}' has {decl.Weights.Length} Weights; it needs {weights} ([outputs, inputs], row-major)");
            if (decl.Biases is not null && (!decl.HasBias || decl.Biases.Length != outputs))
                return Invalid(diagnostics, attrLocation, decl.HasBias
                    ? $"[Dense({inputs}, {outputs})] '{field.Name}' has {decl.Biases.Length} Biases; it needs {outputs}"
                    : $"[Dense] '{field.Name}' sets Biases but Bias = false");
            return decl;
        }
        if (param is not null)
        {
            if (typeName != "NetCompiler.Tensor")
                return Invalid(diagnostics, location, $"[Param] field '{field.Name}' must have type Tensor (or Tensor[] with [Repeat]), not {field.Type.ToDisplayString()}");
            var attrLocation = AttributeLocation(param, location);
            var shape = param.ConstructorArguments.Length == 1 && param.ConstructorArguments[0].Kind == TypedConstantKind.Array
                ? param.ConstructorArguments[0].Values.Select(v => v.Value is int d ? d : 0).ToArray()
                : param.ConstructorArguments.Select(v => v.Value is int d ? d : 0).ToArray();
            foreach (int d in shape)
                if (d <= 0) { diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, attrLocation, $"[Param] '{field.Name}'", d)); return null; }
            decl.Kind = "Param"; decl.Shape = shape; decl.WeightInit = "Xavier";
            foreach (var named in param.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Init": decl.WeightInit = InitName(named.Value); break;
                    case "Values": decl.Weights = Floats(named.Value); break;
                    case "Std": decl.Std = named.Value.Value is float s ? s : 0.01f; break;
                }
            }
            long size = 1;
            foreach (int d in shape) size = Math.Min(size * d, (1L << 28) + 1); // saturating: a rank-3 shape of huge dimensions must not wrap
            if (size > 1 << 28) return Invalid(diagnostics, attrLocation, $"[Param] '{field.Name}' has {size} elements; the limit is {1 << 28}");
            if (decl.Weights is not null && decl.Weights.Length != size)
                return Invalid(diagnostics, attrLocation, $"[Param] '{field.Name}' has {decl.Weights.Length} Values; its shape [{string.Join(", ", shape)}] needs {size}");
            return decl;
        }
        if (type is INamedTypeSymbol named2 && IsModule(named2))
        {
            decl.Kind = "Module"; decl.ModuleType = named2;
            return decl;
        }
        return null;
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

    private static LocationInfo? AttributeLocation(AttributeData attribute, LocationInfo? fallback) =>
        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax()) ?? fallback;

    private static string InitName(TypedConstant value) =>
        value.Value is int i && i >= 0 && i < InitNames.Length ? InitNames[i] : "Xavier";

    private static float[]? Floats(TypedConstant value) =>
        value.Kind == TypedConstantKind.Array ? value.Values.Select(v => v.Value is float f ? f : 0f).ToArray() : null;
}
