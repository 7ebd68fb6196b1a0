using System.Globalization;
using Tongban.Cases;
using Tongban.Workflows;
using Ops = Tongban.Workflows.Operations;
using Tongban.Workflows.Steps;
using static Tongban.Tests.Workflows.WorkflowTestHost;

namespace Tongban.Tests.Workflows;

/// <summary>The marriage workflow from verification to marital.update: the paths that reach registration.</summary>
public class MarriageRegistrationCompletionTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private static string BeijingToday() =>
        DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Completes_with_a_certificate_when_both_parties_are_free_and_the_officer_approves()
    {
        var before = BeijingToday();
        var caseId = await host.StartAsync(Marriage(NewCaseId("happy")));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var after = BeijingToday();

        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Equal(FakeProvinces.CertificateNo, outcome!.CertificateNo);
        Assert.Contains(outcome.RegisteredOn, new[] { before, after });
        Assert.Null(outcome.Reason);
        Assert.Equal(
        [
            "dispatch InProgress resident.verify/partyA#1,marital.status/partyA#1,resident.verify/partyB#1,marital.status/partyB#1",
            "progress AwaitingReview officer-review:Waiting",
            "progress InProgress officer-review:Succeeded",
            "irreversible register-marriage",
            "dispatch marriage.register/#1",
            "progress outcome",
            "dispatch marital.update/partyA#1,marital.update/partyB#1",
            "progress Completed outcome",
        ], host.Recorder.Trace(caseId));
        var updates = host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalUpdate).ToList();
        Assert.Equal([(Zhejiang, "partyA"), (Shanghai, "partyB")], updates.Select(i => (i.Province, i.Subject!)));
        Assert.All(updates, i => Assert.Equal(StepNames.UpdateMaritalStatus, i.StepName));
        var register = Assert.Single(host.Recorder.Dispatched(caseId), i => i.Operation == Ops.MarriageRegister);
        Assert.Equal(Shanghai, register.Province);
    }
}
