using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>Where the rows of a matrix operand sit: in groups of <see cref="GroupRows"/> rows <see cref="Stride"/> floats
/// apart, the groups <see cref="GroupStride"/> floats apart. A tile of sequences is one group per sample (its
/// <c>length</c> rows in the sample's workspace, the next sample's a workspace further on), so a kernel can run the whole
/// tile as one product without first copying its rows together; a plain matrix is a single group.</summary>
internal readonly struct RowLayout
{
    /// <summary>Floats from one row of a group to the next.</summary>
    public readonly int Stride;

    /// <summary>Rows per group (<see cref="int.MaxValue"/>: one group, however many rows).</summary>
    public readonly int GroupRows;

    /// <summary>Floats from the first row of one group to the first row of the next.</summary>
    public readonly int GroupStride;

    /// <summary>Groups of <paramref name="groupRows"/> rows, <paramref name="stride"/> apart within a group and
    /// <paramref name="groupStride"/> apart between groups.</summary>
    public RowLayout(int stride, int groupRows, int groupStride) => (Stride, GroupRows, GroupStride) = (stride, groupRows, groupStride);

    /// <summary>Rows <paramref name="stride"/> floats apart, all in one group.</summary>
    public static RowLayout Dense(int stride) => new(stride, int.MaxValue, 0);

    /// <summary>Whether the rows come in more than one group.</summary>
    public bool Grouped => GroupRows != int.MaxValue;

    /// <summary>Floats from row 0 to row <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Offset(int row) => Grouped ? (nint)(row / GroupRows) * GroupStride + (nint)(row % GroupRows) * Stride : (nint)row * Stride;

    /// <summary>The groups <paramref name="rows"/> rows fill, and the rows of each (whole groups: a grouped operand's rows
    /// are a whole number of groups).</summary>
    public (int Groups, int RowsPerGroup) Split(int rows) => Grouped ? (rows / GroupRows, GroupRows) : (1, rows);
}
