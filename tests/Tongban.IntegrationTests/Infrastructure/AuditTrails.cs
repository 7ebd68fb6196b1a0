using Tongban.Audit;
using Tongban.Configuration;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>The audit trail over Azurite, signing with a key made for the test run.</summary>
public static class AuditTrails
{
    public static readonly AuditSigner Signer = AuditSigner.From(new AuditOptions { SigningKey = AuditSigner.NewKeyPair().PrivatePem, KeyId = "test" });

    public static AuditTrail OnAzurite(AzuriteFixture azurite, TimeProvider? time = null) => new(azurite.Tables, Signer, time ?? TimeProvider.System);
}
