using System.Globalization;
using Tongban.Cases;
using Tongban.Provinces;
using Tongban.Storage;

namespace Tongban.Workflows.Steps;

/// <summary>
/// Turns a queued step into the canonical province call, built from the case's (decrypted) details,
/// and the province's answer into a <see cref="StepResult"/> that carries no ID number.
/// Transient faults propagate, so the queue retries the message.
/// </summary>
public sealed class ProvinceStepInvoker(ProvinceRegistry provinces)
{
    public async Task<StepResult> InvokeAsync(StoredCase stored, ProvinceWorkItem item, CancellationToken ct)
    {
        var adapter = provinces.Adapter(item.Province);
        try
        {
            return item.Operation switch
            {
                Operations.ResidentVerify => Map(await adapter.VerifyResidentAsync(PartyOf(stored, item).ToPerson(), ct), r => new()
                {
                    ["match"] = r.Match ? "true" : "false",
                    ["residentStatus"] = Wire(r.ResidentStatus),
                    ["hukouDivision"] = r.HukouDivision ?? "",
                }),
                Operations.MaritalStatus => Map(await adapter.GetMaritalStatusAsync(PartyOf(stored, item).ToPerson(), ct), r => new()
                {
                    ["maritalStatus"] = Wire(r.MaritalStatus),
                }),
                Operations.MarriageRegister => Map(await adapter.RegisterMarriageAsync(Registration(stored), ct), r => new()
                {
                    ["certificateNo"] = r.CertificateNo,
                }),
                Operations.MaritalUpdate => Map(await adapter.UpdateMaritalStatusAsync(MaritalUpdateFor(stored, item), ct), _ => []),
                _ => throw new NotSupportedException($"Operation {item.Operation} is not known."),
            };
        }
        catch (ProvinceDefectException e)
        {
            return new StepResult(StepOutcome.Failed, $"defect: {e.Message}");
        }
    }

    private static StepResult Map<T>(ProvinceAnswer<T> answer, Func<T, Dictionary<string, string>> data) => answer.Kind switch
    {
        AnswerKind.Ok => new StepResult(StepOutcome.Succeeded, null, data(answer.Value!)),
        AnswerKind.NoRecord => new StepResult(StepOutcome.NoRecord, answer.Reason),
        _ => new StepResult(StepOutcome.Refused, answer.Reason),
    };

    private static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    private static MarriageDetails Marriage(StoredCase stored) =>
        stored.Command.Marriage ?? throw new InvalidOperationException($"Case {stored.Record.CaseId} has no marriage details.");

    private static Party PartyOf(StoredCase stored, ProvinceWorkItem item) => item.Subject switch
    {
        "partyA" => Marriage(stored).PartyA,
        "partyB" => Marriage(stored).PartyB,
        _ => throw new InvalidOperationException($"Unknown subject {item.Subject}."),
    };

    private static MarriageRegistration Registration(StoredCase stored)
    {
        var details = Marriage(stored);
        return new MarriageRegistration(details.RegistryCode, details.PartyA.ToPerson(), details.PartyB.ToPerson(), stored.Record.CaseId);
    }

    private static MaritalUpdate MaritalUpdateFor(StoredCase stored, ProvinceWorkItem item)
    {
        var details = Marriage(stored);
        var (self, spouse) = item.Subject == "partyA" ? (details.PartyA, details.PartyB) : (details.PartyB, details.PartyA);
        var outcome = stored.Record.Outcome ?? throw new InvalidOperationException("marital.update before the marriage was registered.");
        return new MaritalUpdate(self.IdNumber, self.Name, Provinces.MaritalStatus.Married,
            outcome.CertificateNo ?? throw new InvalidOperationException("No certificate number."),
            spouse.IdNumber, DateOnly.ParseExact(outcome.RegisteredOn!, "yyyy-MM-dd", CultureInfo.InvariantCulture));
    }
}
