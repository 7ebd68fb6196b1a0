using Tongban.Provinces;

namespace Tongban.Tests.Provinces;

/// <summary>
/// Which calls the step handler may make from the case row as its process last wrote it (<see cref="CanonicalOperations.NeverWithheld"/>):
/// a call the hub may still undo or withhold after sending it must read the row first, where a compensation or a withdrawal shows.
/// </summary>
public sealed class CanonicalOperationsTests
{
    [Theory]
    [InlineData(CanonicalOperations.ResidentVerify)]
    [InlineData(CanonicalOperations.MaritalStatus)]
    [InlineData(CanonicalOperations.BirthVerify)]
    [InlineData(CanonicalOperations.StudentRecord)]
    [InlineData(CanonicalOperations.MarriageRegister)]
    [InlineData(CanonicalOperations.MaritalUpdate)]
    [InlineData(CanonicalOperations.TransferOutConfirm)]
    public void Queries_and_the_calls_after_an_irreversible_step_are_never_withheld(string operation) =>
        Assert.True(CanonicalOperations.NeverWithheld(operation));

    [Theory]
    [InlineData(CanonicalOperations.BirthMarkUsed)] // released when the case fails or is withdrawn
    [InlineData(CanonicalOperations.BirthRelease)]
    [InlineData(CanonicalOperations.TransferOutRequest)] // cancelled when the enrolment fails or the case is withdrawn
    [InlineData(CanonicalOperations.TransferOutCancel)]
    [InlineData(CanonicalOperations.StudentEnroll)] // withheld once a withdrawal is recorded
    [InlineData(CanonicalOperations.NewbornRegister)]
    public void A_call_the_hub_may_undo_or_withhold_reads_the_row_first(string operation) =>
        Assert.False(CanonicalOperations.NeverWithheld(operation));
}
