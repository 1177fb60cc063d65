using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>How an optimizer's update kernel reads and writes a state array (<see cref="StatePrecision"/>): the kernel
/// is generic over it, so each precision gets its own compiled copy of one body, with the other's work removed.</summary>
internal interface IMomentStorage
{
    /// <summary>Whether stores round (and so need the noise of <see cref="Store"/>).</summary>
    static abstract bool Rounds { get; }
    /// <summary>Elements <paramref name="index"/> .. + V.Count of the array at <paramref name="state"/>, as floats.</summary>
    static abstract V Load<V>(ref byte state, int index) where V : struct, IFloatVector<V>;
    /// <summary>Stores <paramref name="value"/> at element <paramref name="index"/>, rounding with the bits of
    /// <paramref name="noise"/> shifted right by <paramref name="noiseShift"/> where the storage is narrower.</summary>
    static abstract void Store<V>(V value, V noise, int noiseShift, ref byte state, int index) where V : struct, IFloatVector<V>;
}

/// <summary>float32 state: loads and stores as they are.</summary>
internal readonly struct Float32Moments : IMomentStorage
{
    public static bool Rounds => false;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Load<V>(ref byte state, int index) where V : struct, IFloatVector<V> => V.Load(ref Unsafe.As<byte, float>(ref state), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<V>(V value, V noise, int noiseShift, ref byte state, int index) where V : struct, IFloatVector<V> =>
        V.Store(value, ref Unsafe.As<byte, float>(ref state), index);
}

/// <summary>bfloat16 state, rounded stochastically on every store (<see cref="BFloat16.RoundStochastic"/>).</summary>
internal readonly struct BFloat16Moments : IMomentStorage
{
    public static bool Rounds => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Load<V>(ref byte state, int index) where V : struct, IFloatVector<V> => V.LoadBFloat16(ref Unsafe.As<byte, ushort>(ref state), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<V>(V value, V noise, int noiseShift, ref byte state, int index) where V : struct, IFloatVector<V> =>
        V.StoreBFloat16(value, noise, noiseShift, ref Unsafe.As<byte, ushort>(ref state), index);
}
