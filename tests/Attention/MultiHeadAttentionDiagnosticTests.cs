using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Attention;

/// <summary>The generator's diagnostics for [MultiHeadAttention] layers, at the marked span (<c>/*&lt;*/ ... /*&gt;*/</c>):
/// sizes where the attribute writes them, shapes at the call.</summary>
public class MultiHeadAttentionDiagnosticTests
{
    private static Microsoft.CodeAnalysis.Diagnostic Expect(string field, string forward, string id) => DiagnosticTests.Expect($$"""
        [Network]
        public partial class Attending
        {
            {{field}}
            [Forward] Tensor Forward([Shape(5, 8)] Tensor x, [Shape(7, 6)] Tensor memory) => Sum({{forward}});
        }
        """, id);

    [Theory]
    [InlineData("[MultiHeadAttention(/*<*/0/*>*/, 2)] MultiHeadAttention a;", "NC0102", "[MultiHeadAttention] 'a' dimension has a non-positive dimension 0")]
    [InlineData("[MultiHeadAttention(8, /*<*/-1/*>*/)] MultiHeadAttention a;", "NC0102", "[MultiHeadAttention] 'a' heads has a non-positive dimension -1")]
    [InlineData("[/*<*/MultiHeadAttention(8, 3)/*>*/] MultiHeadAttention a;", "NC0008", "[MultiHeadAttention] 'a' has 3 heads, which do not divide its dimension 8")]
    [InlineData("[MultiHeadAttention(8, 2, /*<*/KeyValueDim = -6/*>*/)] MultiHeadAttention a;", "NC0008", "has KeyValueDim = -6; it must be positive")]
    public void Layer_attributes(string field, string id, string fact)
    {
        var d = Expect(field, "a.Forward(x)", id);
        DiagnosticTests.Contains(d, fact);
    }

    /// <summary>A query or memory of the wrong width is refused at the call, naming the projection and the shapes; a causal
    /// layer refuses a memory of another length.</summary>
    [Theory]
    [InlineData("[MultiHeadAttention(6, 2)] MultiHeadAttention a;", "/*<*/a.Forward(x)/*>*/", "expects 6 input features (weight [18, 6]) but its input has shape [5, 8]")]
    [InlineData("[MultiHeadAttention(8, 2)] MultiHeadAttention a;", "/*<*/a.Forward(x, memory)/*>*/", "expects 8 input features (weight [16, 8]) but its input has shape [7, 6]")]
    [InlineData("[MultiHeadAttention(8, 2, KeyValueDim = 6, Causal = true)] MultiHeadAttention a;", "/*<*/a.Forward(x, memory)/*>*/", "causal Attention needs as many queries as keys")]
    [InlineData("[MultiHeadAttention(8, 2, KeyValueDim = 6)] MultiHeadAttention a;", "/*<*/a.Forward(x, x)/*>*/", "expects 6 input features (weight [8, 6]) but its input has shape [5, 8]")]
    public void Call_shapes(string field, string forward, string fact)
    {
        var d = Expect(field, forward, "NC0101");
        DiagnosticTests.Contains(d, fact);
    }
}
