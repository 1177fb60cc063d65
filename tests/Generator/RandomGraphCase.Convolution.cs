using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Tests.Generator;

// The convolutional steps of a random graph: values of per-sample shape [C, H, W] (an input declared so, any value
// reshaped to one) convolved, pooled, normalized, added as residual blocks and collapsed back to vectors. Every size
// is valid by construction: outputs of at least 1 (PyTorch's floor((size + 2 padding - dilation (kernel - 1) - 1) /
// stride) + 1), channels divisible by the groups, pool padding at most half the kernel, and at most MaxImageElements per
// step.
internal sealed partial class RandomGraphCase
{
    /// <summary>Per-sample elements of an image input or a convolutional step: more than <see cref="MaxElements"/>, so
    /// that an output channel now and then spans several of the convolution kernels' blocks of 64 positions (the
    /// runtime calls one kernel whatever the size, so the generated code does not grow with it).</summary>
    private const int MaxImageElements = 256;

    /// <summary>One convolution's weight [Out, C / Groups, KernelHeight, KernelWidth] and settings (the same along both
    /// axes, as the layer and the op take them).</summary>
    private sealed record ConvOptions(int Out, int KernelHeight, int KernelWidth, int Stride, int Padding, int Dilation, int Groups, bool Bias)
    {
        public int[] Output(int[] x) => new[]
        {
            Out,
            RandomShapes.ConvOutput(x[1], KernelHeight, Stride, Padding, Dilation),
            RandomShapes.ConvOutput(x[2], KernelWidth, Stride, Padding, Dilation),
        };

        public override string ToString() =>
            $"{KernelHeight}x{KernelWidth} to {Out}, stride {Stride}, padding {Padding}, dilation {Dilation}, groups {Groups}{(Bias ? "" : ", no bias")}";
    }

    /// <summary>A [C, H, W] value that <paramref name="fits"/>: one of rank 3 most of the time, else a value that fits
    /// reshaped to [C, H, W] (plain if it was).</summary>
    private Value? Image(Func<Value, bool>? fits = null)
    {
        bool Fits(Value v) => fits?.Invoke(v) ?? true;
        if (_values.Any(v => v.Rank == 3 && Fits(v)) && _rng.NextDouble() < 0.85) return Pick(v => v.Rank == 3 && Fits(v));
        var x = Pick(Fits);
        if (x is null) return null;
        var shape = RandomShapes.ImageOf(_rng, x.Size);
        Families |= GraphFamily.Reshape | GraphFamily.ImageReshape;
        var image = Emit($"Reshape({x.Name}, {RandomShapes.Args(shape)})", shape, "as an image", x);
        image.Plain = image.Normalizable = x.Plain;
        return image;
    }

    /// <summary>Random settings for a convolution of <paramref name="x"/> whose output is valid and at most MaxImageElements
    /// (and, with <paramref name="minPositions"/>, has that many positions per channel); null when twenty draws found none.
    /// Groups: mostly 1, else a divisor of the channels or all of them (depthwise, now and then with two outputs per
    /// channel); kernels 1 to 3 square, or 1 to 3 by 1 to 4; stride 1 to 3; padding 0 to 2; dilation 1 or 2.</summary>
    private ConvOptions? DrawConv(Value x, bool? bias = null, int minPositions = 1)
    {
        int c = x.Shape[0];
        var divisors = Enumerable.Range(2, Math.Max(c - 2, 0)).Where(d => c % d == 0).ToArray();   // 1 < d < c
        for (int attempt = 0; attempt < 20; attempt++)
        {
            double g = _rng.NextDouble();
            int groups = c > 1 && g < 0.2 ? c : divisors.Length > 0 && g < 0.6 ? divisors[_rng.Next(divisors.Length)] : 1;
            int per = groups == c && c > 1 ? (c <= 3 && _rng.NextDouble() < 0.4 ? 2 : 1) : _rng.Next(1, 1 + Math.Max(1, 6 / groups));
            int kh = _rng.Next(1, 4), kw = _rng.NextDouble() < 0.35 ? _rng.Next(1, 5) : kh;
            double s = _rng.NextDouble(), p = _rng.NextDouble();
            int stride = s < 0.6 ? 1 : s < 0.9 ? 2 : 3, padding = p < 0.45 ? 0 : p < 0.85 ? 1 : 2;
            int dilation = _rng.NextDouble() < 0.25 ? 2 : 1;
            var o = new ConvOptions(groups * per, kh, kw, stride, padding, dilation, groups, bias ?? _rng.NextDouble() < 0.65);
            var shape = o.Output(x.Shape);
            if (shape[1] >= 1 && shape[2] >= 1 && shape[1] * shape[2] >= minPositions && RandomShapes.Size(shape) <= MaxImageElements) return o;
        }
        return null;
    }

