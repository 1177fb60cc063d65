using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>Traces [Forward]/[Loss] bodies into a graph by evaluating them at compile time: tensors become
/// graph nodes, numbers and loop counters are evaluated, loops are unrolled, calls into modules and helper
/// methods are inlined. Anything it cannot evaluate is reported where it is, and tracing stops.</summary>
internal sealed class BodyTracer
{
    private const int MaxLoopIterations = 100_000;
    private const int MaxCallDepth = 64;

    private readonly Compilation _compilation;
    private readonly ParameterLayout _layout;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<int, int> _paramNodes = new();
    private readonly Dictionary<int, int> _bufferNodes = new();
    private int _depth;
    private ExpressionSyntax? _loopCondition;   // the for-loop condition being evaluated, for NC0006

    public BodyTracer(Compilation compilation, ParameterLayout layout, List<DiagnosticInfo> diagnostics)
    {
        _compilation = compilation; _layout = layout; _diagnostics = diagnostics;
    }

    public List<NodeSpec> Nodes { get; } = new();

    /// <summary>Thrown to stop tracing after a diagnostic has been recorded.</summary>
    private sealed class TraceFailed : Exception { }

    private sealed class Frame
    {
        public Frame(SemanticModel model, InstanceValue? self) { Model = model; Self = self; }
        public SemanticModel Model { get; }
        public InstanceValue? Self { get; }
        public Dictionary<ISymbol, TraceValue?> Locals { get; } = new(SymbolEqualityComparer.Default);
        public TraceValue? Returned { get; set; }
        public bool HasReturned { get; set; }
    }

    public int AddNode(OpKind op, int[] inputs, OpAttributes attributes, string label, SyntaxNode? source)
    {
        int id = Nodes.Count;
        Nodes.Add(new NodeSpec(id, op, inputs.ToEquatableArray(), attributes, label,
            source is null ? label : OneLine(source.ToString()), LocationInfo.From(source)));
        return id;
    }

    /// <summary>Traces <paramref name="method"/> with its parameters bound to <paramref name="arguments"/>;
    /// returns the returned value or null when tracing failed (diagnostics say why).</summary>
    public TraceValue? TraceMethod(IMethodSymbol method, InstanceValue? self, IReadOnlyList<TraceValue> arguments)
    {
        try { return Invoke(method, self, arguments, null); }
        catch (TraceFailed) { return null; }
    }

