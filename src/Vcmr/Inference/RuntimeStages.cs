using Vcmr.Models;

namespace Vcmr.Inference;

/// <summary>
/// Pipeline stages of a model known only at run time (e.g. rebuilt from a checkpoint by <c>Checkpoint.LoadModel</c>,
/// whose kind the caller does not name): <see cref="RetrieverStage.From{TIndex}"/> or
/// <see cref="LocalizerStage.From{TIndex}"/> with TIndex read off the model's interface.
/// </summary>
public static class RuntimeStages
{
    /// <summary>The first stage of <paramref name="model"/>; a model that is no <see cref="IVideoRetriever{TIndex}"/> is
    /// an error naming its type.</summary>
    public static RetrieverStage Retriever(object model) => Of<RetrieverStage>(model, typeof(IVideoRetriever<>), "a video retriever");

    /// <summary>The second stage of <paramref name="model"/>; a model that is no <see cref="IMomentLocalizer{TIndex}"/>
    /// is an error naming its type.</summary>
    public static LocalizerStage Localizer(object model) => Of<LocalizerStage>(model, typeof(IMomentLocalizer<>), "a moment localizer");

    private static TStage Of<TStage>(object model, Type face, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = model.GetType().GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == face)
            ?? throw new ArgumentException($"{model.GetType().Name} is not {what} ({face.Name.Split('`')[0]}<TIndex>)", nameof(model));
        var from = typeof(TStage).GetMethods().Single(m => m.Name == "From" && m.IsGenericMethodDefinition);
        return (TStage)from.MakeGenericMethod(found.GetGenericArguments()).Invoke(null, [model])!;
    }
}
