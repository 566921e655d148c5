using System.Reflection;
using Vcmr.Data;
using Vcmr.Inference;
using Vcmr.Models;
using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Experiments;

/// <summary>
/// Pipeline stages, pipelines and training plans of a model known only as an object (a model rebuilt from a file by
/// its kind): the stage interfaces are generic in the model's index type, which this finds on the model's type, so a
/// front end (the command line) runs every registered kind without naming its types.
/// </summary>
public static class AnyModel
{
    /// <summary>True when <paramref name="model"/> can be a first stage (<see cref="RetrieverStage"/>).</summary>
    public static bool IsRetriever(object model) => Factory(typeof(RetrieverStage), model) is not null;

    /// <summary>True when <paramref name="model"/> can be a second stage (<see cref="LocalizerStage"/>).</summary>
    public static bool IsLocalizer(object model) => Factory(typeof(LocalizerStage), model) is not null;

    /// <summary>The first stage of <paramref name="model"/> (<see cref="RetrieverStage.From{TIndex}(IVideoRetriever{TIndex})"/>).</summary>
    public static RetrieverStage Retriever(object model) => (RetrieverStage)Invoke(typeof(RetrieverStage), model, "a video retriever (first stage)");

    /// <summary>The second stage of <paramref name="model"/> (a <c>LocalizerStage.From</c> overload the model fits).</summary>
    public static LocalizerStage Localizer(object model) => (LocalizerStage)Invoke(typeof(LocalizerStage), model, "a moment localizer (second stage)");

    /// <summary>True when <paramref name="model"/> ranks whole moments (<see cref="IMomentRanker{TIndex}"/>: CAL, MCN),
    /// which it can do among every video of the corpus when no first stage is given.</summary>
    public static bool IsRanker(object model) => Implemented(model, typeof(IMomentRanker<>)) is not null;

    /// <summary>True when <paramref name="model"/> is a second stage that cannot run without a first (CONQUER, ExCL, PREM's
    /// localizer): neither its own retriever nor a ranker of every video.</summary>
    public static bool NeedsFirstStage(object model) => IsLocalizer(model) && !IsRetriever(model) && !IsRanker(model);

    /// <summary>The VCMR pipeline of <paramref name="model"/>: its own two stages (XML), or it as the second stage over
    /// <paramref name="firstStage"/> (a retriever of the suite or given candidates), or a moment ranker over every video
    /// of the corpus (<see cref="RetrieverStage.EveryVideo"/>) when no first stage is given. A second stage that needs a
    /// first (<see cref="NeedsFirstStage"/>) without one is an error saying so; a model that is only a first stage has
    /// no pipeline (see <see cref="IsLocalizer"/>).</summary>
    public static VcmrPipeline Pipeline(object model, CorpusInferenceOptions options, RetrieverStage? firstStage = null)
    {
        var localizer = Localizer(model);
        if (firstStage is null && NeedsFirstStage(model))
            throw new ArgumentException($"a '{Kind(model)}' model is a second stage only: it needs a first stage (a retriever's checkpoint or a ranklist of candidates)");
        return new VcmrPipeline(firstStage ?? (IsRetriever(model) ? Retriever(model) : RetrieverStage.EveryVideo), localizer, options);
    }