    /// <summary>A convolution of an image by random settings, now and then with an activation on it; of an image whose
    /// channels can be split in groups (4, 6, ...) when there is one, most of the time.</summary>
    private bool Conv()
    {
        static bool Groupable(Value v) => v.Rank == 3 && Enumerable.Range(2, Math.Max(v.Shape[0] - 2, 0)).Any(d => v.Shape[0] % d == 0);
        var x = _values.Any(Groupable) && _rng.NextDouble() < 0.7 ? Pick(Groupable) : Image();
        if (x is null || DrawConv(x) is not { } o) return false;
        EmitConv(x, o, _rng.NextDouble() < 0.4);
        return true;
    }

    /// <summary>Declares <c>y = conv(x)</c> with <paramref name="o"/>'s settings: as a [Conv2D] layer (its settings
    /// named, defaults written now and then) or the Convolution2D op with [Param] weight and bias (the weight computed
    /// from its parameter now and then, which runs the convolution a sample at a time; trailing defaults left out or
    /// arguments named now and then), with <paramref name="activate"/> an activation around it.</summary>
    private Value EmitConv(Value x, ConvOptions o, bool activate)
    {
        int c = x.Shape[0];
        var shape = o.Output(x.Shape);
        if (o.KernelHeight != o.KernelWidth) Families |= GraphFamily.ConvRectangular;
        if (o.Stride > 1) Families |= GraphFamily.ConvStride;
        if (o.Padding > 0) Families |= GraphFamily.ConvPadding;
        if (o.Dilation > 1 && (o.KernelHeight > 1 || o.KernelWidth > 1)) Families |= GraphFamily.ConvDilation;
        if (o.Groups > 1) Families |= o.Groups == c ? GraphFamily.Depthwise : GraphFamily.ConvGroups;
        if (!o.Bias) Families |= GraphFamily.ConvNoBias;
        string e;
        if (_rng.NextDouble() < 0.55)
        {
            string layer = Name("c");
            bool written = _rng.NextDouble() < 0.2;   // write the defaults too
            var args = new List<string> { c.ToString(CultureInfo.InvariantCulture), o.Out.ToString(CultureInfo.InvariantCulture) };
            args.Add(o.KernelHeight == o.KernelWidth && _rng.NextDouble() < 0.7 ? $"{o.KernelHeight}" : $"{o.KernelHeight}, {o.KernelWidth}");
            if (o.Stride != 1 || written) args.Add($"Stride = {o.Stride}");
            if (o.Padding != 0 || written) args.Add($"Padding = {o.Padding}");
            if (o.Dilation != 1 || written) args.Add($"Dilation = {o.Dilation}");
            if (o.Groups != 1 || written) args.Add($"Groups = {o.Groups}");
            if (!o.Bias || written) args.Add($"Bias = {(o.Bias ? "true" : "false")}");
            _fields.Add($"    [Conv2D({string.Join(", ", args)})] Conv2D {layer};");
            Families |= GraphFamily.Conv2D;
            e = $"{layer}.Forward({x.Name})";
        }
        else
        {
            string w = Param(new[] { o.Out, c / o.Groups, o.KernelHeight, o.KernelWidth }, "Init = Init.Normal, Std = 0.3f");
            if (_rng.NextDouble() < 0.3)
            {
                w += " * 0.5f";
                Families |= GraphFamily.ComputedWeight;
            }
            else Families |= GraphFamily.Convolution2D;
            string b = o.Bias ? Param(new[] { o.Out }) : "null";
            var settings = new (string Name, int Value, int Default)[]
            {
                ("stride", o.Stride, 1), ("padding", o.Padding, 0), ("dilation", o.Dilation, 1), ("groups", o.Groups, 1),
            };
            double form = _rng.NextDouble();
            IEnumerable<string> args;
            if (form < 0.5) args = settings.Select(a => a.Value.ToString(CultureInfo.InvariantCulture));   // all positional
            else if (form < 0.75)
            {
                int last = Array.FindLastIndex(settings, a => a.Value != a.Default);   // trailing defaults left out
                args = settings.Take(last + 1).Select(a => a.Value.ToString(CultureInfo.InvariantCulture));
            }
            else args = settings.Where(a => a.Value != a.Default).Select(a => $"{a.Name}: {a.Value}");   // named, defaults left out
            e = $"Convolution2D({string.Join(", ", new[] { x.Name, w, b }.Concat(args))})";
        }
        if (activate)
        {
            e = Activate(e);
            Families |= GraphFamily.ConvActivation;
        }
        var y = Emit(e, shape, "conv " + o, x);
        y.Normalizable = x.Plain && !o.Bias && !activate;
        if (o.Bias) y.ChannelParameter = true;   // with an activation on it too: nearly invariant, a cancellation (Graph1321 of seed 2)
        return y;
    }

