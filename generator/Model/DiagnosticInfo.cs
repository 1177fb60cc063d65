using System.Linq;
using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Model;

/// <summary>A diagnostic as plain values: descriptor id, message arguments (already strings) and location.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] arguments) =>
        new(descriptor, location, arguments.Select(a => a?.ToString() ?? "").ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.Cast<object>().ToArray());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
}
