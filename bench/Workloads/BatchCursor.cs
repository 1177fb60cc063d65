namespace NetCompiler.Bench;

/// <summary>Walks a training set batch after batch in a fixed order, wrapping to the start when the next full
/// batch would not fit, so every step of every variant trains on a full batch of real data. No shuffling: the
/// benchmarks time the steps, not the sampling.</summary>
internal sealed class BatchCursor(int count, int batch)
{
    private int _next;

    /// <summary>Samples per batch.</summary>
    public int Batch => batch;

    /// <summary>Full batches in one pass (one epoch when the set divides evenly).</summary>
    public int BatchesPerPass => count / batch;

    /// <summary>The first sample of the next batch.</summary>
    public int Next()
    {
        if (_next + batch > count) _next = 0;
        int start = _next;
        _next += batch;
        return start;
    }
}