    /// <summary>MaxPool2D or AvgPool2D of an image: kernel 1 to 3, stride the kernel (0) or 1 to 3, padding up to half
    /// the kernel, the defaults left out or the arguments named now and then.</summary>
    private bool Pool()
    {
        var x = Image();
        if (x is null) return false;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int kernel = _rng.NextDouble() < 0.15 ? 1 : _rng.Next(2, 4);
            int stride = _rng.NextDouble() < 0.4 ? 0 : _rng.Next(1, 4), padding = _rng.Next(0, kernel / 2 + 1);
            int step = stride == 0 ? kernel : stride;
            var shape = new[] { x.Shape[0], RandomShapes.ConvOutput(x.Shape[1], kernel, step, padding, 1), RandomShapes.ConvOutput(x.Shape[2], kernel, step, padding, 1) };
            if (shape[1] < 1 || shape[2] < 1 || RandomShapes.Size(shape) > MaxImageElements) continue;
            bool max = _rng.NextDouble() < 0.5;
            string op = max ? "MaxPool2D" : "AvgPool2D";
            double form = _rng.NextDouble();
            string args = form < 0.2 ? $"{kernel}, stride: {stride}, padding: {padding}"
                : padding > 0 || form < 0.5 ? $"{kernel}, {stride}, {padding}"
                : stride > 0 || form < 0.7 ? $"{kernel}, {stride}" : $"{kernel}";
            Families |= max ? GraphFamily.MaxPool : GraphFamily.AvgPool;
            if (padding > 0) Families |= GraphFamily.PoolPadding;
            var y = Emit($"{op}({x.Name}, {args})", shape, $"{op} {kernel}, stride {step}, padding {padding}", x);
            y.Plain = y.Normalizable = x.Plain;
            y.Rectified = x.Rectified;
            return true;
        }
        return false;
    }

    /// <summary>GlobalAvgPool ([C, ...] -> [C]) or Flatten of a value of rank 2 or more, an image most of the time.</summary>
    private bool Collapse()
    {
        var x = Pick(v => v.Rank == 3) ?? Pick(v => v.Rank >= 2);
        if (x is null) return false;
        if (_rng.NextDouble() < 0.5)
        {
            Families |= GraphFamily.GlobalAvgPool;
            Emit($"GlobalAvgPool({x.Name})", new[] { x.Shape[0] }, "channel means", x);
        }
        else
        {
            Families |= GraphFamily.Flatten;
            Emit($"Flatten({x.Name})", new[] { x.Size }, "flattened", x);
        }
        return true;
    }

    /// <summary>BatchNorm2D of an image with at least 4 positions per channel that no parameter shifts or scales by
    /// channel: an input's (its reshape, its pooling), or a bias-free convolution of one, made here when there is none.
    /// Upstream of a batch normalization such a parameter (a convolution's bias) has an exactly zero gradient, which
    /// the two paths round to different noise; with batch 1 the statistics are over the positions alone.</summary>
    private bool BatchNorm2D()
    {
        bool Fits(Value v) => v.Rank == 3 && v.Normalizable && v.Shape[1] * v.Shape[2] >= 4;
        var x = Pick(Fits);
        if (x is null)
        {
            var image = Image(v => v.Plain);
            if (image is null || DrawConv(image, bias: false, minPositions: 4) is not { } o) return false;
            x = EmitConv(image, o, activate: false);
        }
        string layer = Name("b");
        var options = new List<string> { x.Shape[0].ToString(CultureInfo.InvariantCulture) };
        if (_rng.NextDouble() < 0.3) options.Add("Momentum = 0.3f");
        if (_rng.NextDouble() < 0.3) options.Add("Bias = false");
        if (_rng.NextDouble() < 0.2) options.Add("Epsilon = 1e-3f");
        _fields.Add($"    [BatchNorm2D({string.Join(", ", options)})] BatchNorm2D {layer};");
        Families |= GraphFamily.BatchNorm2D;
        var y = Emit($"{layer}.Forward({x.Name})", x.Shape, "batch norm 2D", x);
        y.ChannelParameter = true;   // its weight and bias
        if (_rng.NextDouble() < 0.4) Emit(Activate(y.Name), y.Shape, "activation", y);
        return true;
    }

    /// <summary>A residual block on an image x [C, H, W]: a shape-keeping convolution (3x3 padding 1, 3x3 dilation 2
    /// padding 2, or 1x1; stride 1 or 2; groups, depthwise among them, now and then) to M channels, an activation, now and then a second
    /// 3x3 convolution, plus the shortcut: x itself when the shape is kept, else a strided 1x1 projection; an activation
    /// on the sum now and then.</summary>
    private bool Residual()
    {
        var x = Image();
        if (x is null) return false;
        int c = x.Shape[0];
        int stride = x.Shape[1] >= 2 && x.Shape[2] >= 2 && _rng.NextDouble() < 0.35 ? 2 : 1;
        int m = stride == 1 && _rng.NextDouble() < 0.5 ? c : _rng.Next(1, 5);
        if (m * ((x.Shape[1] - 1) / stride + 1) * ((x.Shape[2] - 1) / stride + 1) > MaxImageElements) m = 1;
        double k = _rng.NextDouble();
        var (kernel, padding, dilation) = k < 0.6 ? (3, 1, 1) : k < 0.8 ? (3, 2, 2) : (1, 0, 1);
        var divisors = Enumerable.Range(2, Math.Max(c - 1, 0)).Where(d => c % d == 0 && m % d == 0).ToArray();   // 1 < d <= c
        int groups = divisors.Length > 0 && _rng.NextDouble() < 0.3 ? divisors[_rng.Next(divisors.Length)] : 1;
        var first = new ConvOptions(m, kernel, kernel, stride, padding, dilation, groups, _rng.NextDouble() < 0.6);
        var shape = first.Output(x.Shape);
        if (RandomShapes.Size(shape) > MaxImageElements) return false;
        var main = EmitConv(x, first, activate: true);
        if (_rng.NextDouble() < 0.4) main = EmitConv(main, new ConvOptions(m, 3, 3, 1, 1, 1, 1, _rng.NextDouble() < 0.5), activate: false);
        var shortcut = stride == 1 && m == c && _rng.NextDouble() < 0.6
            ? x : EmitConv(x, new ConvOptions(m, 1, 1, stride, 0, 1, 1, _rng.NextDouble() < 0.4), activate: false);
        Families |= GraphFamily.Residual;
        string sum = _rng.NextDouble() < 0.5 ? $"{main.Name} + {shortcut.Name}" : $"{shortcut.Name} + {main.Name}";
        Emit(_rng.NextDouble() < 0.5 ? Activate(sum) : sum, shape, "residual", main, shortcut);
        return true;
    }
}
