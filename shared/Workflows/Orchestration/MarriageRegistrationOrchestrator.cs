using Microsoft.DurableTask;
using Tongban.Cases;

using Tongban.Provinces;

namespace Tongban.Workflows.Orchestration;

/// <summary>
/// Marriage registration (contracts/provinces/README.md): verify both parties at their hukou provinces
/// in parallel, officer review with a window, marriage.register at the handling province (the
/// irreversible step), then marital.update at both home provinces until it succeeds.
/// </summary>
public static class MarriageRegistrationOrchestrator
{

    public static async Task<CaseStatus> RunAsync(TaskOrchestrationContext context, CaseWorkflowInput input)
    {
        var flow = CaseFlow.Start(context, input);
        var steps = flow.Steps;
        var parties = input.Parties;

        // 1. Both parties, at their hukou provinces, in parallel: who they are and whether they are free to marry.
        //    From version 8 the four checks are told to the workflow in one event, and so are the two updates (OneEventPerBatch).
        var checks = ProvinceStepRunner.Together(input, parties.SelectMany(p => new[]
        {
            steps.Item(StepNames.VerifyResident, p.Role, CanonicalOperations.ResidentVerify, p.Province),
            steps.Item(StepNames.CheckMaritalStatus, p.Role, CanonicalOperations.MaritalStatus, p.Province),
        }).ToList());
        //    From version 5 the step handler's write of the last clear answer brings the case to review (ReviewOnLastCheck); from
        //    version 7 the checks' dispatch names the registration an approval sends (DecisionSendsRegistration).
        const string awaitingDecision = "awaiting the officer's decision";
        //    From version 10 the registration is told with the updates its success sends (RegistrationToldWithUpdates): one batch.
        var (registerItem, updates) = AfterApproval(input, steps);
        if (input.Version >= WorkflowVersions.RegisterSendsUpdates)
        {
            registerItem = registerItem with
            {
                Then = new ProvinceStepDispatch(input.CaseId, updates, context.CurrentUtcDateTime) { CompletesCase = true, OutcomeFromAnswer = true },
            };
        }

        var sendsOnApproval = input.Version >= WorkflowVersions.DecisionSendsRegistration;
        var verifying = steps.RunAsync(checks, new StepRun(CaseStatus.InProgress, Decides: CaseFlow.Refuses(Assess))
        {
            Move = input.Version < WorkflowVersions.ReviewOnLastCheck ? null : new CaseMove([.. checks.Select(c => c.StepKey)], CaseStatus.AwaitingReview,
                StepNames.OfficerReview, input.HandlingProvince, StepStatus.Waiting, awaitingDecision),
            OnApproval = sendsOnApproval ? registerItem : null,
        });
        if (await Task.WhenAny(verifying, flow.Withdrawal) == flow.Withdrawal)
        {
            return await flow.WithdrawAsync();
        }

        var verified = await verifying;
        var problem = CaseFlow.FirstProblem(checks, verified, Assess, out var failed);
        if (problem is not null)
        {
            return await flow.FinishAsync(failed ? CaseStatus.Failed : CaseStatus.Rejected, problem);
        }

        // 2. The couple appears before the handling province's officer, who decides through the API.
        //    From version 7 an approval's write at the API has sent the registration (the event says so), and a window that ends
        //    after it does not expire the case.
        StepChange? approval = null;
        var sent = false;
        if (!verified.Any(r => r.MovedCase))
        {
            await steps.RecordAsync(CaseStatus.AwaitingReview, [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Waiting, awaitingDecision)]);
        }
        using (var cancelWindow = new CancellationTokenSource())
        {
            var decision = context.WaitForExternalEvent<OfficerDecisionEvent>(CaseEvents.Decision(StepNames.OfficerReview), cancelWindow.Token);
            var window = context.CreateTimer(input.ReviewWindow, cancelWindow.Token);
            var first = await Task.WhenAny(decision, window, flow.Withdrawal);
            cancelWindow.Cancel();
            if (first == flow.Withdrawal)
            {
                return await flow.WithdrawAsync([steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Skipped, "withdrawn")]);
            }

