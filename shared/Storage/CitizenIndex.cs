using Azure;
using Azure.Data.Tables;
using Tongban.Cases;
using Tongban.Provinces;

namespace Tongban.Storage;

/// <summary>The part a citizen plays in a case, as the operators' case search names it.</summary>
public static class CitizenRoles
{
    public const string Party = "party";
    public const string Parent = "parent";
    public const string Child = "child";
    public const string Student = "student";

    /// <summary>Every ID number a case's command names, with its role(s): the newborn's own number comes later, when issued.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Of(OpenCaseCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var roles = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        void Add(string? idNumber, string role)
        {
            if (string.IsNullOrEmpty(idNumber)) return;
            var set = new SortedSet<string>(StringComparer.Ordinal) { role };
            if (roles.TryGetValue(idNumber, out var earlier)) set.UnionWith(earlier);
            roles[idNumber] = set;
        }

        if (command.Marriage is { } m) { Add(m.PartyA.IdNumber, Party); Add(m.PartyB.IdNumber, Party); }
        if (command.Newborn is { } n) { Add(n.Mother?.IdNumber, Parent); Add(n.Father?.IdNumber, Parent); }
        if (command.SchoolTransfer is { } t) Add(t.Student.IdNumber, Student);
        return roles;
    }
}

/// <summary>One case a citizen is found in: no personal data, only what the index row holds.</summary>
public sealed record CitizenCase(string CaseId, IReadOnlyList<string> Roles, string CaseType, string HandlingProvince, DateTimeOffset CreatedAt);

/// <summary>
/// The citizen index (table <c>TongbanCitizenIndex</c>): partition = the keyed hash of an ID number (HMAC-SHA256 under the
/// ring's <see cref="PiiPurpose.Lookup"/> subkey, so the number is never stored and the hash cannot be recomputed without
/// the key), row = case ID; columns the roles, case type, handling province and creation time. Rows are upserts keyed by
/// (hash, case), so writing them again (a retried open) changes nothing. Written under the active key; searched under
/// every key of the ring, so a rotation leaves older cases findable while their key stays in the ring.
/// </summary>
public sealed class CitizenIndex(TableServiceClient tables, PiiKeyRing keys)
{
    private readonly TableClient table = tables.GetTableClient(StorageNames.CitizenIndexTable);

    /// <summary>Indexes every ID number the case's command names. Called before the case row is written, so a case is never unfindable.</summary>
    public Task IndexCaseAsync(CaseRecord record, OpenCaseCommand command, CancellationToken ct) =>
        Task.WhenAll(CitizenRoles.Of(command).Select(p => UpsertAsync(p.Key, record, p.Value, ct)));

    /// <summary>Indexes the newborn's own ID number once the police have issued it (role <c>child</c>).</summary>
    public Task IndexChildAsync(CaseRecord record, string childIdNumber, CancellationToken ct) =>
        IndexChildByHashAsync(record, HashOf(childIdNumber), ct);

    /// <summary>Indexes the newborn under its number's keyed hash, when only the hash was kept (<see cref="SlowWorkResult.IdNumberLookup"/>).</summary>
    public Task IndexChildByHashAsync(CaseRecord record, string lookupHash, CancellationToken ct) =>
        UpsertRowAsync(lookupHash, record, new SortedSet<string> { CitizenRoles.Child }, ct);

    /// <summary>The newborn's ID number in an approved registration, when it came in full (a kept result has it masked).</summary>
    public static string? IssuedChildId(SlowWorkResult result) =>
        result.State == SlowWorkState.Approved && Cases.Identity.ResidentIdNumber.Check(result.IdNumber, DateOnly.MaxValue, out var id) == Cases.Identity.ResidentIdProblem.None
            ? id!.Value : null;

    /// <summary>The result with its new ID number's keyed hash beside it, for a store that keeps the number masked.</summary>
    public SlowWorkResult WithLookup(SlowWorkResult result) =>
        IssuedChildId(result) is { } id ? result with { IdNumberLookup = HashOf(id) } : result;

    /// <summary>Every case that names <paramref name="idNumber"/> (normalised as <see cref="Cases.Identity.ResidentIdNumber"/> has it), oldest first.</summary>
    public async Task<IReadOnlyList<CitizenCase>> FindAsync(string idNumber, CancellationToken ct)
    {
        var found = new Dictionary<string, CitizenCase>(StringComparer.Ordinal);
        // A case indexed under an older key (and again under the active one, after a retry) is one case, its roles merged.
        foreach (var hash in keys.KeyedHashes(PiiPurpose.Lookup, idNumber).Distinct(StringComparer.Ordinal))
        {
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {hash}"), cancellationToken: ct))
            {
                var roles = (row.GetString("Roles") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                found[row.RowKey] = found.TryGetValue(row.RowKey, out var seen)
                    ? seen with { Roles = seen.Roles.Union(roles).Order(StringComparer.Ordinal).ToList() }
                    : new CitizenCase(row.RowKey, roles.Order(StringComparer.Ordinal).ToList(), row.GetString("CaseType") ?? "",
                        row.GetString("HandlingProvince") ?? "", row.GetDateTimeOffset("CreatedAt") ?? default);
            }
        }

        return found.Values.OrderBy(c => c.CreatedAt).ThenBy(c => c.CaseId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The keyed hash an ID number is indexed under now (the active key): what the operators' audit log names a search by.</summary>
    public string HashOf(string idNumber) => keys.KeyedHash(PiiPurpose.Lookup, idNumber);

    private Task UpsertAsync(string idNumber, CaseRecord record, IReadOnlySet<string> roles, CancellationToken ct) =>
        UpsertRowAsync(HashOf(idNumber), record, roles, ct);

    private async Task UpsertRowAsync(string partition, CaseRecord record, IReadOnlySet<string> roles, CancellationToken ct)
    {
        // Almost every row is new: one insert. A row already there (a retried open; in theory one number in two roles of a
        // case) gets the roles it holds merged in, conditional on its ETag, so a merge never loses a role.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await table.AddEntityAsync(Row(partition, record, roles), ct);
                return;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // There already: merge below.
            }

            var existing = await table.GetEntityIfExistsAsync<TableEntity>(partition, record.CaseId, ["Roles"], ct);
            if (!existing.HasValue) continue; // deleted meanwhile: insert again
            var all = new SortedSet<string>(roles, StringComparer.Ordinal);
            all.UnionWith((existing.Value!.GetString("Roles") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
            try
            {
                await table.UpdateEntityAsync(Row(partition, record, all), existing.Value.ETag, TableUpdateMode.Replace, ct);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404 && attempt < 10)
            {
                // Changed or deleted since read: again.
            }
        }
    }

    private static TableEntity Row(string partition, CaseRecord record, IReadOnlySet<string> roles) => new(partition, record.CaseId)
    {
        ["Roles"] = string.Join(',', roles.Order(StringComparer.Ordinal)),
        ["CaseType"] = record.CaseType,
        ["HandlingProvince"] = record.HandlingProvince,
        ["CreatedAt"] = record.CreatedAt,
    };
}
