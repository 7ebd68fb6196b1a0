namespace Tongban.Provinces.Resilience;

/// <summary>
/// The call did not go out: the hub is holding back from the province, because its circuit is open
/// (the province looks down) or because our own per-province rate limit has no token left. Transient,
/// always with <see cref="ProvinceTransientException.RetryAfter"/>; it is no evidence about the province,
/// so it never counts as a failure of its own and should not spend an attempt of the step's retry budget.
/// </summary>
public sealed class ProvinceParkedException(string province, string message, TimeSpan retryAfter, Exception? inner = null)
    : ProvinceTransientException(province, message, retryAfter, inner)
{
    /// <summary>Never null for a parked call.</summary>
    public new TimeSpan RetryAfter => base.RetryAfter!.Value;

    public override ProvinceTransientException Reworded(string message) =>
        ProvinceFaults.KeepTrace(new ProvinceParkedException(Province, message, RetryAfter, InnerException), this);
}
