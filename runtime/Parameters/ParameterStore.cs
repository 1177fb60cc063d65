using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>A network's state: its trainable parameters and their gradients, each in one flat array, and its buffers
/// (non-trainable state such as batch normalization's running statistics, in a third array that no optimizer touches).
/// The compiled code reads them at constant offsets; the interpreted path sees the same memory through tensor views.
/// It also holds what makes a training step's randomness reproducible (<see cref="RandomSeed"/>,
/// <see cref="RandomStep"/>), shared by both paths.</summary>
public sealed class ParameterStore
{
    private readonly Dictionary<string, ParameterInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParameterInfo> _buffersByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _views = new(StringComparer.Ordinal);

    /// <summary>Creates zeroed storage for <paramref name="layout"/> (offsets must be contiguous, in order).</summary>
    public ParameterStore(IReadOnlyList<ParameterInfo> layout) : this(layout, Array.Empty<ParameterInfo>()) { }

    /// <summary>Creates zeroed storage for the parameters of <paramref name="layout"/> and the buffers of
    /// <paramref name="buffers"/> (each list's offsets contiguous, in order, from 0; no name in both).</summary>
    public ParameterStore(IReadOnlyList<ParameterInfo> layout, IReadOnlyList<ParameterInfo> buffers)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(buffers);
        Layout = layout;
        BufferLayout = buffers;
        Values = AlignedArrays.Allocate(Lay(layout, _byName, "Parameter", null, nameof(layout)));
        Buffers = AlignedArrays.Allocate(Lay(buffers, _buffersByName, "Buffer", _byName, nameof(buffers)));
        Gradients = AlignedArrays.Allocate(Values.Length);
        _frozen = new bool[layout.Count];
    }

    /// <summary>Indexes <paramref name="layout"/> by name after checking its offsets; returns its total length.</summary>
    private static int Lay(IReadOnlyList<ParameterInfo> layout, Dictionary<string, ParameterInfo> byName, string what,
        Dictionary<string, ParameterInfo>? other, string argument)
    {
        int next = 0;
        foreach (var p in layout)
        {
            if (p.Offset != next) throw new ArgumentException($"{what} '{p.Name}' starts at {p.Offset}, expected {next}.", argument);
            if (other is not null && other.ContainsKey(p.Name)) throw new ArgumentException($"'{p.Name}' is both a parameter and a buffer.", argument);
            if (!byName.TryAdd(p.Name, p)) throw new ArgumentException($"Duplicate {what.ToLowerInvariant()} name '{p.Name}'.", argument);
            next += p.Length;
        }
        return next;
    }

    private readonly bool[] _frozen;

    /// <summary>The managed thread id inside an <see cref="Interpreter"/> call on this store, 0 when none (see
    /// <see cref="CompiledSupport.Enter"/>): the interpreted path's guard against two threads in one network.</summary>
    internal int InterpreterCaller;

    private ParameterStore(ParameterStore source)
    {
        Layout = source.Layout;
        BufferLayout = source.BufferLayout;
        foreach (var p in Layout) _byName.Add(p.Name, p);
        foreach (var b in BufferLayout) _buffersByName.Add(b.Name, b);
        Values = source.Values;
        Buffers = source.Buffers;
        Gradients = AlignedArrays.Allocate(source.Count);
        _frozen = new bool[Layout.Count];
        RandomSeed = source.RandomSeed;
        RandomStep = source.RandomStep;
    }

    /// <summary>A store over the same <see cref="Values"/> and <see cref="Buffers"/> arrays with its own
    /// <see cref="Gradients"/>: what a data-parallel worker's replica of the network uses. Freezing applies to the
    /// original (its optimizer).</summary>
    public ParameterStore CreateReplica() => new(this);

    /// <summary>The seed of the training step's randomness (dropout masks); the network's constructor sets it to its
    /// seed. A mask element is a function of this seed, <see cref="RandomStep"/>, the op, the sample and the element
    /// only, so a step can be replayed, and the compiled and interpreted paths draw the same masks.</summary>
    public int RandomSeed { get; set; }

    /// <summary>The number of training passes (<c>ComputeGradients</c> and <c>TrainStep</c>, on either path) run so far by
    /// a network that draws random numbers (dropout; each pass adds one): every step draws new dropout masks. Set it
    /// back to replay a step. Saved in checkpoints.</summary>
    public long RandomStep { get; set; }

    /// <summary>The batch position of this store's first sample in the step (a data-parallel replica's chunk start, 0
    /// otherwise), so that each sample's dropout mask depends on its place in the whole batch.</summary>
    internal int SampleOffset;

    /// <summary>The key of the current training step's masks, taken by a training-mode forward pass, which moves
    /// <see cref="RandomStep"/> on (called by generated code and the interpreter).</summary>
    internal ulong TakeStepKey() => DropoutMasks.StepKey(RandomSeed, RandomStep++);

    /// <summary>The parameters in storage order.</summary>
    public IReadOnlyList<ParameterInfo> Layout { get; }

    /// <summary>All parameter values, in layout order.</summary>
    public float[] Values { get; }

    /// <summary>All gradients, in layout order (same offsets as <see cref="Values"/>).</summary>
    public float[] Gradients { get; }

    /// <summary>Total number of scalar parameters.</summary>
    public int Count => Values.Length;

    /// <summary>The buffers in storage order: non-trainable state (batch normalization's <c>running_mean</c> and
    /// <c>running_var</c>) saved in checkpoints as <c>buffers/{name}</c>, updated by training-mode forward passes, never by
    /// optimizers.</summary>
    public IReadOnlyList<ParameterInfo> BufferLayout { get; }

    /// <summary>All buffer values, in <see cref="BufferLayout"/> order.</summary>
    public float[] Buffers { get; }

    /// <summary>Looks a buffer up by its definition name.</summary>
    /// <exception cref="KeyNotFoundException">No buffer has that name; the message lists the names.</exception>
    public ParameterInfo FindBuffer(string name) =>
        _buffersByName.TryGetValue(name, out var b) ? b
        : throw new KeyNotFoundException($"No buffer named '{name}'. Buffers: {(_buffersByName.Count == 0 ? "none" : string.Join(", ", _buffersByName.Keys))}.");

    /// <summary>The values of one buffer.</summary>
    public Span<float> GetBuffer(string name) { var b = FindBuffer(name); return Buffers.AsSpan(b.Offset, b.Length); }

    /// <summary>The buffer as a tensor view over this storage, with no gradient (used by the interpreted path).</summary>
    public Tensor Buffer(string name)
    {
        string key = "buffers/" + name;
        if (_views.TryGetValue(key, out var t)) return t;
        t = Tensor.Buffer(this, FindBuffer(name));
        _views[key] = t;
        return t;
    }

    /// <summary>Copies parameter and buffer values by definition name (each array row-major in its shape, as PyTorch's
    /// <c>state_dict</c> holds it; a buffer may also be named <c>buffers/{name}</c>, as in checkpoints). Everything is
    /// checked first (names, lengths, and that no value is NaN or infinite) and nothing is copied when something is
    /// wrong. Returns how many tensors were loaded.</summary>
    /// <param name="values">Values by parameter or buffer name.</param>
    /// <param name="requireAll">Whether every parameter and buffer of the network must be given (default); false loads a subset.</param>
    /// <exception cref="ArgumentException">An unknown name, a wrong length, a non-finite value, or (with
    /// <paramref name="requireAll"/>) a missing parameter or buffer; the message names it.</exception>
    public int Load(IReadOnlyDictionary<string, float[]> values, bool requireAll = true)
    {
        ArgumentNullException.ThrowIfNull(values);
        var targets = new List<(float[] Data, float[] Storage, int Offset, string Name)>();
        foreach (var (name, data) in values)
        {
            string bare = name.StartsWith("buffers/", StringComparison.Ordinal) ? name.Substring("buffers/".Length) : name;
            bool isBuffer = _buffersByName.TryGetValue(bare, out var p);
            if (!isBuffer && (bare != name || !_byName.TryGetValue(name, out p)))
                throw new ArgumentException($"No parameter or buffer named '{name}'. Parameters: {string.Join(", ", _byName.Keys)}" +
                    (_buffersByName.Count > 0 ? $"; buffers: {string.Join(", ", _buffersByName.Keys)}." : "."), nameof(values));
            if (data is null || data.Length != p!.Length)
                throw new ArgumentException($"'{name}' has shape [{string.Join(", ", p!.Shape)}] ({p.Length} values); {data?.Length ?? 0} were given.", nameof(values));
            int bad = Array.FindIndex(data, v => !float.IsFinite(v));
            if (bad >= 0) throw new ArgumentException($"'{name}' value {bad} is {data[bad]}; {(isBuffer ? "buffers" : "parameters")} must be finite.", nameof(values));
            if (targets.Exists(t => t.Name == p.Name && t.Storage == (isBuffer ? Buffers : Values)))
                throw new ArgumentException($"'{p.Name}' is given twice (as '{p.Name}' and 'buffers/{p.Name}').", nameof(values));
            targets.Add((data, isBuffer ? Buffers : Values, p.Offset, p.Name));
        }
        if (requireAll)
        {
            foreach (var p in Layout)
                if (!values.ContainsKey(p.Name))
                    throw new ArgumentException($"No values for '{p.Name}' (pass requireAll: false to load a subset).", nameof(values));
            foreach (var b in BufferLayout)
                if (!values.ContainsKey(b.Name) && !values.ContainsKey("buffers/" + b.Name))
                    throw new ArgumentException($"No values for the buffer '{b.Name}' (pass requireAll: false to load a subset).", nameof(values));
        }
        foreach (var (data, storage, offset, _) in targets) data.CopyTo(storage, offset);
        return targets.Count;
    }

    /// <summary>Looks a parameter up by its definition name.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name; the message lists the names.</exception>
    public ParameterInfo Find(string name) =>
        _byName.TryGetValue(name, out var p) ? p
        : throw new KeyNotFoundException($"No parameter named '{name}'. Parameters: {string.Join(", ", _byName.Keys)}.");

    /// <summary>Whether a parameter is named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The values of one parameter.</summary>
    public Span<float> GetValues(string name) { var p = Find(name); return Values.AsSpan(p.Offset, p.Length); }

    /// <summary>The gradient of one parameter.</summary>
    public Span<float> GetGradients(string name) { var p = Find(name); return Gradients.AsSpan(p.Offset, p.Length); }

    /// <summary>The parameter as a tensor view over this storage (used by the interpreted path).</summary>
    public Tensor this[string name]
    {
        get
        {
            if (_views.TryGetValue(name, out var t)) return t;
            var p = Find(name);
            t = Tensor.Parameter(this, p);
            _views[name] = t;
            return t;
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>Whether the parameter at <paramref name="layoutIndex"/> in <see cref="Layout"/> is frozen:
    /// optimizers leave its values bit-identical and it does not count towards gradient clipping.</summary>
    public bool IsFrozen(int layoutIndex) => _frozen[layoutIndex];

    /// <summary>The runs of [<paramref name="start"/>, <paramref name="end"/>) that belong to parameters that are not
    /// frozen, one per parameter it overlaps (a slice of the flat arrays cut without regard to parameters: see
    /// <see cref="DataParallelGradients"/>). Allocates nothing.</summary>
    internal TrainableRunEnumerator TrainableRuns(int start, int end) => new(this, start, end);

    /// <summary>See <see cref="TrainableRuns"/>; a struct enumerator, so that <c>foreach</c> allocates nothing.</summary>
    internal struct TrainableRunEnumerator(ParameterStore store, int start, int end)
    {
        private int _index = FirstEndingAfter(store.Layout, start) - 1;

        public (int Start, int End) Current { get; private set; }

        public readonly TrainableRunEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            var layout = store.Layout;
            while (++_index < layout.Count && layout[_index].Offset < end)   // the layout is in offset order
            {
                var p = layout[_index];
                int from = Math.Max(start, p.Offset), to = Math.Min(end, p.Offset + p.Length);
                if (from >= to || store._frozen[_index]) continue;
                Current = (from, to);
                return true;
            }
            return false;
        }

        /// <summary>The first parameter that ends after <paramref name="offset"/> (binary search: a combination calls this
        /// once per block, and a Transformer has a few hundred parameters).</summary>
        private static int FirstEndingAfter(IReadOnlyList<ParameterInfo> layout, int offset)
        {
            int low = 0, high = layout.Count;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (layout[middle].Offset + layout[middle].Length <= offset) low = middle + 1;
                else high = middle;
            }
            return low;
        }
    }

    /// <summary>Whether the named parameter is frozen.</summary>
    public bool IsFrozen(string name) => _frozen[IndexOf(name)];

    /// <summary>Freezes parameters for transfer learning (seed 004, 2.4): <paramref name="nameOrPrefix"/> is a full
    /// parameter name (<c>hidden.weight</c>) or a layer or module prefix (<c>hidden</c>, <c>blocks.0</c>) that
    /// freezes every parameter under it. Returns the number of parameters frozen.</summary>
    /// <exception cref="KeyNotFoundException">Nothing matches; the message lists the names.</exception>
    public int Freeze(string nameOrPrefix) => SetFrozen(nameOrPrefix, true);

    /// <summary>Undoes <see cref="Freeze"/> for the same name or prefix. Returns the number of parameters matched.</summary>
    /// <exception cref="KeyNotFoundException">Nothing matches; the message lists the names.</exception>
    public int Unfreeze(string nameOrPrefix) => SetFrozen(nameOrPrefix, false);

    private int SetFrozen(string nameOrPrefix, bool frozen)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPrefix);
        int matched = 0;
        for (int i = 0; i < Layout.Count; i++)
        {
            string name = Layout[i].Name;
            if (name == nameOrPrefix || (name.StartsWith(nameOrPrefix, StringComparison.Ordinal) && name.Length > nameOrPrefix.Length && name[nameOrPrefix.Length] == '.'))
            {
                _frozen[i] = frozen;
                matched++;
            }
        }
        if (matched == 0)
            throw new KeyNotFoundException($"No parameter is named '{nameOrPrefix}' or starts with '{nameOrPrefix}.'. Parameters: {string.Join(", ", _byName.Keys)}.");
        return matched;
    }

    private int IndexOf(string name)
    {
        var p = Find(name);
        for (int i = 0; i < Layout.Count; i++)
            if (ReferenceEquals(Layout[i], p)) return i;
        throw new InvalidOperationException("unreachable: a found parameter is in the layout");
    }
}
