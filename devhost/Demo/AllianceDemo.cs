using System.Diagnostics;
using System.Globalization;
using Tongban.Client;
using Tongban.Configuration;

namespace Tongban.DevHost.Demo;

/// <summary>One demo case as it ended: what the table prints, and what the demo test checks.</summary>
public sealed record DemoOutcome(string Name, string CaseId, string CaseType, string HandlingProvince, IReadOnlyList<string> Provinces,
    string Expected, string Status, string? Detail, TimeSpan Duration);

/// <summary>
/// <c>dotnet run --project devhost -- --demo</c>: all three services across all four provinces, played by the four
/// partners through Tongban.Client (the library partners take), on citizens, birth certificates and students of the
/// sandbox population (../shared/data/sandbox-population.json), so each case ends the same way on every fresh run:
/// two marriages an officer approves and refuses, one withdrawn while it awaits the officer, two newborn registrations,
/// a school transfer the source school approves and one it refuses. Prints a table of outcomes, then where to look next.
/// </summary>
/// <param name="patience">How long one case may take before the demo gives up on it (<see cref="DefaultPatience"/> unless given).</param>
public sealed class AllianceDemo(Uri hub, TongbanOptions options, TextWriter output, TimeSpan? patience = null)
{
    /// <summary>How long one case may take at the console before the demo gives up on it (the sandbox's slow work is 2 s).</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(50);

    private readonly TimeSpan patience = patience ?? DefaultPatience;

    private enum Officer { None, Approve, Reject, Withdraw }

    private sealed record Scene(string Name, string Handling, Officer Officer, string Expected, Func<string, OpenCaseRequest> Request);

    public async Task<IReadOnlyList<DemoOutcome>> RunAsync(CancellationToken ct)
    {
        var run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var clients = Scenes().Select(scene => scene.Handling).Distinct().ToDictionary(
            code => code, code => TongbanClient.Create(hub, TongbanCredentials.Partner(code, options.Partners[code].Secret)));
        try
        {
            output.WriteLine("Demo: the four partners open seven cases through Tongban.Client (ID numbers are masked in every answer).");
            var outcomes = await Task.WhenAll(Scenes().Select(scene => PlayAsync(clients[scene.Handling], scene, run, ct)));
            PrintTable(outcomes);
            return outcomes;
        }
        finally
        {
            foreach (var client in clients.Values) client.Dispose();
        }
    }

    /// <summary>Where a partner's engineer goes next: the operators' console and the API reference on this hub.</summary>
    public void PrintNextSteps()
    {
        var root = hub.AbsoluteUri.TrimEnd('/');
        output.WriteLine($"Console (operators):   {root}/api/console/");
        output.WriteLine($"API reference:         {root}/api/v1/reference  (OpenAPI document: {root}/api/v1/openapi.json)");
    }

    private async Task<DemoOutcome> PlayAsync(TongbanClient partner, Scene scene, string run, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var opened = await partner.OpenCaseAsync(scene.Request($"DEMO-{run}-{scene.Name}"), ct: ct);
        var caseId = opened.Case.CaseId;
        var view = opened.Case;
        if (scene.Officer != Officer.None)
        {
            view = await partner.WaitForAsync(caseId, c => c.Status == CaseStatuses.AwaitingReview, patience, ct: ct);
            if (view.Status == CaseStatuses.AwaitingReview)
            {
                view = scene.Officer switch
                {
                    Officer.Approve => await partner.DecideAsync(caseId, new Decision("officer-review", Decision.Approve, $"OFFICER-{scene.Handling}-07", "documents in order"), ct),
                    Officer.Reject => await partner.DecideAsync(caseId, new Decision("officer-review", Decision.Reject, $"OFFICER-{scene.Handling}-12", "the parties did not appear"), ct),
                    _ => await partner.WithdrawAsync(caseId, "the applicants asked to withdraw", ct),
                };
            }
        }

        view = await partner.WaitForAsync(caseId, c => c.IsFinal, patience, ct: ct);
        var provinces = view.InvolvedProvinces.Prepend(view.HandlingProvince).Distinct().ToList();
        return new DemoOutcome(scene.Name, caseId, view.CaseType, view.HandlingProvince, provinces, scene.Expected, view.Status, Detail(view), clock.Elapsed);
    }

