using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>Values and source locations of attribute arguments, so a bad dimension is reported at the argument that
/// gives it (<c>Dense(2, /*here*/-3)</c>), not at the whole attribute.</summary>
internal static class AttributeArguments
{
    /// <summary>The dimensions of a <c>params int[]</c> attribute such as [Shape(...)] or [Param(...)]; a value that
    /// is not an int (C# reports it) reads as 0.</summary>
    public static int[] Dimensions(AttributeData attribute)
    {
        var args = attribute.ConstructorArguments;
        var values = args.Length == 1 && args[0].Kind == TypedConstantKind.Array ? args[0].Values : args;
        return values.Select(v => v.Value is int d ? d : 0).ToArray();
    }

    /// <summary>The whole attribute, or <paramref name="fallback"/> when it has no syntax (from metadata).</summary>
    public static LocationInfo? Of(AttributeData attribute, LocationInfo? fallback) =>
        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax()) ?? fallback;

    /// <summary>The <paramref name="index"/>-th positional argument as written (for a <c>params</c> list, the
    /// index-th element); the whole attribute when the arguments are not written one by one.</summary>
    public static LocationInfo? Positional(AttributeData attribute, int index, LocationInfo? fallback)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax && syntax.ArgumentList is { } list)
        {
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            bool oneArray = positional.Count == 1 && positional[0].Expression is ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax;
            if (index < positional.Count && !oneArray) return LocationInfo.From(positional[index]);
        }
        return Of(attribute, fallback);
    }

    /// <summary>The named argument <c><paramref name="name"/> = value</c>, or the whole attribute.</summary>
    public static LocationInfo? Named(AttributeData attribute, string name, LocationInfo? fallback)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax && syntax.ArgumentList is { } list)
        {
            var named = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name);
            if (named is not null) return LocationInfo.From(named);
        }
        return Of(attribute, fallback);
    }
}
