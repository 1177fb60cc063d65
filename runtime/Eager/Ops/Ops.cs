using System;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>The operations a <see cref="ForwardAttribute"/> or <see cref="LossAttribute"/> method is written with
/// (<c>using static NetCompiler.Ops;</c>). Run directly they execute eagerly and record a tape (the interpreted
/// path); the generator compiles the same calls into specialized code. All shapes are per sample: the batch is
/// implicit, an unbatched operand (a parameter or constant) is broadcast over the batch, and two batched operands
/// must have the same batch. Shape errors throw <see cref="ArgumentException"/> naming the op and the shapes.</summary>
/// <remarks>Each op is one file in <c>runtime/Eager/Ops/</c> holding a forward/backward pair (the llm.c layout):
/// the forward computes with vectorized kernels and records a backward closure that adds (+=) into the gradients of
/// the operands that require one. Every transcendental is the <see cref="SimdMath"/> / <see cref="ScalarMath"/>
/// function generated code calls, in the formula generated code writes (softmax as exp(x - max) times 1 / sum,
/// log-sum-exp as max + log(sum)), so the two paths differ only where a sum is taken in another order; arithmetic
/// and sums use <see cref="TensorPrimitives"/>.</remarks>
public static partial class Ops
{
}
