using System.IO;
using System.IO.Compression;
using System.Text;
using NetCompiler.Definitions.Translation;

namespace NetCompiler.Tests.Data;

/// <summary>Writes a dictd dictionary the way FreeDict ships one: the entries' UTF-8 text gzipped into a
/// <c>.dict.dz</c>, and an index of <c>key TAB offset TAB length</c> lines with base64 byte positions.</summary>
internal static class DictdFiles
{
    /// <summary>Writes <see cref="EngJpnDictionary.IndexFileName"/> and <see cref="EngJpnDictionary.DictFileName"/>
    /// into <paramref name="dir"/>, indexing the entries in the order given.</summary>
    public static void Write(TempDirectory dir, params (string Key, string Text)[] entries)
    {
        var index = new StringBuilder();
        using var text = new MemoryStream();
        foreach (var (key, entry) in entries)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(entry);
            index.Append(key).Append('\t').Append(DictdBase64.Encode(text.Length)).Append('\t')
                .Append(DictdBase64.Encode(bytes.Length)).Append('\n');
            text.Write(bytes);
        }
        dir.WriteText(EngJpnDictionary.IndexFileName, index.ToString());
        dir.Write(EngJpnDictionary.DictFileName, Idx.Gzip(text.ToArray()));
    }
}
