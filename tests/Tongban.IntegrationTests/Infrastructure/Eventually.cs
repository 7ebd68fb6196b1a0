namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Polls a condition that background work makes true, failing with a description when it does not in time.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {what}");
            await Task.Delay(25);
        }
    }
}
