using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler;

/// <summary>One register of floats, as the GEMM kernels see it. The kernels are generic over a struct
/// implementing this, so the JIT compiles one specialized copy per width with every call inlined: Vector512,
/// Vector256, and a one-lane scalar for the portable path and for the tails of rows.</summary>
internal interface IFloatVector<TSelf> where TSelf : struct, IFloatVector<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Load(ref float source, nint offset);
    static abstract void Store(TSelf value, ref float destination, nint offset);
    static abstract TSelf Broadcast(float value);
    /// <summary>a * b + c (fused where the hardware has it).</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract TSelf Subtract(TSelf a, TSelf b);
    static abstract TSelf Multiply(TSelf a, TSelf b);
    /// <summary>a / b, correctly rounded in every lane.</summary>
    static abstract TSelf Divide(TSelf a, TSelf b);
    /// <summary>The square root, correctly rounded in every lane.</summary>
    static abstract TSelf SquareRoot(TSelf x);
    static abstract TSelf Abs(TSelf x);
    /// <summary>All-ones lanes where a &lt; b (NaN compares false).</summary>
    static abstract TSelf LessThan(TSelf a, TSelf b);
    /// <summary><paramref name="x"/> with the lanes whose magnitude is below <paramref name="floor"/> set to +0 (NaN lanes
    /// kept: they compare false). One operation rather than Select(LessThan(Abs)): the JIT turns the compare into a
    /// mask register and a masked blend only when both are in one method (through the wrappers it built the all-ones
    /// vector and a bitwise select, two instructions more).</summary>
    static abstract TSelf ZeroBelow(TSelf x, TSelf floor);
    /// <summary>SimdMath's sigmoid at this width (the one-lane form uses the vector polynomial too, so tails agree with lanes).</summary>
    static abstract TSelf Sigmoid(TSelf x);
    /// <summary>SimdMath's tanh at this width.</summary>
    static abstract TSelf Tanh(TSelf x);
    static abstract float Sum(TSelf value);
    /// <summary>The lane sums of four registers, in one Vector128 (a dot block's four results at once). Each is a fixed
    /// order of additions, so results do not depend on where a block falls; it need not be <see cref="Sum"/>'s order.</summary>
    static abstract Vector128<float> Sum4(TSelf a, TSelf b, TSelf c, TSelf d);
    /// <summary>SimdMath's e^x at this width (the one-lane form uses the vector polynomial too).</summary>
    static abstract TSelf Exp(TSelf x);
    static abstract TSelf Max(TSelf a, TSelf b);
    /// <summary>The largest lane.</summary>
    static abstract float MaxAcross(TSelf value);
    /// <summary>start, start + 1, ... in the lanes (element indices kept as floats, exact below 2^24).</summary>
    static abstract TSelf Ramp(float start);
    /// <summary>All-ones lanes where <paramref name="candidate"/> replaces <paramref name="current"/> as the larger under
    /// max pooling's rule: it is larger, or it is NaN and the current is not (the first NaN stays).</summary>
    static abstract TSelf Replaces(TSelf current, TSelf candidate);
    /// <summary>Lanes of <paramref name="ifTrue"/> where <paramref name="mask"/> is all ones, else of <paramref name="ifFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf ifTrue, TSelf ifFalse);
    /// <summary>All-ones lanes whose index i has <paramref name="low"/> &lt;= i &lt; <paramref name="high"/>.</summary>
    static abstract TSelf Within(int low, int high);
    /// <summary>Count bfloat16 values from <paramref name="source"/> + <paramref name="offset"/>, widened exactly
    /// (<see cref="BFloat16.Widen"/>).</summary>
    static abstract TSelf LoadBFloat16(ref ushort source, nint offset);
    /// <summary>Stores the lanes as bfloat16 at <paramref name="destination"/> + <paramref name="offset"/>, each rounded
    /// as <see cref="BFloat16.RoundStochastic"/> does with the bits of <paramref name="noise"/>'s lane shifted right by
    /// <paramref name="noiseShift"/> (0 or 16: one hash serves two arrays).</summary>
    static abstract void StoreBFloat16(TSelf value, TSelf noise, int noiseShift, ref ushort destination, nint offset);
    /// <summary>The bits of <see cref="CounterHash.Light(uint, uint)"/> for the counters <paramref name="first"/>,
    /// <paramref name="first"/> + 1, ... in the lanes (as float bit patterns, not values).</summary>
    static abstract TSelf CounterHash(uint first, uint key);
}

