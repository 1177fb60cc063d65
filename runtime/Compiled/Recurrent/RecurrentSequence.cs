using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>A recurrent layer's direction over a tile of sequences, called by generated code with its constant
/// <see cref="RecurrentGeometry"/> (seed 004, chapter 3; PyTorch's formulas, gate orders and parameter layouts).
/// <para>Forward: the input projection of all T steps of a sample is one product (x W_ih^T + b_ih, T rows); then per
/// step the recurrent product of the whole tile (h(t-1) W_hh^T + b_hh, one row per sample, through
/// <see cref="TileGemm"/>) and one fused pass per sample that applies every gate's activation and updates the states.
/// Backward through time runs the steps in reverse: one fused pass turns the saved gates and the incoming dh (and dc)
/// into the gates' gradients in place, and one product adds dG W_hh into dh(t-1), the gradient of the previous step's
/// output, so the recurrence accumulates where the output's gradient already is. The weight gradients are whole-
/// sequence products afterwards (dW_hh += dG^T h(t-1) over T rows; dW_ih^T += x^T dG, summed over the tile in a
/// scratch and added to dW_ih transposed), as is dx += dG W_ih.</para>
/// <para>Nothing is allocated per step: the recurrent product goes into a <see cref="KernelScratch"/> buffer.
/// Every element-wise pass uses the widest accelerated register and SimdMath's polynomials (the one-lane tail uses the
/// same polynomials), so results do not depend on H's remainder.</para></summary>
public static class RecurrentSequence
{
    /// <summary>Scratch of at least <paramref name="floats"/> floats (<see cref="KernelScratch"/>), its last
    /// <paramref name="zeros"/> floats cleared (the rest is whatever the previous call left).</summary>
    private static ref float Scratch(int floats, int zeros)
    {
        ref float scratch = ref KernelScratch.Get(ScratchUse.RecurrentSteps, floats);
        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref scratch, floats - zeros), zeros).Clear();
        return ref scratch;
    }

    /// <summary>Runs the layer over <paramref name="rows"/> samples: x [T, Input] at <c>x + r xStride</c>, the value at
    /// <c>y + r yStride</c>, the saved gates at <c>saved + r savedStride</c>; the initial states (when the geometry has
    /// them) [Hidden] at <c>h0 + r h0Stride</c> and <c>c0 + r c0Stride</c>. Absent operands may be any reference.
    /// The samples are independent, so a large tile is cut into row blocks that run whole sequences on the cores
    /// (no synchronization per step); inside a data-parallel chunk the pool is busy and the call stays serial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(in RecurrentGeometry g, ref float x, int xStride, ref float wih, ref float whh, ref float bih, ref float bhh,
        ref float h0, int h0Stride, ref float c0, int c0Stride, ref float y, int yStride, ref float saved, int savedStride, int rows)
    {
        long multiplyAdds = (long)rows * g.Steps * g.GateWidth * (g.Input + g.Hidden);
        int parts = TileGemm.Parts(multiplyAdds, rows);
        if (parts <= 1 || !WorkerPool.TryAcquire())
        {
            ForwardRows(g, ref x, xStride, ref wih, ref whh, ref bih, ref bhh, ref h0, h0Stride, ref c0, c0Stride, ref y, yStride, ref saved, savedStride, rows);
            return;
        }
        fixed (float* px = &x, pwih = &wih, pwhh = &whh, pbih = &bih, pbhh = &bhh, ph0 = &h0, pc0 = &c0, py = &y, ps = &saved)
        {
            var work = ForwardJob;
            work.Geometry = g;
            work.X = px; work.Wih = pwih; work.Whh = pwhh; work.Bih = pbih; work.Bhh = pbhh; work.H0 = ph0; work.C0 = pc0; work.Y = py; work.Saved = ps;
            (work.XStride, work.H0Stride, work.C0Stride, work.YStride, work.SavedStride, work.Rows, work.Parts) = (xStride, h0Stride, c0Stride, yStride, savedStride, rows, parts);
            WorkerPool.RunAcquired(work, parts);
        }
    }

    // One work object for the process, filled only while the pool is claimed (as TileGemm's jobs).
    private static readonly ForwardWork ForwardJob = new();

    /// <summary>A block of rows of <see cref="Forward"/>, run whole.</summary>
    private sealed unsafe class ForwardWork : IPartedWork
    {
        public RecurrentGeometry Geometry;
        public float* X, Wih, Whh, Bih, Bhh, H0, C0, Y, Saved;
        public int XStride, H0Stride, C0Stride, YStride, SavedStride, Rows, Parts;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // per job; never left at tier 0 (jit-check)
        public void RunPart(int part)
        {
            var (start, end) = TileGemm.Range(Rows, 1, part, Parts);
            ForwardRows(Geometry, ref X[(nint)start * XStride], XStride, ref *Wih, ref *Whh, ref *Bih, ref *Bhh,
                ref H0[(nint)start * H0Stride], H0Stride, ref C0[(nint)start * C0Stride], C0Stride,
                ref Y[(nint)start * YStride], YStride, ref Saved[(nint)start * SavedStride], SavedStride, end - start);
        }
    }

    /// <summary><see cref="Forward"/> on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows(in RecurrentGeometry g, ref float x, int xStride, ref float wih, ref float whh, ref float bih, ref float bhh,
        ref float h0, int h0Stride, ref float c0, int c0Stride, ref float y, int yStride, ref float saved, int savedStride, int rows)
    {
        int T = g.Steps, H = g.Hidden, G = g.GateWidth, I = g.Input;
        // Scratch: W_hh^T [H, G] and W_ih^T [I, G] (so both products broadcast an input element and run along the G
        // gates: no horizontal sums), then rows x G of h(t-1) W_hh^T + b_hh, then H zeros.
        ref float whhT = ref Scratch(H * G + I * G + rows * G + H, H);
        ref float wihT = ref Unsafe.Add(ref whhT, H * G);
        ref float recurrent = ref Unsafe.Add(ref wihT, I * G);
        ref float zeros = ref Unsafe.Add(ref recurrent, rows * G);
        Transpose(ref whh, G, H, ref whhT);
        Transpose(ref wih, G, I, ref wihT);

        // The input projection of every step, x W_ih^T + b_ih: into the saved gates (4H per step) or, for a plain RNN,
        // into the output.
        bool gated = g.SavedStep > 0;
        ref float projection = ref gated ? ref saved : ref y;
        int projectionStride = gated ? savedStride : yStride, projectionRow = gated ? g.SavedStep : H;
        for (int r = 0; r < rows; r++)
        {
            ref float p = ref Unsafe.Add(ref projection, (nint)r * projectionStride);
            for (int t = 0; t < T; t++) StartRow(ref Unsafe.Add(ref p, t * projectionRow), ref bih, g.Bias, G);
            Product(ref Unsafe.Add(ref x, (nint)r * xStride), I, T, ref wihT, I, ref p, projectionRow, G);
        }

        for (int i = 0; i < T; i++)
        {
            int t = g.StepAt(i), previous = g.Previous(t);
            bool first = i == 0;
            // h(t-1) W_hh^T + b_hh for the whole tile (from a zero state: just the bias).
            for (int r = 0; r < rows; r++) StartRow(ref Unsafe.Add(ref recurrent, r * G), ref bhh, g.Bias, G);
            if (first && g.InitialHidden) Product(ref h0, h0Stride, rows, ref whhT, H, ref recurrent, G, G);
            else if (!first) Product(ref Unsafe.Add(ref y, previous * H), yStride, rows, ref whhT, H, ref recurrent, G, G);
            for (int r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref y, (nint)r * yStride);
                ref float hp = ref Unsafe.Add(ref recurrent, r * G);
                ref float hPrevious = ref first ? ref (g.InitialHidden ? ref Unsafe.Add(ref h0, (nint)r * h0Stride) : ref zeros) : ref Unsafe.Add(ref row, previous * H);
                ref float h = ref Unsafe.Add(ref row, t * H);
                switch (g.Cell)
                {
                    case RecurrentCell.Lstm:
                    {
                        ref float gates = ref Unsafe.Add(ref saved, (nint)r * savedStride + t * g.SavedStep);
                        ref float cPrevious = ref first ? ref (g.InitialCell ? ref Unsafe.Add(ref c0, (nint)r * c0Stride) : ref zeros) : ref Unsafe.Add(ref row, (T + previous) * H);
                        ref float c = ref Unsafe.Add(ref row, (T + t) * H);
                        Lanes(H, ref gates, ref hp, ref cPrevious, ref c, ref h, ref h, new LstmStep());
                        break;
                    }
                    case RecurrentCell.Gru:
                        Lanes(H, ref Unsafe.Add(ref saved, (nint)r * savedStride + t * g.SavedStep), ref hp, ref hPrevious, ref h, ref h, ref h, new GruStep());
                        break;
                    case RecurrentCell.RnnRelu:
                        Lanes(H, ref h, ref hp, ref h, ref h, ref h, ref h, new RnnStep(relu: true));
                        break;
                    default:
                        Lanes(H, ref h, ref hp, ref h, ref h, ref h, ref h, new RnnStep(relu: false));
                        break;
                }
            }
        }
    }

    /// <summary>row = the bias, or zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StartRow(ref float row, ref float bias, bool hasBias, int G)
    {
        if (hasBias) Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref row), ref Unsafe.As<float, byte>(ref bias), (uint)G * sizeof(float));
        else Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref row), 0, (uint)G * sizeof(float));
    }

    /// <summary>c[r * cStride + o] += sum_j a[r * aStride + j] wT[j * G + o] for r &lt; rows, j &lt; k, o &lt; G: the
    /// broadcast form, every FMA on a different accumulator along G.</summary>
    private static void Product(ref float a, int aStride, int rows, ref float wT, int k, ref float c, int cStride, int G)
    {
        if (Vector512.IsHardwareAccelerated) TileGemm.AxpyRows<Float512>(ref a, aStride, 1, rows, ref wT, G, k, G, ref c, cStride);
        else if (Vector256.IsHardwareAccelerated) TileGemm.AxpyRows<Float256>(ref a, aStride, 1, rows, ref wT, G, k, G, ref c, cStride);
        else TileGemm.AxpyRows<Float1>(ref a, aStride, 1, rows, ref wT, G, k, G, ref c, cStride);
    }

    /// <summary>wT[j * G + o] = w[o * k + j] for a [G, k] matrix.</summary>
    private static void Transpose(ref float w, int G, int k, ref float wT)
    {
        if (Vector512.IsHardwareAccelerated) Transpose<Float512>(ref w, G, k, ref wT);
        else if (Vector256.IsHardwareAccelerated) Transpose<Float256>(ref w, G, k, ref wT);
        else BlockTranspose.Scalar(ref w, k, ref wT, G, G, k);
    }

    /// <summary>The same with register-square blocks, the edges one float at a time.</summary>
    private static void Transpose<V>(ref float w, int G, int k, ref float wT) where V : struct, IFloatVector<V>
    {
        int n = V.Count, gBlocks = G / n * n, kBlocks = k / n * n;
        for (int o = 0; o < gBlocks; o += n)
            for (int j = 0; j < kBlocks; j += n)
                BlockTranspose.Square<V>(ref Unsafe.Add(ref w, o * k + j), k, ref Unsafe.Add(ref wT, j * G + o), G);
        BlockTranspose.Scalar(ref Unsafe.Add(ref w, gBlocks * k), k, ref Unsafe.Add(ref wT, gBlocks), G, G - gBlocks, k);
        BlockTranspose.Scalar(ref Unsafe.Add(ref w, kBlocks), k, ref Unsafe.Add(ref wT, kBlocks * G), G, gBlocks, k - kBlocks);
    }

    /// <summary>Backward through time over <paramref name="rows"/> samples (layouts as <see cref="Forward"/>), with dy, the
    /// gradient of the value, at <c>dy + r dyStride</c>: it is consumed (the recurrence adds into it, an RNN's becomes
    /// its pre-activation gradient). Adds into dx, the four parameter gradients and the initial states' gradients that
    /// are asked for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in RecurrentGeometry g, ref float x, int xStride, ref float wih, ref float whh,
        ref float h0, int h0Stride, ref float c0, int c0Stride, ref float y, int yStride, ref float saved, int savedStride,
        ref float dy, int dyStride, ref float dx, int dxStride, bool needX,
        ref float dwih, bool needWih, ref float dwhh, bool needWhh, ref float dbih, bool needBih, ref float dbhh, bool needBhh,
        ref float dh0, int dh0Stride, bool needH0, ref float dc0, int dc0Stride, bool needC0, int rows)
    {
        int T = g.Steps, H = g.Hidden, G = g.GateWidth, I = g.Input;
        // Scratch: dW_ih in PyTorch's [G, I] layout, then dW_ih^T [I, G] summed over the tile (cleared), then H zeros.
        int wihFloats = needWih ? I * G : 0;
        ref float wihGradient = ref Scratch(2 * wihFloats + H, wihFloats + H);
        ref float wihGradientT = ref Unsafe.Add(ref wihGradient, wihFloats);
        ref float zeros = ref Unsafe.Add(ref wihGradientT, wihFloats);
        for (int i = T - 1; i >= 0; i--)
        {
            int t = g.StepAt(i), previous = g.Previous(t);
            bool first = i == 0;
            for (int r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref y, (nint)r * yStride);
                ref float dRow = ref Unsafe.Add(ref dy, (nint)r * dyStride);
                ref float h = ref Unsafe.Add(ref row, t * H);
                ref float dh = ref Unsafe.Add(ref dRow, t * H);
                // Where dh(t-1) (and dc(t-1)) go: the previous step's output gradient, the initial state's, or nowhere.
                ref float hPrevious = ref first ? ref (g.InitialHidden ? ref Unsafe.Add(ref h0, (nint)r * h0Stride) : ref zeros) : ref Unsafe.Add(ref row, previous * H);
                bool passHidden = !first || needH0;
                ref float dhPrevious = ref first ? ref (needH0 ? ref Unsafe.Add(ref dh0, (nint)r * dh0Stride) : ref zeros) : ref Unsafe.Add(ref dRow, previous * H);
                switch (g.Cell)
                {
                    case RecurrentCell.Lstm:
                    {
                        ref float gates = ref Unsafe.Add(ref saved, (nint)r * savedStride + t * g.SavedStep);
                        ref float cPrevious = ref first ? ref (g.InitialCell ? ref Unsafe.Add(ref c0, (nint)r * c0Stride) : ref zeros) : ref Unsafe.Add(ref row, (T + previous) * H);
                        bool passCell = !first || needC0;
                        ref float dcPrevious = ref first ? ref (needC0 ? ref Unsafe.Add(ref dc0, (nint)r * dc0Stride) : ref zeros) : ref Unsafe.Add(ref dRow, (T + previous) * H);
                        Lanes(H, ref gates, ref Unsafe.Add(ref row, (T + t) * H), ref cPrevious, ref Unsafe.Add(ref dRow, (T + t) * H), ref dh,
                            ref dcPrevious, new LstmGradient(passCell));
                        break;
                    }
                    case RecurrentCell.Gru:
                        Lanes(H, ref Unsafe.Add(ref saved, (nint)r * savedStride + t * g.SavedStep), ref hPrevious, ref dh, ref dhPrevious, ref dh, ref dh,
                            new GruGradient(passHidden));
                        break;
                    default:
                        Lanes(H, ref h, ref dh, ref h, ref h, ref h, ref h, new RnnGradient(g.Cell == RecurrentCell.RnnRelu));
                        break;
                }
            }
            // dh(t-1) += dG_h W_hh for the whole tile.
            if (first && !needH0) continue;
            ref float target = ref first ? ref dh0 : ref Unsafe.Add(ref dy, previous * H);
            int targetStride = first ? dh0Stride : dyStride;
            switch (g.Cell)
            {
                case RecurrentCell.Lstm:
                    TileGemm.BackwardInput(ref Unsafe.Add(ref saved, t * g.SavedStep), savedStride, ref whh, ref target, targetStride, rows, G, H);
                    break;
                case RecurrentCell.Gru:
                    // The hidden side's gradient is dr, dz (the first 2H) and d(W_hn h + b_hn) (at 3H).
                    TileGemm.BackwardInput(ref Unsafe.Add(ref saved, t * g.SavedStep), savedStride, ref whh, ref target, targetStride, rows, 2 * H, H);
                    TileGemm.BackwardInput(ref Unsafe.Add(ref saved, t * g.SavedStep + 3 * H), savedStride, ref Unsafe.Add(ref whh, 2 * H * H), ref target, targetStride, rows, H, H);
                    break;
                default:
                    TileGemm.BackwardInput(ref Unsafe.Add(ref dy, t * H), dyStride, ref whh, ref target, targetStride, rows, H, H);
                    break;
            }
        }

        // The whole-sequence products of each sample, over its T rows of gate gradients (input side: the first G of each
        // saved step, or an RNN's dy).
        bool gated = g.SavedStep > 0;
        int gradientRow = gated ? g.SavedStep : H;
        for (int r = 0; r < rows; r++)
        {
            ref float dGates = ref gated ? ref Unsafe.Add(ref saved, (nint)r * savedStride) : ref Unsafe.Add(ref dy, (nint)r * dyStride);
            ref float xr = ref Unsafe.Add(ref x, (nint)r * xStride);
            ref float hr = ref Unsafe.Add(ref y, (nint)r * yStride);
            if (needX) TileGemm.BackwardInput(ref dGates, gradientRow, ref wih, ref Unsafe.Add(ref dx, (nint)r * dxStride), I, T, G, I);
            // dW_ih^T += x^T dG, so the product runs along the G gates; along I (RowLstmNet's 28 pixels) it ran one
            // vector and a scalar tail per gate, 64% of the training step.
            if (needWih) TileGemm.BackwardWeights(ref xr, I, ref dGates, gradientRow, ref wihGradientT, ref wihGradientT, false, T, I, G);
            if (needBih) SumRows(ref dGates, gradientRow, T, G, ref dbih);
            // Hidden side: the step after the first in processing order pairs with h of the first, and so on.
            int later = g.Reverse ? 0 : 1, earlier = g.Reverse ? 1 : 0;
            if (needWhh && T > 1)
                HiddenWeights(g, ref Unsafe.Add(ref dGates, later * gradientRow), gradientRow, ref Unsafe.Add(ref hr, earlier * H), H, T - 1, ref dwhh);
            if (needWhh && g.InitialHidden)
                HiddenWeights(g, ref Unsafe.Add(ref dGates, g.StepAt(0) * gradientRow), gradientRow, ref Unsafe.Add(ref h0, (nint)r * h0Stride), H, 1, ref dwhh);
            if (needBhh)
            {
                if (g.Cell == RecurrentCell.Gru)
                {
                    SumRows(ref dGates, gradientRow, T, 2 * H, ref dbhh);
                    SumRows(ref Unsafe.Add(ref dGates, 3 * H), gradientRow, T, H, ref Unsafe.Add(ref dbhh, 2 * H));
                }
                else SumRows(ref dGates, gradientRow, T, G, ref dbhh);
            }
        }
        if (!needWih) return;
        Transpose(ref wihGradientT, I, G, ref wihGradient);
        TileGemm.AddRow(ref wihGradient, ref dwih, G * I);
    }

    /// <summary>dW_hh += dG_h^T h over <paramref name="count"/> rows (a GRU's hidden-side gradient skips x_n's block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-1 copy that inlines the product's kernel (see TileGemm)
    private static void HiddenWeights(in RecurrentGeometry g, ref float dGates, int gradientRow, ref float h, int hStride, int count, ref float dwhh)
    {
        int H = g.Hidden;
        if (g.Cell != RecurrentCell.Gru) { TileGemm.BackwardWeights(ref dGates, gradientRow, ref h, hStride, ref dwhh, ref dwhh, false, count, g.GateWidth, H); return; }
        TileGemm.BackwardWeights(ref dGates, gradientRow, ref h, hStride, ref dwhh, ref dwhh, false, count, 2 * H, H);
        TileGemm.BackwardWeights(ref Unsafe.Add(ref dGates, 3 * H), gradientRow, ref h, hStride, ref Unsafe.Add(ref dwhh, 2 * H * H), ref dwhh, false, count, H, H);
    }

    /// <summary>sum[k] += source[t * stride + k] for t &lt; count, k &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumRows(ref float source, int stride, int count, int width, ref float sum)
    {
        for (int t = 0; t < count; t++) TileGemm.AddRow(ref Unsafe.Add(ref source, t * stride), ref sum, width);
    }

    /// <summary>Runs <paramref name="step"/> over lanes [0, H) with the widest accelerated register, the tail one lane at
    /// a time (a step never reads across lanes, and every width computes the same polynomials).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes<S>(int H, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f, S step) where S : struct, IStep
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated) for (; j + 16 <= H; j += 16) step.Run<Float512>(H, j, ref a, ref b, ref c, ref d, ref e, ref f);
        if (Vector256.IsHardwareAccelerated) for (; j + 8 <= H; j += 8) step.Run<Float256>(H, j, ref a, ref b, ref c, ref d, ref e, ref f);
        for (; j < H; j++) step.Run<Float1>(H, j, ref a, ref b, ref c, ref d, ref e, ref f);
    }

    /// <summary>One element-wise pass of a cell over the lanes [j, j + V.Count) of its H; what the six references are is the
    /// step's own (each implementation names them).</summary>
    private interface IStep
    {
        void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>;
    }

    /// <summary>a: the projected input, replaced by the gates i, f, g, o; b: h(t-1) W_hh^T + b_hh; c: c(t-1); d: c(t); e: h(t).</summary>
    private readonly struct LstmStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V i = V.Sigmoid(V.Add(V.Load(ref a, j), V.Load(ref b, j)));
            V fo = V.Sigmoid(V.Add(V.Load(ref a, H + j), V.Load(ref b, H + j)));
            V g = V.Tanh(V.Add(V.Load(ref a, 2 * H + j), V.Load(ref b, 2 * H + j)));
            V o = V.Sigmoid(V.Add(V.Load(ref a, 3 * H + j), V.Load(ref b, 3 * H + j)));
            V cell = V.MultiplyAdd(fo, V.Load(ref c, j), V.Multiply(i, g));
            V.Store(i, ref a, j); V.Store(fo, ref a, H + j); V.Store(g, ref a, 2 * H + j); V.Store(o, ref a, 3 * H + j);
            V.Store(cell, ref d, j);
            V.Store(V.Multiply(o, V.Tanh(cell)), ref e, j);
        }
    }

    /// <summary>a: the projected input [x_r, x_z, x_n, -], replaced by r, z, n, W_hn h + b_hn; b: h(t-1) W_hh^T + b_hh;
    /// c: h(t-1); d: h(t).</summary>
    private readonly struct GruStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V r = V.Sigmoid(V.Add(V.Load(ref a, j), V.Load(ref b, j)));
            V z = V.Sigmoid(V.Add(V.Load(ref a, H + j), V.Load(ref b, H + j)));
            V hn = V.Load(ref b, 2 * H + j);
            V n = V.Tanh(V.MultiplyAdd(r, hn, V.Load(ref a, 2 * H + j)));
            V.Store(r, ref a, j); V.Store(z, ref a, H + j); V.Store(n, ref a, 2 * H + j); V.Store(hn, ref a, 3 * H + j);
            V.Store(V.MultiplyAdd(z, V.Subtract(V.Load(ref c, j), n), n), ref d, j);
        }
    }

    /// <summary>a: the projected input, replaced by h(t) = act(a + b); b: h(t-1) W_hh^T + b_hh.</summary>
    private readonly struct RnnStep(bool relu) : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V pre = V.Add(V.Load(ref a, j), V.Load(ref b, j));
            V.Store(relu ? V.Select(V.Replaces(V.Zero, pre), pre, V.Zero) : V.Tanh(pre), ref a, j);
        }
    }

    /// <summary>a: the gates i, f, g, o, replaced by their pre-activation gradients; b: c(t); c: c(t-1); d: dc(t) (the
    /// cell's incoming gradient); e: dh(t); f: dc(t-1), which receives dc f when <c>pass</c>.</summary>
    private readonly struct LstmGradient(bool pass) : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V one = V.Broadcast(1f);
            V i = V.Load(ref a, j), fo = V.Load(ref a, H + j), g = V.Load(ref a, 2 * H + j), o = V.Load(ref a, 3 * H + j);
            V dh = V.Load(ref e, j), tc = V.Tanh(V.Load(ref b, j));
            // dc = dc(t) + dh o (1 - tanh(c)^2)
            V dc = V.MultiplyAdd(V.Multiply(dh, o), V.Subtract(one, V.Multiply(tc, tc)), V.Load(ref d, j));
            V.Store(V.Multiply(V.Multiply(dc, g), V.Multiply(i, V.Subtract(one, i))), ref a, j);
            V.Store(V.Multiply(V.Multiply(dc, V.Load(ref c, j)), V.Multiply(fo, V.Subtract(one, fo))), ref a, H + j);
            V.Store(V.Multiply(V.Multiply(dc, i), V.Subtract(one, V.Multiply(g, g))), ref a, 2 * H + j);
            V.Store(V.Multiply(V.Multiply(dh, tc), V.Multiply(o, V.Subtract(one, o))), ref a, 3 * H + j);
            if (pass) V.Store(V.MultiplyAdd(dc, fo, V.Load(ref f, j)), ref f, j);
        }
    }

    /// <summary>a: r, z, n, W_hn h + b_hn, replaced by dr, dz, dx_n (pre-activation gradients of the input side) and
    /// d(W_hn h + b_hn); b: h(t-1); c: dh(t); d: dh(t-1), which receives dh z when <c>pass</c>.</summary>
    private readonly struct GruGradient(bool pass) : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V one = V.Broadcast(1f);
            V r = V.Load(ref a, j), z = V.Load(ref a, H + j), n = V.Load(ref a, 2 * H + j), hn = V.Load(ref a, 3 * H + j);
            V dh = V.Load(ref c, j);
            V dxn = V.Multiply(V.Multiply(dh, V.Subtract(one, z)), V.Subtract(one, V.Multiply(n, n)));
            V dz = V.Multiply(V.Multiply(dh, V.Subtract(V.Load(ref b, j), n)), V.Multiply(z, V.Subtract(one, z)));
            V dr = V.Multiply(V.Multiply(dxn, hn), V.Multiply(r, V.Subtract(one, r)));
            V.Store(dr, ref a, j); V.Store(dz, ref a, H + j); V.Store(dxn, ref a, 2 * H + j); V.Store(V.Multiply(dxn, r), ref a, 3 * H + j);
            if (pass) V.Store(V.MultiplyAdd(dh, z, V.Load(ref d, j)), ref d, j);
        }
    }

    /// <summary>a: h(t); b: dh(t), replaced by the pre-activation gradient dh act'.</summary>
    private readonly struct RnnGradient(bool relu) : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(int H, int j, ref float a, ref float b, ref float c, ref float d, ref float e, ref float f) where V : struct, IFloatVector<V>
        {
            V h = V.Load(ref a, j), dh = V.Load(ref b, j);
            V.Store(relu ? V.Select(V.Replaces(V.Zero, h), dh, V.Zero) : V.Multiply(dh, V.Subtract(V.Broadcast(1f), V.Multiply(h, h))), ref b, j);
        }
    }
}
