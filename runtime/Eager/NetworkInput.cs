namespace NetCompiler;

/// <summary>What one <see cref="ForwardAttribute"/> parameter holds: values (<see cref="Tensor"/>) or ids
/// (<see cref="Tokens"/>).</summary>
public enum InputKind
{
    /// <summary>Float values.</summary>
    Values,

    /// <summary>Integer ids (token ids, class ids), carried as floats in the flat sample buffers (see <see cref="Tokens"/>).</summary>
    Tokens,
}

/// <summary>One input of a network: a parameter of its <see cref="ForwardAttribute"/> method. In the flat input buffers
/// of <see cref="INetwork"/>, a sample holds every input in declaration order, this one at <paramref name="Offset"/>
/// floats from the sample's start. <see cref="INetwork.Target"/> describes the <see cref="LossAttribute"/> method's
/// target the same way.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Shape">Its per-sample shape, from its <see cref="ShapeAttribute"/>.</param>
/// <param name="Kind">Values or ids.</param>
/// <param name="Offset">Where it starts within a sample, in floats.</param>
/// <param name="IdCount">For ids: how many distinct ids the network accepts (0 to IdCount - 1: the rows of the smallest
/// table they select from, the classes of the loss that reads them); 0 for values, or ids nothing reads as ids.</param>
public sealed record NetworkInput(string Name, int[] Shape, InputKind Kind, int Offset, int IdCount = 0)
{
    /// <summary>Floats it takes per sample.</summary>
    public int Size => Shapes.Size(Shape);
}
