using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetCompiler.Generator.Model;

/// <summary>A source location as plain values (a <see cref="Location"/> holds a syntax tree and would defeat
/// caching).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    /// <summary>1-based line of the start, for comments in generated code.</summary>
    public int Line => LineSpan.Start.Line + 1;

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