    /// <summary>
    /// The training run of <paramref name="model"/>, by the batch kind it trains on: <see cref="CandidateBatches"/> of the
    /// first stage's training candidates for a second stage trained on them (<see cref="ITrainable{TBatch}"/> of
    /// <see cref="CandidateTrainingBatch"/>: CONQUER, PREM's localizer); its own batches for a model with its own batch
    /// kind (<see cref="IOwnBatchSource{TBatch}"/>: CAL, MCN); paired in-batch batches otherwise (see the overload
    /// without candidates). A second stage is validated every epoch by its pipeline over the first stage's validation
    /// candidates (a moment ranker without them over every video), stopping on <see cref="ExperimentOptions.Stop"/>.
    /// </summary>
    public static TrainingPlan Plan(nn.Module model, TvrData data, ExperimentOptions options, FirstStageCandidates? candidates)
    {
        options.Validate();
        var firstStage = candidates is null ? null : RetrieverStage.From(candidates.Val);
        if (model is ITrainable<CandidateTrainingBatch> trainable)
        {
            if (candidates is not { Train: { } train, Sampling: { } sampling })
                throw new ArgumentException($"a '{Kind(model)}' model trains on a first stage's candidates: give the first stage");
            if (model is IFeatureWidths widths) data.RequireWidths(widths);
            var batches = new CandidateBatches(data, options.TrainSplit, train, sampling, options.BatchSize, options.Trainer.Seed,
                candidates.Queries);
            var validation = Validation.Vcmr(Pipeline(model, options.Inference, firstStage), data, options.ValSplit, options.Stop);
            return TrainingPlan.Of(model, batches, trainable.Loss, validation, options.Trainer);
        }
        if (Implemented(model, typeof(IOwnBatchSource<>)) is { } own)
            return (TrainingPlan)Call(typeof(AnyModel).GetMethod(nameof(OwnPlan), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(own.GetGenericArguments()[0]), model, data, options, firstStage);
        return Paired(model, data, options, firstStage);
    }

    /// <summary>
    /// The training run of a model that trains on paired in-batch batches (<see cref="ITrainable{TBatch}"/> of
    /// <see cref="TrainingBatch"/>) of <see cref="ExperimentOptions.TrainSplit"/>, validated after every epoch on
    /// <see cref="ExperimentOptions.ValSplit"/>: by its whole pipeline when it is both stages (XML; stops on
    /// <see cref="ExperimentOptions.Stop"/>), by its video ranking when it is a retriever only (stops on VR R@1 + R@5 +
    /// R@10 + R@100 unless the options name another metric than the VCMR default). Feature widths are checked first.
    /// </summary>
    public static TrainingPlan Plan(nn.Module model, TvrData data, ExperimentOptions options) => Plan(model, data, options, null);

    // Paired in-batch batches; a second stage (ExCL) is validated over the given first stage.
    private static TrainingPlan Paired(nn.Module model, TvrData data, ExperimentOptions options, RetrieverStage? firstStage)
    {
        if (model is not ITrainable<TrainingBatch> trainable)
            throw new ArgumentException($"a '{Kind(model)}' model does not train on paired in-batch batches (ITrainable<TrainingBatch>): " +
                "train it with its own batch source through VcmrExperiment.Train (docs/model-seams.md)");
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        var batches = new PairedBatches(data, options.TrainSplit, options.BatchSize, options.Trainer.Seed);
        Validation validation = IsLocalizer(model)
            ? Validation.Vcmr(Pipeline(model, options.Inference, firstStage), data, options.ValSplit, options.Stop)
            : Validation.Retrieval(Retriever(model), data, options.ValSplit,
                stop: ReferenceEquals(options.Stop, StopMetric.Vcmr) ? StopMetric.VrRecallSum : options.Stop);
        return TrainingPlan.Of(model, batches, trainable.Loss, validation, options.Trainer);
    }

    private static TrainingPlan OwnPlan<TBatch>(IOwnBatchSource<TBatch> model, TvrData data, ExperimentOptions options, RetrieverStage? firstStage)
        where TBatch : ITrainingBatch
    {
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        var batches = model.TrainingBatches(data, options.TrainSplit, options.BatchSize, options.Trainer.Seed);
        var validation = Validation.Vcmr(Pipeline(model, options.Inference, firstStage), data, options.ValSplit, options.Stop);
        return TrainingPlan.Of((nn.Module)(object)model, batches, model.Loss, validation, options.Trainer);
    }

    private static string Kind(object model) => (model as IConfiguredModel)?.Kind ?? model.GetType().Name;

    // The generic From(IStage<TIndex>) overload of a stage factory whose stage interface the model implements, with
    // the model's TIndex; null when it implements none.
    private static MethodInfo? Factory(Type factory, object model)
    {
        foreach (var from in factory.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "From" && m.IsGenericMethodDefinition))
            if (Implemented(model, from.GetParameters()[0].ParameterType.GetGenericTypeDefinition()) is { } implemented)
                return from.MakeGenericMethod(implemented.GetGenericArguments()[0]);
        return null;
    }

    // The closed generic interface of definition <paramref name="definition"/> the model implements, or null.
    private static Type? Implemented(object model, Type definition) =>
        model.GetType().GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);

    private static object Invoke(Type factory, object model, string what) =>
        Call(Factory(factory, model) ?? throw new ArgumentException($"a '{Kind(model)}' model is not {what}", nameof(model)), model);

    // A reflected call that throws what the method threw (with its stack), not a TargetInvocationException.
    private static object Call(MethodInfo method, params object?[] args)
    {
        try
        {
            return method.Invoke(null, args)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}

/// <summary>What a second stage trains and validates on: its first stage's candidates on the training split (null for a
/// kind that trains without them and only validates over a first stage, ExCL), how negatives are drawn from them, the
/// training queries kept (null: all), and the candidates on the validation split.</summary>
public sealed record FirstStageCandidates(VideoCandidates? Train, VideoCandidates Val, NegativeSampling? Sampling = null, IReadOnlyList<TvrQuery>? Queries = null);
