using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>A network's parameters and their gradients, each in one flat array. The compiled code reads them
/// at constant offsets; the interpreted path sees the same memory through tensor views.</summary>
public sealed class ParameterStore
{
    private readonly Dictionary<string, ParameterInfo> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _views = new(StringComparer.Ordinal);

    /// <summary>Creates zeroed storage for <paramref name="layout"/> (offsets must be contiguous, in order).</summary>
    public ParameterStore(IReadOnlyList<ParameterInfo> layout)
    {
        Layout = layout;
        int next = 0;
        foreach (var p in layout)
        {
            if (p.Offset != next) throw new ArgumentException($"Parameter '{p.Name}' starts at {p.Offset}, expected {next}.", nameof(layout));
            if (!_byName.TryAdd(p.Name, p)) throw new ArgumentException($"Duplicate parameter name '{p.Name}'.", nameof(layout));
            next += p.Length;
        }
        Values = new float[next];
        Gradients = new float[next];
        _frozen = new bool[layout.Count];
    }

    private readonly bool[] _frozen;

    /// <summary>The managed thread id inside an <see cref="Interpreter"/> call on this store, 0 when none (see
    /// <see cref="CompiledSupport.Enter"/>): the interpreted path's guard against two threads in one network.</summary>
    internal int InterpreterCaller;

    private ParameterStore(ParameterStore source)
    {
        Layout = source.Layout;
        foreach (var p in Layout) _byName.Add(p.Name, p);
        Values = source.Values;
        Gradients = new float[source.Count];
        _frozen = new bool[Layout.Count];
    }

    /// <summary>A store over the same <see cref="Values"/> array with its own <see cref="Gradients"/>: what a
    /// data-parallel worker's replica of the network uses. Freezing applies to the original (its optimizer).</summary>
    public ParameterStore CreateReplica() => new(this);

    /// <summary>The parameters in storage order.</summary>
    public IReadOnlyList<ParameterInfo> Layout { get; }

    /// <summary>All parameter values, in layout order.</summary>
    public float[] Values { get; }

    /// <summary>All gradients, in layout order (same offsets as <see cref="Values"/>).</summary>
    public float[] Gradients { get; }

    /// <summary>Total number of scalar parameters.</summary>
    public int Count => Values.Length;

    /// <summary>Copies parameter values by definition name (each array row-major in the parameter's shape, as PyTorch
    /// stores it). Everything is checked first (names, lengths, and that no value is NaN or infinite) and nothing is
    /// copied when something is wrong. Returns how many parameters were loaded.</summary>
    /// <param name="values">Values by parameter name.</param>
    /// <param name="requireAll">Whether every parameter of the network must be given (default); false loads a subset.</param>
    /// <exception cref="ArgumentException">An unknown name, a wrong length, a non-finite value, or (with
    /// <paramref name="requireAll"/>) a missing parameter; the message names it.</exception>
    public int Load(IReadOnlyDictionary<string, float[]> values, bool requireAll = true)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, data) in values)
        {
            if (!_byName.TryGetValue(name, out var p))
                throw new ArgumentException($"No parameter named '{name}'. Parameters: {string.Join(", ", _byName.Keys)}.", nameof(values));
            if (data is null || data.Length != p.Length)
                throw new ArgumentException($"'{name}' has shape [{string.Join(", ", p.Shape)}] ({p.Length} values); {data?.Length ?? 0} were given.", nameof(values));
            int bad = Array.FindIndex(data, v => !float.IsFinite(v));
            if (bad >= 0) throw new ArgumentException($"'{name}' value {bad} is {data[bad]}; parameters must be finite.", nameof(values));
        }
        if (requireAll)
            foreach (var p in Layout)
                if (!values.ContainsKey(p.Name))
                    throw new ArgumentException($"No values for '{p.Name}' (pass requireAll: false to load a subset).", nameof(values));
        foreach (var (name, data) in values) data.CopyTo(Values, _byName[name].Offset);
        return values.Count;
    }

    /// <summary>Looks a parameter up by its definition name.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name; the message lists the names.</exception>
    public ParameterInfo Find(string name) =>
        _byName.TryGetValue(name, out var p) ? p
        : throw new KeyNotFoundException($"No parameter named '{name}'. Parameters: {string.Join(", ", _byName.Keys)}.");

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