/// <summary>A Vector512 register (16 floats).</summary>
internal readonly struct Float512(Vector512<float> v) : IFloatVector<Float512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static Float512 Zero => new(Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Load(ref float source, nint offset) => new(Vector512.LoadUnsafe(ref source, (nuint)offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Float512 value, ref float destination, nint offset) => value._v.StoreUnsafe(ref destination, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Broadcast(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 MultiplyAdd(Float512 a, Float512 b, Float512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Add(Float512 a, Float512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Subtract(Float512 a, Float512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Multiply(Float512 a, Float512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Divide(Float512 a, Float512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 SquareRoot(Float512 x) => new(Vector512.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Abs(Float512 x) => new(Vector512.Abs(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 LessThan(Float512 a, Float512 b) => new(Vector512.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 ZeroBelow(Float512 x, Float512 floor) => new(Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x._v), floor._v), Vector512<float>.Zero, x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Sigmoid(Float512 x) => new(SimdMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Tanh(Float512 x) => new(SimdMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Float512 value) => Vector512.Sum(value._v);
    /// <summary>Halves added pairwise across the registers (two 256-bit halves, then quarters), so four sums take 14
    /// instructions where four <see cref="Vector512.Sum{T}"/> took about 100 (JIT disassembly): lane i + lane i + 8,
    /// then + the quarter beside, then within each quarter adjacent lanes and the two pairs. Zen 5, one thread,
    /// TileGemm.DotRows at a convolution's dW shapes (16-64 x 144-576 dot products over 544-784 positions, rows
    /// aligned): 118-132 -> 167-190 GFLOP/s (two builds alternated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Float512 a, Float512 b, Float512 c, Float512 d)
    {
        if (!Avx512F.IsSupported) return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
        // [a q0 q1 b q0 q1] + [a q2 q3 b q2 q3]: 8 partial lanes of a, then 8 of b
        var ab = Avx512F.Shuffle4x128(a._v, b._v, 0b01_00_01_00) + Avx512F.Shuffle4x128(a._v, b._v, 0b11_10_11_10);
        var cd = Avx512F.Shuffle4x128(c._v, d._v, 0b01_00_01_00) + Avx512F.Shuffle4x128(c._v, d._v, 0b11_10_11_10);
        // quarters: 4 partial lanes of a, b, c, d
        var q = Avx512F.Shuffle4x128(ab, cd, 0b10_00_10_00) + Avx512F.Shuffle4x128(ab, cd, 0b11_01_11_01);
        q += Avx512F.Permute4x32(q, 0b10_11_00_01);   // adjacent lanes
        q += Avx512F.Permute4x32(q, 0b01_00_11_10);   // the two pairs: every lane of a quarter holds its sum
        return Avx512F.PermuteVar16x32(q, Vector512.Create(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().GetLower();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Exp(Float512 x) => new(SimdMath.Exp(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Max(Float512 a, Float512 b) => new(Vector512.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Float512 value) =>
        Float256.MaxAcross(new(Vector256.Max(value._v.GetLower(), value._v.GetUpper())));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Ramp(float start) => new(Vector512.Create(start) + Vector512<float>.Indices);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Replaces(Float512 current, Float512 candidate) =>
        new(Vector512.GreaterThan(candidate._v, current._v) | Vector512.AndNot(Vector512.Equals(current._v, current._v), Vector512.Equals(candidate._v, candidate._v)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Select(Float512 mask, Float512 ifTrue, Float512 ifFalse) => new(Vector512.ConditionalSelect(mask._v, ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 Within(int low, int high) =>
        new((Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(low)) & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(high))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 LoadBFloat16(ref ushort source, nint offset) =>
        new((Vector512.WidenLower(Vector256.LoadUnsafe(ref source, (nuint)offset).ToVector512Unsafe()) << 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreBFloat16(Float512 value, Float512 noise, int noiseShift, ref ushort destination, nint offset)
    {
        var top = (value._v.AsUInt32() + ((noise._v.AsUInt32() >>> noiseShift) & Vector512.Create(0xFFFFu))) >>> 16;
        // vpmovdw where there is AVX-512 (Narrow's portable form masks and packs halves).
        var narrowed = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector256UInt16(top)
            : Vector256.Narrow(top.GetLower(), top.GetUpper());
        narrowed.StoreUnsafe(ref destination, (nuint)offset);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float512 CounterHash(uint first, uint key) =>
        new(NetCompiler.CounterHash.Light(Vector512.Create(first) + Vector512<uint>.Indices, key).AsSingle());
}

/// <summary>A Vector256 register (8 floats).</summary>
internal readonly struct Float256(Vector256<float> v) : IFloatVector<Float256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static Float256 Zero => new(Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Load(ref float source, nint offset) => new(Vector256.LoadUnsafe(ref source, (nuint)offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Float256 value, ref float destination, nint offset) => value._v.StoreUnsafe(ref destination, (nuint)offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Broadcast(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 MultiplyAdd(Float256 a, Float256 b, Float256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Add(Float256 a, Float256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Subtract(Float256 a, Float256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Multiply(Float256 a, Float256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Divide(Float256 a, Float256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 SquareRoot(Float256 x) => new(Vector256.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Abs(Float256 x) => new(Vector256.Abs(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 LessThan(Float256 a, Float256 b) => new(Vector256.LessThan(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 ZeroBelow(Float256 x, Float256 floor) => new(Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x._v), floor._v), Vector256<float>.Zero, x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Sigmoid(Float256 x) => new(SimdMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Tanh(Float256 x) => new(SimdMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Float256 value) => Vector256.Sum(value._v);
    /// <summary>As <see cref="Float512.Sum4"/>: 128-bit halves added across the registers, then within each half
    /// adjacent lanes and the two pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Float256 a, Float256 b, Float256 c, Float256 d)
    {
        if (!Avx2.IsSupported) return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
        var ab = Avx.Permute2x128(a._v, b._v, 0x20) + Avx.Permute2x128(a._v, b._v, 0x31);   // 4 partial lanes of a, then of b
        var cd = Avx.Permute2x128(c._v, d._v, 0x20) + Avx.Permute2x128(c._v, d._v, 0x31);
        ab += Avx.Permute(ab, 0b10_11_00_01); cd += Avx.Permute(cd, 0b10_11_00_01);         // adjacent lanes
        ab += Avx.Permute(ab, 0b01_00_11_10); cd += Avx.Permute(cd, 0b01_00_11_10);         // the pairs: each half is its sum
        // lanes 0 and 4 of each, in order
        return Avx2.PermuteVar8x32(Avx.UnpackLow(ab, cd), Vector256.Create(0, 4, 1, 5, 0, 0, 0, 0)).GetLower();   // ab0 cd0 . . ab4 cd4 . .
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Exp(Float256 x) => new(SimdMath.Exp(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Max(Float256 a, Float256 b) => new(Vector256.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Float256 value)
    {
        var v = Vector128.Max(value._v.GetLower(), value._v.GetUpper());
        return System.MathF.Max(System.MathF.Max(v.GetElement(0), v.GetElement(1)), System.MathF.Max(v.GetElement(2), v.GetElement(3)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Ramp(float start) => new(Vector256.Create(start) + Vector256<float>.Indices);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Replaces(Float256 current, Float256 candidate) =>
        new(Vector256.GreaterThan(candidate._v, current._v) | Vector256.AndNot(Vector256.Equals(current._v, current._v), Vector256.Equals(candidate._v, candidate._v)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Select(Float256 mask, Float256 ifTrue, Float256 ifFalse) => new(Vector256.ConditionalSelect(mask._v, ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 Within(int low, int high) =>
        new((Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(low)) & Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(high))).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 LoadBFloat16(ref ushort source, nint offset) =>
        new((Vector256.WidenLower(Vector128.LoadUnsafe(ref source, (nuint)offset).ToVector256Unsafe()) << 16).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreBFloat16(Float256 value, Float256 noise, int noiseShift, ref ushort destination, nint offset)
    {
        var top = (value._v.AsUInt32() + ((noise._v.AsUInt32() >>> noiseShift) & Vector256.Create(0xFFFFu))) >>> 16;
        Vector128.Narrow(top.GetLower(), top.GetUpper()).StoreUnsafe(ref destination, (nuint)offset);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float256 CounterHash(uint first, uint key) =>
        new(NetCompiler.CounterHash.Light(Vector256.Create(first) + Vector256<uint>.Indices, key).AsSingle());
}

/// <summary>One float: the portable path, and the elements left over after the last full register.</summary>
internal readonly struct Float1(float v) : IFloatVector<Float1>
{
    private readonly float _v = v;
    public static int Count => 1;
    public static Float1 Zero => new(0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Load(ref float source, nint offset) => new(Unsafe.Add(ref source, offset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Float1 value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Broadcast(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 MultiplyAdd(Float1 a, Float1 b, Float1 c) => new(System.MathF.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Add(Float1 a, Float1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Subtract(Float1 a, Float1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Multiply(Float1 a, Float1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Divide(Float1 a, Float1 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 SquareRoot(Float1 x) => new(System.MathF.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Abs(Float1 x) => new(System.MathF.Abs(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 LessThan(Float1 a, Float1 b) => new(System.BitConverter.Int32BitsToSingle(a._v < b._v ? -1 : 0));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 ZeroBelow(Float1 x, Float1 floor) => new(System.MathF.Abs(x._v) < floor._v ? 0f : x._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Sigmoid(Float1 x) => new(ScalarMath.Sigmoid(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Tanh(Float1 x) => new(ScalarMath.Tanh(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Float1 value) => value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sum4(Float1 a, Float1 b, Float1 c, Float1 d) =>
        Vector128.Create(a._v, b._v, c._v, d._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Exp(Float1 x) => new(ScalarMath.Exp(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Max(Float1 a, Float1 b) => new(System.MathF.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Float1 value) => value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Ramp(float start) => new(start);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Replaces(Float1 current, Float1 candidate) =>
        new(System.BitConverter.Int32BitsToSingle(-(candidate._v > current._v || (float.IsNaN(candidate._v) && !float.IsNaN(current._v)) ? 1 : 0)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Select(Float1 mask, Float1 ifTrue, Float1 ifFalse)
    {
        int m = System.BitConverter.SingleToInt32Bits(mask._v);
        return new(System.BitConverter.Int32BitsToSingle((m & System.BitConverter.SingleToInt32Bits(ifTrue._v)) | (~m & System.BitConverter.SingleToInt32Bits(ifFalse._v))));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 Within(int low, int high) =>
        new(System.BitConverter.Int32BitsToSingle(low <= 0 && 0 < high ? -1 : 0));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 LoadBFloat16(ref ushort source, nint offset) => new(BFloat16.Widen(Unsafe.Add(ref source, offset)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreBFloat16(Float1 value, Float1 noise, int noiseShift, ref ushort destination, nint offset) =>
        Unsafe.Add(ref destination, offset) = BFloat16.RoundStochastic(value._v, System.BitConverter.SingleToUInt32Bits(noise._v) >> noiseShift);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Float1 CounterHash(uint first, uint key) =>
        new(System.BitConverter.UInt32BitsToSingle(NetCompiler.CounterHash.Light(first, key)));
}
