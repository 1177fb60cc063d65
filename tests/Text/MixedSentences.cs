using System;
using System.Collections.Generic;
using NetCompiler.Definitions.Text;

namespace NetCompiler.Tests.Text;

/// <summary>Seeded English and Japanese sentences, one per line, like the two sides of a translation corpus: text of the
/// kind the tokenizer is trained on, made here so the tests need no data files.</summary>
internal static class MixedSentences
{
    private static readonly string[] Subjects = ["The cat", "My brother", "A teacher", "The old man", "Our neighbour", "The student", "This company", "Her friend"];
    private static readonly string[] Verbs = ["reads", "writes", "likes", "bought", "carries", "remembers", "forgot", "found"];
    private static readonly string[] Objects = ["a book", "the letter", "fresh bread", "an umbrella", "the train ticket", "many flowers", "a small box", "the newspaper"];
    private static readonly string[] Endings = [" every morning.", " yesterday.", " at the station.", " in the park.", "!", " again?", ", I think."];
    private static readonly string[] JapaneseSubjects = ["猫", "私の兄", "先生", "その老人", "隣の人", "学生", "この会社", "彼女の友達"];
    private static readonly string[] JapaneseTimes = ["毎朝", "昨日", "駅で", "公園で", "また", ""];
    private static readonly string[] JapaneseObjects = ["本", "手紙", "新しいパン", "傘", "電車の切符", "たくさんの花", "小さい箱", "新聞"];
    private static readonly string[] JapaneseVerbs = ["を読みます", "を書きました", "が好きです", "を買いました", "を運んでいます", "を覚えています", "を忘れました", "を見つけました"];

    /// <summary><paramref name="count"/> lines, alternately English and Japanese, the same for the same seed.</summary>
    public static List<string> Lines(int count, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string line = i % 2 == 0
                ? $"{Pick(random, Subjects)} {Pick(random, Verbs)} {Pick(random, Objects)}{Pick(random, Endings)}"
                : $"{Pick(random, JapaneseSubjects)}は{Pick(random, JapaneseTimes)}{Pick(random, JapaneseObjects)}{Pick(random, JapaneseVerbs)}。";
            if (random.Next(8) == 0) line += $" ({random.Next(1, 2000)})";
            lines.Add(line);
        }
        return lines;
    }

    private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];

    /// <summary>A tokenizer of 600 tokens trained on 2,000 lines of seed 1, trained once for all the tests.</summary>
    public static SubwordTokenizer Tokenizer => Trained.Value;

    private static readonly Lazy<SubwordTokenizer> Trained = new(() => SubwordTokenizer.Train(Lines(2000, seed: 1), 600));
}
