using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>Semantic model -> <see cref="NetworkSpec"/> / <see cref="ModuleSpec"/>. Nothing from Roslyn's
/// object model survives past this class.</summary>
internal static class NetworkParser
{
    public static NetworkSpec ParseNetwork(INamedTypeSymbol type, Compilation compilation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var info = ClassInfoOf(type);
        var fields = new List<FieldBinding>();
        var layout = new ParameterLayout(diagnostics);
        var tracer = new BodyTracer(compilation, layout, diagnostics);
        int output = -1, loss = -1;
        var inputs = new List<InputSpec>();
        int[] targetShape = new int[0];
        bool targetExplicit = false;
        var targetType = DType.Float32;
        string forwardName = "", lossName = "";
        try
        {
            if (CheckClass(type, isNetwork: true, diagnostics))
            {
                fields.AddRange(Bindings(type, new List<DiagnosticInfo>())); // field errors are reported once, by the layout
                layout.AddClass(type, "", new List<INamedTypeSymbol>());
                if (layout.Total > ParameterLayout.MaxTotal)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, LocationInfo.From(type.Locations.FirstOrDefault()),
                        type.Name, layout.Total, ParameterLayout.MaxTotal));
                var forward = Single(type, "NetCompiler.ForwardAttribute", "Forward", diagnostics);
                var lossMethod = Single(type, "NetCompiler.LossAttribute", "Loss", diagnostics);
                if (forward is null && !diagnostics.Any(d => d.IsError))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoForward, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name));
                if (forward is not null && !diagnostics.Any(d => d.IsError) && CheckForward(forward, diagnostics, inputs))
                {
                    forwardName = forward.Name;
                    var self = new InstanceValue(type, "");
                    var arguments = new List<TraceValue>();
                    for (int k = 0; k < inputs.Count; k++)
                    {
                        int input = tracer.AddNode(OpKind.Input, new int[0], new InputAttribute(k), inputs[k].Name, null);
                        // An input's location is that of its [Forward] parameter: it tells which file is the network's own.
                        tracer.Nodes[input] = tracer.Nodes[input] with { Location = inputs[k].Location };
                        arguments.Add(new TensorValue(input));
                    }
                    var result = tracer.TraceMethod(forward, self, arguments);
                    if (result is TensorValue t) output = t.Node;
                    else if (result is not null)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, Where(forward), $"[Forward] '{forward.Name}' returns {result.Describe()}; it must return a tensor"));
                    if (output >= 0 && lossMethod is not null && CheckLoss(lossMethod, diagnostics, out targetShape, out targetExplicit, out targetType))
                    {
                        lossName = lossMethod.Name;
                        int target = tracer.AddNode(OpKind.Target, new int[0], OpAttributes.None, lossMethod.Parameters[1].Name, null);
                        // The target's location is its [Loss] parameter: warnings about its shape point there.
                        tracer.Nodes[target] = tracer.Nodes[target] with { Location = Where(lossMethod.Parameters[1]) };
                        var lossValue = tracer.TraceMethod(lossMethod, self, new TraceValue[] { new TensorValue(output), new TensorValue(target) });
                        if (lossValue is TensorValue l) loss = l.Node;
                        else if (lossValue is not null)
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, Where(lossMethod), $"[Loss] '{lossMethod.Name}' returns {lossValue.Describe()}; it must return a tensor"));
                    }
                    if (output >= 0 && !diagnostics.Any(d => d.IsError)) ReportUnusedFields(type, layout, tracer.Nodes, diagnostics);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name, e.GetType().Name + ": " + e.Message));
        }
        return new NetworkSpec(info, fields.ToEquatableArray(), layout.Parameters.ToEquatableArray(), layout.Buffers.ToEquatableArray(), tracer.Nodes.ToEquatableArray(),
            inputs.ToEquatableArray(), targetShape.ToEquatableArray(), targetExplicit, targetType, output, loss, forwardName, lossName,
            diagnostics.ToEquatableArray(), AsksForDecoder(type));
    }

    /// <summary>Whether the class is marked <c>[Network(Decoder = true)]</c>.</summary>
    private static bool AsksForDecoder(INamedTypeSymbol type) =>
        type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.NetworkAttribute")
            .SelectMany(a => a.NamedArguments).Any(a => a.Key == "Decoder" && a.Value.Value is true);

    public static ModuleSpec ParseModule(INamedTypeSymbol type)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var fields = new List<FieldBinding>();
        try
        {
            if (CheckClass(type, isNetwork: false, diagnostics)) fields.AddRange(Bindings(type, new List<DiagnosticInfo>()));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name, e.GetType().Name + ": " + e.Message));
        }
        return new ModuleSpec(ClassInfoOf(type), fields.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static ClassInfo ClassInfoOf(INamedTypeSymbol type)
    {
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        string accessibility = type.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            _ => "",
        };
        return new ClassInfo(ns, type.Name, accessibility, type.ToDisplayString());
    }

    /// <summary>NC0201 for each field of the network (a layer, a parameter, a module or an array of them) none of
    /// whose parameters the traced [Forward] and [Loss] read: it would be initialized, saved and never trained.</summary>
    private static void ReportUnusedFields(INamedTypeSymbol type, ParameterLayout layout, IEnumerable<NodeSpec> nodes, List<DiagnosticInfo> diagnostics)
    {
        var used = new HashSet<int>(nodes.Where(n => n.Op == OpKind.Param).Select(n => n.Parameter));
        foreach (var field in ParameterLayout.Fields(type))
        {
            var decl = FieldDeclaration.Read(field, new List<DiagnosticInfo>()); // its errors were reported by the layout
            if (decl is null) continue;
            var owned = Enumerable.Range(0, layout.Parameters.Count)
                .Where(i => layout.Parameters[i].Name == decl.Name || layout.Parameters[i].Name.StartsWith(decl.Name + ".", StringComparison.Ordinal))
                .ToList();
            if (owned.Count > 0 && !owned.Any(used.Contains))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedField, decl.Location, decl.Name,
                    owned.Sum(i => (long)layout.Parameters[i].Length)));
        }
    }

    /// <summary>Whether <paramref name="type"/> can be compiled as a network or module (NC0001, NC0009, and the
    /// member checks NC0008/NC0012 as diagnostics); false when the class itself is unusable.</summary>
    internal static bool CheckClass(INamedTypeSymbol type, bool isNetwork, List<DiagnosticInfo> diagnostics)
    {
        var location = LocationInfo.From(type.Locations.FirstOrDefault());
        bool partial = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<ClassDeclarationSyntax>()
            .Any(c => c.Modifiers.Any(SyntaxKind.PartialKeyword));
        if (!partial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, type.Name));
            return false;
        }
        string? problem = type.ContainingType is { } outer ? $"is nested in '{outer.Name}'"
            : type.IsGenericType ? "is generic"
            : type.IsStatic ? "is static"
            : type.IsAbstract ? "is abstract"
            : type.BaseType is { } baseType && IsCompiledClass(baseType) ? $"derives from '{baseType.Name}', which NetCompiler compiles too (their generated members would clash)"
            : null;
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadClass, location, type.Name, problem));
            return false;
        }
        FieldDeclaration.CheckStaticFields(type, diagnostics);
        GeneratedMembers.Check(type, isNetwork, diagnostics);
        return true;
    }

    private static bool IsCompiledClass(INamedTypeSymbol type) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is "NetCompiler.NetworkAttribute" or "NetCompiler.ModuleAttribute");

    private static IEnumerable<FieldBinding> Bindings(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        foreach (var field in ParameterLayout.Fields(type))
        {
            var decl = FieldDeclaration.Read(field, diagnostics);
            if (decl is not null) yield return decl.ToBinding();
        }
    }

    private static IMethodSymbol? Single(INamedTypeSymbol type, string attribute, string what, List<DiagnosticInfo> diagnostics)
    {
        var methods = type.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == attribute)).ToList();
        if (methods.Count > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleMethods, LocationInfo.From(methods[1].Locations.FirstOrDefault()), type.Name, what));
        return methods.FirstOrDefault();
    }

    private static LocationInfo? Where(ISymbol symbol) => LocationInfo.From(symbol.Locations.FirstOrDefault());

    /// <summary>Parameters passed by value (no ref, in, out or params) and a result returned by value: the generated
    /// code calls the method as <c>F(input)</c>.</summary>
    private static bool IsPlain(IMethodSymbol method) =>
        method.RefKind == RefKind.None && method.Parameters.All(p => p.RefKind == RefKind.None && !p.IsParams);

    private static bool IsTensor(ITypeSymbol type) => type.ToDisplayString() == "NetCompiler.Tensor";

    private static bool IsTokens(ITypeSymbol type) => type.ToDisplayString() == "NetCompiler.Tokens";

    /// <summary>Reads the [Forward] method's inputs: one or more <c>Tensor</c> (values) or <c>Tokens</c> (ids)
    /// parameters, each with a [Shape], laid out one after another in a sample of the flat input buffer.</summary>
    private static bool CheckForward(IMethodSymbol forward, List<DiagnosticInfo> diagnostics, List<InputSpec> inputs)
    {
        if (forward.Parameters.Length == 0 || !forward.Parameters.All(p => IsTensor(p.Type) || IsTokens(p.Type)) || !IsTensor(forward.ReturnType)
            || forward.IsGenericMethod || !IsPlain(forward))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, Where(forward),
                $"[Forward] '{forward.Name}' must take one or more inputs, each a Tensor (values) or Tokens (ids) with a [Shape], and return a Tensor, all by value (no ref, in, out or params)"));
            return false;
        }
        long offset = 0;
        foreach (var parameter in forward.Parameters)
        {
            if (!ReadShape(parameter, "input", diagnostics, required: true, out var shape)) return false;
            var spec = new InputSpec(parameter.Name, shape.ToEquatableArray(), IsTokens(parameter.Type) ? DType.Int32 : DType.Float32,
                (int)offset, Where(parameter));
            offset += spec.Size;
            if (offset > Shapes.MaxElements)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorTooLarge, Where(forward), $"The inputs of '{forward.Name}'",
                    $"[{offset}] (together)", Shapes.MaxElements));
                return false;
            }
            inputs.Add(spec);
        }
        return true;
    }

    /// <summary>Reads the [Loss] method's target: values (<c>Tensor</c>, shaped like the output unless it has a [Shape]) or
    /// ids (<c>Tokens</c>, class ids such as the next token at each position, which need a [Shape]).</summary>
    private static bool CheckLoss(IMethodSymbol loss, List<DiagnosticInfo> diagnostics, out int[] shape, out bool isExplicit, out DType type)
    {
        shape = new int[0]; isExplicit = false; type = DType.Float32;
        if (loss.Parameters.Length != 2 || !IsTensor(loss.Parameters[0].Type) || !(IsTensor(loss.Parameters[1].Type) || IsTokens(loss.Parameters[1].Type))
            || !IsTensor(loss.ReturnType) || loss.IsGenericMethod || !IsPlain(loss))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, Where(loss),
                $"[Loss] '{loss.Name}' must take (Tensor output, Tensor target) or (Tensor output, Tokens target) and return a Tensor, all by value"));
            return false;
        }
        var target = loss.Parameters[1];
        if (IsTokens(target.Type)) type = DType.Int32;
        // Ids cannot take the output's shape: logits [T, V] compare with T ids.
        if (!ReadShape(target, type == DType.Int32 ? "Tokens target" : "target", diagnostics, required: type == DType.Int32, out shape)) return false;
        isExplicit = shape.Length > 0 || HasShape(target);
        return true;
    }

    private static bool HasShape(IParameterSymbol parameter) =>
        parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.ShapeAttribute");

    private static bool ReadShape(IParameterSymbol parameter, string what, List<DiagnosticInfo> diagnostics, bool required, out int[] shape)
    {
        shape = new int[0];
        var attribute = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "NetCompiler.ShapeAttribute");
        if (attribute is null)
        {
            if (!required) return true;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, Where(parameter),
                $"The {what} '{parameter.Name}' needs a [Shape(...)] giving its per-sample dimensions"));
            return false;
        }
        shape = AttributeArguments.Dimensions(attribute);
        var location = AttributeArguments.Of(attribute, Where(parameter));
        if (shape.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadForwardSignature, location, $"[Shape] on '{parameter.Name}' needs at least one dimension"));
            return false;
        }
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveDimension, AttributeArguments.Positional(attribute, i, location),
                    $"The {what} '{parameter.Name}'", shape[i]));
                return false;
            }
        if (Shapes.SaturatedSize(shape) > Shapes.MaxElements)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorTooLarge, location, $"The {what} '{parameter.Name}'",
                "[" + string.Join(", ", shape) + "]", Shapes.MaxElements));
            return false;
        }
        return true;
    }
}
