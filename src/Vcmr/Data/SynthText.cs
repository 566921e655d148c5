namespace Vcmr.Data;

/// <summary>
/// Vocabulary of the synthetic corpus: concept names and sentence templates, so queries and subtitles read like TVR
/// ("A man in a suit points at the red cup and the laptop while talking about the wedding.").
/// A query token is tagged with the concept it names (or <see cref="Filler"/>), which fixes its feature direction.
/// Concept ids: visual concepts first, then speakers, then topics (<see cref="SpeakerId"/>, <see cref="TopicId"/>).
/// What is said is a (speaker, topic) pair, as TVR's subtitles carry the speaker's name and its queries name the
/// characters: with 10 x 12 pairs a dialogue is about as specific to a video as a pair of visual concepts is.
/// </summary>
internal static class SynthText
{
    public const int Filler = -1;

    public static readonly string[] Visual =
    [
        "red cup", "blue door", "green couch", "yellow taxi", "white dog", "black hat", "guitar", "laptop",
        "pizza box", "kitchen sink", "wine glass", "phone", "window", "staircase", "hospital bed", "coffee table",
    ];

    public static readonly string[] Speakers = ["Rachel", "Ross", "Sheldon", "Penny", "Castle", "Beckett", "House", "Wilson", "Meredith", "Ted"];

    public static readonly string[] Topics =
    [
        "the wedding", "a new job", "the rent", "her sister", "the surgery", "a birthday party", "the case", "a date",
        "the lawsuit", "the baby", "a promotion", "the apartment",
    ];

    /// <summary>Number of concept ids (and so of text feature directions besides the filler).</summary>
    public static int ConceptCount => Visual.Length + Speakers.Length + Topics.Length;

    public static int SpeakerId(int speaker) => Visual.Length + speaker;
    public static int TopicId(int topic) => Visual.Length + Speakers.Length + topic;

    private static readonly string[] Subjects =
        ["Someone", "A man", "A woman", "The doctor", "Two friends", "A man in a suit", "The detective"];
    private static readonly string[] Appearances = ["", "", "in a suit", "with a bag"];
    private static readonly string[] Actions = ["is near", "walks past", "points at", "looks at", "stands between", "reaches for"];
    private static readonly string[] Tails = ["", "", "before leaving", "and sits down"];
    private static readonly string[] Speech = ["tells", "asks", "reminds", "warns"];
    private static readonly string[] Listeners = ["her friend", "the others", "his boss", "everyone at the table"];
    private static readonly string[] Lines =
    [
        "I can't stop thinking about {0}.", "Did you hear about {0}?", "We need to talk about {0}.",
        "This is about {0}, isn't it?", "Forget about {0} for a second.",
    ];

    /// <summary>
    /// A query about visual concepts (v: "Ross points at the red cup and the laptop."), what is said (t: "Ross tells his
    /// boss about the rent.") or both (vt: "Ross ... while talking about the rent."). As in TVR, queries name the
    /// show's characters: a t or vt query names the event's speaker and ends with the topic; a v query names
    /// <paramref name="subject"/>, a character who speaks somewhere in the video but not necessarily in this event
    /// (so the name helps find the video, not the moment), or a generic subject when it is null.
    /// </summary>
    public static (string Text, int[] Tokens) Query(Random rng, QueryType type, int[] visual, int? subject, int speaker, int topic)
    {
        var words = new List<string>();
        var tokens = new List<int>();
        void Say(string text, int concept)
        {
            foreach (string w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries)) { words.Add(w); tokens.Add(concept); }
        }
        int? named = type == QueryType.V ? subject : speaker;
        if (named is int who)
        {
            Say(Speakers[who], SpeakerId(who));
            if (type != QueryType.T) Say(Pick(rng, Appearances), Filler);
        }
        else Say(Pick(rng, Subjects), Filler);
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
            Say(Topics[topic], TopicId(topic));
        }
        return (string.Join(' ', words) + ".", tokens.ToArray());
    }

    /// <summary>One cleaned subtitle sentence of a speaker about a topic, in the release's "Speaker : text" form.</summary>
    public static string SubtitleLine(Random rng, int speaker, int topic) =>
        $"{Speakers[speaker]} : {string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(rng, Lines), Topics[topic])}";

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
