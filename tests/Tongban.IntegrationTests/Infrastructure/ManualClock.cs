namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>A clock the test moves by hand, so time windows are tested without waiting.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
