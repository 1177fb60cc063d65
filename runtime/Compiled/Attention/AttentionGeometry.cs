namespace NetCompiler;

/// <summary>The constant shape of one scaled dot-product attention over a sample: <see cref="Queries"/> query rows
/// attending over <see cref="Keys"/> key/value rows with <see cref="Heads"/> heads. A query or key row holds the heads
/// side by side (<see cref="Heads"/> x <see cref="HeadDim"/> floats), a value row <see cref="Heads"/> x
/// <see cref="ValueHeadDim"/>, as PyTorch's multi-head attention splits its projections. Generated code writes one as a
/// constant, so the kernels see every size as known.</summary>
public readonly struct AttentionGeometry
{
    /// <summary>The geometry of <paramref name="heads"/> heads of widths d_k = <paramref name="headDim"/> and d_v = <paramref name="valueHeadDim"/>;
    /// with <paramref name="keyPadding"/>, a key whose id is <paramref name="padId"/> is ignored by every query; with
    /// <paramref name="dropout"/> &gt; 0, the attention weights are dropped with that probability (training only);
    /// <paramref name="scale"/> multiplies the dot products (0: 1 / sqrt(d_k), PyTorch's <c>scale=None</c>); with
    /// <paramref name="biasHeads"/> 1 or <paramref name="heads"/>, a bias [biasHeads, Tq, Tk] per sample is added to the
    /// scores before the softmax (one matrix for every head, or one per head).</summary>
    public AttentionGeometry(int queries, int keys, int heads, int headDim, int valueHeadDim, bool causal, bool keyPadding = false, int padId = 0,
        float dropout = 0f, float scale = 0f, int biasHeads = 0)
    {
        Queries = queries; Keys = keys; Heads = heads; HeadDim = headDim; ValueHeadDim = valueHeadDim; Causal = causal;
        KeyPadding = keyPadding; PadId = padId; Dropout = dropout; BiasHeads = biasHeads;
        Scale = scale != 0f ? scale : 1f / System.MathF.Sqrt(headDim);
        // Key columns padded to whole Vector512 registers, so the transposed keys and the row of scores can be read in
        // full registers up to any causal limit.
        KeysPadded = (keys + 15) & ~15;
    }

    /// <summary>Tq: query (and output) rows per sample.</summary>
    public int Queries { get; }
    /// <summary>Tk: key and value rows per sample.</summary>
    public int Keys { get; }
    /// <summary>Heads, side by side in every row.</summary>
    public int Heads { get; }
    /// <summary>d_k: the width of one head of a query or key row.</summary>
    public int HeadDim { get; }
    /// <summary>d_v: the width of one head of a value (and output) row.</summary>
    public int ValueHeadDim { get; }
    /// <summary>Query i attends keys 0..i only (needs Queries == Keys).</summary>
    public bool Causal { get; }
    /// <summary>Whether the kernels read one id per key (PyTorch's <c>key_padding_mask</c>): a key whose id is
    /// <see cref="PadId"/> gets no weight from any query; a query all of whose keys are padding outputs zeros.</summary>
    public bool KeyPadding { get; }
    /// <summary>The id of padding keys (with <see cref="KeyPadding"/>).</summary>
    public int PadId { get; }
    /// <summary>The probability of dropping an attention weight (PyTorch's <c>dropout_p</c>): weight (h, i, j) of a
    /// sample is kept as <c>DropoutMasks</c> decides for element (h Tq + i) Tk + j of the sample's [heads, Tq, Tk]
    /// weights, and scaled by 1 / (1 - p), as the eager <c>Ops.Dropout</c> of the weights draws it. 0: none.</summary>
    public float Dropout { get; }
    /// <summary>Attention weights per sample, the size of the dropout masks' counter space: heads Tq Tk.</summary>
    public int Weights => Heads * Queries * Keys;
    /// <summary>The factor of the dot products (1 / sqrt(d_k) unless given), applied to the query before its dot products
    /// with the keys.</summary>
    public float Scale { get; }
    /// <summary>Matrices of the additive score bias per sample (T5's relative position bias): 0 for none, 1 shared by
    /// the heads, or <see cref="Heads"/>; each [Tq, Tk].</summary>
    public int BiasHeads { get; }
    /// <summary>Floats between two heads' bias matrices: Tq Tk when each head has its own, else 0.</summary>
    public int BiasHeadStride => BiasHeads > 1 ? Queries * Keys : 0;
    /// <summary>Tk rounded up to a multiple of 16 (the scratch rows' length).</summary>
    public int KeysPadded { get; }

    /// <summary>Floats per query or key row.</summary>
    public int QueryWidth => Heads * HeadDim;
    /// <summary>Floats per value or output row.</summary>
    public int ValueWidth => Heads * ValueHeadDim;
    /// <summary>Floats the forward saves per sample for backward: the log-sum-exp of each head's row of scores.</summary>
    public int SavedFloats => Heads * Queries;

    /// <summary>Keys query <paramref name="i"/> attends.</summary>
    public int KeysOf(int i) => Causal ? i + 1 : Keys;
}
