using System;

namespace NetCompiler.Generator.Ops;

/// <summary>What the passes may assume about an op, declared once in its definition instead of in lists kept by each
/// pass (fusion, autodiff, memory planning).</summary>
[Flags]
internal enum OpTraits
{
    None = 0,

    /// <summary>No operands and no code: an input, target, parameter or constant, read where it lives.</summary>
    Leaf = 1 << 0,

    /// <summary>Each output element depends on the element at the same index of its operand(s) only.</summary>
    ElementWise = 1 << 1,

    /// <summary>A one-operand element-wise function that can run in the epilogue of an <see cref="EpilogueHost"/>
    /// producing its operand (applied as each output is produced, its derivative inside the host's backward).</summary>
    FusableEpilogue = 1 << 2,

    /// <summary>Can take a <see cref="FusableEpilogue"/> op in its epilogue (a dense or convolution layer, batch
    /// normalization).</summary>
    EpilogueHost = 1 << 3,

    /// <summary>An <see cref="EpilogueHost"/> that can also take a residual sum before the activation
    /// (<c>act(host + r)</c>: a convolution, batch normalization).</summary>
    ResidualHost = 1 << 8,

    /// <summary>A per-sample loss: a scalar from an output and a target.</summary>
    Loss = 1 << 4,

    /// <summary>Its value is its operand's storage seen with another shape (Reshape of a contiguous tensor): no code, no
    /// slot of its own; its value and gradient are its operand's (<see cref="Lowering.MemoryPlan.Root"/>).</summary>
    View = 1 << 6,

    /// <summary>Nothing flows back through it (its derivative is zero almost everywhere): parameters before it cannot
    /// train through it (NC0104 when the loss depends on them only through it).</summary>
    BlocksGradient = 1 << 5,

    /// <summary>Draws random numbers in training (dropout): its kernels get the step's key and each sample's place in the
    /// batch. In inference it passes its operand through (a <see cref="View"/>, see <see cref="OpDefinition.TraitsIn"/>).</summary>
    Stochastic = 1 << 7,
}
