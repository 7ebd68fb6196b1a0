using System.Diagnostics;
using System.Security.Cryptography;
using Tongban.Crypto;

namespace Tongban.Tests.Crypto;

/// <summary>
/// Checks the BouncyCastle wrappers against an independent implementation: the machine's OpenSSL
/// (3.x ships SM2, SM3 and SM4). Skipped, with the reason, where OpenSSL is absent or lacks them.
/// </summary>
public class OpenSslCrossCheckTests
{
    [OpenSslFact]
    public void Sm3_of_random_input_matches_openssl()
    {
        var input = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(1, 300));

        var expected = OpenSsl.Run(input, "dgst", "-sm3", "-binary");

        Assert.Equal(Convert.ToHexString(expected), Sm3.HashHex(input));
    }

    [OpenSslFact]
    public void Sm4_ecb_of_random_input_matches_openssl_both_ways()
    {
        var keyHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var input = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(0, 300));
        var sm4 = new Sm4Ecb(keyHex);

        var theirs = OpenSsl.Run(input, "enc", "-sm4-ecb", "-K", keyHex, "-nosalt");

        Assert.Equal(theirs, sm4.Encrypt(input));
        Assert.Equal(input, sm4.Decrypt(theirs));
    }

    [OpenSslFact]
    public void Sm2_signature_by_the_hub_verifies_in_openssl()
    {
        var data = RandomNumberGenerator.GetBytes(64);
        var signature = Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem).Sign(data);

        Assert.True(OpenSsl.VerifySm2(SandboxKeys.HubPublicKeyPem, data, signature));

        signature[^1] ^= 0x01;
        Assert.False(OpenSsl.VerifySm2(SandboxKeys.HubPublicKeyPem, data, signature));
    }

    [OpenSslFact]
    public void Sm2_signature_by_openssl_verifies_here()
    {
        var data = RandomNumberGenerator.GetBytes(64);

        var signature = OpenSsl.SignSm2(SandboxKeys.ProvincePrivateKeyPem, data);

        Assert.True(Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem).Verify(data, signature));
    }
}

/// <summary>A fact that runs only where <c>openssl</c> has SM2, SM3 and SM4-ECB.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    public OpenSslFactAttribute()
    {
        if (OpenSsl.MissingReason is { } reason) Skip = reason;
    }
}

internal static class OpenSsl
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static string? MissingReason => Missing.Value;

    public static byte[] Run(byte[] stdin, params string[] args)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
            if (!copy.Wait(TimeSpan.FromMinutes(1)) || !process.WaitForExit(TimeSpan.FromMinutes(1))) throw new TimeoutException("openssl did not finish within a minute");
            if (process.ExitCode != 0) throw new OpenSslFailedException(process.ExitCode, stderr.Result);
            return output.ToArray();
        }
        finally
        {
            // A failed write or a hung openssl leaves no process behind.
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    public static bool VerifySm2(string publicKeyPem, byte[] data, byte[] signature)
    {
        using var files = new TempFiles();
        var key = files.Write(publicKeyPem);
        var sig = files.Write(signature);
        try
        {
            Run(data, "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-digest", "sm3", "-sigfile", sig, "-pkeyopt", "distid:" + Sm2Signature.DefaultUserId);
            return true;
        }
        catch (OpenSslFailedException)
        {
            return false;
        }
    }

    public static byte[] SignSm2(string privateKeyPem, byte[] data)
    {
        using var files = new TempFiles();
        var key = files.Write(privateKeyPem);
        return Run(data, "pkeyutl", "-sign", "-inkey", key, "-rawin", "-digest", "sm3", "-pkeyopt", "distid:" + Sm2Signature.DefaultUserId);
    }

    private static string? Probe()
    {
        try
        {
            var digests = System.Text.Encoding.ASCII.GetString(Run([], "list", "-digest-algorithms"));
            var ciphers = System.Text.Encoding.ASCII.GetString(Run([], "list", "-cipher-algorithms"));
            if (!digests.Contains("SM3", StringComparison.OrdinalIgnoreCase)) return "openssl on this machine has no SM3";
            if (!ciphers.Contains("SM4-ECB", StringComparison.OrdinalIgnoreCase)) return "openssl on this machine has no SM4-ECB";
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or OpenSslFailedException)
        {
            return "openssl is not installed on this machine";
        }
    }

    private sealed class TempFiles : IDisposable
    {
        private readonly List<string> paths = [];

        public string Write(string text) => Write(System.Text.Encoding.ASCII.GetBytes(text));

        public string Write(byte[] bytes)
        {
            var path = Path.GetTempFileName();
            File.WriteAllBytes(path, bytes);
            paths.Add(path);
            return path;
        }

        public void Dispose()
        {
            foreach (var path in paths) File.Delete(path);
        }
    }
}

internal sealed class OpenSslFailedException(int exitCode, string stderr) : Exception($"openssl exited {exitCode}: {stderr}");
