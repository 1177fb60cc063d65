using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NetCompiler.Definitions.Text;

/// <summary>The file <see cref="SubwordTokenizer.Save"/> writes: JSON with the special tokens (at ids 0 to 4), the
/// vocabulary (token to id, bytes and merged tokens in id order) and the merges in the order learnt, one <c>"left right"</c>
/// string each, like GPT-2's merges.txt. Tokens are written in GPT-2's byte alphabet (<see cref="ByteLevelAlphabet"/>),
/// which has no spaces, so a merge splits at its one space. The vocabulary follows from the merges; it is written
/// for people reading the file and checked on reading, so that an edited or damaged file fails instead of loading a
/// different tokenizer.
/// <code>
/// {
///   "format": "netcompiler-byte-level-bpe",
///   "version": 1,
///   "special_tokens": ["&lt;pad&gt;", "&lt;s&gt;", "&lt;/s&gt;", "&lt;mask&gt;", "&lt;unk&gt;"],
///   "vocabulary": { "Ā": 5, ..., "Ġt": 261, ... },
///   "merges": ["Ġ t", ...]
/// }
/// </code></summary>
internal static class SubwordTokenizerFile
{
    private const string Format = "netcompiler-byte-level-bpe";
    private const int Version = 1;

    /// <summary>Writes <paramref name="tokenizer"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, SubwordTokenizer tokenizer)
    {
        // Relaxed escaping keeps the byte alphabet's Ġ and Ċ readable; the file is never embedded in HTML.
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, options);
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", Version);
            json.WriteStartArray("special_tokens");
            foreach (string special in SubwordTokenizer.SpecialTokenTexts) json.WriteStringValue(special);
            json.WriteEndArray();
            json.WriteStartObject("vocabulary");
            for (int id = SubwordTokenizer.FirstByteId; id < tokenizer.VocabularySize; id++)
                json.WriteNumber(ByteLevelAlphabet.Text(tokenizer.TokenBytes(id)), id);
            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach ((int left, int right) in tokenizer.Merges)
                json.WriteStringValue($"{ByteLevelAlphabet.Text(tokenizer.TokenBytes(left))} {ByteLevelAlphabet.Text(tokenizer.TokenBytes(right))}");
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>The merges, as (left id, right id), of the tokenizer file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a complete, consistent tokenizer file.</exception>
    public static List<(int Left, int Right)> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            return ReadMerges(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a subword tokenizer file: it is not complete JSON ({e.Message}).", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a subword tokenizer file: {e.Message}", e);
        }
    }

    private static List<(int Left, int Right)> ReadMerges(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("it is not a JSON object.");
        string? format = Property(root, "format", JsonValueKind.String).GetString();
        if (format != Format) throw new InvalidDataException($"its format is '{format}', not '{Format}'.");
        JsonElement version = Property(root, "version", JsonValueKind.Number);
        if (!version.TryGetInt32(out int v) || v != Version)
            throw new InvalidDataException($"it is version {version}; this program reads version {Version}.");
        CheckSpecialTokens(Property(root, "special_tokens", JsonValueKind.Array));

        // Token ids as the merges make them; each line may only use tokens made before it.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) ids.Add(ByteLevelAlphabet.Char((byte)b).ToString(), SubwordTokenizer.ByteId((byte)b));
        var merges = new List<(int Left, int Right)>();
        foreach (JsonElement line in Property(root, "merges", JsonValueKind.Array).EnumerateArray())
        {
            string text = line.ValueKind == JsonValueKind.String ? line.GetString()! : line.GetRawText();
            string[] parts = text.Split(' ');
            string where = $"merge {merges.Count + 1} (\"{text}\")";
            if (line.ValueKind != JsonValueKind.String || parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{where} is not two tokens separated by one space.");
            if (!ids.TryGetValue(parts[0], out int left) || !ids.TryGetValue(parts[1], out int right))
                throw new InvalidDataException($"{where} uses a token that is neither a byte nor made by an earlier merge.");
            if (!ids.TryAdd(parts[0] + parts[1], SubwordTokenizer.FirstMergeId + merges.Count))
                throw new InvalidDataException($"{where} makes a token that an earlier line already makes.");
            merges.Add((left, right));
        }
        CheckVocabulary(Property(root, "vocabulary", JsonValueKind.Object), ids);
        return merges;
    }

    private static JsonElement Property(JsonElement root, string name, JsonValueKind kind)
    {
        if (!root.TryGetProperty(name, out JsonElement value)) throw new InvalidDataException($"it has no \"{name}\".");
        if (value.ValueKind != kind) throw new InvalidDataException($"its \"{name}\" is {value.ValueKind}, not {kind}.");
        return value;
    }

    private static void CheckSpecialTokens(JsonElement specialTokens)
    {
        var found = new List<string>();
        foreach (JsonElement token in specialTokens.EnumerateArray()) found.Add(token.ToString());
        if (!found.SequenceEqual(SubwordTokenizer.SpecialTokenTexts))
            throw new InvalidDataException($"its special tokens are [{string.Join(", ", found)}], not [{string.Join(", ", SubwordTokenizer.SpecialTokenTexts)}].");
    }

    private static void CheckVocabulary(JsonElement vocabulary, Dictionary<string, int> ids)
    {
        int count = 0;
        foreach (JsonProperty token in vocabulary.EnumerateObject())
        {
            count++;
            if (!ids.TryGetValue(token.Name, out int id))
                throw new InvalidDataException($"its vocabulary has \"{token.Name}\", which neither a byte nor a merge makes.");
            if (token.Value.ValueKind != JsonValueKind.Number || !token.Value.TryGetInt32(out int written) || written != id)
                throw new InvalidDataException($"its vocabulary gives \"{token.Name}\" the id {token.Value}, but the merges make it {id}.");
        }
        if (count != ids.Count)
            throw new InvalidDataException($"its vocabulary has {count} tokens, but the bytes and merges make {ids.Count}.");
    }
}
