using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The generator's diagnostics for recurrent layers: each malformed definition reports its id at the marked span
/// (<c>/*&lt;*/ ... /*&gt;*/</c>, see <see cref="DiagnosticTests.Expect(string, string)"/>) with what a user needs to fix
/// it: the layer, the size at fault and the shapes.</summary>
public class RecurrentDiagnosticTests
{
    /// <summary>A network with the layer <paramref name="field"/> whose forward sums <paramref name="expression"/> of an
    /// input of per-sample shape <paramref name="shape"/>.</summary>
    private static Microsoft.CodeAnalysis.Diagnostic Expect(string field, string expression, string shape, string id) => DiagnosticTests.Expect($$"""
        [Network]
        public partial class Recurrent
        {
            {{field}}
            [Forward] Tensor Forward([Shape({{shape}})] Tensor x) => Sum({{expression}});
        }
        """, id);

    /// <summary>Sizes are checked where the attribute writes them, before any shape is known.</summary>
    [Theory]
    [InlineData("[Lstm(16, /*<*/0/*>*/)] Lstm lstm;", "NC0102", "[Lstm] 'lstm' hidden size has a non-positive dimension 0")]
    [InlineData("[Gru(/*<*/0/*>*/, 8)] Gru lstm;", "NC0102", "[Gru] 'lstm' input size has a non-positive dimension 0")]
    [InlineData("[Rnn(16, /*<*/-3/*>*/)] Rnn lstm;", "NC0102", "[Rnn] 'lstm' hidden size has a non-positive dimension -3")]
    [InlineData("[Lstm(16, 8, /*<*/Layers = 0/*>*/)] Lstm lstm;", "NC0008", "[Lstm] 'lstm' has Layers = 0; it must be at least 1")]
    [InlineData("[Gru(16, 8, /*<*/Layers = -1/*>*/, Bidirectional = true)] Gru lstm;", "NC0008", "[Gru] 'lstm' has Layers = -1; it must be at least 1")]
    [InlineData("[Lstm(16, 8)] Gru /*<*/lstm/*>*/;", "NC0008", "must have type Lstm")]
    public void Layer_attributes(string field, string id, string fact)
    {
        var d = Expect(field, "lstm.Forward(x)[0]", "4, 16", id);
        DiagnosticTests.Contains(d, fact);
    }

    /// <summary>The sequence is checked at the call: its rank (a per-sample sequence is [T, features]) and its width.</summary>
    [Theory]
    [InlineData("[Lstm(16, 8)] Lstm lstm;", "4, 15", "Lstm 'lstm' expects 16 features per step but its input has shape [4, 15]")]
    [InlineData("[Gru(16, 8, Layers = 2, Bidirectional = true)] Gru lstm;", "4, 15", "Gru 'lstm' expects 16 features per step but its input has shape [4, 15]")]
    [InlineData("[Lstm(16, 8)] Lstm lstm;", "16", "Lstm 'lstm' needs a per-sample sequence [T, features], got [16]")]
    [InlineData("[Rnn(16, 8)] Rnn lstm;", "2, 3, 16", "Rnn 'lstm' needs a per-sample sequence [T, features], got [2, 3, 16]")]
    public void Sequence_shape(string field, string shape, string fact)
    {
        var d = Expect(field, "/*<*/lstm.Forward(x)/*>*/[0]", shape, "NC0101");
        DiagnosticTests.Contains(d, fact);
    }

    /// <summary>An initial state must be exactly [Layers D, hidden] per sample, as the eager layer and PyTorch's h0 (per
    /// sample) require: another number of rows, a flat state of the right size, or an extra axis is an error at the call
    /// rather than a state read in another layout.</summary>
    [Theory]
    [InlineData("[Gru(8, 8)] Gru lstm;", "/*<*/lstm.Forward(x, h)/*>*/[0]", "2, 8", "the initial hidden state of Gru 'lstm' must be [1, 8] per sample")]
    [InlineData("[Gru(8, 8)] Gru lstm;", "/*<*/lstm.Forward(x, h)/*>*/[0]", "8", "must be [1, 8] per sample (layers * directions, hidden), got [8]")]
    [InlineData("[Lstm(8, 8, Bidirectional = true)] Lstm lstm;", "/*<*/lstm.Forward(x, h, h)/*>*/[0]", "3, 8", "the initial hidden state of Lstm 'lstm' must be [2, 8] per sample")]
    [InlineData("[Lstm(8, 8, Layers = 2)] Lstm lstm;", "/*<*/lstm.Forward(x, h, h)/*>*/[0]", "16", "must be [2, 8] per sample (layers * directions, hidden), got [16]")]
    [InlineData("[Rnn(8, 4, Layers = 2, Bidirectional = true)] Rnn lstm;", "/*<*/lstm.Forward(x, h)/*>*/[0]", "2, 2, 4", "must be [4, 4] per sample (layers * directions, hidden), got [2, 2, 4]")]
    [InlineData("[Rnn(8, 4, Layers = 2, Bidirectional = true)] Rnn lstm;", "/*<*/lstm.Forward(x, h)/*>*/[0]", "4, 8", "must be [4, 4] per sample (layers * directions, hidden), got [4, 8]")]
    public void Initial_state_shape(string field, string expression, string state, string fact)
    {
        var d = DiagnosticTests.Expect($$"""
            [Network]
            public partial class Recurrent
            {
                {{field}}
                [Forward] Tensor Forward([Shape(4, 8)] Tensor x, [Shape({{state}})] Tensor h) => Sum({{expression}});
            }
            """, "NC0101");
        DiagnosticTests.Contains(d, fact);
    }
}
