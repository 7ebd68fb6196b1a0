using System.Globalization;
using Tongban.Cases;
using Tongban.Cases.Identity;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;
using Tongban.Security;
using Tongban.Storage;
using Tongban.Telemetry;

namespace Tongban.Workflows.Dispatch;

/// <summary>
/// Turns a queued step into the canonical province call, built from the case's (decrypted) details,
/// and the province's answer into a <see cref="StepResult"/> that carries no ID number or name in clear.
/// Transient faults propagate, so the queue retries the message.
/// Province text is scrubbed in two layers: the registry's adapters (<see cref="ScrubbedProvinceAdapter"/>) mask ID
/// numbers in everything a province says; this layer, the first that knows whose case it is, masks the case's people's
/// names (<see cref="PersonNameMask"/>) in reasons, defect details and transient fault messages.
/// </summary>
public sealed class ProvinceStepInvoker(ProvinceRegistry provinces)
{
    public async Task<StepResult> InvokeAsync(StoredCase stored, ProvinceStep item, CancellationToken ct)
    {
        var names = PersonNameMask.For(stored.Command);
        using var span = Telemetry.CaseSpans.Call(item, stored.Record.CaseType);
        try
        {
            var result = await CallAsync(stored, item, ct);
            span.WithOutcome(result.Outcome.ToString());
            return result with { Reason = names.Apply(result.Reason) };
        }
        catch (ProvinceDefectException e)
        {
            span.WithOutcome("defect", error: true);
            return new StepResult(StepOutcome.Failed, names.Apply($"defect: {e.Message}"));
        }
        catch (ProvinceParkedException)
        {
            span.WithOutcome("parked");
            throw;
        }
        catch (ProvinceTransientException e)
        {
            span.WithOutcome("transient", error: true);
            if (names.Apply(e.Message) == e.Message) throw;
            // Logged by the queue's host and the poller: the same fault, without the names.
            throw e.Reworded(names.Apply(e.Message)!);
        }
    }

    /// <summary>The result of slow work as a step result, its reason without the names of the case's people (when the case is known).</summary>
    public static StepResult FromSlowWork(string operation, SlowWorkResult result, OpenCaseCommand? command)
    {
        var step = FromSlowWork(operation, result);
        return command is null ? step : step with { Reason = PersonNameMask.For(command).Apply(step.Reason) };
    }

    private async Task<StepResult> CallAsync(StoredCase stored, ProvinceStep item, CancellationToken ct)
    {
        var adapter = provinces.Adapter(item.Province);
        var command = stored.Command;
        var caseId = stored.Record.CaseId;
        return item.Operation switch
        {
            CanonicalOperations.ResidentVerify => Map(await adapter.VerifyResidentAsync(PersonOf(command, item), ct),
                r => new ResidentCheck(r.Match, Wire(r.ResidentStatus), r.HukouDivision ?? "")),
            CanonicalOperations.MaritalStatus => Map(await adapter.GetMaritalStatusAsync(PersonOf(command, item), ct),
                r => new MaritalStatusCheck(Wire(r.MaritalStatus))),
            CanonicalOperations.MarriageRegister => Map(await adapter.RegisterMarriageAsync(Registration(command, caseId), ct),
                r => new MarriageRegistered(r.CertificateNo)),
            CanonicalOperations.MaritalUpdate => Ack(await adapter.UpdateMaritalStatusAsync(MaritalUpdateFor(stored, item), ct)),
            CanonicalOperations.BirthVerify => await VerifyBirthAsync(adapter, Newborn(command), ct),
            CanonicalOperations.BirthMarkUsed => Ack(await adapter.MarkBirthCertificateUsedAsync(new(Newborn(command).BirthCertificateNo, caseId), ct)),
            CanonicalOperations.BirthRelease => Ack(await adapter.ReleaseBirthCertificateAsync(new(Newborn(command).BirthCertificateNo, caseId), ct)),
            CanonicalOperations.NewbornRegister => Slow(await adapter.RegisterNewbornAsync(NewbornRegistration(command, caseId), ct)),
            CanonicalOperations.StudentRecord => await CheckStudentAsync(adapter, Transfer(command), ct),
            CanonicalOperations.TransferOutRequest => Slow(await adapter.RequestTransferOutAsync(new(Transfer(command).Student.StudentNo,
                Transfer(command).TargetSchoolCode, Transfer(command).Reason, caseId), ct)),
            CanonicalOperations.StudentEnroll => Ack(await adapter.EnrollStudentAsync(new(Transfer(command).Student.StudentNo,
                Transfer(command).TargetSchoolCode, Transfer(command).TargetGrade, caseId), ct)),
            CanonicalOperations.TransferOutConfirm => Ack(await adapter.ConfirmTransferOutAsync(TransferReference(stored), ct)),
            CanonicalOperations.TransferOutCancel => Ack(await adapter.CancelTransferOutAsync(TransferReference(stored), ct)),
            _ => throw new NotSupportedException($"Operation {item.Operation} is not known."),
        };
    }

