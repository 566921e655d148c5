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

    /// <summary>The VCMR pipeline of <paramref name="model"/>: its own two stages (XML), or it as the second stage over
    /// <paramref name="firstStage"/> (a retriever of the suite or given candidates). A second stage without a first is an
    /// error saying so; a model that is only a first stage has no pipeline (see <see cref="IsLocalizer"/>).</summary>
    public static VcmrPipeline Pipeline(object model, CorpusInferenceOptions options, RetrieverStage? firstStage = null)
    {
        var localizer = Localizer(model);
        if (firstStage is null && !IsRetriever(model))
            throw new ArgumentException($"a '{Kind(model)}' model is a second stage only: it needs a first stage (a retriever's checkpoint or a ranklist of candidates)");
        return new VcmrPipeline(firstStage ?? Retriever(model), localizer, options);
    }

    /// <summary>
    /// The training run of <paramref name="model"/>: on paired in-batch batches when it trains on them (see the overload
    /// without candidates), or, for a second stage trained on first-stage candidates (<see cref="ITrainable{TBatch}"/> of
    /// <see cref="CandidateTrainingBatch"/>), on <see cref="CandidateBatches"/> of <paramref name="candidates"/>, validated
    /// every epoch by its pipeline over the validation candidates (stops on <see cref="ExperimentOptions.Stop"/>).
    /// </summary>
    public static TrainingPlan Plan(nn.Module model, TvrData data, ExperimentOptions options, FirstStageCandidates? candidates)
    {
        if (model is not ITrainable<CandidateTrainingBatch> trainable) return Plan(model, data, options);
        options.Validate();
        if (candidates is null)
            throw new ArgumentException($"a '{Kind(model)}' model trains on a first stage's candidates: give the first stage");
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        var batches = new CandidateBatches(data, options.TrainSplit, candidates.Train, candidates.Sampling, options.BatchSize, options.Trainer.Seed,
            candidates.Queries);
        var validation = Validation.Vcmr(Pipeline(model, options.Inference, RetrieverStage.From(candidates.Val)), data, options.ValSplit, options.Stop);
        return TrainingPlan.Of(model, batches, trainable.Loss, validation, options.Trainer);
    }

    /// <summary>
    /// The training run of a model that trains on paired in-batch batches (<see cref="ITrainable{TBatch}"/> of
    /// <see cref="TrainingBatch"/>) of <see cref="ExperimentOptions.TrainSplit"/>, validated after every epoch on
    /// <see cref="ExperimentOptions.ValSplit"/>: by its whole pipeline when it is both stages (XML; stops on
    /// <see cref="ExperimentOptions.Stop"/>), by its video ranking when it is a retriever only (stops on VR R@1 + R@5 +
    /// R@10 + R@100 unless the options name another metric than the VCMR default). Feature widths are checked first.
    /// </summary>
    public static TrainingPlan Plan(nn.Module model, TvrData data, ExperimentOptions options)
    {
        options.Validate();
        if (model is not ITrainable<TrainingBatch> trainable)
            throw new ArgumentException($"a '{Kind(model)}' model does not train on paired in-batch batches (ITrainable<TrainingBatch>): " +
                "train it with its own batch source through VcmrExperiment.Train (docs/model-seams.md)");
        if (model is IFeatureWidths widths) data.RequireWidths(widths);
        var batches = new PairedBatches(data, options.TrainSplit, options.BatchSize, options.Trainer.Seed);
        Validation validation = IsLocalizer(model)
            ? Validation.Vcmr(Pipeline(model, options.Inference), data, options.ValSplit, options.Stop)
            : Validation.Retrieval(Retriever(model), data, options.ValSplit,
                stop: ReferenceEquals(options.Stop, StopMetric.Vcmr) ? StopMetric.VrRecallSum : options.Stop);
        return TrainingPlan.Of(model, batches, trainable.Loss, validation, options.Trainer);
    }

    private static string Kind(object model) => (model as IConfiguredModel)?.Kind ?? model.GetType().Name;

    // The generic From(IStage<TIndex>) overload of a stage factory whose stage interface the model implements, with
    // the model's TIndex; null when it implements none.
    private static MethodInfo? Factory(Type factory, object model)
    {
        var interfaces = model.GetType().GetInterfaces().Where(i => i.IsGenericType).ToList();
        foreach (var from in factory.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "From" && m.IsGenericMethodDefinition))
        {
            var stage = from.GetParameters()[0].ParameterType.GetGenericTypeDefinition();
            if (interfaces.FirstOrDefault(i => i.GetGenericTypeDefinition() == stage) is { } implemented)
                return from.MakeGenericMethod(implemented.GetGenericArguments()[0]);
        }
        return null;
    }

    private static object Invoke(Type factory, object model, string what)
    {
        var from = Factory(factory, model) ?? throw new ArgumentException($"a '{Kind(model)}' model is not {what}", nameof(model));
        try
        {
            return from.Invoke(null, [model])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

/// <summary>What a second stage trains on: its first stage's candidates on the training and validation splits, how
/// negatives are drawn from them, and the training queries kept (null: all).</summary>
public sealed record FirstStageCandidates(VideoCandidates Train, VideoCandidates Val, NegativeSampling Sampling, IReadOnlyList<TvrQuery>? Queries = null);
