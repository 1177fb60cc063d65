using System.Collections.Generic;
using System.Text;

namespace NetCompiler;

/// <summary>What <see cref="Checkpoint.LoadMatching"/> did with every tensor on either side. Buffers are named as in our
/// checkpoints (<c>buffers/&lt;name&gt;</c>), or by the plain name a PyTorch file gave the tensor that was used.</summary>
/// <param name="Loaded">The file's tensors copied into the network, in the network's order (parameters, then buffers).</param>
/// <param name="NotInNetwork">The file's tensors whose name no parameter or buffer of the network has (an old head,
/// optimizer state, PyTorch's <c>num_batches_tracked</c>), in file order; not read.</param>
/// <param name="NotInFile">The network's parameters and buffers the file has no tensor for, in the network's order;
/// left as they were (a new head keeps its initialization).</param>
/// <param name="Excluded">The file's tensors that match a network name but were rejected by the caller's filter, in the
/// network's order; not read, and the network's tensor left as it was.</param>
public sealed record PartialLoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> NotInNetwork,
    IReadOnlyList<string> NotInFile, IReadOnlyList<string> Excluded)
{
    /// <summary>One line per list, e.g. <c>loaded (8): conv1.weight, ...</c>; an empty list shows as <c>none</c>.</summary>
    public override string ToString()
    {
        var s = new StringBuilder();
        Line(s, "loaded", Loaded);
        Line(s, "in the file only, not read", NotInNetwork);
        Line(s, "in the network only, left as they were", NotInFile);
        Line(s, "excluded by the filter", Excluded);
        return s.ToString().TrimEnd();
    }

    private static void Line(StringBuilder s, string what, IReadOnlyList<string> names) =>
        s.Append(what).Append(" (").Append(names.Count).Append("): ").AppendLine(names.Count == 0 ? "none" : string.Join(", ", names));
}