            if (first == window)
            {
                const string expired = "no decision in the review window";
                var reason = $"review-expired: no decision within {input.ReviewWindow}";
                IReadOnlyList<StepChange> lapsed = [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Failed, expired)];
                if (!sendsOnApproval) return await flow.FinishAsync(CaseStatus.Expired, reason, lapsed);
                if (await flow.TryFinishAsync(CaseStatus.Expired, reason, lapsed, unlessDecided: StepNames.OfficerReview)) return CaseStatus.Expired;
                // The officer's approval was written first: the registration is on its way, its event behind.
                sent = true;
            }
            else
            {
                var given = await decision;
                flow.ContinueTrace(given.TraceParent);
                if (given.Decision != "approve")
                {
                    return await flow.FinishAsync(CaseStatus.Rejected, $"review-rejected: {given.Reason}",
                        [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Failed, $"rejected by {given.Officer}")]);
                }

                sent = given.Sent;
                approval = steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Succeeded, CaseFlow.ApprovedBy(given.Officer));
            }
        }

        // 3. The irreversible step: withdrawal is refused from here on (the gate is atomic with the API's withdrawal).
        //    From version 2 the approval, the gate and the dispatch are one write. From version 6 its message names the
        //    marital.update steps, which the step handler sends with its write of the success (RegisterSendsUpdates). From
        //    version 7 the approval's write at the API has sent it, as a rule.
        //    From version 9 the registration and the updates that follow it wait under one time-out (OneTimeoutAfterApproval),
        //    cancelled however the workflow leaves here.
        using var afterApproval = new CancellationTokenSource();
        try
        {
            var completes = input.Version >= WorkflowVersions.LastStepCompletes;
            var deadline = input.Version >= WorkflowVersions.OneTimeoutAfterApproval ? steps.Deadline(registerItem, afterApproval.Token) : null;
            StepResult register;
            if (sent)
            {
                register = (await steps.AwaitAsync([registerItem], new StepRun(CaseStatus.InProgress) { Deadline = deadline }))[0];
            }
            else if (input.Version < WorkflowVersions.FewerTurns)
            {
                await steps.RecordAsync(CaseStatus.InProgress, [approval!]);
                if (!await flow.EnterIrreversibleStepAsync(StepNames.RegisterMarriage)) return await flow.WithdrawAsync();
                register = await steps.RunOneAsync(registerItem);
            }
            else
            {
                var registering = await steps.TryRunAsync([registerItem],
                    new StepRun(CaseStatus.InProgress) { Changes = [approval!], IrreversibleStep = StepNames.RegisterMarriage, Deadline = deadline });
                if (registering is null) return await flow.WithdrawAsync([approval!]);
                register = registering[0];
            }
            // Orchestration time is UTC whatever its DateTime's kind says. A registration told cleared with its batch (version 10)
            // succeeded and sent the updates, the certificate recorded by that write: the workflow has no outcome of its own to take.
            var outcome = register.Cleared ? null : CaseFlow.OutcomeOf(register, new DateTimeOffset(context.CurrentUtcDateTime.Ticks, TimeSpan.Zero));
            if (outcome is null && !register.Cleared)
            {
                return register.Outcome switch
                {
                    StepOutcome.Refused or StepOutcome.NoRecord => await flow.FinishAsync(CaseStatus.Rejected, $"registration-refused: {register.Reason}"),
                    StepOutcome.Failed => await flow.FinishAsync(CaseStatus.Failed, CaseFlow.FailureReason(registerItem, register)),
                    _ => await flow.FinishAsync(CaseStatus.Failed, "registration-failed: no certificate number in the answer"),
                };
            }

            if (input.Version < WorkflowVersions.FewerTurns) await steps.RecordAsync(outcome: outcome);

            // 4. Both home provinces record the marriage; a registered marriage is never undone, so this is retried until it succeeds.
            //    From version 2 the certificate is recorded with their dispatch; from version 4 the last of them completes the case;
            //    from version 6 the step handler has sent them, and recorded the certificate, when the answer says so.
            var updating = new StepRun(Retry: RetryMode.UntilSucceeded)
            {
                Outcome = input.Version < WorkflowVersions.FewerTurns ? null : outcome, CompletesCase = completes, Deadline = deadline,
            };
            if (register.SentNext || register.Cleared) await steps.AwaitAsync(updates, updating);
            else await steps.RunAsync(updates, updating);

            if (!completes) await steps.RecordAsync(CaseStatus.Completed, outcome: outcome);
            return CaseStatus.Completed;
        }
        finally
        {
            afterApproval.Cancel();
        }
    }

    /// <summary>
    /// The registration and the two marital updates its success sends: from version 10 one batch told together (the registration
    /// is told by the updates' event), from version 8 the updates a batch of their own, before that each step on its own.
    /// </summary>
    private static (ProvinceStep Register, IReadOnlyList<ProvinceStep> Updates) AfterApproval(CaseWorkflowInput input, ProvinceStepRunner steps)
    {
        var register = steps.Item(StepNames.RegisterMarriage, null, CanonicalOperations.MarriageRegister, input.HandlingProvince);
        var updates = input.Parties.Select(p => steps.Item(StepNames.UpdateMaritalStatus, p.Role, CanonicalOperations.MaritalUpdate, p.Province)).ToList();
        if (input.Version < WorkflowVersions.RegistrationToldWithUpdates) return (register, ProvinceStepRunner.Together(input, updates));
        var told = ProvinceStepRunner.Together(input, [register, .. updates]);
        return (told[0], [.. told.Skip(1)]);
    }

    /// <summary>Turns a verification answer into a rejection reason, or null when the party may marry.</summary>
    internal static string? Assess(ProvinceStep item, StepResult result) =>
        PartyChecks.Assess(item, result) ?? (item.Operation == CanonicalOperations.MaritalStatus && result.Data is MaritalStatusCheck { MaritalStatus: "married" }
            ? $"{item.Subject}.married: {item.Subject} is married"
            : null);
}
