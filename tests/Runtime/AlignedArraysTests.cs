using System;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary><see cref="AlignedArrays"/>: the arrays are what was asked for (length, zeros, pinned), and element 0 lands on
/// a 64-byte boundary. Alignment depends on where the heap places objects, so those tests run alone (no other test
/// allocating at the same moment) and ask for most, not all, of a run of arrays: a plain array lands on the boundary one
/// time in eight (its elements start 16 bytes into the object, which is 8-byte aligned), so the odds that 9 of 10
/// land there without the spacer, or 10 of 12, are below one in a million.</summary>
public class AlignedArraysTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_000)]
    [InlineData(20_000_000)]   // 80 MB: past the largest spacer, so one try only
    public void Gives_a_zeroed_pinned_array_of_the_length_asked(int length)
    {
        var array = AlignedArrays.Allocate(length);
        Assert.Equal(length, array.Length);
        Assert.True(array.AsSpan().IndexOfAnyExcept(0f) < 0, "not all zeros");
        Assert.InRange(AlignedArrays.Misalignment(array), 0, AlignedArrays.Boundary - 1);
        Assert.Equal(0, AlignedArrays.Misalignment(array) % sizeof(float));
    }

    [Fact]
    public void Refuses_a_negative_length() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AlignedArrays.Allocate(-1));
}

/// <summary>The alignment itself, alone in the process (see <see cref="AlignedArraysTests"/>).</summary>
[Collection(ExclusiveCollection.Name)]
public class AlignedArraysPlacementTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(1_003)]
    [InlineData(4_160)]
    public void Places_element_0_on_a_64_byte_boundary(int length)
    {
        var kept = new float[10][];
        int aligned = 0;
        for (int i = 0; i < kept.Length; i++)
        {
            kept[i] = AlignedArrays.Allocate(length + i);
            if (AlignedArrays.Misalignment(kept[i]) == 0) aligned++;
        }
        Assert.True(aligned >= 9, $"{aligned} of 10 arrays of about {length} floats start on a 64-byte boundary.");
    }

    [Fact]
    public void Places_arrays_on_the_boundary_in_a_pinned_heap_full_of_gaps()
    {
        // A long run leaves the pinned heap full of small gaps: here rounds of pinned arrays of random sizes, about half
        // of them dropped and collected. With 6 tries 26-32 of the 40 arrays landed on the boundary, with 32 39-40.
        var rng = new Random(3);
        var live = new System.Collections.Generic.List<float[]>();
        for (int round = 0; round < 20; round++)
        {
            var batch = new float[400][];
            for (int i = 0; i < batch.Length; i++) batch[i] = GC.AllocateArray<float>(rng.Next(1, 20_000), pinned: true);
            for (int i = 0; i < batch.Length; i += 1 + rng.Next(3)) live.Add(batch[i]);
            GC.Collect();
        }
        int aligned = 0;
        foreach (int length in new[] { 16, 1_003, 4_160, 100_000 })
            for (int i = 0; i < 10; i++)
            {
                var array = AlignedArrays.Allocate(length + i);
                live.Add(array);
                if (AlignedArrays.Misalignment(array) == 0) aligned++;
            }
        Assert.True(aligned >= 36, $"{aligned} of 40 arrays start on a 64-byte boundary in a fragmented pinned heap.");
        GC.KeepAlive(live);
    }

    [Fact]
    public void A_network_s_parameters_gradients_and_optimizer_state_start_on_the_boundary()
    {
        int aligned = 0, total = 0;
        for (int i = 0; i < 3; i++)
        {
            var net = new CharGpt(seed: i);
            var adam = new Adam(1e-3f);
            adam.Step(net.Parameters);
            foreach (var array in new[] { net.Parameters.Values, net.Parameters.Gradients, adam.GetState(0), adam.GetState(1) })
            {
                total++;
                if (AlignedArrays.Misalignment(array) == 0) aligned++;
            }
        }
        Assert.True(aligned >= total - 2, $"{aligned} of {total} parameter, gradient and moment arrays start on a 64-byte boundary.");
    }
}
