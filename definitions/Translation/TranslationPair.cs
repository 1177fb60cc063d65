using System.Collections.Generic;

namespace NetCompiler.Definitions.Translation;

/// <summary>One English word or phrase and its Japanese translations, as a translation model trains on and is scored
/// against.</summary>
/// <param name="English">The English headword as the dictionary writes it (case kept: <c>March</c> and <c>march</c>
/// are two pairs).</param>
/// <param name="Japanese">The training target: the first accepted translation.</param>
/// <param name="Accepted">Every accepted translation, <paramref name="Japanese"/> first, without repeats: an output
/// that equals any of them is a correct translation.</param>
public sealed record TranslationPair(string English, string Japanese, IReadOnlyList<string> Accepted);