    private static string? Detail(CaseView view) => view.Outcome switch
    {
        { Reason: { } reason } => reason,
        { CertificateNo: { } certificate } => "certificate " + certificate,
        { HouseholdNo: { } household } => "household " + household + (view.Outcome.ChildIdNumber is { } id ? ", child " + id : ""),
        { TransferId: { } transfer } => "transfer " + transfer,
        _ => null,
    };

    private void PrintTable(DemoOutcome[] outcomes)
    {
        output.WriteLine();
        output.WriteLine($"{"case",-34} {"type",-22} {"provinces",-22} {"outcome",-44} {"duration",8}");
        foreach (var o in outcomes)
        {
            var provinces = o.HandlingProvince + " <- " + string.Join(",", o.Provinces.Where(p => p != o.HandlingProvince));
            var outcome = o.Status + (o.Detail is null ? "" : $" ({o.Detail})");
            if (outcome.Length > 44) outcome = outcome[..43] + "…";
            output.WriteLine($"{o.CaseId,-34} {o.CaseType,-22} {provinces,-22} {outcome,-44} {o.Duration.TotalSeconds,7:F1}s");
        }

        var unexpected = outcomes.Where(o => o.Status != o.Expected).ToList();
        output.WriteLine(unexpected.Count == 0
            ? $"{outcomes.Length} cases, each ended as planned: {string.Join(", ", outcomes.GroupBy(o => o.Status).Select(g => $"{g.Count()} {g.Key}"))}."
            : "Not as planned: " + string.Join("; ", unexpected.Select(o => $"{o.Name} ended {o.Status}, expected {o.Expected}")));
    }

    /// <summary>The seven cases; people, certificates and students from the sandbox population.</summary>
    private static IEnumerable<Scene> Scenes()
    {
        // Marriages: the registry is in the handling province, the parties' hukou in two provinces.
        yield return new("marriage-approved", "310000", Officer.Approve, CaseStatuses.Completed, r => Marriage(r, "310000", "310115",
            new Person("330106200006179053", "邓远晨", "330000"), new Person("310115199608199825", "闫丽红", "310000")));
        yield return new("marriage-refused", "360000", Officer.Reject, CaseStatuses.Rejected, r => Marriage(r, "360000", "360111",
            new Person("360111199509162713", "余涵", "360000"), new Person("340104199308043905", "田子磊", "340000")));
        yield return new("marriage-withdrawn", "340000", Officer.Withdraw, CaseStatuses.Withdrawn, r => Marriage(r, "340000", "340104",
            new Person("34010419940418613X", "雷军", "340000"), new Person("310104198708114602", "杜文", "310000")));

        // Newborns born in one province, registered with the mother where her hukou is.
        yield return new("newborn-anhui", "340000", Officer.None, CaseStatuses.Completed, r => Newborn(r, "340000", "340102",
            new Child("蔡英刚", "female", new DateOnly(2026, 11, 11)), "Q315763948", "310000", new Person("340102200102267965", "蔡杰轩", "340000")));
        yield return new("newborn-zhejiang", "330000", Officer.None, CaseStatuses.Completed, r => Newborn(r, "330000", "330212",
            new Child("白梅琪", "female", new DateOnly(2026, 10, 9)), "P368594862", "360000", new Person("330212198802144081", "白海红", "330000")));

        // School transfers: the source school decides (the sandbox's transferOutDecision).
        yield return new("transfer-approved", "360000", Officer.None, CaseStatuses.Completed, r => Transfer(r, "360000", "3601020002",
            new Student("G340102201205181333", "叶梅思", "340102201205181333"), "340000", "3401027798", 8));
        yield return new("transfer-refused", "310000", Officer.None, CaseStatuses.Rejected, r => Transfer(r, "310000", "3101150002",
            new Student("G330212201211093803", "马俊", "330212201211093803"), "330000", "3302126739", 8));
    }

    private static OpenCaseRequest Marriage(string reference, string handling, string registry, Person man, Person woman) =>
        new(CaseTypes.Marriage, reference, handling, new MarriageDetails(registry, man, woman));

    private static OpenCaseRequest Newborn(string reference, string handling, string division, Child child, string certificate, string birthProvince, Person mother) =>
        new(CaseTypes.Newborn, reference, handling, new NewbornDetails(child, certificate, birthProvince, "mother", mother, null, division));

    private static OpenCaseRequest Transfer(string reference, string handling, string targetSchool, Student student, string source, string sourceSchool, int grade) =>
        new(CaseTypes.SchoolTransfer, reference, handling, new SchoolTransferDetails(student, source, sourceSchool, targetSchool, grade, "family-relocation"));
}
