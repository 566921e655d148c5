namespace Vcmr.Data;

/// <summary>
/// Vocabulary of the synthetic corpus: concept names and sentence templates, so queries and subtitles read like TVR
/// ("A man in a suit points at the red cup and the laptop while talking about the wedding.").
/// A query token is tagged with the concept it names (or <see cref="Filler"/>), which fixes its feature direction.
/// </summary>
internal static class SynthText
{
    public const int Filler = -1;

    public static readonly string[] Visual =
    [
        "red cup", "blue door", "green couch", "yellow taxi", "white dog", "black hat", "guitar", "laptop",
        "pizza box", "kitchen sink", "wine glass", "phone", "window", "staircase", "hospital bed", "coffee table",
    ];

    public static readonly string[] Dialogue =
    [
        "the wedding", "a new job", "the rent", "her sister", "the surgery", "a birthday party", "the case", "a date",
    ];

    private static readonly string[] Subjects =
        ["Someone", "A man", "A woman", "The doctor", "Two friends", "A man in a suit", "The detective"];
    private static readonly string[] Actions = ["is near", "walks past", "points at", "looks at", "stands between", "reaches for"];
    private static readonly string[] Tails = ["", "", "before leaving", "and sits down"];
    private static readonly string[] Speech = ["tells", "asks", "reminds", "warns"];
    private static readonly string[] Listeners = ["her friend", "the others", "his boss", "everyone at the table"];
    private static readonly string[] Speakers = ["Rachel", "Ross", "Sheldon", "Penny", "Castle", "Beckett", "House", "Wilson", "Meredith", "Ted"];
    private static readonly string[] Lines =
    [
        "I can't stop thinking about {0}.", "Did you hear about {0}?", "We need to talk about {0}.",
        "This is about {0}, isn't it?", "Forget about {0} for a second.",
    ];

    /// <summary>A query about visual concepts (v), the dialogue concept (t) or both (vt); t and vt end with the dialogue concept.</summary>
    public static (string Text, int[] Tokens) Query(Random rng, QueryType type, int[] visual, int dialogue)
    {
        var words = new List<string>();
        var tokens = new List<int>();
        void Say(string text, int concept)
        {
            foreach (string w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries)) { words.Add(w); tokens.Add(concept); }
        }
        Say(Pick(rng, Subjects), Filler);
        if (type != QueryType.T)
        {
            Say(Pick(rng, Actions) + " the", Filler);
            Say(Visual[visual[0]], visual[0]);
            Say("and the", Filler);
            Say(Visual[visual[1]], visual[1]);
        }
        if (type == QueryType.V) Say(Pick(rng, Tails), Filler);
        else
        {
            Say(type == QueryType.VT ? "while talking about" : $"{Pick(rng, Speech)} {Pick(rng, Listeners)} about", Filler);
            Say(Dialogue[dialogue], Visual.Length + dialogue);
        }
        return (string.Join(' ', words) + ".", tokens.ToArray());
    }

    /// <summary>One cleaned subtitle sentence about a dialogue concept, in the release's "Speaker : text" form.</summary>
    public static string SubtitleLine(Random rng, int dialogue) =>
        $"{Pick(rng, Speakers)} : {string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(rng, Lines), Dialogue[dialogue])}";

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
