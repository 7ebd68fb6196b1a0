using System.Text.Json;
using Tongban.Provinces;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.Tests.Workflows;

/// <summary>What goes on a province queue: a step, or a province's queries bundled (<see cref="ProvinceStepQueue.Bundles"/>).</summary>
public sealed class ProvinceStepMessageTests
{
    private static ProvinceStep Step(string name, string subject, string operation, string province) =>
        new("c-1", name, subject, operation, province, 1);

    [Fact]
    public void A_dispatchs_queries_for_one_province_are_bundled_and_every_other_step_goes_alone()
    {
        var aVerify = Step("verify-resident", "partyA", CanonicalOperations.ResidentVerify, "330000");
        var aStatus = Step("check-marital-status", "partyA", CanonicalOperations.MaritalStatus, "330000");
        var bVerify = Step("verify-resident", "partyB", CanonicalOperations.ResidentVerify, "310000");
        var bStatus = Step("check-marital-status", "partyB", CanonicalOperations.MaritalStatus, "310000");
        var updateA = Step("update-marital-status", "partyA", CanonicalOperations.MaritalUpdate, "330000");
        var updateB = Step("update-marital-status", "partyB", CanonicalOperations.MaritalUpdate, "330000");

        var bundles = ProvinceStepQueue.Bundles([aVerify, bVerify, updateA, aStatus, bStatus, updateB]);

        Assert.Equal(new[] { new[] { aVerify, aStatus }, [bVerify, bStatus], [updateA], [updateB] }, bundles.Select(b => b.ToArray()));
        Assert.Equal(new[] { new[] { aVerify } }, ProvinceStepQueue.Bundles([aVerify]).Select(b => b.ToArray()));
    }

    [Fact]
    public void A_message_reads_back_as_the_step_or_the_bundle_it_was_written_as()
    {
        var verify = Step("verify-resident", "partyA", CanonicalOperations.ResidentVerify, "330000") with { Together = ["a", "b"], TraceParent = "00-x-y-01" };
        var status = Step("check-marital-status", "partyA", CanonicalOperations.MaritalStatus, "330000");

        Assert.Equal([verify], ProvinceStepQueue.Read(TongbanJson.Serialize(verify)), StepComparer.Instance);
        Assert.Equal([verify, status], ProvinceStepQueue.Read(TongbanJson.Serialize(new[] { verify, status })), StepComparer.Instance);
        Assert.Equal([status], ProvinceStepQueue.Read("  " + TongbanJson.Serialize(new[] { status })), StepComparer.Instance);
    }

    [Fact]
    public void A_message_with_no_step_or_not_a_step_is_refused()
    {
        Assert.Throws<FormatException>(() => ProvinceStepQueue.Read("[]"));
        Assert.ThrowsAny<JsonException>(() => ProvinceStepQueue.Read("[1, 2]"));
        Assert.ThrowsAny<JsonException>(() => ProvinceStepQueue.Read("null"));
    }

    /// <summary>Steps equal by their fields and their batch's keys (the record's own equality compares the list by reference).</summary>
    private sealed class StepComparer : IEqualityComparer<ProvinceStep>
    {
        public static readonly StepComparer Instance = new();

        public bool Equals(ProvinceStep? x, ProvinceStep? y) =>
            x is not null && y is not null && x with { Together = null, Then = null } == y with { Together = null, Then = null }
            && (x.Together ?? []).SequenceEqual(y.Together ?? []);

        public int GetHashCode(ProvinceStep obj) => obj.StepKey.GetHashCode(StringComparison.Ordinal);
    }
}