    private TraceValue Invoke(IMethodSymbol method, InstanceValue? self, IReadOnlyList<TraceValue> arguments, SyntaxNode? callSite)
    {
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (syntax is null || (syntax.Body is null && syntax.ExpressionBody is null))
        {
            // A [Forward] or [Loss] method is traced without a call site: then the method's own name is the location.
            if (callSite is null)
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, LocationInfo.From(method.Locations.FirstOrDefault()),
                    $"Method '{method.Name}'", "it has no body"));
                throw new TraceFailed();
            }
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, callSite, $"A call to '{method.ToDisplayString()}'", "its body is not in this compilation");
        }
        if (++_depth > MaxCallDepth)
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, callSite, $"The call to '{method.Name}'", $"calls nest deeper than {MaxCallDepth} (recursion cannot be unrolled)");
        try
        {
            var frame = new Frame(_compilation.GetSemanticModel(syntax.SyntaxTree), method.IsStatic ? null : self);
            for (int i = 0; i < method.Parameters.Length; i++) frame.Locals[method.Parameters[i]] = arguments[i];
            if (syntax.ExpressionBody is not null) return Eval(syntax.ExpressionBody.Expression, frame);
            Execute(syntax.Body!, frame);
            if (!frame.HasReturned || frame.Returned is null)
                throw Fail(DiagnosticDescriptors.UnsupportedConstruct, syntax.Identifier.Parent, $"Method '{method.Name}'", "it must end by returning a value");
            return frame.Returned;
        }
        finally { _depth--; }
    }

    // ---------------------------------------------------------------- statements

    private void Execute(StatementSyntax statement, Frame frame)
    {
        if (frame.HasReturned) return;
        switch (statement)
        {
            case BlockSyntax block:
                foreach (var s in block.Statements) { Execute(s, frame); if (frame.HasReturned) return; }
                return;
            case EmptyStatementSyntax:
                return;
            case LocalDeclarationStatementSyntax local:
                foreach (var v in local.Declaration.Variables)
                {
                    var symbol = frame.Model.GetDeclaredSymbol(v);
                    if (symbol is null) throw Fail(DiagnosticDescriptors.UnsupportedConstruct, v, "This declaration", "it could not be resolved");
                    frame.Locals[symbol] = v.Initializer is null ? null : Eval(v.Initializer.Value, frame);
                }
                return;
            case ExpressionStatementSyntax expression:
                EvalStatementExpression(expression.Expression, frame);
                return;
            case ReturnStatementSyntax ret:
                if (ret.Expression is null) throw Fail(DiagnosticDescriptors.UnsupportedConstruct, ret, "'return;'", "return a tensor");
                frame.Returned = Eval(ret.Expression, frame);
                frame.HasReturned = true;
                return;
            case ForStatementSyntax loop:
                ExecuteFor(loop, frame);
                return;
            case ForEachStatementSyntax loop:
                ExecuteForEach(loop, frame);
                return;
            default:
                throw Fail(DiagnosticDescriptors.UnsupportedConstruct, statement, $"A '{Describe(statement)}' statement",
                    "bodies may use locals, assignments, returns and for/foreach loops with constant bounds");
        }
    }

    private void ExecuteFor(ForStatementSyntax loop, Frame frame)
    {
        if (loop.Declaration is not null)
            foreach (var v in loop.Declaration.Variables)
            {
                var symbol = frame.Model.GetDeclaredSymbol(v)!;
                frame.Locals[symbol] = v.Initializer is null ? null : Eval(v.Initializer.Value, frame);
            }
        foreach (var init in loop.Initializers) EvalStatementExpression(init, frame);
        if (loop.Condition is null)
            throw Fail(DiagnosticDescriptors.NonConstantLoop, loop.ForKeyword.Parent, "has no condition", "");
        for (int iteration = 0; ; iteration++)
        {
            _loopCondition = loop.Condition;
            var value = Eval(loop.Condition, frame);
            _loopCondition = null;
            if (value is not BoolValue condition)
                throw Fail(DiagnosticDescriptors.NonConstantLoop, loop.Condition, $"condition '{OneLine(loop.Condition.ToString())}' is not a compile-time constant");
            if (!condition.Value) return;
            if (iteration >= MaxLoopIterations)
                throw Fail(DiagnosticDescriptors.NonConstantLoop, loop.Condition, $"runs more than {MaxLoopIterations} iterations");
            Execute(loop.Statement, frame);
            if (frame.HasReturned) return;
            foreach (var inc in loop.Incrementors) EvalStatementExpression(inc, frame);
        }
    }

    private void ExecuteForEach(ForEachStatementSyntax loop, Frame frame)
    {
        var collection = Eval(loop.Expression, frame);
        int count = collection switch
        {
            ArrayValue array => array.Length,
            TensorListValue pieces => pieces.Nodes.Count,
            _ => throw Fail(DiagnosticDescriptors.NonConstantLoop, loop.Expression,
                $"iterates over {collection.Describe()}; foreach works over [Repeat] array fields and the tensors of a Split"),
        };
        var variable = frame.Model.GetDeclaredSymbol(loop)!;
        for (int i = 0; i < count; i++)
        {
            frame.Locals[variable] = Element(collection, i);
            Execute(loop.Statement, frame);
            if (frame.HasReturned) return;
        }
    }

    private void EvalStatementExpression(ExpressionSyntax expression, Frame frame)
    {
        switch (expression)
        {
            case AssignmentExpressionSyntax { Left: TupleExpressionSyntax or DeclarationExpressionSyntax } deconstruction:
                Deconstruct(deconstruction, frame);
                return;
            case AssignmentExpressionSyntax assignment:
            {
                var target = AssignableSymbol(assignment.Left, frame);
                var right = Eval(assignment.Right, frame);
                frame.Locals[target] = assignment.Kind() switch
                {
                    SyntaxKind.SimpleAssignmentExpression => right,
                    SyntaxKind.AddAssignmentExpression => Binary(SyntaxKind.AddExpression, Current(target, assignment.Left, frame), right, assignment),
                    SyntaxKind.SubtractAssignmentExpression => Binary(SyntaxKind.SubtractExpression, Current(target, assignment.Left, frame), right, assignment),
                    SyntaxKind.MultiplyAssignmentExpression => Binary(SyntaxKind.MultiplyExpression, Current(target, assignment.Left, frame), right, assignment),
                    SyntaxKind.DivideAssignmentExpression => Binary(SyntaxKind.DivideExpression, Current(target, assignment.Left, frame), right, assignment),
                    _ => throw Fail(DiagnosticDescriptors.UnsupportedConstruct, assignment, $"The assignment '{assignment.OperatorToken.Text}'", "use =, +=, -=, *= or /="),
                };
                return;
            }
            case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression } u:
                Step(u.Operand, u.IsKind(SyntaxKind.PostIncrementExpression) ? 1 : -1, frame);
                return;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } u:
                Step(u.Operand, u.IsKind(SyntaxKind.PreIncrementExpression) ? 1 : -1, frame);
                return;
            default:
                throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, $"The statement '{OneLine(expression.ToString())}'",
                    "a statement must assign a local, or increment a loop counter");
        }
    }

    private void Step(ExpressionSyntax operand, int delta, Frame frame)
    {
        var symbol = AssignableSymbol(operand, frame);
        if (Current(symbol, operand, frame) is not NumberValue n)
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, operand, "'++' or '--'", "only a numeric loop counter can be incremented");
        frame.Locals[symbol] = new NumberValue(n.Value + delta);
    }

    private ISymbol AssignableSymbol(ExpressionSyntax left, Frame frame)
    {
        var symbol = frame.Model.GetSymbolInfo(left).Symbol;
        if (symbol is ILocalSymbol or IParameterSymbol) return symbol;
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, left, $"Assigning to '{OneLine(left.ToString())}'",
            "only locals and parameters can be assigned (fields hold the network's layers)");
    }

    /// <summary><c>var (q, k, v) = Split(...)</c>, <c>(q, k) = parts</c>: each local takes one tensor of a Split, in order
    /// (<c>_</c> skips one); the number of locals must be the number of tensors.</summary>
    private void Deconstruct(AssignmentExpressionSyntax assignment, Frame frame)
    {
        var left = assignment.Left;
        string into = $"'{OneLine(left.ToString())}'";
        if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || assignment.Right is TupleExpressionSyntax
            || Eval(assignment.Right, frame) is not TensorListValue pieces)
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, left, $"Deconstructing into {into}",
                "only the tensors of a Split can be deconstructed (var (q, k, v) = Split(x, axis, sizes...)); otherwise declare one local per value");
        var targets = DeconstructionTargets(left, frame);
        if (targets.Count != pieces.Nodes.Count)
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, left, $"Deconstructing into {into}",
                $"it names {targets.Count} locals, but '{OneLine(assignment.Right.ToString())}' gives {pieces.Nodes.Count} tensors");
        for (int i = 0; i < targets.Count; i++)
            if (targets[i] is { } symbol) frame.Locals[symbol] = new TensorValue(pieces.Nodes[i]);
    }

    /// <summary>The locals a deconstruction assigns, in order; null for a discard.</summary>
    private List<ISymbol?> DeconstructionTargets(ExpressionSyntax left, Frame frame)
    {
        var targets = new List<ISymbol?>();
        void Designation(VariableDesignationSyntax designation)
        {
            switch (designation)
            {
                case SingleVariableDesignationSyntax single: targets.Add(frame.Model.GetDeclaredSymbol(single)); break;
                case DiscardDesignationSyntax: targets.Add(null); break;
                default:
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, designation, $"The nested deconstruction '{OneLine(designation.ToString())}'", "deconstruct one level");
            }
        }
        if (left is DeclarationExpressionSyntax { Designation: ParenthesizedVariableDesignationSyntax all })
            foreach (var v in all.Variables) Designation(v);
        else if (left is TupleExpressionSyntax tuple)
            foreach (var argument in tuple.Arguments)
            {
                if (argument.Expression is DeclarationExpressionSyntax declaration) Designation(declaration.Designation);
                else if (frame.Model.GetSymbolInfo(argument.Expression).Symbol is IDiscardSymbol) targets.Add(null);
                else targets.Add(AssignableSymbol(argument.Expression, frame));
            }
        else
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, left, $"Deconstructing into '{OneLine(left.ToString())}'", "write var (a, b, ...) or (a, b, ...)");
        return targets;
    }

    private TraceValue Current(ISymbol symbol, SyntaxNode at, Frame frame) =>
        frame.Locals.TryGetValue(symbol, out var value) && value is not null ? value
        : throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, $"'{symbol.Name}'", "it is used before it is assigned");

    // ---------------------------------------------------------------- expressions

    private TraceValue Eval(ExpressionSyntax expression, Frame frame)
    {
        var constant = frame.Model.GetConstantValue(expression);
        if (constant.HasValue)
        {
            switch (constant.Value)
            {
                case null: return NullValue.Instance;
                case bool b: return new BoolValue(b);
                case int or long or float or double or short or byte or uint or ulong or decimal:
                    return new NumberValue(Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        switch (expression)
        {
            case ParenthesizedExpressionSyntax p:
                return Eval(p.Expression, frame);
            case CastExpressionSyntax cast:
            {
                var inner = Eval(cast.Expression, frame);
                if (inner is NumberValue) return inner;
                throw Fail(DiagnosticDescriptors.UnsupportedConstruct, cast, "A cast", "only numbers can be cast");
            }
            case ThisExpressionSyntax:
                return frame.Self ?? throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, "'this'", "a static method has no instance");
            case IdentifierNameSyntax or MemberAccessExpressionSyntax:
                return EvalName(expression, frame);
            case ElementAccessExpressionSyntax access:
            {
                var collection = Eval(access.Expression, frame);
                int? length = collection switch { ArrayValue array => array.Length, TensorListValue pieces => pieces.Nodes.Count, _ => null };
                if (length is null || access.ArgumentList.Arguments.Count != 1)
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, access, "Indexing " + collection.Describe(),
                        "only [Repeat] arrays and the tensors of a Split can be indexed, with one constant index");
                if (Eval(access.ArgumentList.Arguments[0].Expression, frame) is not NumberValue index || index.Value != Math.Floor(index.Value))
                    throw Fail(DiagnosticDescriptors.NonConstantLoop, access, $"index in '{OneLine(access.ToString())}' is not a compile-time constant");
                if (index.Value < 0 || index.Value >= length)
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, access, $"The index {index.Value}",
                        $"'{OneLine(access.Expression.ToString())}' has {length} {(collection is ArrayValue ? "elements" : "tensors")}");
                return Element(collection, (int)index.Value);
            }
            case InvocationExpressionSyntax invocation:
                return EvalInvocation(invocation, frame);
            case BinaryExpressionSyntax binary:
                return Binary(binary.Kind(), Eval(binary.Left, frame), Eval(binary.Right, frame), binary);
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
            {
                var operand = Eval(unary.Operand, frame);
                if (operand is NumberValue n) return new NumberValue(-n.Value);
                if (operand is TensorValue t) return new TensorValue(AddNode(OpKind.Neg, new[] { t.Node }, OpAttributes.None, "-", unary));
                break;
            }
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                return Eval(unary.Operand, frame);
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.LogicalNotExpression):
                if (Eval(unary.Operand, frame) is BoolValue b2) return new BoolValue(!b2.Value);
                break;
        }
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, $"The expression '{OneLine(expression.ToString())}' ({Describe(expression)})",
            "use ops from NetCompiler.Ops, + - * / on tensors and numbers, layer and module calls, locals and constants");
    }

    private TraceValue EvalName(ExpressionSyntax expression, Frame frame)
    {
        var symbol = frame.Model.GetSymbolInfo(expression).Symbol;
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol:
                return Current(symbol, expression, frame);
            case IFieldSymbol field:
            {
                var owner = expression is MemberAccessExpressionSyntax m && m.Expression is not ThisExpressionSyntax
                    ? Eval(m.Expression, frame) as InstanceValue
                    : frame.Self;
                if (owner is null)
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, $"The field '{field.Name}'", "fields are read through the network or module instance");
                return FieldValue(owner, field, expression);
            }
            case IPropertySymbol property when expression is MemberAccessExpressionSyntax access:
            {
                var owner = Eval(access.Expression, frame);
                if (owner is ArrayValue array && property.Name == "Length") return new NumberValue(array.Length);
                if (owner is TensorListValue pieces && property.Name == "Length") return new NumberValue(pieces.Nodes.Count);
                if (owner is LayerValue layer && property.Type.ToDisplayString() is "NetCompiler.Tensor" or "NetCompiler.Tensor?")
                {
                    // A layer's tensor property is its parameter or buffer of that name in PyTorch's spelling (Dense.Weight
                    // is 'name.weight', BatchNorm.RunningMean the buffer 'name.running_mean').
                    string suffix = property.Name.ToLowerInvariant();
                    string buffer = Regex.Replace(property.Name, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();
                    if (layer.Layer.Buffers.Any(b => b.Suffix == buffer)) return new TensorValue(BufferNode(layer.Name + "." + buffer));
                    if (!layer.Layer.Has(suffix))
                        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, $"'{layer.Name}.{property.Name}'",
                            suffix == "bias" ? "the layer was declared with Bias = false" : $"the layer has no parameter '{suffix}'");
                    return new TensorValue(ParameterNode(layer.Name + "." + suffix, expression));
                }
                break;
            }
        }
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expression, $"'{OneLine(expression.ToString())}'",
            symbol is null ? "it could not be resolved" : $"a {symbol.Kind.ToString().ToLowerInvariant()} cannot be traced");
    }

    private TraceValue FieldValue(InstanceValue owner, IFieldSymbol field, SyntaxNode at)
    {
        var scratch = new List<DiagnosticInfo>();
        var decl = FieldDeclaration.Read(field, scratch);
        if (decl is null && _loopCondition is not null && field.Type.SpecialType is >= SpecialType.System_Char and <= SpecialType.System_Double)
            throw Fail(DiagnosticDescriptors.NonConstantLoop, _loopCondition,
                $"condition '{OneLine(_loopCondition.ToString())}' is not a compile-time constant (it reads the field '{field.Name}'; declare it const)");
        if (decl is not null && field.IsStatic)
            // The parameter layout holds instance fields only (a static field has no parameters of its own).
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, $"The static field '{field.Name}'",
                $"a [{decl.Kind}] field must be an instance field");
        if (decl is null && (field.Type.TypeKind == TypeKind.Error
                || field.GetAttributes().Any(a => a.AttributeClass is null or { TypeKind: TypeKind.Error } || a.AttributeConstructor is null)))
            throw new TraceFailed(); // a missing using, a misspelled attribute or bad attribute arguments: the C# compiler reports it (CS0246, CS1503)
        if (decl is null)
            throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, $"The field '{field.Name}'",
                "only layer ([Dense], [Embedding], ...), [Param] and [Module] fields can be used in a network body");
        string name = owner.Prefix + decl.Name;
        if (decl.Count > 0) return new ArrayValue(decl, name);
        return Declared(decl, name, at);
    }

    /// <summary>Element <paramref name="index"/> (in range) of a [Repeat] array or of a Split's tensors.</summary>
    private TraceValue Element(TraceValue collection, int index) => collection switch
    {
        TensorListValue pieces => new TensorValue(pieces.Nodes[index]),
        ArrayValue array => Declared(array.Field, array.Name + "." + index, null),
        _ => throw new InvalidOperationException($"{collection.Describe()} has no elements"),
    };

    private TraceValue Declared(FieldDeclaration decl, string name, SyntaxNode? at) => decl.Kind switch
    {
        "Param" => new TensorValue(ParameterNode(name, at)),
        "Module" => new InstanceValue(decl.ModuleType!, name + "."),
        _ => new LayerValue(name, decl.Layer!),
    };

    /// <summary>The node of the parameter called <paramref name="name"/> (one per parameter), or -1 when there is none.</summary>
    internal int ParameterNode(string name, SyntaxNode? at)
    {
        int index = _layout.IndexOf(name);
        if (index < 0) return -1;
        if (!_paramNodes.TryGetValue(index, out int node))
        {
            node = AddNode(OpKind.Param, new int[0], new ParameterAttribute(index), name, null);
            _paramNodes[index] = node;
        }
        return node;
    }

    /// <summary>The node of the buffer called <paramref name="name"/> (one per buffer), or -1 when there is none.</summary>
    internal int BufferNode(string name)
    {
        int index = _layout.BufferIndex(name);
        if (index < 0) return -1;
        if (!_bufferNodes.TryGetValue(index, out int node))
        {
            node = AddNode(OpKind.Buffer, new int[0], new BufferAttribute(index), name, null);
            _bufferNodes[index] = node;
        }
        return node;
    }

    /// <summary>Whether NetCompiler.Ops has a method called <paramref name="name"/> (to tell a missing
    /// <c>using static</c> from a misspelled op).</summary>
    private bool IsOp(string name) =>
        _compilation.GetTypeByMetadataName("NetCompiler.Ops")?.GetMembers(name).OfType<IMethodSymbol>().Any(m => m.DeclaredAccessibility == Accessibility.Public) == true;

    private TraceValue EvalInvocation(InvocationExpressionSyntax invocation, Frame frame)
    {
        var info = frame.Model.GetSymbolInfo(invocation);
        if (info.Symbol is not IMethodSymbol method)
        {
            // A known method whose arguments do not fit: the C# compiler reports that error itself.
            if (!info.CandidateSymbols.IsEmpty) throw new TraceFailed();
            string name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax m => m.Name.Identifier.Text,
                IdentifierNameSyntax id => id.Identifier.Text,
                _ => OneLine(invocation.Expression.ToString()),
            };
            if (invocation.Expression is IdentifierNameSyntax && IsOp(name))
                throw Fail(DiagnosticDescriptors.OpNotInScope, invocation.Expression, name);
            throw Fail(DiagnosticDescriptors.UnknownOp, invocation.Expression, name);
        }
        string type = method.ContainingType.ToDisplayString();
        if (type == "NetCompiler.Ops")
        {
            var op = Ops.OpRegistry.ForMethod(method.Name) ?? throw Fail(DiagnosticDescriptors.UnknownOp, invocation.Expression, method.Name);
            return op.Build(new OpCall(this, method.Name, BindArguments(method, invocation, frame, expandParams: true), invocation));
        }
        var receiver = invocation.Expression is MemberAccessExpressionSyntax access && !method.IsStatic
            ? Eval(access.Expression, frame)
            : frame.Self;
        // A layer's Forward, declared by its runtime class or inherited (the recurrent layers share theirs).
        string? receiverType = invocation.Expression is MemberAccessExpressionSyntax member ? frame.Model.GetTypeInfo(member.Expression).Type?.ToDisplayString() : null;
        if (receiver is LayerValue layer && method.Name == "Forward" && (type == layer.Layer.Definition.RuntimeType || receiverType == layer.Layer.Definition.RuntimeType))
            return layer.Layer.Definition.Forward(new Layers.LayerCall(this, layer.Name, layer.Layer, BindArguments(method, invocation, frame), invocation));
        if (method.DeclaringSyntaxReferences.Length > 0 && (method.IsStatic || receiver is InstanceValue))
        {
            var args = BindArguments(method, invocation, frame);
            return Invoke(method, receiver as InstanceValue, args, invocation);
        }
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, invocation, $"The call to '{method.ToDisplayString()}'",
            "a body may call NetCompiler.Ops, layer Forward methods, and methods of the network or its modules");
    }

    /// <summary>The arguments of a call, one per parameter in order (defaults filled in). With
    /// <paramref name="expandParams"/> (an op of NetCompiler.Ops), the values of a trailing <c>params</c> parameter follow
    /// one by one, as Split's sizes do; other methods cannot take <c>params</c>.</summary>
    private List<TraceValue> BindArguments(IMethodSymbol method, InvocationExpressionSyntax invocation, Frame frame, bool expandParams = false)
    {
        bool hasParams = method.Parameters.Length > 0 && method.Parameters[method.Parameters.Length - 1].IsParams;
        var values = new TraceValue?[hasParams && expandParams ? method.Parameters.Length - 1 : method.Parameters.Length];
        var expanded = new List<TraceValue>();
        var arguments = invocation.ArgumentList.Arguments;
        for (int i = 0; i < arguments.Count; i++)
        {
            var a = arguments[i];
            int index = a.NameColon is null ? i : method.Parameters.IndexOf(method.Parameters.FirstOrDefault(p => p.Name == a.NameColon.Name.Identifier.Text)!);
            if (hasParams && expandParams && a.NameColon is null && index >= values.Length)
            {
                if (frame.Model.GetTypeInfo(a.Expression).Type is IArrayTypeSymbol)
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, a, $"The array '{OneLine(a.ToString())}'",
                        $"write each value of '{method.Parameters[values.Length].Name}' as an argument of its own");
                expanded.Add(Eval(a.Expression, frame));
                continue;
            }
            if (index < 0 || index >= values.Length || method.Parameters[index].IsParams)
                throw Fail(DiagnosticDescriptors.UnsupportedConstruct, a, "This argument", "it does not match a parameter");
            values[index] = Eval(a.Expression, frame);
        }
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is not null) continue;
            var p = method.Parameters[i];
            values[i] = p.HasExplicitDefaultValue && p.ExplicitDefaultValue is not null
                ? new NumberValue(Convert.ToDouble(p.ExplicitDefaultValue, System.Globalization.CultureInfo.InvariantCulture))
                : p.HasExplicitDefaultValue && p.Type.IsReferenceType ? NullValue.Instance
                : throw Fail(DiagnosticDescriptors.UnsupportedConstruct, invocation, $"The argument '{p.Name}'", "it is missing or null");
        }
        return values.Select(v => v!).Concat(expanded).ToList();
    }

    public int RequireTensor(TraceValue value, SyntaxNode at, string what)
    {
        if (value is TensorValue t) return t.Node;
        if (value is NumberValue n) return AddNode(OpKind.Constant, new int[0], new ScalarAttribute((float)n.Value), Format(n.Value), at);
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, Capitalize(value.Describe()), $"{what} must be a tensor");
    }

    /// <summary>Reports NC0003 (<paramref name="what"/> is not supported: <paramref name="why"/>) at <paramref name="at"/>;
    /// throw the result to stop tracing.</summary>
    public Exception Unsupported(SyntaxNode at, string what, string why) => Fail(DiagnosticDescriptors.UnsupportedConstruct, at, what, why);

    public float RequireNumber(TraceValue value, SyntaxNode at, string what)
    {
        if (value is NumberValue n) return (float)n.Value;
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, Capitalize(value.Describe()), $"{what} must be a compile-time number");
    }

    private TraceValue Binary(SyntaxKind kind, TraceValue left, TraceValue right, SyntaxNode at)
    {
        if (left is NumberValue a && right is NumberValue b)
        {
            switch (kind)
            {
                case SyntaxKind.AddExpression: return new NumberValue(a.Value + b.Value);
                case SyntaxKind.SubtractExpression: return new NumberValue(a.Value - b.Value);
                case SyntaxKind.MultiplyExpression: return new NumberValue(a.Value * b.Value);
                case SyntaxKind.DivideExpression when b.Value != 0: return new NumberValue(a.Value / b.Value);
                case SyntaxKind.ModuloExpression when b.Value != 0: return new NumberValue(a.Value % b.Value);
                case SyntaxKind.LessThanExpression: return new BoolValue(a.Value < b.Value);
                case SyntaxKind.LessThanOrEqualExpression: return new BoolValue(a.Value <= b.Value);
                case SyntaxKind.GreaterThanExpression: return new BoolValue(a.Value > b.Value);
                case SyntaxKind.GreaterThanOrEqualExpression: return new BoolValue(a.Value >= b.Value);
                case SyntaxKind.EqualsExpression: return new BoolValue(a.Value == b.Value);
                case SyntaxKind.NotEqualsExpression: return new BoolValue(a.Value != b.Value);
            }
        }
        if (left is BoolValue p && right is BoolValue q)
        {
            switch (kind)
            {
                case SyntaxKind.LogicalAndExpression: return new BoolValue(p.Value && q.Value);
                case SyntaxKind.LogicalOrExpression: return new BoolValue(p.Value || q.Value);
            }
        }
        if (left is TensorValue || right is TensorValue)
        {
            if (kind == SyntaxKind.DivideExpression && right is NumberValue divisor && divisor.Value != 0)
                return Binary(SyntaxKind.MultiplyExpression, left, new NumberValue(1.0 / divisor.Value), at);
            var op = kind switch
            {
                SyntaxKind.AddExpression => OpKind.Add,
                SyntaxKind.SubtractExpression => OpKind.Sub,
                SyntaxKind.MultiplyExpression => OpKind.Mul,
                // A tensor divisor (a nonzero number divisor became a product above; dividing by the number 0 is refused).
                SyntaxKind.DivideExpression when right is TensorValue => OpKind.Div,
                _ => (OpKind?)null,
            };
            if (op is not null)
                return new TensorValue(AddNode(op.Value, new[] { RequireTensor(left, at, "an operand"), RequireTensor(right, at, "an operand") }, OpAttributes.None,
                    op.Value.ToString(), at));
        }
        throw Fail(DiagnosticDescriptors.UnsupportedConstruct, at, $"The operator in '{OneLine(at.ToString())}'",
            kind == SyntaxKind.DivideExpression && left is TensorValue && right is NumberValue { Value: 0 }
                ? "it divides a tensor by zero"
                : $"it is applied to {left.Describe()} and {right.Describe()}; tensors support + - * and /");
    }

    // ---------------------------------------------------------------- helpers

    private Exception Fail(DiagnosticDescriptor descriptor, SyntaxNode? at, params object?[] arguments)
    {
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(at), arguments));
        return new TraceFailed();
    }

    public static string OneLine(string text)
    {
        var line = Regex.Replace(text, @"\s+", " ").Trim();
        return line.Length <= 100 ? line : line.Substring(0, 97) + "...";
    }

    private static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

    private static string Describe(SyntaxNode node)
    {
        var kind = node.Kind().ToString();
        foreach (var suffix in new[] { "Statement", "Expression" })
            if (kind.EndsWith(suffix, StringComparison.Ordinal)) kind = kind.Substring(0, kind.Length - suffix.Length);
        return Regex.Replace(kind, "(?<=[a-z])([A-Z])", " $1").ToLowerInvariant();
    }
}
