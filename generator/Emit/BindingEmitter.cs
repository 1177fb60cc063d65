using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>Writes the constructor statements that bind a class's layer, parameter and module fields to the
/// parameter store, so the interpreted path runs the definition over the compiled code's storage.</summary>
internal static class BindingEmitter
{
    /// <param name="prefix">A C# expression giving the parameter-name prefix ("" for a network).</param>
    public static void Emit(SourceWriter w, EquatableArray<FieldBinding> fields, string prefix)
    {
        foreach (var f in fields)
        {
            if (f.Count == 0)
            {
                w.Line($"this.{f.Field} = {Create(f, Name(prefix, SourceWriter.Quote(f.Field)))};");
                continue;
            }
            w.Line($"this.{f.Field} = new {f.ElementType}[{f.Count}];");
            w.Open($"for (int i = 0; i < {f.Count}; i++)");
            w.Line($"this.{f.Field}[i] = {Create(f, Name(prefix, SourceWriter.Quote(f.Field + ".") + " + i.ToString(global::System.Globalization.CultureInfo.InvariantCulture)"))};");
            w.Close();
        }
    }

    private static string Name(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix} + {name}";

    private static string Create(FieldBinding f, string name) => f.Create.Replace("{0}", name);
}
