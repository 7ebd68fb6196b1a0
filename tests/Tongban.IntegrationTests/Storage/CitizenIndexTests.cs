using System.Security.Cryptography;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>The citizen index on Azurite: keyed hashes only, idempotent writes, roles merged, found across a key rotation.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CitizenIndexTests(AzuriteFixture azurite)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private async Task<CitizenIndex> IndexAsync(PiiKeyRing ring)
    {
        await azurite.Tables.CreateTableIfNotExistsAsync(StorageNames.CitizenIndexTable, ct);
        return new CitizenIndex(azurite.Tables, ring);
    }

    private static (CaseRecord Record, OpenCaseCommand Command) Marriage(DateTimeOffset createdAt)
    {
        var command = CaseData.MarriageCommand("310000", "330000", "310000");
        return (CaseData.RecordFor(CaseData.NewCaseId(), command, createdAt), command);
    }

    [Fact]
    public async Task A_case_is_found_by_each_party_under_a_keyed_hash_and_no_row_holds_the_number()
    {
        var ring = CaseData.NewKeyRing();
        var index = await IndexAsync(ring);
        var (record, command) = Marriage(DateTimeOffset.UtcNow);
        await index.IndexCaseAsync(record, command, ct);
        await index.IndexCaseAsync(record, command, ct); // a retried open

        foreach (var id in new[] { CaseData.PartyAIdNumber, CaseData.PartyBIdNumber })
        {
            var found = Assert.Single(await index.FindAsync(id, ct));
            Assert.Equal((record.CaseId, CaseTypeNames.Marriage, "310000"), (found.CaseId, found.CaseType, found.HandlingProvince));
            Assert.Equal([CitizenRoles.Party], found.Roles);
            Assert.True((found.CreatedAt - record.CreatedAt).Duration() < TimeSpan.FromMilliseconds(1));

            var partition = Convert.ToHexStringLower(HMACSHA256.HashData(ring.Subkey("test", PiiPurpose.Lookup), System.Text.Encoding.UTF8.GetBytes(id)));
            var row = Assert.Single(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.CitizenIndexTable, partition, ct));
            Assert.Equal(record.CaseId, row.RowKey);
            Assert.DoesNotContain(TableRows.StringValues(row), v => v.Contains(id, StringComparison.OrdinalIgnoreCase) || v.Contains(id[^6..], StringComparison.Ordinal));
        }

        // The lookup subkey is its own: not the raw key, not another purpose's subkey.
        Assert.NotEqual(ring.KeyedHash(PiiPurpose.Idempotency, CaseData.PartyAIdNumber), ring.KeyedHash(PiiPurpose.Lookup, CaseData.PartyAIdNumber));
        Assert.Empty(await index.FindAsync("110101199003074477", ct));
    }

    [Fact]
    public async Task After_a_key_rotation_cases_indexed_under_the_older_key_are_still_found()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var newKey = RandomNumberGenerator.GetBytes(32);
        var before = new PiiKeyRing(new Dictionary<string, byte[]> { ["k2025"] = oldKey }, "k2025");
        var after = new PiiKeyRing(new Dictionary<string, byte[]> { ["k2025"] = oldKey, ["k2026"] = newKey }, "k2026");
        var (older, command) = Marriage(DateTimeOffset.UtcNow.AddDays(-30));
        var (newer, _) = Marriage(DateTimeOffset.UtcNow);
        await (await IndexAsync(before)).IndexCaseAsync(older, command, ct);
        var index = await IndexAsync(after);
        await index.IndexCaseAsync(newer, command, ct);

        Assert.Equal([older.CaseId, newer.CaseId], (await index.FindAsync(CaseData.PartyAIdNumber, ct)).Select(c => c.CaseId));
        // Each key's own hash: the older key alone finds only the older case, the new key alone only the newer.
        Assert.Equal([older.CaseId], (await (await IndexAsync(before)).FindAsync(CaseData.PartyAIdNumber, ct)).Select(c => c.CaseId));
        var newOnly = new PiiKeyRing(new Dictionary<string, byte[]> { ["k2026"] = newKey }, "k2026");
        Assert.Equal([newer.CaseId], (await (await IndexAsync(newOnly)).FindAsync(CaseData.PartyAIdNumber, ct)).Select(c => c.CaseId));
    }

    [Fact]
    public async Task The_newborns_issued_number_and_its_parents_find_the_case_with_their_roles()
    {
        var index = await IndexAsync(CaseData.NewKeyRing());
        var mother = new Party("340104199505021668", "于浩霞", "340000");
        var father = new Party("330110198402048375", "马伟雪", "330000");
        var command = new OpenCaseCommand(CaseType.NewbornRegistration, "NB-1", "340000", null,
            Newborn: new NewbornDetails(new NewbornChild("于思娟", Tongban.Provinces.Sex.Female, new DateOnly(2026, 10, 11)), "P330298434", "330000", "mother",
                mother, father, "340104"));
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow, CaseTypeNames.Newborn);
        await index.IndexCaseAsync(record, command, ct);
        const string child = "340104202610110029";
        Assert.Empty(await index.FindAsync(child, ct));

        await index.IndexChildAsync(record, child, ct);
        await index.IndexChildAsync(record, child, ct);

        Assert.Equal([CitizenRoles.Child], Assert.Single(await index.FindAsync(child, ct)).Roles);
        Assert.Equal([CitizenRoles.Parent], Assert.Single(await index.FindAsync(mother.IdNumber, ct)).Roles);
        Assert.Equal([CitizenRoles.Parent], Assert.Single(await index.FindAsync(father.IdNumber, ct)).Roles);
    }

    [Fact]
    public async Task A_row_indexed_again_with_another_role_keeps_both_roles()
    {
        var index = await IndexAsync(CaseData.NewKeyRing());
        var (record, command) = Marriage(DateTimeOffset.UtcNow);
        await index.IndexCaseAsync(record, command, ct);

        // The same number indexed for the case again, in another role: one row, its roles merged.
        await index.IndexChildByHashAsync(record, index.HashOf(CaseData.PartyAIdNumber), ct);

        Assert.Equal([CitizenRoles.Child, CitizenRoles.Party], Assert.Single(await index.FindAsync(CaseData.PartyAIdNumber, ct)).Roles);
        Assert.Equal([CitizenRoles.Party], Assert.Single(await index.FindAsync(CaseData.PartyBIdNumber, ct)).Roles);
    }

    [Fact]
    public void Roles_name_each_person_once_with_every_part_they_play()
    {
        var student = new OpenCaseCommand(CaseType.SchoolTransfer, "ST-1", "310000", null,
            SchoolTransfer: new SchoolTransferDetails(new Student("G330106201001011234", "某某", "330106201001011234"), "330000", "S1", "S2", 5, "move"));
        Assert.Equal([CitizenRoles.Student], Assert.Single(CitizenRoles.Of(student)).Value);
        var marriage = CitizenRoles.Of(CaseData.MarriageCommand("310000", "330000", "310000"));
        Assert.Equal(2, marriage.Count);
        Assert.All(marriage.Values, roles => Assert.Equal([CitizenRoles.Party], roles));
    }
}
