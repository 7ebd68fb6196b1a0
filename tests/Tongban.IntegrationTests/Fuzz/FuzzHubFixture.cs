using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Fuzz;

/// <summary>A hub of its own for the fuzz test (so its storage counts are its own), with rate limits out of the way.</summary>
public sealed class FuzzHubFixture : HubFixture
{
    public static readonly string[] PartnerCodes = ["330000", "310000", "360000", "340000"];

    protected override void Configure(Dictionary<string, string?> settings)
    {
        foreach (var code in PartnerCodes)
        {
            settings[$"Tongban:Partners:{code}:RateLimit:RequestsPerSecond"] = "100000";
            settings[$"Tongban:Partners:{code}:RateLimit:Burst"] = "100000";
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FuzzHubCollection : ICollectionFixture<FuzzHubFixture>
{
    public const string Name = "fuzz-hub";
}
