using System.Runtime.ExceptionServices;

namespace Tongban.Provinces;

/// <summary>How a province answered, as a business matter. Faults are exceptions, not answers.</summary>
public enum AnswerKind
{
    /// <summary>Success: Value holds the result.</summary>
    Ok,
    /// <summary>The province has no such record (ZJ 96, SH 404, JX 2001, AH 4004).</summary>
    NoRecord,
    /// <summary>A business rule refused it, e.g. a certificate held by another case (SH 409, JX 2002, AH 4009; ZJ 96 on birth.mark-used).</summary>
    Refused,
}

/// <summary>An answer of any result type, by its kind (what the call metrics read).</summary>
public interface IProvinceAnswer
{
    AnswerKind Kind { get; }
}

[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "ProvinceAnswer<T>.NoRecord() and Refused() carry no value to infer T from; a non-generic factory would need the type argument all the same")]
public sealed record ProvinceAnswer<T>(AnswerKind Kind, T? Value, string? Reason) : IProvinceAnswer
{
    public bool IsOk => Kind == AnswerKind.Ok;

    public static ProvinceAnswer<T> Ok(T value) => new(AnswerKind.Ok, value, null);

    public static ProvinceAnswer<T> NoRecord(string? reason = null) => new(AnswerKind.NoRecord, default, reason ?? "no such record");

    public static ProvinceAnswer<T> Refused(string? reason) => new(AnswerKind.Refused, default, reason ?? "refused");
}

/// <summary>
/// A transient fault: province down, busy, rate limited, timed out, or a response that failed
/// verification. The caller retries later (after RetryAfter when the province said so).
/// </summary>
public class ProvinceTransientException(string province, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string Province { get; } = province;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>
    /// The same fault in other words (its message scrubbed), keeping the province, the retry hint, the cause and this
    /// throw's stack trace. The original is not kept as the cause: its message is what the rewording removes.
    /// </summary>
    public virtual ProvinceTransientException Reworded(string message) =>
        ProvinceFaults.KeepTrace(new ProvinceTransientException(Province, message, RetryAfter, InnerException), this);
}

/// <summary>
/// A defect: the province says our request is malformed or missing a parameter, or answered in a
/// way the contract does not allow. Retrying cannot help; the step fails and an operator looks.
/// </summary>
public class ProvinceDefectException(string province, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Province { get; } = province;

    /// <inheritdoc cref="ProvinceTransientException.Reworded"/>
    public ProvinceDefectException Reworded(string message) =>
        ProvinceFaults.KeepTrace(new ProvinceDefectException(Province, message, InnerException), this);
}

internal static class ProvinceFaults
{
    public static T KeepTrace<T>(T copy, Exception original) where T : Exception =>
        original.StackTrace is { } trace ? (T)ExceptionDispatchInfo.SetRemoteStackTrace(copy, trace) : copy;
}
