using System.Collections.Generic;

namespace NetCompiler.Definitions.Translation;

/// <summary>One entry of an English-Japanese FreeDict dictionary: one headword in one part of speech, with the usable
/// Japanese translations of each sense. Senses without a usable translation are left out, so every sense has at least
/// one translation and every entry at least one sense.</summary>
/// <param name="Headword">The English headword as the entry writes it, e.g. <c>book</c>, <c>March</c>, <c>9/11</c>.</param>
/// <param name="PartOfSpeech">The part of speech as the dictionary abbreviates it (<c>n</c>, <c>v</c>, <c>adj</c>,
/// <c>pn</c>, <c>phraseologicalUnit</c>, ...), or empty when the entry names none (some idioms).</param>
/// <param name="Senses">Per sense, its cleaned translations in the dictionary's order, without repeats.</param>
public sealed record DictionaryEntry(string Headword, string PartOfSpeech, IReadOnlyList<IReadOnlyList<string>> Senses);