    /// <summary>The result of slow work as a step result: approved carries the new records (the child's ID masked), rejected its reason.</summary>
    private static StepResult FromSlowWork(string operation, SlowWorkResult result) => result.State switch
    {
        SlowWorkState.Approved => new StepResult(StepOutcome.Succeeded, null, operation switch
        {
            CanonicalOperations.NewbornRegister => new NewbornRegistered(IdNumberMask.Mask(result.IdNumber), result.HouseholdNo ?? ""),
            CanonicalOperations.TransferOutRequest => new TransferOutApproved(result.TransferId ?? ""),
            _ => throw new NotSupportedException($"Operation {operation} is not slow work."),
        }),
        SlowWorkState.Rejected => new StepResult(StepOutcome.Refused, result.Reason ?? "refused"),
        _ => throw new ArgumentException("Slow work still in progress has no step result.", nameof(result)),
    };

    private static async Task<StepResult> VerifyBirthAsync(IProvinceAdapter adapter, NewbornDetails details, CancellationToken ct)
    {
        var mother = details.Mother?.IdNumber ?? "";
        var answer = await adapter.VerifyBirthAsync(new(details.BirthCertificateNo, details.Child.Name, mother), ct);
        return Map(answer, r => new BirthCertificateCheck(r.Valid, r.Used,
            MatchesChild: r.BirthDate is null || (r.BirthDate == details.Child.BirthDate && (r.Sex is null || r.Sex == details.Child.Sex))));
    }

    private static async Task<StepResult> CheckStudentAsync(IProvinceAdapter adapter, SchoolTransferDetails details, CancellationToken ct)
    {
        var answer = await adapter.GetStudentRecordAsync(details.Student.StudentNo, ct);
        return Map(answer, r => new StudentRecordCheck(Wire(r.StudentStatus),
            Match: r.Name == details.Student.Name && string.Equals(r.IdNumber, details.Student.IdNumber, StringComparison.OrdinalIgnoreCase),
            SchoolMatch: r.SchoolCode == details.SourceSchoolCode));
    }

    private static StepResult Map<T>(ProvinceAnswer<T> answer, Func<T, StepData?> data) => answer.Kind switch
    {
        AnswerKind.Ok => new StepResult(StepOutcome.Succeeded, null, data(answer.Value!)),
        AnswerKind.NoRecord => new StepResult(StepOutcome.NoRecord, answer.Reason),
        _ => new StepResult(StepOutcome.Refused, answer.Reason),
    };

    private static StepResult Ack(ProvinceAnswer<Acknowledged> answer) => Map(answer, _ => null);

    private static StepResult Slow(ProvinceAnswer<SlowTicket> answer) => answer.Kind == AnswerKind.Ok
        ? new StepResult(StepOutcome.Waiting, null, new SlowWorkAccepted(answer.Value!.Ticket))
        : Map(answer, _ => null);

    private static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    private static MarriageDetails Marriage(OpenCaseCommand command) =>
        command.Marriage ?? throw new InvalidOperationException("The case has no marriage details.");

    private static NewbornDetails Newborn(OpenCaseCommand command) =>
        command.Newborn ?? throw new InvalidOperationException("The case has no newborn details.");

    private static SchoolTransferDetails Transfer(OpenCaseCommand command) =>
        command.SchoolTransfer ?? throw new InvalidOperationException("The case has no school-transfer details.");

    private static Person PersonOf(OpenCaseCommand command, ProvinceStep item) => item.Subject switch
    {
        "partyA" => Marriage(command).PartyA.ToPerson(),
        "partyB" => Marriage(command).PartyB.ToPerson(),
        "parent" => Newborn(command).RegisteringParent.ToPerson(),
        _ => throw new InvalidOperationException($"Unknown subject {item.Subject}."),
    };

    private static MarriageRegistration Registration(OpenCaseCommand command, string caseId)
    {
        var details = Marriage(command);
        return new MarriageRegistration(details.RegistryCode, details.PartyA.ToPerson(), details.PartyB.ToPerson(), caseId);
    }

    /// <summary>Whether <paramref name="stored"/> carries what the call for <paramref name="item"/> takes from the case row (the outcome it needs).</summary>
    public static bool Carries(StoredCase stored, ProvinceStep item)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(item);
        return item.Operation switch
        {
            CanonicalOperations.MaritalUpdate => stored.Record.Outcome is { CertificateNo: not null, RegisteredOn: not null },
            CanonicalOperations.TransferOutConfirm => stored.Record.Outcome?.TransferId is not null,
            _ => true,
        };
    }

    private static MaritalUpdate MaritalUpdateFor(StoredCase stored, ProvinceStep item)
    {
        var details = Marriage(stored.Command);
        var (self, spouse) = item.Subject == "partyA" ? (details.PartyA, details.PartyB) : (details.PartyB, details.PartyA);
        var outcome = stored.Record.Outcome ?? throw new InvalidOperationException("marital.update before the marriage was registered.");
        return new MaritalUpdate(self.IdNumber, self.Name, Provinces.MaritalStatus.Married,
            outcome.CertificateNo ?? throw new InvalidOperationException("No certificate number."),
            spouse.IdNumber, DateOnly.ParseExact(outcome.RegisteredOn!, "yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    private static NewbornRegistration NewbornRegistration(OpenCaseCommand command, string caseId)
    {
        var details = Newborn(command);
        return new NewbornRegistration(new Provinces.Newborn(details.Child.Name, details.Child.Sex, details.Child.BirthDate),
            details.RegisteringParent.ToPerson(), details.HouseholdDivision, details.BirthCertificateNo, caseId);
    }

    private static TransferOutReference TransferReference(StoredCase stored) =>
        new(Transfer(stored.Command).Student.StudentNo,
            stored.Record.Outcome?.TransferId ?? throw new InvalidOperationException("No transfer ID recorded."));
}
