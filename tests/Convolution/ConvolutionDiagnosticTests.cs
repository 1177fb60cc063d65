using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Generator;
using Xunit;

namespace NetCompiler.Tests.Convolution;

/// <summary>The generator's diagnostics for convolution and pooling: each malformed definition reports its id at the
/// marked span (<c>/*&lt;*/ ... /*&gt;*/</c>, see <see cref="DiagnosticTests.Expect(string, string)"/>) with the facts a
/// user needs to fix it: the argument at fault, the sizes, and for an output size below 1 the computed size and the
/// formula it came from.</summary>
public class ConvolutionDiagnosticTests
{
    /// <summary>A network with <paramref name="fields"/> whose forward sums <paramref name="expression"/> of an input
    /// of per-sample shape <paramref name="shape"/>.</summary>
    private static Diagnostic Expect(string fields, string expression, string shape, string id) => DiagnosticTests.Expect($$"""
        [Network]
        public partial class Convolutional
        {
            {{fields}}
            [Forward] Tensor Forward([Shape({{shape}})] Tensor x) => Sum({{expression}});
        }
        """, id);

    /// <summary>Layer attributes are checked where they are written, before any shape is known.</summary>
    [Theory]
    [InlineData("[Conv2D(/*<*/0/*>*/, 4, 3)] Conv2D c;", "NC0102", "[Conv2D] 'c' in channels has a non-positive dimension 0")]
    [InlineData("[Conv2D(2, /*<*/-4/*>*/, 3)] Conv2D c;", "NC0102", "'c' out channels has a non-positive dimension -4")]
    [InlineData("[Conv2D(2, 4, /*<*/0/*>*/)] Conv2D c;", "NC0102", "'c' kernel has a non-positive dimension 0")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/-1/*>*/)] Conv2D c;", "NC0102", "'c' kernel width has a non-positive dimension -1")]
    [InlineData("[Conv2D(2, 4, /*<*/0/*>*/, 3)] Conv2D c;", "NC0102", "'c' kernel height has a non-positive dimension 0")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/Stride = 0/*>*/)] Conv2D c;", "NC0008", "[Conv2D] 'c' has Stride = 0; it must be at least 1")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/Stride = -2/*>*/)] Conv2D c;", "NC0008", "Stride = -2; it must be at least 1")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/Dilation = 0/*>*/)] Conv2D c;", "NC0008", "Dilation = 0; it must be at least 1")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/Padding = -1/*>*/)] Conv2D c;", "NC0008", "Padding = -1; it must not be negative")]
    [InlineData("[Conv2D(2, 4, 3, /*<*/Groups = 0/*>*/)] Conv2D c;", "NC0008", "Groups = 0; it must be at least 1")]
    [InlineData("[Conv2D(6, 4, 3, /*<*/Groups = 4/*>*/)] Conv2D c;", "NC0008", "6 input and 4 output channels, which must both be divisible by Groups = 4")]
    [InlineData("[Conv2D(4, 6, 3, /*<*/Groups = 4/*>*/)] Conv2D c;", "NC0008", "4 input and 6 output channels, which must both be divisible by Groups = 4")]
    [InlineData("[BatchNorm2D(/*<*/0/*>*/)] BatchNorm2D c;", "NC0102", "[BatchNorm2D] 'c' channels has a non-positive dimension 0")]
    public void Layer_attributes(string field, string id, string fact)
    {
        var d = Expect(field, "c.Forward(x)", "2, 5, 5", id);
        DiagnosticTests.Contains(d, fact);
    }

    /// <summary>Shapes are checked at the call, for the layer and the functional form alike: the input's rank, the
    /// channels against the weight and groups, the window against the input.</summary>
    [Theory]
    // A kernel larger than the input, in either direction.
    [InlineData("[Conv2D(2, 4, 5)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 3, 3",
        "the 5x5 kernel of Conv2D 'c' does not fit its 3x3 input: the output height would be floor((3 + 2*0 - 1*(5 - 1) - 1) / 1) + 1 = -1 " +
        "(floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1), and it must be at least 1")]
    [InlineData("[Param(4, 2, 3, 7)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 1, 1)/*>*/", "2, 5, 5",
        "the 3x7 kernel of Convolution2D does not fit its 5x5 input: the output width would be floor((5 + 2*0 - 1*(7 - 1) - 1) / 1) + 1 = -1")]
    // An output of exactly 0 from stride and dilation; padding does not rescue a dilated kernel.
    [InlineData("[Conv2D(2, 4, 3, Stride = 2, Dilation = 2)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 9, 4",
        "the output width would be floor((4 + 2*0 - 2*(3 - 1) - 1) / 2) + 1 = 0")]
    [InlineData("[Conv2D(2, 4, 3, Padding = 1, Dilation = 4)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 5, 5",
        "the output height would be floor((5 + 2*1 - 4*(3 - 1) - 1) / 1) + 1 = -1")]
    // Values whose products wrap an int still give the true size.
    [InlineData("[Conv2D(2, 4, 3, Dilation = 2147483647)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 5, 5",
        "floor((5 + 2*0 - 2147483647*(3 - 1) - 1) / 1) + 1 = -4294967289")]
    [InlineData("[Conv2D(2, 4, 3, Padding = 1073741824)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 5, 5",
        "the padding 1073741824 of Conv2D 'c' would make its output 2147483651x2147483651, more than a dimension can hold")]
    // Channels against groups and the weight.
    [InlineData("[Param(4, 1, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 1, 4)/*>*/", "6, 5, 5",
        "Convolution2D has 6 input and 4 output channels, which must both be divisible by Groups = 4")]
    [InlineData("[Param(4, 2, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 1, 2)/*>*/", "2, 5, 5",
        "Convolution2D expects 4 input channels (weight [4, 2, 3, 3], groups 2) but its input has shape [2, 5, 5]")]
    [InlineData("[Conv2D(3, 4, 3)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 5, 5",
        "Conv2D 'c' expects 3 input channels (weight [4, 3, 3, 3], groups 1) but its input has shape [2, 5, 5]")]
    [InlineData("[Param(4, 2, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 1, 1)/*>*/", "2, 5, 5",
        "the weight of Convolution2D must be [out, in / groups, kh, kw], got [4, 2, 3]")]
    [InlineData("[Param(4, 2, 3, 3)] Tensor w; [Param(3)] Tensor b;", "/*<*/Convolution2D(x, w, b, 1, 0, 1, 1)/*>*/", "2, 5, 5",
        "the bias [3] of Convolution2D does not match 4 output channels")]
    // The functional form's numbers.
    [InlineData("[Param(4, 2, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 0, 0, 1, 1)/*>*/", "2, 5, 5",
        "the stride of Convolution2D is 0; it must be at least 1")]
    [InlineData("[Param(4, 2, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, -1, 1, 1)/*>*/", "2, 5, 5",
        "the padding of Convolution2D is -1; it must be 0 or more")]
    [InlineData("[Param(4, 2, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 0, 1)/*>*/", "2, 5, 5",
        "the dilation of Convolution2D is 0; it must be at least 1")]
    [InlineData("[Param(4, 2, 3, 3)] Tensor w;", "/*<*/Convolution2D(x, w, null, 1, 0, 1, 0)/*>*/", "2, 5, 5",
        "the groups of Convolution2D is 0; it must be at least 1")]
    // The input's rank.
    [InlineData("[Conv2D(2, 4, 3)] Conv2D c;", "/*<*/c.Forward(x)/*>*/", "2, 5", "Conv2D 'c' needs per-sample input [C, H, W], got [2, 5]")]
    [InlineData("[BatchNorm2D(4)] BatchNorm2D n;", "/*<*/n.Forward(x)/*>*/", "4, 6", "BatchNorm2D 'n' needs per-sample input [C, H, W], got [4, 6]")]
    [InlineData("[BatchNorm2D(4)] BatchNorm2D n;", "/*<*/n.Forward(x)/*>*/", "3, 5, 5", "BatchNorm2D 'n' normalizes 4 channels but its input [3, 5, 5] has 3 (axis 0)")]
    [InlineData("", "/*<*/MaxPool2D(x, 2)/*>*/", "8", "MaxPool2D needs per-sample input [C, H, W], got [8]")]
    [InlineData("", "/*<*/AvgPool2D(x, 2)/*>*/", "2, 4, 4, 4", "AvgPool2D needs per-sample input [C, H, W], got [2, 4, 4, 4]")]
    [InlineData("", "/*<*/GlobalAvgPool(x)/*>*/", "5", "GlobalAvgPool needs per-sample input [C, H, W] (or [C, ...]), got [5]")]
    // Pooling windows.
    [InlineData("", "/*<*/AvgPool2D(x, 7)/*>*/", "2, 5, 5",
        "AvgPool2D's 7x7 window does not fit its 5x5 input: the output height would be floor((5 + 2*0 - 7) / 7) + 1 = 0 " +
        "(floor((size + 2 padding - kernel) / stride) + 1), and it must be at least 1")]
    [InlineData("", "/*<*/MaxPool2D(x, 6, 2, 2)/*>*/", "3, 1, 8", "the output height would be floor((1 + 2*2 - 6) / 2) + 1 = 0")]
    [InlineData("", "/*<*/MaxPool2D(x, 2, 1, 2)/*>*/", "2, 5, 5", "MaxPool2D's padding must be between 0 and half the kernel (2 / 2), got 2")]
    [InlineData("", "/*<*/AvgPool2D(x, 3, 1, 2147483647)/*>*/", "2, 5, 5", "AvgPool2D's padding must be between 0 and half the kernel (3 / 2), got 2147483647")]
    [InlineData("", "/*<*/MaxPool2D(x, 3, 1, -1)/*>*/", "2, 5, 5", "got -1")]
    [InlineData("", "/*<*/MaxPool2D(x, 0)/*>*/", "2, 5, 5", "MaxPool2D's kernel is 0; it must be at least 1")]
    [InlineData("", "/*<*/AvgPool2D(x, 2, -1)/*>*/", "2, 5, 5", "AvgPool2D's stride is -1; it must be at least 1 (or 0, the default: the kernel)")]
    public void Shapes_at_the_call(string fields, string expression, string shape, string fact)
    {
        var d = Expect(fields, expression, shape, "NC0101");
        DiagnosticTests.Contains(d, fact);
    }
}
