using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>Walks a network's fields (and its modules' fields, recursively) in declaration order and lays
/// every parameter out in one flat array: a layer's as its definition lists them (a dense layer is <c>name.weight</c>
/// [out, in] then <c>name.bias</c> [out]); a repeated field is <c>name.0</c>, <c>name.1</c>, ...; a module's parameters get its field name as prefix.</summary>
internal sealed class ParameterLayout
{
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, int> _byName = new();

    public ParameterLayout(List<DiagnosticInfo> diagnostics) => _diagnostics = diagnostics;

    public List<ParamSpec> Parameters { get; } = new();

    /// <summary>The layers' buffers, in declaration order, in a flat layout of their own.</summary>
    public List<BufferSpec> Buffers { get; } = new();

    private int _bufferTotal;

    /// <summary>Index of the buffer called <paramref name="name"/>, or -1.</summary>
    public int BufferIndex(string name) => Buffers.FindIndex(b => b.Name == name);

    /// <summary>The number of floats laid out so far (it never overflows: one huge layer is an error, not a wrap).</summary>
    public long Total { get; private set; }

    /// <summary>The most parameters of one network: they live in one float array (Array.MaxLength).</summary>
    public const long MaxTotal = 0x7FFFFFC7;

    /// <summary>Index of the parameter called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _byName.TryGetValue(name, out int i) ? i : -1;

    public static IEnumerable<IFieldSymbol> Fields(INamedTypeSymbol type) =>
        type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared);

    public void AddClass(INamedTypeSymbol type, string prefix, List<INamedTypeSymbol> enclosing)
    {
        foreach (var field in Fields(type))
        {
            var decl = FieldDeclaration.Read(field, _diagnostics);
            if (decl is null) continue;
            int copies = decl.Count == 0 ? 1 : decl.Count;
            for (int i = 0; i < copies; i++)
            {
                string name = prefix + decl.Name + (decl.Count == 0 ? "" : "." + i);
                if (decl.Layer is { } layer)
                {
                    foreach (var p in layer.Parameters) Add(name + "." + p.Suffix, p.Shape, p.Init, p.FanIn, p.FanOut, p.Std, p.Values, decl.Location);
                    foreach (var b in layer.Buffers)
                    {
                        var buffer = new BufferSpec(name + "." + b.Suffix, b.Shape.ToEquatableArray(), _bufferTotal, b.Init, decl.Location);
                        Buffers.Add(buffer);
                        _bufferTotal += buffer.Length;
                    }
                    continue;
                }
                switch (decl.Kind)
                {
                    case "Param":
                        var (fanIn, fanOut) = Fans(decl.Shape);
                        Add(name, decl.Shape, decl.WeightInit, fanIn, fanOut, decl.Std, decl.Weights, decl.Location);
                        break;
                    case "Module":
                        var module = decl.ModuleType!;
                        var problems = new List<DiagnosticInfo>();
                        if (!NetworkParser.CheckClass(module, isNetwork: false, problems) || problems.Any(d => d.IsError))
                        {
                            // The module reports its own errors; without this one the network would be emitted against
                            // a module that has no generated constructor (CS1729 in the generated file).
                            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadAttribute, decl.Location,
                                $"Module field '{decl.Name}' has type {module.Name}, which NetCompiler cannot compile (see {string.Join(", ", problems.Where(d => d.IsError).Select(d => d.Descriptor.Id).Distinct())} at its declaration)"));
                            return;
                        }
                        enclosing.Add(type);
                        int start = enclosing.FindIndex(t => SymbolEqualityComparer.Default.Equals(t, module));
                        if (start >= 0)
                        {
                            string cycle = string.Join(" -> ", enclosing.Skip(start).Select(t => t.Name)) + " -> " + module.Name;
                            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecursiveModule, decl.Location, decl.Name, module.Name, cycle));
                            enclosing.RemoveAt(enclosing.Count - 1);
                            return;
                        }
                        AddClass(module, name + ".", enclosing);
                        enclosing.RemoveAt(enclosing.Count - 1);
                        break;
                }
            }
        }
    }

    // PyTorch's convention: for [out, in, ...] fan_in = in * receptive field, fan_out = out * receptive field.
    private static (int FanIn, int FanOut) Fans(int[] shape)
    {
        if (shape.Length == 0) return (1, 1);
        if (shape.Length == 1) return (shape[0], shape[0]);
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    private void Add(string name, int[] shape, string init, int fanIn, int fanOut, float std, float[]? values, LocationInfo? location)
    {
        var spec = new ParamSpec(name, shape.ToEquatableArray(), (int)System.Math.Min(Total, int.MaxValue), // too large: NC0106, never emitted
            values is null ? init : "Values", fanIn, fanOut, std,
            (values ?? new float[0]).ToEquatableArray(), location);
        _byName[name] = Parameters.Count;
        Parameters.Add(spec);
        Total += spec.Length;
    }
}
