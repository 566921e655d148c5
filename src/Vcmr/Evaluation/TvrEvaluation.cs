using Vcmr.Data;
using Vcmr.Inference;

namespace Vcmr.Evaluation;

/// <summary>The file-level entry point, as <c>eval.py --submission_path --gt_path --save_path</c>.</summary>
public static class TvrEvaluation
{
    /// <summary>Reads a submission and a GT jsonl, evaluates every task present and, if asked, saves the result atomically.</summary>
    public static TvrEvalResult EvaluateFiles(string submissionPath, string gtPath, string? savePath = null)
    {
        var submission = SubmissionJson.Read(submissionPath);
        var gt = TvrAnnotations.Read(gtPath);
        TvrEvalResult result;
        try
        {
            result = TvrMetrics.Evaluate(submission, gt);
        }
        catch (Exception e) when (e is DataFormatException or ArgumentException)
        {
            throw new DataFormatException($"{submissionPath} against {gtPath}: {e.Message}", e);
        }
        if (savePath != null) result.Save(savePath);
        return result;
    }
}
